"""The package as a user gets it: build the wheel, install it where there is no repository, run the README.

What each test checks:

* ``test_wheel_ships_the_data``: the wheel holds every data file of ``ecostat.datasets`` (byte for byte the
  repository's, which ``test_datasets.py`` checks against the manifest), the provenance document and the
  licences, and stays small.
* ``test_wheel_runs_the_readme_from_a_fresh_venv``: default tier, offline. A fresh virtual environment in an
  empty temporary folder (no repository, no other data beside it) gets the wheel with ``--no-deps``; its
  dependencies (numpy, pandas, PyMC, ...) are borrowed from the environment running the tests through a
  ``.pth`` file that adds this environment's site-packages *as plain paths*: ``.pth`` files there (the
  editable install of the repository) are not processed, so the repository's ecostat stays unreachable,
  which the test asserts before installing (``import ecostat`` fails) and after (``ecostat.__file__`` is
  inside the fresh environment). Then the README's first Python block runs as a script,
  ``es.datasets.load("ferplus")`` gives the reference figures, and the installed ``ecostat`` command reads
  a file whose path ``python -m ecostat.datasets path ferplus`` printed.
* ``test_wheel_installs_with_its_dependencies``: ``slow`` tier, needs the package index. The same checks
  after a plain ``pip install ecostat-*.whl`` into a fully fresh environment, which also resolves the
  dependencies declared in ``pyproject.toml`` (minutes).

The wheel is built from a copy of the working tree (no ``build/`` leftovers, nothing written into the
repository), without build isolation when this environment has the setuptools that ``pyproject.toml``
requires (``make setup`` installs it with the test extra), so the default tier needs no network.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

import ecostat as es
from conftest import ROOT

IGNORE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                ".ruff_cache", "vignette_out", "_output", "*.png", "*.nc")
DATA_FILES = [p.name for p in es.datasets.path("ferplus").parent.iterdir()]


def readme_example() -> str:
    """The README's first ```python block: the example a new user runs first."""
    return re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)


def _setuptools_ready() -> bool:
    try:
        return int(importlib.metadata.version("setuptools").split(".")[0]) >= 77  # pyproject's build requirement
    except importlib.metadata.PackageNotFoundError:
        return False


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    isolation = ["--no-build-isolation"] if _setuptools_ready() else []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", tmp / "dist", src])
    (built,) = (tmp / "dist").glob("ecostat-*.whl")
    return built


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {**env, "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1"}


CHECK = """
import hashlib, json
import ecostat as es
fm = es.datasets.load("ferplus")
path = es.datasets.path("ferplus")
print(json.dumps({"file": es.__file__, "data": str(path), "version": es.__version__, "n": fm.n_instances,
                  "models": list(fm.models), "H": float(es.homogenization(fm)), "names": list(es.datasets.names()),
                  "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "reference": es.datasets.reference("ferplus"),
                  "provenance": es.datasets.provenance().splitlines()[0]}))
"""


def check_installed(env: Path, home: Path) -> None:
    """Run the README example, es.datasets.load("ferplus") and the command line with the ecostat of ``env``."""
    python = _bin(env, "python")
    (home / "example.py").write_text(readme_example(), encoding="utf-8")
    out = _run([python, "example.py"], cwd=home, env=_clean_env()).stdout
    # H of FER+ (reference 3.627), in its row of the summary, with three significant digits
    assert "Ecosystem-level description" in out and re.search(r"homogenization H\s+3\.63\s", out), out
    assert (home / "ferplus.png").stat().st_size > 0

    got = json.loads(_run([python, "-c", CHECK], cwd=home, env=_clean_env()).stdout)
    assert Path(got["file"]).resolve().is_relative_to(env.resolve()), got["file"]  # the wheel's ecostat ...
    assert not Path(got["file"]).resolve().is_relative_to(ROOT.resolve())  # ... not the repository's
    assert Path(got["data"]).resolve().is_relative_to(env.resolve())
    assert got["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert got["n"] == 6358 and got["models"] == ["google", "microsoft", "facepp"]
    assert got["H"] == pytest.approx(3.627, abs=1e-3) and got["reference"]["homogenization"] == 3.627
    assert got["sha256"] == es.datasets.manifest()["datasets"]["ferplus"]["sha256"]
    assert got["names"] == list(es.datasets.names())
    assert got["provenance"].startswith("# Data shipped with ecostat")

    data = _run([python, "-m", "ecostat.datasets", "path", "ferplus"], cwd=home, env=_clean_env()).stdout.strip()
    proc = _run([_bin(env, "ecostat"), "describe", data, "--models", "google,microsoft,facepp", "--bootstrap", "20",
                 "--json"], cwd=home, env=_clean_env())
    assert json.loads(proc.stdout)["n_instances"] == 6358


def test_wheel_ships_the_data(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for name in DATA_FILES:
            packed = z.read(f"ecostat/datasets/data/{name}")
            assert packed == es.datasets.path("ferplus").with_name(name).read_bytes(), name
        assert {"ecostat/datasets/PROVENANCE.md", "ecostat/datasets/licenses/Apache-2.0.txt",
                "ecostat/datasets/licenses/FERPlus-MIT.txt", "ecostat/datasets/__main__.py"} <= names
    assert len(DATA_FILES) == 12
    assert wheel.stat().st_size < 2e6  # 1.2 MB of data, 0.1-0.2 MB of code


def test_wheel_runs_the_readme_from_a_fresh_venv(wheel, tmp_path):
    env, home = tmp_path / "venv", tmp_path / "empty"
    home.mkdir()
    _run([sys.executable, "-m", "venv", "--without-pip", env])
    python = _bin(env, "python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    here = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in here), encoding="utf-8")
    probe = subprocess.run([python, "-c", "import ecostat"], cwd=home, env=_clean_env(), capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'ecostat'" in probe.stderr  # the repository is not reachable
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel])
    check_installed(env, home)


@pytest.mark.slow
def test_wheel_installs_with_its_dependencies(wheel, tmp_path):
    env, home = tmp_path / "venv", tmp_path / "empty"
    home.mkdir()
    _run([sys.executable, "-m", "venv", env])
    _run([_bin(env, "python"), "-m", "pip", "install", "--quiet", wheel], timeout=1800)
    check_installed(env, home)
