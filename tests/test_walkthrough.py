"""The vignettes' helper (ecostat.report.walkthrough): figures to files, tables printed, fits checked, as a script."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ecostat.report.walkthrough import Walkthrough


def _fit(converged):
    diag = {"draws": 100, "chains": 2, "r_hat_max": 1.0 if converged else 1.05, "ess_bulk_min": 400.0,
            "divergences": 0, "converged": converged, "problems": [] if converged else ["R-hat 1.05 > 1.01"]}
    return SimpleNamespace(family="rasch", diagnostics=diag)


def test_script_mode_saves_figures_prints_tables_and_stops_at_an_unconverged_fit(tmp_path, capsys):
    w = Walkthrough(out=tmp_path / "figs", digits=2)
    assert not w.in_notebook
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    w.show(fig, "line")
    assert (tmp_path / "figs" / "line.png").stat().st_size > 0
    w.table(pd.DataFrame({"x": [1.23456]}), "T")
    assert "T\n   x\n1.23" in capsys.readouterr().out
    assert w.checked("good", lambda: _fit(True)).family == "rasch"
    with pytest.raises(RuntimeError, match="bad: the fit did not converge \\(R-hat 1.05 > 1.01\\)"):
        w.checked("bad", lambda: _fit(False))
    assert [row["fit"] for row in w.diagnostics] == ["good", "bad"] and w.diagnostics[0]["seconds"] >= 0
