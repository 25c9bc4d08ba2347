"""Group metrics (ecostat.descriptive.groups) against pandas groupby computations and the paper's toy scenarios.

References: Bommasani 2022 eq. 4 (FAIL_g), eq. 6 (UNFAIRNESS, sample variance),
eq. 7-9 (H_avg, H_unif, H_worst) and App. A.2 (two toy scenarios); Toups 2023
§5.2 (stratified observed vs independence distributions).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import ecostat as es


# ----------------------------------------------------------------- references
def random_grouped(rng, n=150, k=3, missing=0.0):
    """Failure matrix (-1 = missing) whose difficulty depends on the group, and group labels."""
    group = rng.choice(["g0", "g1", "g2"], size=n, p=[0.5, 0.3, 0.2])
    level = pd.Series(group).map({"g0": 0.2, "g1": 0.35, "g2": 0.5}).to_numpy()
    F = (rng.random((n, k)) < level[:, None] * rng.uniform(0.7, 1.3, k)).astype(int)
    if missing:
        M = rng.random((n, k)) < missing
        M[np.arange(n), rng.integers(0, k, n)] = False
        F[M] = -1
    for g in ("g0", "g1", "g2"):  # every model has a failure and a success in every group
        rows = np.flatnonzero(group == g)
        for j in range(k):
            F[rows[2 * j], j], F[rows[2 * j + 1], j] = 1, 0
    return F, group


def long_frame(F, group):
    """One row per observed cell: instance, group, model, fail."""
    n, k = F.shape
    df = pd.DataFrame({"instance": np.repeat(np.arange(n), k), "group": np.repeat(group, k),
                       "model": np.tile(np.arange(k), n), "fail": F.ravel()})
    return df[df.fail >= 0]


def ref_group_metrics(F, group):
    df = long_frame(F, group)
    fail_g = df.groupby(["group", "model"]).fail.mean().unstack("model").sort_index()  # (G, k)
    fail = df.groupby("model").fail.mean().to_numpy()
    prod_g = fail_g.prod(axis=1)
    prod = np.prod(fail)
    p_i = df.groupby(["model", "group"]).size().unstack("group")  # instances of each group model i saw
    p_i = p_i.div(p_i.sum(axis=1), axis=0)
    p = p_i.prod(axis=0).reindex(fail_g.index)
    w = p / p.sum()
    return {
        "fail_g": fail_g.to_numpy(),
        "h_avg": float((w * prod_g).sum() / prod),
        "h_unif": float(prod_g.mean() / prod),
        "h_worst": float(prod_g.max() / prod),
        "unfairness": float(prod_g.var(ddof=1)),
        "weights": w.to_numpy(),
    }


# ------------------------------------------------------------------- hand case
def test_small_fm_by_hand(small_fm):
    # group a rows 0-3: m1 {0,1} -> 0.5, m2 {0,1,2} -> 0.75, m3 {0,2} -> 0.5; product 0.1875
    # group b rows 4-7: m1 {4,7} -> 0.5, m2 {4} -> 0.25, m3 {4,5} -> 0.5; product 0.0625
    np.testing.assert_allclose(es.group_failure_rates(small_fm), [[0.5, 0.75, 0.5], [0.5, 0.25, 0.5]])
    # overall product 0.5^3 = 0.125; equal group sizes -> H_avg = H_unif = (0.1875 + 0.0625) / 2 / 0.125 = 1
    assert es.h_avg(small_fm) == pytest.approx(1.0)
    assert es.h_unif(small_fm) == pytest.approx(1.0)
    # H_worst = 0.1875 / 0.125 = 1.5
    assert es.h_worst(small_fm) == pytest.approx(1.5)
    # sample variance of (0.1875, 0.0625) = (0.125)^2 / 2 = 0.0078125
    assert es.unfairness(small_fm) == pytest.approx(0.0078125)


# ------------------------------------------------------------- random matrices
@pytest.mark.parametrize("missing", [0.0, 0.3])
@pytest.mark.parametrize("seed", [0, 1])
def test_group_metrics_match_pandas(missing, seed):
    rng = np.random.default_rng(500 + seed)
    F, group = random_grouped(rng, n=150, k=3 + seed, missing=missing)
    fm = es.FailureMatrix(F, group=group)
    ref = ref_group_metrics(F, group)
    np.testing.assert_allclose(es.group_failure_rates(fm), ref["fail_g"], rtol=1e-12)
    assert es.h_avg(fm) == pytest.approx(ref["h_avg"], rel=1e-12)
    assert es.h_unif(fm) == pytest.approx(ref["h_unif"], rel=1e-12)
    assert es.h_worst(fm) == pytest.approx(ref["h_worst"], rel=1e-12)
    assert es.unfairness(fm) == pytest.approx(ref["unfairness"], rel=1e-12)
    if not missing:  # same people in every column: w_g proportional to freq(g)^k
        freq = pd.Series(group).value_counts(normalize=True).sort_index().to_numpy()
        w = freq ** F.shape[1] / np.sum(freq ** F.shape[1])
        np.testing.assert_allclose(ref["weights"], w, rtol=1e-12)
        prod_g = np.prod(ref["fail_g"], axis=1)
        assert es.h_avg(fm) == pytest.approx(np.sum(w * prod_g) / np.prod(F.mean(axis=0)), rel=1e-12)


def test_missing_weights_differ_from_frequency_power():
    # model 0 sees rows 0-5 (4 of group x), model 1 sees rows 2-7 (2 of group x): p^0(x) = 2/3, p^1(x) = 1/3
    F = np.array([[1, -1], [0, -1], [1, 1], [0, 0], [1, 1], [0, 0], [-1, 1], [-1, 0]])
    group = ["x", "x", "x", "x", "y", "y", "y", "y"]
    fm = es.FailureMatrix(F, group=group)
    # p(x) = 2/3 * 1/3 = 2/9 = p(y) -> equal weights.
    # FAIL_x = (2/4, 1/2), FAIL_y = (1/2, 2/4): products 1/4 each; FAIL = (3/6, 3/6) -> H_avg = (1/4) / (1/4) = 1
    assert es.h_avg(fm) == pytest.approx(1.0)
    ref = ref_group_metrics(np.array(F), np.array(group))
    np.testing.assert_allclose(ref["weights"], [0.5, 0.5])
    # unequal case: group sizes 5 and 3 but model 1 sees group x only once
    F2 = np.array([[1, 1], [0, -1], [1, -1], [0, -1], [1, -1], [0, 0], [1, 1], [0, 1]])
    g2 = np.array(["x"] * 5 + ["y"] * 3)
    ref2 = ref_group_metrics(F2, g2)
    # p^0 = (5/8, 3/8), p^1 = (1/4, 3/4): p = (5/32, 9/32) -> w = (5/14, 9/14)
    np.testing.assert_allclose(ref2["weights"], [5 / 14, 9 / 14])
    assert es.h_avg(es.FailureMatrix(F2, group=g2)) == pytest.approx(ref2["h_avg"], rel=1e-12)


# ------------------------------------------------------- App. A.2 toy scenarios
GROUPS = ["1", "1", "2", "2"]  # Alice, Angelique (group 1); Bob, Bernardo (group 2)


def test_scenario_1():
    # Alice, Bob failed by h1 only; Angelique, Bernardo by h2 only
    F = [[1, 0], [0, 1], [1, 0], [0, 1]]
    fm = es.FailureMatrix(F, group=GROUPS)
    assert es.homogenization(fm) == 0.0  # no systemic failure: 0 / (0.5 * 0.5)
    # each group: FAIL_g = (0.5, 0.5), product 0.25; overall 0.25 -> H_avg = H_unif = 1 > 0
    assert es.h_avg(fm) == pytest.approx(1.0)
    assert es.h_unif(fm) == pytest.approx(1.0)
    assert es.h_avg(fm) > es.homogenization(fm)


def test_scenario_2():
    # Alice, Bob failed by both; Angelique, Bernardo by neither
    F = [[1, 1], [0, 0], [1, 1], [0, 0]]
    fm = es.FailureMatrix(F, group=GROUPS)
    assert es.homogenization(fm) == pytest.approx(2.0)  # 0.5 / (0.5 * 0.5)
    for h in (es.h_avg, es.h_unif, es.h_worst):  # 0.25 / 0.25
        assert h(fm) == pytest.approx(1.0)
    assert es.unfairness(fm) == pytest.approx(0.0)


# -------------------------------------------------------------- stratified excess
def brute_pb(p):
    out = np.zeros(len(p) + 1)
    for outcome in itertools.product((0, 1), repeat=len(p)):
        out[sum(outcome)] += np.prod([pj if x else 1 - pj for x, pj in zip(outcome, p)])
    return out


def ref_distributions(F):
    """(observed, independence) #failures distributions with this matrix's own rates."""
    n, k = F.shape
    f = np.array([np.mean(F[F[:, j] >= 0, j] == 1) for j in range(k)])
    obs, base = np.zeros(k + 1), np.zeros(k + 1)
    for i in range(n):
        obs[np.sum(F[i] == 1)] += 1 / n
        pb = brute_pb(f[F[i] >= 0])
        base[: len(pb)] += pb / n
    return obs, base


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_stratified_excess(rng, missing):
    F, group = random_grouped(rng, n=120, k=3, missing=missing)
    fm = es.FailureMatrix(F, group=group)
    df = es.stratified_excess(fm)
    assert list(df.columns) == ["stratum", "n", "failures", "observed", "baseline", "difference", "ratio"]
    assert df.stratum.unique().tolist() == ["g0", "g1", "g2", "All"]
    for name in ["g0", "g1", "g2", "All"]:
        rows = np.ones(len(group), bool) if name == "All" else group == name
        obs, base = ref_distributions(F[rows])
        sub = df[df.stratum == name].sort_values("failures")
        assert sub.failures.tolist() == [0, 1, 2, 3]
        assert (sub.n == rows.sum()).all()
        np.testing.assert_allclose(sub.observed, obs, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(sub.baseline, base, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(sub.difference, obs - base, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(sub.ratio, obs / base, rtol=1e-10)
    # 'All' equals the whole-population metrics
    allrows = df[df.stratum == "All"].sort_values("failures")
    np.testing.assert_allclose(allrows.observed, es.failure_count_distribution(fm), rtol=1e-14)
    np.testing.assert_allclose(allrows.baseline, es.independence_distribution(fm), rtol=1e-14)
    # a stratum's baseline differs from the population's (it uses the stratum's own rates)
    g2 = df[df.stratum == "g2"].sort_values("failures").baseline.to_numpy()
    assert not np.allclose(g2, allrows.baseline.to_numpy())
    assert "All" not in es.stratified_excess(fm, include_all=False).stratum.tolist()


def test_stratified_excess_ratio_nan_where_baseline_zero():
    # group y: model 2 never fails -> baseline P(2 failures) = 0 there
    F = [[1, 1], [0, 1], [1, 0], [0, 0], [1, 0], [0, 0]]
    fm = es.FailureMatrix(F, group=["x", "x", "x", "x", "y", "y"])
    df = es.stratified_excess(fm)
    row = df[(df.stratum == "y") & (df.failures == 2)].iloc[0]
    assert row.baseline == 0.0 and row.observed == 0.0 and np.isnan(row.ratio)


# -------------------------------------------------------------------- binning
def test_bin_covariate_explicit_edges(rng):
    n = 40
    x = rng.uniform(0, 1, n)
    x[:3] = [0.0, 0.5, 1.0]  # lowest edge included, right edges closed
    F = (rng.random((n, 2)) < 0.4).astype(int)
    fm = es.FailureMatrix(F, covariates=pd.DataFrame({"agree": x}))
    edges = [0.0, 0.5, 0.8, 1.0]
    out = es.bin_covariate(fm, "agree", edges)
    labels = out.group.astype(str)
    # pandas.cut(include_lowest=True) widens the first interval by 0.1% of the range to hold 0.0
    assert out.group.categories.astype(str).tolist() == ["(-0.001, 0.5]", "(0.5, 0.8]", "(0.8, 1.0]"]
    expected_bin = np.where(x <= 0.5, 0, np.where(x <= 0.8, 1, 2))
    np.testing.assert_array_equal(np.asarray(out.group.codes), expected_bin)
    assert labels[0] == labels[1]  # 0.0 and 0.5 share the first bin
    np.testing.assert_array_equal(out.failures, F)
    # metrics of the binned matrix are the per-bin references
    ref = ref_group_metrics(F, expected_bin)
    np.testing.assert_allclose(es.group_failure_rates(out), ref["fail_g"], rtol=1e-12)


def test_bin_covariate_drops_empty_bins(rng):
    x = np.r_[rng.uniform(0, 0.4, 10), rng.uniform(0.6, 1.0, 10)]
    fm = es.FailureMatrix((rng.random((20, 2)) < 0.5).astype(int), covariates=pd.DataFrame({"v": x}))
    out = es.bin_covariate(fm, "v", [0, 0.4, 0.5, 1.0])  # (0.4, 0.5] is empty
    assert len(out.group.categories) == 2
    assert np.bincount(out.group.codes).tolist() == [10, 10]


def test_bin_covariate_quantiles(rng):
    n = 40
    x = rng.permutation(np.arange(n, dtype=float))  # distinct values 0..39
    F = (rng.random((n, 3)) < 0.4).astype(int)
    fm = es.FailureMatrix(F, covariates=pd.DataFrame({"v": x}))
    out = es.bin_covariate(fm, "v", 4)
    codes = np.asarray(out.group.codes)
    # quartile bins of 0..39 hold 10 values each: value v falls in bin v // 10
    np.testing.assert_array_equal(codes, (x // 10).astype(int))
    assert out.group_name == "v"


def test_bin_covariate_outside_bins_is_an_error(rng):
    fm = es.FailureMatrix([[1, 0], [0, 1], [1, 1]], covariates=pd.DataFrame({"v": [0.1, 0.5, 1.5]}))
    with pytest.raises(es.DataError):
        es.bin_covariate(fm, "v", [0, 0.5, 1.0])
    with pytest.raises(es.DataError):
        es.bin_covariate(fm, "nope", [0, 1])


# ---------------------------------------------------------------------- errors
def test_unused_categorical_level_is_a_data_error():
    group = pd.Categorical(["a", "a", "b"], categories=["a", "b", "c"])
    with pytest.raises(es.DataError, match="'c'"):
        es.FailureMatrix([[1, 0], [0, 1], [1, 1]], group=group)


def test_unfairness_needs_two_groups():
    fm = es.FailureMatrix([[1, 0], [0, 1], [1, 1]], group=["a", "a", "a"])
    with pytest.raises(es.UndefinedMetricError):
        es.unfairness(fm)


def test_group_h_undefined_when_model_never_fails():
    fm = es.FailureMatrix([[1, 0], [0, 0], [1, 0]], group=["a", "b", "b"])
    for h in (es.h_avg, es.h_unif, es.h_worst):
        with pytest.raises(es.UndefinedMetricError):
            h(fm)


def test_group_counts_batch(rng):
    F, group = random_grouped(rng, n=150, k=3, missing=0.2)
    t = es.FailureMatrix(F, group=group).profile_table()
    batch = rng.multinomial(t.n_instances, t.counts / t.n_instances, size=2)
    for metric in (es.h_avg, es.h_unif, es.h_worst, es.unfairness, es.group_failure_rates):
        got = np.asarray(metric(t, batch))
        for r in range(2):
            np.testing.assert_allclose(got[r], np.asarray(metric(t, batch[r])), rtol=1e-12, err_msg=metric.__name__)
    # replicate 0 equals the pandas reference on the matrix its counts describe
    rows = np.repeat(np.arange(t.n_profiles), batch[0])
    Fr = t.patterns[rows].astype(int)
    gr = np.asarray(t.group_levels, dtype=object)[t.group_codes[rows]]
    ref = ref_group_metrics(Fr, gr)
    assert es.h_avg(t, batch[0]) == pytest.approx(ref["h_avg"], rel=1e-12)
    assert es.unfairness(t, batch[0]) == pytest.approx(ref["unfairness"], rel=1e-12)


def test_group_rate_undefined_when_model_never_met_group():
    # model 1 met no instance of group b
    fm = es.FailureMatrix([[1, 1], [0, 1], [1, -1], [0, -1]], group=["a", "a", "b", "b"])
    with pytest.raises(es.UndefinedMetricError, match="'b'"):
        es.group_failure_rates(fm)
