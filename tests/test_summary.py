"""Summary rendering: text, LaTeX structure, HTML, frames."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

import ecostat as es
from ecostat.report.summary import latex_escape


@pytest.fixture
def summary():
    return es.describe(es.simulate(n=2000, groups={"a": 0.5, "b_c": 0.5}, seed=0), n_boot=50, hard_easy=True).summary()


def test_text_has_every_table(summary):
    text = summary.as_text()
    for name, _ in summary.tables:
        assert name in text


def test_latex_passes_the_structural_check(summary):
    from latex_check import assert_valid_latex

    assert_valid_latex(summary.as_latex(standalone=True))
    for broken in ("\\begin{center}x", "a_b", "\\begin{tabular}{ll}\na & b & c \\\\\n\\end{tabular}"):
        with pytest.raises(AssertionError):
            assert_valid_latex(broken)


def test_latex_is_balanced_and_escaped(summary):
    tex = summary.as_latex()
    assert tex.count("\\begin{tabular}") == tex.count("\\end{tabular}")
    assert tex.count("\\toprule") == len(summary.tables)
    body = re.sub(r"\\[a-zA-Z]+|\\[_&%$#{}]", "", tex)
    assert "_" not in body and "&" in tex  # every underscore escaped; & only as a column separator
    for line in tex.splitlines():
        if line.endswith("\\\\") and "&" in line and "tabular" not in line:
            n_cols = line.count(" & ") + 1
            assert n_cols >= 2
    assert latex_escape("50% of a_b & c") == r"50\% of a\_b \& c"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine on this machine")
def test_latex_compiles(summary, tmp_path):
    (tmp_path / "s.tex").write_text(summary.as_latex(standalone=True))
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "s.tex"], cwd=tmp_path, check=True, capture_output=True)


def test_html_and_frame(summary):
    html = summary._repr_html_()
    assert html.count("<table") == len(summary.tables) + 1
    frame = summary.to_frame()
    assert list(frame.columns)[0] == "table"


def test_number_formatting():
    # three significant digits; below 0.001 scientific; rounding noise is 0; missing is --
    s = es.Summary("T", tables=[("x", pd.DataFrame({"v": [0.5, 8.799e-05, 1e-9, -1.1e-16, float("nan")]}))])
    text = s.as_text()
    assert text.splitlines()[-5:] == ["   0.500", "8.80e-05", "1.00e-09", "       0", "      --"]
    assert "e-16" not in text
