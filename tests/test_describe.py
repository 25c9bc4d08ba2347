"""describe(): contents, intervals from one set of replicates, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ecostat as es


@pytest.fixture(scope="module")
def grouped():
    return es.simulate(n=6000, groups={"a": 0.6, "b": 0.4}, group_scale={"b": 2.5}, seed=8)


def test_scalars_match_functions(grouped):
    d = es.describe(grouped, n_boot=200, seed=1)
    fm = grouped.ordered()
    assert d.scalars["homogenization"].estimate == pytest.approx(es.homogenization(fm))
    assert d.scalars["systemic_failure_rate"].estimate == pytest.approx(es.systemic_failure_rate(fm))
    assert d.group_scalars["h_worst"].estimate == pytest.approx(es.h_worst(fm))
    assert d.group_scalars["unfairness"].estimate == pytest.approx(es.unfairness(fm))
    np.testing.assert_allclose(d.failure_rates["estimate"], es.failure_rates(fm))


def test_intervals_equal_direct_bootstrap(grouped):
    d = es.describe(grouped, n_boot=300, seed=4)
    t = grouped.ordered().profile_table()
    r = es.bootstrap(t, es.h_avg, n_boot=300, seed=4)
    assert (d.group_scalars["h_avg"].lo, d.group_scalars["h_avg"].hi) == (pytest.approx(r.lo), pytest.approx(r.hi))


def test_models_subset_and_order(grouped):
    d = es.describe(grouped, models=["m3", "m1"], n_boot=0)
    assert d.models == ["m1", "m3"]
    assert d.to_dict()["n_models"] == 2


def test_covariates_do_not_change_results():
    fm = es.simulate(n=3000, covariate_effect=1.0, seed=3)
    plain = es.FailureMatrix(fm.failures, models=fm.models)
    a = es.describe(fm, n_boot=100, seed=2).to_dict()
    b = es.describe(plain, n_boot=100, seed=2).to_dict()
    assert a == b


def test_summary_renders(grouped):
    s = es.describe(grouped, n_boot=50, hard_easy=True).summary()
    text = s.as_text()
    assert "Group homogenization" in text and "Hard/easy" in text
    assert s.as_latex().count("\\begin{tabular}") == len(s.tables) + 1
    assert "<table" in s._repr_html_()
    frame = s.to_frame()
    assert frame["table"].nunique() == len(s.tables)


def test_stratified_table_and_intervals(grouped):
    d = es.describe(grouped, n_boot=200, seed=2)
    direct = es.stratified_excess(grouped.ordered(), n_boot=200, seed=2)
    pd.testing.assert_frame_equal(d.stratified[direct.columns].reset_index(drop=True), direct, check_exact=False)
    js = d.to_dict()["stratified"]
    assert len(js) == 3 * 4 and set(js[0]) == {"group", "failures", "observed", "baseline", "difference", "ratio"}


def test_json_has_pairwise_and_leader(grouped):
    js = es.describe(grouped, n_boot=50).to_dict()
    assert {p["models"][0] for p in js["pairwise"]} <= set(js["models"][i]["name"] for i in range(3))
    assert set(js["pairwise"][0]) == {"models", "kappa", "double_fault", "yules_q", "covariance", "pearson", "pmi", "h_pair"}
    assert len(js["leader_following"]) == 3
    assert set(js) >= {"min_exp", "exp_exp"}


def test_notes_for_missing_cells_and_no_hard_easy():
    F = es.simulate(n=2000, seed=1).failures.astype(float)
    F[:100, 0] = np.nan
    d = es.describe(es.FailureMatrix(F), n_boot=50, hard_easy=True)
    text = " ".join(d.notes)
    assert "100 missing cells" in text and "m1 100" in text and "hard/easy baseline skipped" in text
    assert d.to_dict()["models"][0]["n_observed"] in (1900, 2000)
    assert d.hard_easy is None and d.leader is None


def test_zero_systemic_failures_are_explained():
    fm = es.simulate(n=3000, family="independence", failure_rates=np.linspace(0.05, 0.5, 10), seed=1)
    d = es.describe(fm, n_boot=50)
    assert d.scalars["homogenization"].estimate == 0.0
    assert any("no instance was failed by all 10" in n for n in d.notes)


def test_undefined_pair_does_not_hide_the_others():
    fm = es.simulate(n=3000, seed=2)
    F = np.column_stack([fm.failures, np.zeros(3000, dtype=int)])  # a decision-maker that never fails
    d = es.describe(es.FailureMatrix(F, models=["a", "b", "c", "oracle"]), n_boot=50)
    defined = d.pairwise[(d.pairwise.model_a != "oracle") & (d.pairwise.model_b != "oracle")]
    assert defined["yules_q"].notna().all() and defined["yules_q_lo"].notna().all()
    assert d.pairwise.loc[d.pairwise.model_a == "oracle", "yules_q"].isna().all()
    assert any("yules_q is undefined (0/0) for pair(s)" in n for n in d.notes)


def test_small_group_note_and_intervals_survive():
    fm = es.simulate(n=3000, groups={"big": 0.999, "tiny": 0.001}, seed=5)
    d = es.describe(fm, n_boot=100)
    assert any("small group(s) tiny" in n for n in d.notes)
    big = d.stratified[d.stratified.stratum == "All"]
    assert big["difference_lo"].notna().all() and big["ratio_lo"].notna().all()
