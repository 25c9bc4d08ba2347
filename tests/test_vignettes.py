"""Every vignette runs end to end (small bootstrap), as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

VIGNETTES = sorted((ROOT / "vignettes").glob("*.py"))


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_runs(path: Path, tmp_path):
    env = {**os.environ, "ECOSTAT_OUT": str(tmp_path), "ECOSTAT_N_BOOT": "50", "ECOSTAT_DRAWS": "300",
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert any(tmp_path.glob("*.png"))


def test_there_is_a_vignette():
    assert VIGNETTES
