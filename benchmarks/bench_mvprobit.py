"""Benchmark: the mvprobit fit with the compiled GHK kernel against the PyTensor graph of the same likelihood.

Measures, in one run, each fit in a fresh process (interpreter, imports, compiling
and sampling; ``fit`` is ``es.fit`` alone), one after the other:

* LSAT (Bock & Lieberman 1970; 1,000 x 5, 30 profiles with a positive count,
  ``tests/results/lsat.json``) at the default settings (nutpie, 2 chains x 1,000
  draws after 1,000 tuning steps, target_accept 0.95, seed 1): the kernel
  (``ghk_kernel``, the default) and the graph (``pattern_log_prob_pt``, built
  inside ``expression_graph()``, exactly the model of ecostat before the kernel),
  with nutpie and with PyMC's NUTS (``sampler="pymc"``, the sampler of ecostat <= 0.1);
* FER+ with the papers' three APIs (``es.datasets.load("ferplus", models=["google",
  "microsoft", "facepp"])``), draws=1000, tune=1000, target_accept=0.9, nutpie:
  kernel and graph.

and prints the posterior means of mu and rho with their MCSE, so the two paths
can be checked to give the same posterior (differences within 3 MCSE).

Run: ``.venv/bin/python benchmarks/bench_mvprobit.py`` (about 20 minutes on 2
cores; ``--quick`` leaves out the PyMC runs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE = r'''
import contextlib, json, sys, time
t_start = time.perf_counter()
sys.path.insert(0, "tests")
import arviz as az
import ecostat as es
from ecostat.bayes.families.rasch_stats import expression_graph
path, sampler, data = sys.argv[1:4]
if data == "lsat":
    import lsat
    x, kw = lsat.table(), {}
else:
    x = es.datasets.load("ferplus", models=["google", "microsoft", "facepp"])
    kw = dict(draws=1000, tune=1000, target_accept=0.9)
ctx = expression_graph() if path == "graph" else contextlib.nullcontext()
t0, c0 = time.perf_counter(), time.process_time()
with ctx:
    res = es.fit(x, "mvprobit", seed=1, sampler=sampler, **kw)
out = {"fit_wall": time.perf_counter() - t0, "fit_cpu": time.process_time() - c0}
post = res.idata.posterior
out["process_wall"] = time.perf_counter() - t_start
for v in ("mu", "rho"):
    s = az.summary(post, var_names=[v], round_to="none")
    out[v] = {"mean": s["mean"].tolist(), "mcse": s["mcse_mean"].tolist(), "ess": s["ess_bulk"].tolist()}
print("RESULT " + json.dumps(out))
'''


def run_one(path: str, sampler: str, data: str) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", ONE, path, sampler, data], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise RuntimeError(p.stderr[-3000:])
    out = json.loads(line[0][7:])
    out["process_wall"] = wall
    return out


def main(argv=None) -> None:
    quick = "--quick" in (argv or sys.argv[1:])
    runs = [("kernel", "nutpie", "lsat"), ("graph", "nutpie", "lsat"), ("kernel", "nutpie", "ferplus"),
            ("graph", "nutpie", "ferplus")]
    if not quick:
        runs += [("kernel", "pymc", "lsat"), ("graph", "pymc", "lsat")]
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    results = {}
    for r in runs:
        res = results[r] = run_one(*r)
        print(f"{r[2]:8s} {r[1]:7s} {r[0]:7s} process {res['process_wall']:7.1f} s  fit {res['fit_wall']:7.1f} s  "
              f"fit CPU {res['fit_cpu']:7.1f} s", flush=True)
        print("  RESULT " + json.dumps({"run": r, **res}), flush=True)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    for data in ("lsat", "ferplus"):
        k = results.get(("kernel", "nutpie", data))
        for base in [("graph", "nutpie", data), ("graph", "pymc", data), ("kernel", "pymc", data)]:
            if k and base in results:
                b = results[base]
                print(f"{data}: {base[0]}/{base[1]} over kernel/nutpie: process {b['process_wall'] / k['process_wall']:.1f}x,"
                      f" fit {b['fit_wall'] / k['fit_wall']:.1f}x, fit CPU {b['fit_cpu'] / k['fit_cpu']:.1f}x")
        g = results.get(("graph", "nutpie", data))
        if k and g:
            for v in ("mu", "rho"):
                z = [abs(a - b) / (a_se ** 2 + b_se ** 2) ** 0.5 for a, b, a_se, b_se in
                     zip(k[v]["mean"], g[v]["mean"], k[v]["mcse"], g[v]["mcse"])]
                print(f"{data} {v}: largest |kernel - graph| / MCSE of the difference = {max(z):.2f}")


if __name__ == "__main__":
    main()
