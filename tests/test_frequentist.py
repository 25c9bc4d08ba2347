"""Classical counterparts of the Bayesian fits (ecostat.frequentist).

Reference values are hand computations (fractions/math only) stored with their
provenance in tests/results/frequentist_reference.json, plus independent
recomputations in the tests themselves (formulas, scipy, per-instance loops,
statsmodels on the expanded data).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import logit
from scipy.stats import binomtest, chi2

import ecostat as es
from conftest import RESULTS
from ecostat.data.profiles import ProfileTable
from ecostat.errors import DataError, EcostatError, UndefinedMetricError
from ecostat.frequentist import (
    bayes_mixed_glm,
    classical_counterparts,
    cochrans_q,
    gee_exchangeable,
    mcnemar_pairs,
)
from ecostat.frequentist.mixed_glm import DEFAULT_MAX_INSTANCES

REF = json.loads((RESULTS / "frequentist_reference.json").read_text())


@pytest.fixture(scope="module")
def ref_fm():
    return es.FailureMatrix(np.array(REF["table"]["failures"]), models=REF["table"]["models"])


def with_missing(fm, share, seed):
    """A copy of ``fm`` with a share of cells set missing (rows left all-missing are removed by the test)."""
    rng = np.random.default_rng(seed)
    F = fm.failures.astype(float)
    F[rng.random(F.shape) < share] = np.nan
    keep = ~np.isnan(F).all(axis=1)
    group = None if fm.group is None else np.asarray(fm.group)[keep]
    return es.FailureMatrix(F[keep], models=fm.models, group=group, group_name=fm.group_name)


def pairs_from_counts(pairs):
    """A two-model failure matrix with the given (n_a_only, n_b_only) and some concordant rows."""
    a, b = pairs
    return es.FailureMatrix([[1, 0]] * a + [[0, 1]] * b + [[1, 1]] * 7 + [[0, 0]] * 11, models=["a", "b"])


# -- Cochran's Q -------------------------------------------------------------------------------------
def test_cochrans_q_by_hand(ref_fm):
    X = REF["table"]["failures"]
    k = len(X[0])
    C = [sum(r[j] for r in X) for j in range(k)]
    R = [sum(r) for r in X]
    T = sum(C)
    Q = Fraction((k - 1) * (k * sum(c * c for c in C) - T * T), k * T - sum(r * r for r in R))
    ref = REF["cochran_q"]
    assert C == ref["column_failures_C"] and R == ref["row_failures_R"] and T == ref["T"]
    assert Q == Fraction(ref["Q_fraction"])
    got = cochrans_q(ref_fm)
    assert got.statistic == pytest.approx(float(Q), rel=1e-12)
    assert got.df == ref["df"] == k - 1
    assert got.p_value == pytest.approx(chi2.sf(float(Q), k - 1), rel=1e-10)
    assert got.p_value == pytest.approx(ref["p_value"], rel=1e-10)
    assert got.n_instances == len(X)
    np.testing.assert_allclose(got.failure_rates.to_numpy(), np.array(C) / len(X))
    # the same from the profile table
    assert cochrans_q(ref_fm.profile_table()).statistic == pytest.approx(float(Q), rel=1e-12)


def test_cochrans_q_with_two_models_is_uncorrected_mcnemar():
    fm = pairs_from_counts((13, 4))
    assert cochrans_q(fm).statistic == pytest.approx((13 - 4) ** 2 / (13 + 4), rel=1e-12)


def test_cochrans_q_missing_cells_is_an_error_with_the_fix(ref_fm):
    fm = with_missing(ref_fm, 0.15, seed=1)
    n_bad = int((fm.failures < 0).any(axis=1).sum())
    assert n_bad > 0
    with pytest.raises(DataError, match=rf"{n_bad} of {fm.n_instances} instance\(s\) have missing cells") as err:
        cochrans_q(fm)
    msg = str(err.value)
    assert "keep = (fm.failures >= 0).all(axis=1)" in msg and "fm.select" in msg
    # the fix from the message works
    keep = (fm.failures >= 0).all(axis=1)
    fixed = es.FailureMatrix(fm.failures[keep], models=fm.models, instance_ids=fm.instance_ids[keep])
    assert cochrans_q(fixed).n_instances == fm.n_instances - n_bad


def test_cochrans_q_bad_input():
    with pytest.raises(UndefinedMetricError, match="at least two"):
        cochrans_q(es.FailureMatrix([[1], [0]], models=["a"]))
    with pytest.raises(UndefinedMetricError, match="all or by none"):
        cochrans_q(es.FailureMatrix([[1, 1], [0, 0], [1, 1]], models=["a", "b"]))


# -- McNemar -----------------------------------------------------------------------------------------
def test_mcnemar_exact_and_chi_square_by_hand():
    exact_ref, chi_ref = REF["mcnemar"]
    got = mcnemar_pairs(pairs_from_counts((exact_ref["n_a_only"], exact_ref["n_b_only"])))
    row = got.iloc[0]
    assert (row.model_a, row.model_b, row.n_a_only, row.n_b_only, row.n) == ("a", "b", 9, 2, 9 + 2 + 7 + 11)
    assert row.method == "exact binomial"
    assert row.statistic == exact_ref["statistic"]
    assert row.p_value == pytest.approx(binomtest(2, 11, 0.5).pvalue, rel=1e-12)
    assert row.p_value == pytest.approx(float(Fraction(exact_ref["p_value_fraction"])), rel=1e-12)

    b, c = chi_ref["n_a_only"], chi_ref["n_b_only"]
    row = mcnemar_pairs(pairs_from_counts((b, c))).iloc[0]
    stat = (abs(b - c) - 1) ** 2 / (b + c)
    assert row.method == "chi-square, continuity-corrected"
    assert row.statistic == pytest.approx(stat, rel=1e-12)
    assert row.statistic == pytest.approx(float(Fraction(chi_ref["statistic_fraction"])), rel=1e-12)
    assert row.p_value == pytest.approx(chi2.sf(stat, 1), rel=1e-10)
    assert row.p_value == pytest.approx(chi_ref["p_value"], rel=1e-10)


def test_mcnemar_switches_to_chi_square_at_25_discordant():
    assert mcnemar_pairs(pairs_from_counts((13, 11))).method[0] == "exact binomial"  # 24 < 25
    assert mcnemar_pairs(pairs_from_counts((13, 12))).method[0].startswith("chi-square")  # 25
    forced = mcnemar_pairs(pairs_from_counts((13, 12)), exact=True).iloc[0]
    assert forced.p_value == pytest.approx(binomtest(12, 25, 0.5).pvalue, rel=1e-12)
    forced = mcnemar_pairs(pairs_from_counts((5, 1)), exact=False).iloc[0]
    assert forced.statistic == pytest.approx((4 - 1) ** 2 / 6, rel=1e-12)
    none = mcnemar_pairs(pairs_from_counts((0, 0)), exact=False).iloc[0]
    assert none.p_value == 1.0 and "no discordant" in none.method


def test_mcnemar_holm_and_pairwise_complete_by_hand(rng):
    from conftest import random_fm

    fm = random_fm(rng, n=400, k=4, missing=0.1)
    got = mcnemar_pairs(fm)
    F = fm.failures
    assert len(got) == 6
    for r in got.itertuples():
        a, b = fm.models.index(r.model_a), fm.models.index(r.model_b)
        both = (F[:, a] >= 0) & (F[:, b] >= 0)
        n_a = int(np.sum(both & (F[:, a] == 1) & (F[:, b] == 0)))
        n_b = int(np.sum(both & (F[:, a] == 0) & (F[:, b] == 1)))
        assert (r.n, r.n_a_only, r.n_b_only) == (int(both.sum()), n_a, n_b)
        p = binomtest(min(n_a, n_b), n_a + n_b, 0.5).pvalue if n_a + n_b < 25 else chi2.sf((abs(n_a - n_b) - 1) ** 2 / (n_a + n_b), 1)
        assert r.p_value == pytest.approx(p, rel=1e-9)
    # Holm by hand: sorted p times (m - rank), running maximum, capped at 1
    p = got.p_value.to_numpy()
    order = np.argsort(p)
    holm = np.minimum(np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]), 1.0)
    expected = np.empty_like(p)
    expected[order] = holm
    np.testing.assert_allclose(got.p_adjusted.to_numpy(), expected, rtol=1e-12)
    assert got.attrs["adjust"] == "holm"
    plain = mcnemar_pairs(fm, adjust=None)
    np.testing.assert_array_equal(plain.p_adjusted.to_numpy(), plain.p_value.to_numpy())


def test_mcnemar_bad_input():
    with pytest.raises(UndefinedMetricError, match="at least two"):
        mcnemar_pairs(es.FailureMatrix([[1], [0]], models=["a"]))
    with pytest.raises(EcostatError, match="unknown multiple-testing correction"):
        mcnemar_pairs(pairs_from_counts((3, 4)), adjust="nonsense")
    no_overlap = es.FailureMatrix([[1, np.nan], [0, np.nan], [np.nan, 1]], models=["a", "b"])
    with pytest.raises(UndefinedMetricError, match="no instance was met by both"):
        mcnemar_pairs(no_overlap)


# -- GEE ---------------------------------------------------------------------------------------------
def moment_alpha(F, mu, n_params):
    """statsmodels' Exchangeable.update written out per instance (ddof_scale = number of coefficients)."""
    ssr = n = pairs = n_pairs = 0.0
    for i in range(F.shape[0]):
        seen = [j for j in range(F.shape[1]) if F[i, j] >= 0]
        r = [(F[i, j] - mu[i, j]) / math.sqrt(mu[i, j] * (1 - mu[i, j])) for j in seen]
        ssr += sum(v * v for v in r)
        n += len(r)
        pairs += sum(r[a] * r[b] for a in range(len(r)) for b in range(a + 1, len(r)))
        n_pairs += len(r) * (len(r) - 1) / 2
    scale = ssr / (n - n_params)
    return pairs / scale / (n_pairs - n_params), scale


def test_gee_model_effects_are_logit_rates_and_alpha_by_hand(ref_fm):
    F = ref_fm.failures
    C = F.sum(axis=0)
    for engine in ("statsmodels", "profiles"):
        r = gee_exchangeable(ref_fm, engine=engine)
        assert r.engine == engine
        np.testing.assert_allclose(r.params.estimate, np.log(C / (len(F) - C)), rtol=0, atol=1e-8)
        np.testing.assert_allclose(r.params.estimate, REF["gee"]["estimates"], rtol=0, atol=1e-8)
        mu = np.tile(C / len(F), (len(F), 1))
        alpha, scale = moment_alpha(F, mu, 4)
        assert r.correlation == pytest.approx(alpha, abs=1e-8)
        assert r.correlation == pytest.approx(REF["gee"]["alpha"], abs=1e-8)
        assert r.scale == pytest.approx(scale, rel=1e-10) and scale == pytest.approx(REF["gee"]["scale"], rel=1e-12)
        assert (r.n_clusters, r.n_obs) == (12, 48)
    assert gee_exchangeable(ref_fm, engine="statsmodels").statsmodels_result is not None


def test_gee_group_effects_are_logit_group_rates():
    fm = es.simulate(n=3000, family="rasch", groups={"light": 0.6, "dark": 0.4}, group_location={"light": 0, "dark": 0.6},
                     seed=5)
    r = gee_exchangeable(fm, group=True, engine="profiles")
    g = np.asarray(fm.group)
    levels = list(fm.group.categories)
    base = logit(fm.failures[g == levels[0]].mean(axis=0))
    other = logit(fm.failures[g == levels[1]].mean(axis=0))
    np.testing.assert_allclose(r.params.estimate[:3], base, atol=1e-8)
    np.testing.assert_allclose(r.params.estimate[3:], other - base, atol=1e-8)
    assert r.params.term[3] == f"model[m1]:group[T.{levels[1]}]"
    # the group Wald test is the robust chi-square of the interaction block
    idx = np.arange(3, 6)
    b = r.params.estimate.to_numpy()[idx]
    w = b @ np.linalg.solve(r.cov_robust.to_numpy()[np.ix_(idx, idx)], b)
    assert r.group_test["statistic"] == pytest.approx(w) and r.group_test["df"] == 3
    assert r.group_test["p_value"] < 1e-6  # dark instances are harder for every model


def test_gee_profile_engine_equals_statsmodels_on_expanded_data():
    """Estimates, robust SEs and alpha of the collapsed fit equal statsmodels' GEE on the long data."""
    fm = es.simulate(n=500, family="rasch", groups={"a": 0.5, "b": 0.3, "c": 0.2}, group_location={"a": 0, "b": 0.5, "c": -0.3},
                     seed=2)
    fm = with_missing(fm, 0.15, seed=3)  # unequal cluster sizes: estimates are no longer closed-form
    for group in (False, True):
        a = gee_exchangeable(fm, group=group, engine="statsmodels")
        b = gee_exchangeable(fm, group=group, engine="profiles")
        sm_res = a.statsmodels_result
        np.testing.assert_allclose(b.params.estimate, np.asarray(sm_res.params), rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(b.params.se, np.asarray(sm_res.bse), rtol=1e-6)
        np.testing.assert_allclose(b.cov_robust.to_numpy(), np.asarray(sm_res.cov_robust), rtol=1e-6, atol=1e-12)
        assert b.correlation == pytest.approx(sm_res.model.cov_struct.dep_params, rel=1e-6)
        assert b.correlation_se == pytest.approx(a.correlation_se, rel=1e-6)
        assert list(b.params.term) == list(sm_res.params.index)
        # alpha matches the by-hand moment estimator at the fitted means, now with missing cells
        k, G = fm.n_models, (3 if group else 1)
        B = b.params.estimate.to_numpy().reshape(G, k)
        codes = np.asarray(fm.group.codes)
        H = np.ones((fm.n_instances, 1)) if not group else np.column_stack([np.ones(fm.n_instances)] + [codes == lev for lev in range(1, G)])
        mu = 1 / (1 + np.exp(-(H @ B)))
        alpha, _ = moment_alpha(fm.failures, mu, k * G)
        assert b.correlation == pytest.approx(alpha, abs=1e-8)


def test_statsmodels_weights_would_not_give_the_expanded_sandwich(ref_fm):
    """Why the profile engine exists: GEE(weights=counts) on the profile table has other robust SEs."""
    t = ref_fm.profile_table()
    rows = np.repeat(np.arange(t.n_profiles), t.n_models)
    y = t.patterns.ravel().astype(float)
    X = np.tile(np.eye(t.n_models), (t.n_profiles, 1))
    weighted = sm.GEE(y, X, groups=rows, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable(),
                      weights=np.repeat(t.counts, t.n_models).astype(float)).fit()
    exact = gee_exchangeable(ref_fm, engine="statsmodels").statsmodels_result
    assert not np.allclose(np.asarray(weighted.bse), np.asarray(exact.bse), rtol=1e-3)


def test_gee_correlation_se_agrees_with_instance_bootstrap():
    fm = es.simulate(n=3000, family="rasch", seed=7)
    t = fm.profile_table()
    r = gee_exchangeable(fm, engine="profiles")
    rng = np.random.default_rng(11)
    boots = []
    for _ in range(300):
        counts = rng.multinomial(t.n_instances, t.counts / t.n_instances)
        boots.append(gee_exchangeable(ProfileTable.from_counts(t.patterns, counts, models=t.models),
                                      engine="profiles").correlation)
    # 300 replicates: the bootstrap SD has a relative Monte Carlo error of about 1 / sqrt(600) = 4%
    assert r.correlation_se == pytest.approx(np.std(boots, ddof=1), rel=0.15)
    assert r.correlation_ci[0] < r.correlation < r.correlation_ci[1]
    assert r.correlation_p_value < 1e-10  # shared difficulty: the models fail the same instances


def test_gee_correlation_near_zero_under_independence():
    fm = es.simulate(n=4000, family="independence", failure_rates=[0.2, 0.3, 0.25], seed=4)
    r = gee_exchangeable(fm)
    assert abs(r.correlation) < 3 * r.correlation_se
    assert r.correlation_p_value > 0.01


def test_gee_bad_input(ref_fm):
    with pytest.raises(UndefinedMetricError, match="at least two"):
        gee_exchangeable(es.FailureMatrix([[1], [0]], models=["a"]))
    with pytest.raises(UndefinedMetricError, match=r"'b' has no failures .*fm.select"):
        gee_exchangeable(es.FailureMatrix([[1, 0], [0, 0], [1, 0]], models=["a", "b"]))
    with pytest.raises(DataError, match="group=True needs a grouping"):
        gee_exchangeable(ref_fm, group=True)
    with pytest.raises(EcostatError, match="unknown engine"):
        gee_exchangeable(ref_fm, engine="R")
    with pytest.raises(EcostatError, match=r"48 long-format rows .* engine='profiles'"):
        gee_exchangeable(ref_fm, engine="statsmodels", max_statsmodels_rows=10)
    only_one_each = es.FailureMatrix([[1, np.nan], [np.nan, 0], [0, np.nan], [np.nan, 1]], models=["a", "b"])
    with pytest.raises(UndefinedMetricError, match="two or more decisions"):
        gee_exchangeable(only_one_each)


# -- BinomialBayesMixedGLM ---------------------------------------------------------------------------
def test_bayes_mixed_glm_recovers_simulated_rasch_effects():
    kw = dict(family="rasch", failure_rates=[0.1, 0.25, 0.4])
    fm = es.simulate(n=2000, seed=21, **kw)
    truth = es.simulate_parameters(**kw)  # b = logit(f_j), sigma = 1.5
    r = bayes_mixed_glm(fm)
    fe = r.fixed_effects
    assert list(fe.term) == ["model[m1]", "model[m2]", "model[m3]"]
    # Tolerance: sampling error (posterior sd about 0.06 here) plus the known attenuation of mean-field VB,
    # which underestimates sigma with k = 3 decisions per instance and pulls b towards 0: over 10 simulated
    # data sets at N = 1,000-10,000 (sigma 1.5) the largest |b - truth| was 0.21 and sigma ranged 1.30-1.61.
    np.testing.assert_allclose(fe.post_mean, truth["b"], atol=0.3)
    assert np.all(np.diff(fe.post_mean) > 0)  # the order of the models is recovered
    assert 1.2 < r.instance_sd < 1.8
    assert r.instance_sd_ci[0] < r.instance_sd < r.instance_sd_ci[1]
    assert r.instance_sd == pytest.approx(np.exp(r.statsmodels_result.vcp_mean[0]))  # vcp is log sd
    assert r.max_gradient <= 1.0
    assert (r.n_instances, r.n_obs) == (2000, 6000)


def test_bayes_mixed_glm_same_optimum_as_statsmodels_default_optimizer():
    from scipy import sparse
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    fm = es.simulate(n=150, family="rasch", seed=3)
    ours = bayes_mixed_glm(fm)
    F = fm.failures
    ii, jj = np.nonzero(F >= 0)
    Z = sparse.csr_array((np.ones(ii.size), (np.arange(ii.size), ii)), shape=(ii.size, F.shape[0]))
    ref = BinomialBayesMixedGLM((F[ii, jj] == 1).astype(float), np.eye(3)[jj], Z, np.zeros(F.shape[0], dtype=int)).fit_vb(rng=0)
    np.testing.assert_allclose(ours.fixed_effects.post_mean, ref.fe_mean, atol=0.01)
    np.testing.assert_allclose(ours.fixed_effects.post_sd, ref.fe_sd, rtol=0.02)
    assert ours.log_sd_mean == pytest.approx(ref.vcp_mean[0], abs=0.01)


def test_bayes_mixed_glm_size_limit_names_size_limit_and_fix():
    fm = es.simulate(n=DEFAULT_MAX_INSTANCES + 1, family="rasch", seed=0)
    with pytest.raises(EcostatError) as err:
        bayes_mixed_glm(fm)
    msg = str(err.value)
    assert f"N = {DEFAULT_MAX_INSTANCES + 1:,}" in msg and f"max_instances = {DEFAULT_MAX_INSTANCES:,}" in msg
    assert "ecostat.fit(fm, 'rasch')" in msg and "subsample" in msg
    small = es.simulate(n=300, family="rasch", seed=0)
    with pytest.raises(EcostatError, match="max_instances = 100"):
        bayes_mixed_glm(small, max_instances=100)


def test_bayes_mixed_glm_missing_cells_and_bad_input():
    fm = with_missing(es.simulate(n=400, family="rasch", seed=8), 0.1, seed=9)
    r = bayes_mixed_glm(fm)
    assert r.n_obs == int((fm.failures >= 0).sum()) and r.n_instances == fm.n_instances
    with pytest.raises(UndefinedMetricError, match="at least two"):
        bayes_mixed_glm(es.FailureMatrix([[1], [0]], models=["a"]))
    with pytest.raises(UndefinedMetricError, match="'b' has no failures"):
        bayes_mixed_glm(es.FailureMatrix([[1, 0], [0, 0], [1, 0]], models=["a", "b"]))


# -- the summary tables ------------------------------------------------------------------------------
def test_classical_counterparts_tables_match_the_functions():
    fm = es.simulate(n=2000, family="rasch", groups={"light": 0.5, "dark": 0.5}, group_location={"light": 0, "dark": 0.5},
                     seed=1)
    tables = classical_counterparts(fm)
    assert [title for title, _ in tables] == ["Classical tests", "Pairwise McNemar tests"]
    tests = tables[0][1].set_index("method")
    q = cochrans_q(fm)
    assert tests.loc["Cochran's Q", "statistic"] == pytest.approx(q.statistic)
    assert tests.loc["Cochran's Q", "p_value"] == pytest.approx(q.p_value)
    g = gee_exchangeable(fm, group=True)
    row = tests.loc["GEE exchangeable working correlation (logit)"]
    assert row.estimate == pytest.approx(g.correlation) and row.p_value == pytest.approx(g.correlation_p_value)
    assert (row.ci_low, row.ci_high) == pytest.approx(g.correlation_ci)
    row = tests.loc["GEE Wald test of model:group terms"]
    assert row.statistic == pytest.approx(g.group_test["statistic"]) and row.df == 3
    assert set(tables[0][1].question) == {"do failure rates differ between decision-makers?",
                                          "do decision-makers fail the same instances?",
                                          "do failure rates differ between groups?"}
    pd.testing.assert_frame_equal(tables[1][1], mcnemar_pairs(fm))
    assert len(classical_counterparts(fm, group=False)[0][1]) == 2


def test_classical_counterparts_says_what_it_left_out():
    fm = with_missing(es.simulate(n=1000, family="rasch", seed=2), 0.1, seed=3)
    n_complete = int((fm.failures >= 0).all(axis=1).sum())
    tests = classical_counterparts(fm)[0][1].set_index("method")
    row = tests.loc["Cochran's Q"]
    assert row.n == n_complete and f"on the {n_complete} complete instances" in row.note
    assert tests.loc["GEE exchangeable working correlation (logit)", "n"] == fm.n_instances
    with pytest.raises(DataError, match="group=True needs a grouping"):
        classical_counterparts(fm, group=True)
    # a decision-maker without failures: the GEE row is empty and its note says why
    undefined = classical_counterparts(es.FailureMatrix([[1, 0], [0, 0], [1, 0]], models=["a", "b"]))[0][1]
    assert np.isfinite(undefined.statistic[0])
    assert np.isnan(undefined.estimate[1]) and undefined.note[1].startswith("not computed: decision-maker 'b' has no failures")


def test_classical_counterparts_at_287k_uses_the_profile_table():
    fm = es.simulate(n=287_000, family="rasch", seed=0)
    tests = classical_counterparts(fm)[0][1]
    assert list(tests.n) == [287_000, 287_000]
    assert tests.estimate[1] > 0.2 and tests.p_value[1] < 1e-100


def test_classical_counterparts_falls_back_and_skips_with_a_note(monkeypatch):
    # a group where one decision-maker never fails: no model-by-group terms, the correlation without them
    F = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 1], [0, 1, 1], [1, 1, 0]])
    fm = es.FailureMatrix(F, models=["a", "b", "c"], group=["x", "x", "x", "x", "y", "y", "y", "y"])
    tests = classical_counterparts(fm)[0][1].set_index("method")
    row = tests.loc["GEE exchangeable working correlation (logit)"]
    assert row.estimate == pytest.approx(gee_exchangeable(fm).correlation)
    assert "fitted without model-by-group terms" in row.note and "'b' has no failures in group 'x'" in row.note
    assert tests.loc["GEE Wald test of model:group terms", "note"].startswith("not computed")
    # too many profiles x coefficients for a summary: the rows stay, empty, with the way to run it
    from ecostat.frequentist import report

    monkeypatch.setattr(report, "GEE_MAX_COST", 10)
    tests = classical_counterparts(fm, group=False)[0][1]
    assert np.isnan(tests.estimate[1]) and "gee_exchangeable(fm) directly" in tests.note[1]
