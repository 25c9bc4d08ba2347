"""Core metrics (ecostat.descriptive.metrics) against plain-numpy references on the raw failure matrix.

References: Toups 2023 eq. 1-2 (observed and independence #failures
distributions) and Bommasani 2022 eq. 1-3 and App. A.3 eq. 10 (systemic failure,
H with missing cells), each computed row by row on the N x k matrix (1 failure,
0 success, -1 missing), never through ecostat helpers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import ecostat as es


# ----------------------------------------------------------------- references
def random_matrix(rng, n=80, k=4, missing=0.0):
    """Seeded 0/1 matrix with correlated columns; cells missing (-1) with probability `missing`,
    every row keeps at least one observed cell and every column has failures and successes."""
    rates = rng.uniform(0.2, 0.6, k)
    hard = rng.random(n) < 0.3
    F = (rng.random((n, k)) < np.where(hard[:, None], np.minimum(2 * rates, 0.95), rates / 2)).astype(int)
    if missing:
        M = rng.random((n, k)) < missing
        M[np.arange(n), rng.integers(0, k, n)] = False  # one observed cell per row at least
        F[M] = -1
    for j in range(k):  # guarantee a failure and a success in every column
        F[2 * j, j], F[2 * j + 1, j] = 1, 0
    return F


def ref_rates(F):
    return np.array([np.mean(F[F[:, j] >= 0, j] == 1) for j in range(F.shape[1])])


def ref_observed(F):
    n, k = F.shape
    out = np.zeros(k + 1)
    for i in range(n):
        out[int(np.sum(F[i] == 1))] += 1
    return out / n


def brute_pb(p):
    out = np.zeros(len(p) + 1)
    for outcome in itertools.product((0, 1), repeat=len(p)):
        prob = 1.0
        for x, pj in zip(outcome, p):
            prob *= pj if x else 1.0 - pj
        out[sum(outcome)] += prob
    return out


def ref_independence(F):
    """Mean over instances of the Poisson-Binomial of the models each instance met (padded to k+1)."""
    n, k = F.shape
    f = ref_rates(F)
    out = np.zeros(k + 1)
    for i in range(n):
        pb = brute_pb(f[F[i] >= 0])
        out[: len(pb)] += pb
    return out / n


def ref_systemic(F):
    return np.mean([np.all(F[i][F[i] >= 0] == 1) for i in range(F.shape[0])])


def ref_expected_systemic(F):
    f = ref_rates(F)
    return np.mean([np.prod(f[F[i] >= 0]) for i in range(F.shape[0])])


def ref_h(F):
    return ref_systemic(F) / ref_expected_systemic(F)


# ------------------------------------------------------------------ hand case
def test_small_fm_by_hand(small_fm):
    # columns fail on rows m1 {0,1,4,7}, m2 {0,1,2,4}, m3 {0,2,4,5}: each rate 4/8 = 0.5
    np.testing.assert_allclose(es.failure_rates(small_fm), [0.5, 0.5, 0.5])
    # row failure counts 3,2,2,0,3,1,0,1 -> t=0: 2, t=1: 2, t=2: 2, t=3: 2 -> 0.25 each
    np.testing.assert_allclose(es.failure_count_distribution(small_fm), [0.25] * 4)
    # independence: Binomial(3, 0.5) = [1, 3, 3, 1] / 8
    np.testing.assert_allclose(es.independence_distribution(small_fm), [0.125, 0.375, 0.375, 0.125])
    # systemic rows 0 and 4: 2/8 = 0.25; expected 0.5^3 = 0.125; H = 0.25 / 0.125 = 2; excess 0.125
    assert es.systemic_failure_rate(small_fm) == pytest.approx(0.25)
    assert es.expected_systemic_failure_rate(small_fm) == pytest.approx(0.125)
    assert es.homogenization(small_fm) == pytest.approx(2.0)
    assert es.systemic_excess(small_fm) == pytest.approx(0.125)


def test_missing_by_hand():
    F = np.array([[1, -1], [1, 1], [0, 1], [-1, 0]])
    fm = es.FailureMatrix(F)
    # m0 observed rows 0,1,2 -> 2/3; m1 observed rows 1,2,3 -> 2/3
    np.testing.assert_allclose(es.failure_rates(fm), [2 / 3, 2 / 3])
    # observed failures per row 1,2,1,0 -> [1/4, 2/4, 1/4]
    np.testing.assert_allclose(es.failure_count_distribution(fm), [0.25, 0.5, 0.25])
    # systemic: row 0 (only m0, failed) and row 1 -> 2/4
    assert es.systemic_failure_rate(fm) == pytest.approx(0.5)
    # expected: rows 0,3 met one model (2/3 each), rows 1,2 both (4/9): (2/3 + 4/9 + 4/9 + 2/3) / 4 = 5/9
    assert es.expected_systemic_failure_rate(fm) == pytest.approx(5 / 9)
    # H = 0.5 / (5/9) = 0.9
    assert es.homogenization(fm) == pytest.approx(0.9)
    # independence: rows 0,3 -> [1/3, 2/3, 0]; rows 1,2 -> [1/9, 4/9, 4/9]; mean = [2/9, 5/9, 2/9]
    np.testing.assert_allclose(es.independence_distribution(fm), [2 / 9, 5 / 9, 2 / 9])


# ------------------------------------------------------------- random matrices
@pytest.mark.parametrize("missing", [0.0, 0.25])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_reference(missing, seed):
    rng = np.random.default_rng(1000 + seed)
    k = 3 + seed  # k = 3, 4, 5
    F = random_matrix(rng, n=90, k=k, missing=missing)
    fm = es.FailureMatrix(F)
    assert fm.has_missing == (missing > 0)
    np.testing.assert_allclose(es.failure_rates(fm), ref_rates(F), rtol=1e-12)
    np.testing.assert_allclose(es.failure_count_distribution(fm), ref_observed(F), rtol=1e-12, atol=1e-15)
    indep = es.independence_distribution(fm)
    assert indep.shape == (k + 1,)
    np.testing.assert_allclose(indep, ref_independence(F), rtol=1e-10, atol=1e-14)
    assert indep.sum() == pytest.approx(1.0, abs=1e-12)
    assert es.systemic_failure_rate(fm) == pytest.approx(ref_systemic(F), rel=1e-12)
    assert es.expected_systemic_failure_rate(fm) == pytest.approx(ref_expected_systemic(F), rel=1e-12)
    assert es.homogenization(fm) == pytest.approx(ref_h(F), rel=1e-12)
    assert es.systemic_excess(fm) == pytest.approx(ref_systemic(F) - ref_expected_systemic(F), rel=1e-12, abs=1e-15)
    # the same numbers from the profile table and from a float/NaN-coded matrix
    t = fm.profile_table()
    assert es.homogenization(t) == pytest.approx(ref_h(F), rel=1e-12)
    Fn = np.where(F < 0, np.nan, F.astype(float))
    np.testing.assert_allclose(es.independence_distribution(es.FailureMatrix(Fn)), ref_independence(F), rtol=1e-10, atol=1e-14)


def test_no_missing_expected_systemic_is_product_of_rates(rng):
    F = random_matrix(rng, n=70, k=4)
    fm = es.FailureMatrix(F)
    assert es.expected_systemic_failure_rate(fm) == pytest.approx(np.prod(F.mean(axis=0)), rel=1e-12)
    np.testing.assert_allclose(es.independence_distribution(fm), brute_pb(F.mean(axis=0)), rtol=1e-12, atol=1e-15)


def test_independence_explicit_rates(rng):
    F = random_matrix(rng, n=50, k=3, missing=0.2)
    fm = es.FailureMatrix(F)
    r = np.array([0.1, 0.5, 0.7])
    expected = np.zeros(4)
    for i in range(F.shape[0]):
        pb = brute_pb(r[F[i] >= 0])
        expected[: len(pb)] += pb / F.shape[0]
    np.testing.assert_allclose(es.independence_distribution(fm, rates=r), expected, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- profile table
@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_profile_table_reconstructs_matrix(rng, missing):
    F = random_matrix(rng, n=120, k=4, missing=missing)
    group = rng.choice(["a", "b", "c"], size=F.shape[0])
    fm = es.FailureMatrix(F, group=group)
    t = fm.profile_table()
    assert t.counts.sum() == F.shape[0] == t.n_instances
    np.testing.assert_array_equal(t.patterns[t.inverse], F)
    np.testing.assert_array_equal(np.bincount(t.inverse, minlength=t.n_profiles), t.counts)
    np.testing.assert_array_equal(np.asarray(t.group_levels, dtype=object)[t.group_codes[t.inverse]], group)
    # rows are unique (profile, group) combinations
    keys = {(tuple(p), g) for p, g in zip(t.patterns.tolist(), t.group_codes.tolist())}
    assert len(keys) == t.n_profiles
    assert (t.counts > 0).all()


def expand(t, counts):
    """The raw matrix that a table with `counts` stands for."""
    return np.repeat(t.patterns.astype(int), np.asarray(counts, dtype=int), axis=0)


METRICS = [es.failure_rates, es.failure_count_distribution, es.independence_distribution, es.systemic_failure_rate,
           es.expected_systemic_failure_rate, es.homogenization, es.systemic_excess]


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_counts_batch_equals_separate_calls(rng, missing):
    F = random_matrix(rng, n=200, k=3, missing=missing)
    t = es.FailureMatrix(F).profile_table()
    batch = rng.multinomial(t.n_instances, t.counts / t.n_instances, size=2)  # (2, P)
    for metric in METRICS:
        got = np.asarray(metric(t, batch))
        assert got.shape[0] == 2, metric.__name__
        for r in range(2):
            np.testing.assert_allclose(got[r], np.asarray(metric(t, batch[r])), rtol=1e-12, err_msg=metric.__name__)
    # and each replicate equals the reference on the matrix those counts describe
    for r in range(2):
        Fr = expand(t, batch[r])
        np.testing.assert_allclose(es.failure_rates(t, batch[r]), ref_rates(Fr), rtol=1e-12)
        np.testing.assert_allclose(es.failure_count_distribution(t, batch[r]), ref_observed(Fr), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(es.independence_distribution(t, batch[r]), ref_independence(Fr), rtol=1e-10, atol=1e-14)
        assert es.systemic_failure_rate(t, batch[r]) == pytest.approx(ref_systemic(Fr), rel=1e-12)
        assert es.homogenization(t, batch[r]) == pytest.approx(ref_h(Fr), rel=1e-12)


def test_counts_nd_batch_shape(rng):
    F = random_matrix(rng, n=100, k=3, missing=0.2)
    t = es.FailureMatrix(F).profile_table()
    batch = rng.multinomial(100, t.counts / 100, size=(2, 3))
    assert es.failure_rates(t, batch).shape == (2, 3, 3)
    assert es.independence_distribution(t, batch).shape == (2, 3, 4)
    assert np.shape(es.homogenization(t, batch)) == (2, 3)
    np.testing.assert_allclose(es.homogenization(t, batch)[1, 2], es.homogenization(t, batch[1, 2]), rtol=1e-12)


def test_from_counts():
    pats = [[0, 0], [0, 1], [1, 0], [1, 1], [1, -1]]
    counts = [5, 2, 1, 3, 1]
    t = es.ProfileTable.from_counts(pats, counts, models=["a", "b"])
    assert t.n_instances == 12 and t.models == ("a", "b") and t.has_missing
    F = np.repeat(np.array(pats), counts, axis=0)
    # a: failures 1 + 3 + 1 = 5 of 12; b: failures 2 + 3 = 5 of 11 observed
    np.testing.assert_allclose(es.failure_rates(t), [5 / 12, 5 / 11])
    np.testing.assert_allclose(es.failure_rates(t), ref_rates(F))
    np.testing.assert_allclose(es.independence_distribution(t), ref_independence(F), rtol=1e-12)
    # systemic rows: 3 x [1,1] and the [1, -1] row -> 4/12
    assert es.systemic_failure_rate(t) == pytest.approx(4 / 12)
    assert es.homogenization(t) == pytest.approx(ref_h(F), rel=1e-12)
    assert es.homogenization(t) == pytest.approx(es.homogenization(es.FailureMatrix(F)), rel=1e-12)
    with pytest.raises(es.DataError):
        es.ProfileTable.from_counts(pats, [1, 2, 3])
    with pytest.raises(es.DataError):
        es.ProfileTable.from_counts(pats, [1, 2, 3, -1, 1])


# ----------------------------------------------------------------------- errors
def test_h_undefined_when_a_model_never_fails():
    fm = es.FailureMatrix([[1, 0], [0, 0], [1, 0]], models=["a", "never"])
    with pytest.raises(es.UndefinedMetricError, match="never"):
        es.homogenization(fm)
    assert es.systemic_failure_rate(fm) == 0.0  # still defined


def test_h_undefined_for_one_model():
    fm = es.FailureMatrix([[1], [0], [1]])
    with pytest.raises(es.UndefinedMetricError):
        es.homogenization(fm)


def test_row_without_observation_is_a_data_error():
    with pytest.raises(es.DataError):
        es.FailureMatrix([[1, 0], [-1, -1]])


@pytest.mark.parametrize("k, missing", [(45, 0.2), (70, 0.0)])
def test_profile_table_many_models(rng, k, missing):
    # k > 39 with missing cells / k > 62 without: rows can no longer be coded as one base-3/base-2 integer
    F = (rng.random((60, k)) < 0.3).astype(int)
    F[:10] = F[10:20]  # repeated rows must share a profile
    if missing:
        M = rng.random(F.shape) < missing
        M[:, 0] = False
        M[:10] = M[10:20]
        F[M] = -1
    fm = es.FailureMatrix(F, covariates=pd.DataFrame({"x": np.arange(60) % 3}))
    t = fm.profile_table()
    np.testing.assert_array_equal(t.patterns[t.inverse], F)
    np.testing.assert_array_equal(t.covariates["x"].to_numpy()[t.inverse], np.arange(60) % 3)
    assert t.counts.sum() == 60
    assert es.systemic_failure_rate(fm) == pytest.approx(ref_systemic(F), rel=1e-12)
    assert es.expected_systemic_failure_rate(fm) == pytest.approx(ref_expected_systemic(F), rel=1e-12)
    np.testing.assert_allclose(es.failure_rates(fm), ref_rates(F), rtol=1e-12)
