"""Tables for papers: numbers by kind, readable labels, LaTeX that compiles cleanly, HTML pages.

The compile tests run ``pdflatex`` on documents holding every summary the
package writes (describe, fit, compare, prior predictive) in a one-column and a
two-column article, and fail on an overfull box, a bitmap font or a wrong glyph
(:mod:`latex_check`). They are skipped where no TeX engine is installed
(``.ci/run`` installs one: texlive-latex-base, texlive-latex-recommended,
poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from latex_check import TEX_AVAILABLE, assert_valid_latex, compile_and_check, document

import ecostat as es
from ecostat.report.formatting import column_kind, format_interval, format_number, layout
from ecostat.report.latex import latex_escape, latex_number

needs_tex = pytest.mark.skipif(not TEX_AVAILABLE, reason="no pdflatex/pdftotext on this machine")


# -- numbers and labels ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, kind, text", [
    (0.0, "p", "< 0.001"), (0.00099, "p", "< 0.001"), (0.001, "p", "0.001"), (0.0421, "p", "0.042"),
    (1.0, "prob", "> 0.999"), (0.0, "prob", "< 0.001"), (0.5, "prob", "0.500"),
    (286.85, "int", "287"), (2.0, "int", "2"), (177.0, "count", "177"), (176.3, "count", "176"),
    (1.0110, "rhat", "1.011"), (5.8457, None, "5.85"), (-0.0603, None, "-0.0603"), (-3015.63, None, "-3016"),
    (5.966e-7, None, "5.97e-07"), (0.0, None, "0"), (-1e-17, None, "0"), (float("nan"), None, "--"),
    (True, None, "yes"), (3, "p", "3"),
])
def test_numbers_by_kind(value, kind, text):
    assert format_number(value, kind) == text


def test_kinds_from_names():
    assert [column_kind(n) for n in ("p_value", "McNemar p (Holm)", "PPC p, systemic-failure count", "P(> indep)",
                                     "P(> 0)", "weight", "ess_bulk", "ess_bulk_min", "r_hat_max", "n", "chains",
                                     "p_loo", "mean", "pmi")] == \
        ["p", "p", "p", "prob", "prob", "prob", "int", "int", "rhat", "int", "int", None, None, None]


def test_intervals_take_the_decimals_of_their_largest_number():
    assert format_interval(0.2042, 0.1879, 0.2225) == "[0.188, 0.223]"
    assert format_interval(-0.0119, -0.0239, 0.0000954, with_estimate=True) == "-0.0119 [-0.0239, 0.0001]"
    assert format_interval(5e-5, 1.2e-5, 1.19e-4, with_estimate=True) == "5.00e-05 [1.20e-05, 1.19e-04]"


def test_layout_labels_intervals_and_row_kinds():
    df = pd.DataFrame({"diagnostic": ["r_hat_max", "ess_bulk_min", "chains"], "value": [1.0113, 280.71, 2.0]})
    lay = layout(df, "Sampler diagnostics")
    assert [c.text for c in lay.columns[0].cells] == ["largest R-hat", "smallest bulk ESS", "chains"]
    assert [c.text for c in lay.columns[1].cells] == ["1.011", "281", "2"]
    # one interval: its own column beside the estimate; several: "estimate [lo, hi]" cells
    one = layout(pd.DataFrame({"model": ["a"], "estimate": [0.25], "ci_lo": [0.2], "ci_hi": [0.3]}), "Rates",
                 context="Intervals: 95% percentile bootstrap")
    assert [c.label for c in one.columns] == ["model", "estimate", "95% CI"]
    many = layout(pd.DataFrame({"group": ["a"], "H": [4.56], "H_low": [3.72], "H_high": [5.49], "gap": [-0.05],
                                "gap_low": [-0.06], "gap_high": [-0.04]}), "Disparity (95% HDI)")
    assert [c.label for c in many.columns] == ["group", "H", "ensemble gap"]
    assert many.columns[2].cells[0].text == "-0.0500 [-0.0600, -0.0400]"
    with pytest.raises(es.EcostatError, match="no column 'nope'"):
        layout(df, "x", columns=["nope"])


def test_pre_formatted_intervals_are_reformatted():
    df = pd.DataFrame({"quantity": ["homogenization H", "PPC p, systemic-failure count"],
                       "rasch": ["5.8457 [5.2488, 6.6255]", "0.0000"]})
    lay = layout(df, "Ecosystem quantities, mean [95% HDI]")
    assert [c.text for c in lay.columns[1].cells] == ["5.85 [5.25, 6.63]", "< 0.001"]
    long = lay.melt("fit")
    assert [c.label for c in long.columns] == ["quantity", "fit", "mean", "95% HDI"]
    assert long.spanning and long.groups == [0, 1]


# -- LaTeX escaping -------------------------------------------------------------------------------------------
def test_latex_escapes_what_ot1_fonts_misprint():
    assert latex_escape("P(> indep) | R-hat 1.013 > 1.01 < 2 --draws") == \
        r"P(\textgreater{} indep) \textbar{} R-hat 1.013 \textgreater{} 1.01 \textless{} 2 -{}-draws"
    assert latex_escape('a_b & 5% "q" ~^') == r"a\_b \& 5\% ''q'' \textasciitilde{}\textasciicircum{}"
    assert latex_number("-0.0603 [-0.064, 5.97e-07]") == r"$-$0.0603 [$-$0.064, $5.97\times10^{-7}$]"
    assert latex_number("[0.1, 0.2]").startswith("{}[")  # a row may not start with '[' (\\[<length>])
    assert latex_number("< 0.001") == r"$<$\,0.001"


# -- the Table API --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grouped_fm():
    return es.simulate(n=1500, groups={"light": 0.5, "dark": 0.5}, group_scale={"dark": 2.5}, seed=0)


@pytest.fixture(scope="module")
def description(grouped_fm):
    return es.describe(grouped_fm, n_boot=50, hard_easy=True, pairwise=True, seed=0).summary()


def test_one_table_with_caption_label_and_columns(description):
    t = description.table("Failure rates")
    assert t.title == "Failure rates (ascending)" and description.table(0).title == t.title
    tex = t.as_latex(caption="Failure rates of the three APIs", label="tab:rates")
    assert tex.startswith("\\begin{table}") and "\\caption{Failure rates of the three APIs}" in tex
    assert "\\label{tab:rates}" in tex and tex.count("\\toprule") == 1
    assert_valid_latex(tex)
    assert [c.label for c in t.latex_layout().columns] == ["model", "n", "failure rate", "95% CI"]
    head = tex.split("\\toprule")[1].split("\\midrule")[0]
    assert "model & n & " in head and "95\\% CI" in head  # long labels on two header lines
    only = t.as_latex(columns=["model", "failure_rate"])  # an estimate keeps its interval
    assert [c.label for c in t.latex_layout(["model", "failure_rate"]).columns] == ["model", "failure rate", "95% CI"]
    assert "95\\% CI" in only and "& n &" not in only
    bare = t.as_latex(float=False)
    assert bare.startswith("\\begin{tabular}") and "\\caption" not in bare
    with pytest.raises(es.EcostatError, match="no table named 'nope'"):
        description.table("nope")
    with pytest.raises(es.EcostatError, match="tables"):
        description.table("independence")  # ambiguous: several titles contain it
    with pytest.raises(es.EcostatError, match="span must be"):
        t.as_latex(span="wide")
    assert "\\begin{tabular}" in t.as_latex(shape="long") and t.to_frame().equals(description.tables[0][1])


def test_summary_latex_picks_tables(description):
    tex = description.as_latex(tables=["Failure rates", "Hard/easy"])
    assert tex.count("\\begin{table") == 2 and "\\caption{Ecosystem-level description}" not in tex
    full = description.as_latex()
    assert full.count("\\label{tab:ecosystem-level-description") == len(description.tables) + 1
    assert "systemic failure rate" in full and "systemic\\_failure" not in full  # readable labels, not code names
    assert "hdi\\_low" not in full and "ci\\_lo" not in full


def test_text_and_html_share_the_digits(description):
    text = description.as_text()
    html = description.as_html()
    lay = description.table("Failure rates").layout()
    for col in lay.columns[1:]:
        cell = col.cells[0].text
        assert cell in text and f">{cell}</td>" in html
    assert "95% CI" in text and "ci_lo" not in text and "ci_lo" not in html
    gap = description.table("Number of failures").layout()
    negative = [c.text for c in gap.columns[3].cells if c.text.startswith("-")]
    assert negative and f">\u2212{negative[0][1:]}</td>" in html  # minus signs in HTML


# -- HTML -----------------------------------------------------------------------------------------------------
def test_html_page_is_self_contained(description):
    page = description.as_html(standalone=True)
    assert page.startswith("<!DOCTYPE html>") and "<meta charset='utf-8'>" in page and "<style>" in page
    assert page.count("<table") == len(description.tables) + 1 and page.rstrip().endswith("</html>")
    assert "overflow-x: auto" in page and "text-align: right" in page
    assert re.search(r"<td class='num'>0\.\d+</td>", page)  # numbers right-aligned
    frag = description._repr_html_()
    assert not frag.startswith("<!DOCTYPE") and "<style>" in frag and frag == description.as_html()
    one = description.table("Failure rates").as_html(standalone=True)
    assert one.startswith("<!DOCTYPE html>") and one.count("<table") == 1


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="no chromium to take a screenshot")
def test_html_page_renders_in_a_browser(description, tmp_path):
    """Headless Chromium screenshot of the page: it renders, with a scrolling box for the wide tables."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    page = tmp_path / "summary.html"
    page.write_text(description.as_html(standalone=True), encoding="utf-8")
    shot = tmp_path / "summary.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=700,1600", page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"))
    assert img.shape[:2] == (1600, 700) and (img < 100).mean() > 0.005  # text was drawn


# -- pdflatex -------------------------------------------------------------------------------------------------
def latex_text(summary) -> str:
    """The words a summary's LaTeX shows (the tables in the layout the LaTeX uses), to find in the PDF."""
    parts = [summary.title] + [f"{k} {v}" for k, v in summary.header] + list(summary.notes)
    for i in range(len(summary.tables)):
        t = summary.table(i)
        lay = t.latex_layout()
        grid = lay.columns[1:] if lay.spanning else lay.columns
        parts += [t.title] + [c.label for c in grid] + [x.text for c in lay.columns for x in c.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def fits(grouped_fm):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)  # 200 draws may not pass R-hat < 1.01
        return {"rasch": es.fit(grouped_fm, "rasch", draws=200, tune=200, seed=1),
                "independence": es.fit(grouped_fm, "independence", draws=200, tune=200, seed=1)}


@pytest.fixture(scope="module")
def summaries(grouped_fm, description, fits):
    wide = es.simulate(n=800, failure_rates=[0.1, 0.15, 0.2, 0.25, 0.3, 0.35], groups={"a": 0.3, "b": 0.3, "c": 0.4},
                       seed=3)
    model = es.model("fail ~ model * group + (1 | instance:group)", grouped_fm)
    return {"describe": description, "describe_k6": es.describe(wide, n_boot=30, pairwise=True, seed=0).summary(),
            "fit": fits["rasch"].summary(), "compare": es.compare(fits["rasch"], fits["independence"]).summary(),
            "compare_3": es.compare(fits["rasch"], fits["independence"], fits["rasch"]).summary(),
            "prior_predictive": model.prior_predictive(draws=60, seed=0).summary()}


@needs_tex
@pytest.mark.parametrize("options", ["", "twocolumn"])
@pytest.mark.parametrize("kind", ["describe", "describe_k6", "fit", "compare", "compare_3", "prior_predictive"])
def test_latex_compiles_without_overfull_boxes_or_wrong_glyphs(summaries, kind, options, tmp_path):
    s = summaries[kind]
    tex = s.as_latex()
    assert_valid_latex(tex)
    text = compile_and_check(document(tex, options), tmp_path, plain=latex_text(s))
    assert all(f"Table {i + 1}:" in text for i in range(len(s.tables) + 1))  # every table made it


@needs_tex
def test_latex_standalone_and_one_table_compile(summaries, tmp_path):
    s = summaries["fit"]
    compile_and_check(s.as_latex(standalone=True), tmp_path, plain=latex_text(s), name="standalone")
    t = s.table("Ecosystem quantities")
    tex = t.as_latex(caption="Posterior ecosystem quantities", label="tab:q")
    assert tex.startswith("\\begin{table*}")  # too wide for a column: it spans both
    compile_and_check(document(tex, "twocolumn"), tmp_path, name="one")
    diag = s.table("Sampler diagnostics").as_latex(span="column")
    assert diag.startswith("\\begin{table}")
    compile_and_check(document(diag, "twocolumn"), tmp_path, name="diag")
    with pytest.warns(es.EcostatWarning, match="wider than a column") as caught:
        forced = t.as_latex(span="column")
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert "% wider than a column" in forced


@needs_tex
def test_the_checker_catches_what_it_should(tmp_path):
    with pytest.raises(AssertionError, match="Overfull"):
        compile_and_check(document("\\begin{tabular}{l}" + "x" * 400 + "\\end{tabular}", filler=False), tmp_path,
                          name="wide")
    with pytest.raises(AssertionError, match="\u00bf|\u00a1|not in the PDF"):
        compile_and_check(document("P(> indep) and a < b", filler=False), tmp_path, plain="P(> indep)", name="glyph")
    with pytest.raises(AssertionError, match="en dash"):
        compile_and_check(document("run --draws", filler=False), tmp_path, name="dash")
