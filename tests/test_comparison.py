"""`es.compare`: LOO ranking and ecosystem quantities of several fits side by side."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import ecostat as es
from ecostat.bayes.comparison import fit_names
from ecostat.report.summary import Summary


def _quiet_fit(fm, family, **kw):
    """A tiny fit; whether it passes the convergence limits does not matter to these tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)
        return es.fit(fm, family, **kw)


@pytest.fixture(scope="module")
def fm():
    return es.simulate(n=500, seed=0)


@pytest.fixture(scope="module")
def fits(fm):
    return {f: _quiet_fit(fm, f, draws=200, tune=200, seed=1) for f in ("independence", "rasch")}


@pytest.fixture(scope="module")
def summary(fits):
    return es.compare(fits["independence"], fits["rasch"]).summary()  # compare returns a Comparison result


def test_lazy_export():
    from ecostat.bayes import comparison

    assert es.compare is comparison.compare


def test_loo_table_ranks_rasch_first(summary, fits):
    assert isinstance(summary, Summary)
    (loo_name, loo), (q_name, _) = summary.tables
    assert loo_name == "Model comparison by PSIS-LOO" and q_name.startswith("Ecosystem quantities")
    assert loo.columns.tolist() == ["model", "family", "rank", "elpd_loo", "se", "p_loo", "elpd_diff", "dse",
                                    "weight", "warning"]
    assert loo["model"].tolist() == ["rasch", "independence"] and loo["rank"].tolist() == [0, 1]
    assert loo["elpd_loo"].iloc[0] == pytest.approx(fits["rasch"].loo().elpd)
    assert loo["elpd_diff"].iloc[0] == 0 and loo["elpd_diff"].iloc[1] > 2 * loo["dse"].iloc[1]
    assert loo["weight"].sum() == pytest.approx(1.0)
    assert dict(summary.header)["Best by LOO"] == "rasch"
    from latex_check import assert_valid_latex
    assert_valid_latex(summary.as_latex(standalone=True))
    assert "<table" in summary._repr_html_() and not summary.to_frame().empty


def test_quantities_side_by_side(summary, fits, fm):
    q = summary.tables[1][1]
    assert q.columns.tolist() == ["quantity", "observed", "rasch", "independence"]  # fits in rank order
    assert q["quantity"].tolist() == ["homogenization H", "systemic failure rate", "independence systemic rate",
                                      "ensemble gap (majority vs independence)", "PPC p, systemic-failure count"]
    interval = re.compile(r"^-?[\d.e+-]+ \[-?[\d.e+-]+, -?[\d.e+-]+\]$")
    for col in ("rasch", "independence"):
        assert all(interval.match(cell) for cell in q[col].iloc[:4]), q[col].tolist()
        p = float(q[col].iloc[4])
        assert 0 <= p <= 1
    h = fits["rasch"].quantity("homogenization")
    assert q["rasch"].iloc[0].startswith(f"{float(h['mean']):.4f} [")
    assert q["independence"].iloc[0].startswith("1.0000 [")  # H = 1 under independence, in every draw
    # observed column: the descriptive metrics of the data
    assert q["observed"].iloc[0] == pytest.approx(es.homogenization(fm))
    assert q["observed"].iloc[1] == pytest.approx(es.systemic_failure_rate(fm))
    assert q["observed"].iloc[2] == pytest.approx(es.expected_systemic_failure_rate(fm))
    assert q["observed"].iloc[4] == round(es.systemic_failure_rate(fm) * fm.n_instances)


def test_renderings(summary):
    text = summary.as_text()
    assert text.startswith("Model comparison") and "homogenization H" in text and "PPC p" in text
    assert "\\begin{tabular}" in summary.as_latex()
    assert "<table" in summary.as_html()
    frame = summary.to_frame()
    assert set(frame["table"]) == {name for name, _ in summary.tables}
    assert any("mid-p" in n for n in summary.notes)


def test_mapping_names_and_prob(fits):
    with pytest.warns(DeprecationWarning, match="prob= is now ci="):  # the old name still works
        s = es.compare({"shared difficulty": fits["rasch"], "independent": fits["independence"]}, prob=0.9)
    assert s.tables[0][1]["model"].tolist() == ["shared difficulty", "independent"]
    assert s.tables[1][0] == "Ecosystem quantities, mean [90% HDI]"
    assert s.tables[1][1].columns.tolist()[2:] == ["shared difficulty", "independent"]
    assert es.compare([fits["rasch"], fits["independence"]]).tables[0][1]["model"].tolist() == ["rasch", "independence"]


def test_repeated_family_is_numbered(fits):
    s = es.compare(fits["rasch"], fits["rasch"])
    assert sorted(s.tables[0][1]["model"]) == ["rasch_1", "rasch_2"]
    assert fit_names([fits["rasch"], fits["independence"]]) == ["rasch", "independence"]


def test_different_data_is_an_error(fits):
    other = _quiet_fit(es.simulate(n=300, family="independence", seed=5), "independence", draws=50, tune=50, seed=0)
    with pytest.raises(es.EcostatError, match=r"fits 'rasch' and 'other' were made on different data"):
        es.compare({"rasch": fits["rasch"], "other": other})


def test_nested_designs_pair_instances_on_the_finer_rows():
    import numpy as np

    from ecostat.bayes.loo_align import align_loo

    fm = es.simulate(n=600, family="rasch", groups={"a": 0.5, "b": 0.5}, group_scale={"a": 0.5, "b": 2.5},
                     covariate_effect=0.8, seed=7)
    fits = {"pooled": _quiet_fit(fm, "rasch", grouped=False, draws=200, tune=200, seed=1),
            "by group": _quiet_fit(fm, "rasch", draws=200, tune=200, seed=1),
            "covariate": _quiet_fit(fm, "rasch", grouped=False, covariates="x", draws=200, tune=200, seed=1)}
    aligned = align_loo({k: fits[k] for k in ("pooled", "by group")})
    for name in ("pooled", "by group"):  # elpd, se and p_loo do not depend on the rows
        assert aligned[name].elpd == pytest.approx(fits[name].loo().elpd)
        assert aligned[name].se == pytest.approx(fits[name].loo().se)
    np.testing.assert_array_equal(aligned["pooled"].counts, fits["by group"].design.counts)
    # by hand: each instance's pooled elpd is its pattern row's value
    pooled = fits["pooled"]
    index = {tuple(p): i for i, p in enumerate(pooled.design.patterns)}
    expect = [pooled.profile_loo().pointwise[index[tuple(p)]] for p in fits["by group"].design.patterns]
    np.testing.assert_array_equal(aligned["pooled"].pointwise, expect)
    s = es.compare({k: fits[k] for k in ("pooled", "by group")})
    assert s.tables[0][1]["model"].iloc[0] == "by group"  # the group scales differ 5-fold
    with pytest.raises(es.EcostatError, match="not nested"):
        es.compare(fits["by group"], fits["covariate"])


@pytest.mark.parametrize("bad, message", [
    ((), "at least one fit"),
    (({},), "at least one fit"),
    ((pd.DataFrame(),), "got DataFrame"),
    (({"x": 3},), "'x' is a int, not a FitResult"),
])
def test_bad_arguments(bad, message):
    with pytest.raises(es.EcostatError, match=re.escape(message)):
        es.compare(*bad)
