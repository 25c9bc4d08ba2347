"""Every vignette runs end to end in quick mode, as a user would run it: from another directory, as a script.

``ECOSTAT_QUICK=1`` is each vignette's documented quick mode (fewer draws, bootstrap replicates, seeds);
the documentation build (``make docs``) runs them at their full settings. A vignette stops with an
error when a Bayesian fit it shows has not converged, so this test also checks convergence at the
quick settings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

VIGNETTES = sorted((ROOT / "vignettes").glob("*.py"))
#: the walkthroughs that train scikit-learn models
NEEDS_SKLEARN = {"component_sharing", "ensembles_and_group_gaps"}


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_runs_in_quick_mode(path: Path, tmp_path):
    if path.stem in NEEDS_SKLEARN:
        pytest.importorskip("sklearn")
    out = tmp_path / "figures"
    env = {**os.environ, "ECOSTAT_QUICK": "1", "ECOSTAT_OUT": str(out), "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=900,
                          cwd=tmp_path)  # not the repository: a vignette must not depend on where it is run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert any(out.glob("*.png")), "a vignette run as a script saves its figures into ECOSTAT_OUT"
    assert "Traceback" not in proc.stderr
    print(f"{path.stem}: {time.perf_counter() - start:.0f} s in quick mode")


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_is_a_notebook_that_runs_anywhere(path: Path):
    text = path.read_text()
    assert text.startswith("# ---\n# jupyter:") and "format_name: percent" in text, "jupytext percent header"
    assert "# %%" in text
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "__file__" not in code, "__file__ is undefined in Jupyter"
    assert not re.search(r"\.\./|parents\[", code), "no paths built from the script's location"
    assert "ECOSTAT_QUICK" in text, "every vignette has the documented quick mode"


def test_there_is_a_vignette():
    assert len(VIGNETTES) >= 6
