# Two commands: `make demo` (set up + run the main job) and `make test` (set up + run the tests).
# Both create or reuse the virtual environment in .venv. `make docs` builds the documentation site
# (README, API reference, executed vignettes) into docs/_build/html.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ecostat-installed
DOCS_STAMP := $(VENV)/.ecostat-docs-installed
BENCH_STAMP := $(VENV)/.ecostat-bench-installed

.PHONY: setup demo test test-all bench bench-describe bench-fit bench-scan bench-speed bench-peers bench-mvprobit docs docs-quick clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecostat demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "slow or not slow"

# `make bench`: every benchmark of benchmarks/ at its documented settings, one after the other (about
# 2 to 2.5 hours on 2 shared cores; the times of each are at the top of BENCHMARKS.md). Do not use -j: timings
# of benchmarks running side by side are meaningless. Each has its own target and passes options through
# a variable, e.g. `make bench-peers PEERS_ARGS=--quick` or `make bench-scan SCAN_ARGS="--instances 1000000"`.
bench: bench-describe bench-scan bench-fit bench-speed bench-mvprobit bench-peers

bench-describe: $(STAMP)
	$(BIN)/python benchmarks/bench_describe.py $(DESCRIBE_ARGS)

bench-scan: $(STAMP)
	$(BIN)/python benchmarks/bench_scan.py $(SCAN_ARGS)

bench-fit: $(STAMP)
	$(BIN)/python benchmarks/bench_fit.py $(FIT_ARGS)

bench-speed: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py $(SPEED_ARGS)

bench-mvprobit: $(STAMP)
	$(BIN)/python benchmarks/bench_mvprobit.py $(MVPROBIT_ARGS)

bench-peers: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_peers.py $(PEERS_ARGS)

# the peer packages of bench_peers.py (girth, StepMix): the optional extra "bench"
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $(DOCS_STAMP)

# Executes every vignette at its full settings (about 15 minutes on 2 cores; re-runs only changed
# vignettes afterwards). ECOSTAT_DOCS_EXECUTE=off builds the pages without executing them.
docs: $(DOCS_STAMP)
	rm -rf docs/api/generated
	$(BIN)/python -m sphinx -b html -j 1 --keep-going docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

# Preview: the same site with every vignette in its quick mode (ECOSTAT_QUICK=1), a few minutes.
docs-quick: $(DOCS_STAMP)
	rm -rf docs/api/generated
	ECOSTAT_DOCS_QUICK=1 $(BIN)/python -m sphinx -b html -j 1 --keep-going docs docs/_build/html-quick
	@echo "site: docs/_build/html-quick/index.html"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/vignettes docs/api/generated
