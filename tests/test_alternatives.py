"""Alternative metrics of Bommasani 2022 App. A.4 (ecostat.descriptive.alternatives) against independent computations.

Covariance uses the population convention (np.cov(..., ddof=0)) because the
paper's eq. 12 is written with expectations; Pearson is ddof-free (np.corrcoef).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ecostat as es
from conftest import random_fm
from ecostat.descriptive.alternatives import (
    alternative_metrics_frame,
    exp_exp,
    exp_exp_losses,
    loss_homogenization,
    min_exp,
    min_exp_losses,
    pair_covariance,
    pair_homogenization,
    pair_pearson,
    pair_pmi,
    pairwise_metrics,
)


def check_pairs_against_numpy(fm):
    F = fm.failures
    got = pairwise_metrics(fm)
    for a in range(fm.n_models):
        for b in range(fm.n_models):
            if a == b:
                continue
            m = (F[:, a] >= 0) & (F[:, b] >= 0)
            x, y = F[m, a].astype(float), F[m, b].astype(float)
            h = np.mean(x * y) / (x.mean() * y.mean())  # per-instance products
            assert got["covariance"][a, b] == pytest.approx(np.cov(x, y, ddof=0)[0, 1], abs=1e-12)
            assert got["pearson"][a, b] == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
            assert got["h_pair"][a, b] == pytest.approx(h, rel=1e-12)
            assert got["pmi"][a, b] == pytest.approx(np.log(h), abs=1e-12)


def loop_reference(L, num_of, den_of):
    """Per-instance loop: eq. 16-18 with min/prod/mean over each row's observed cells (NaN = missing)."""
    means = np.nanmean(L, axis=0)
    num = np.mean([num_of(row[~np.isnan(row)]) for row in L])
    den = np.mean([den_of(means[~np.isnan(row)]) for row in L])
    return num / den


def test_hand_pairs(small_fm):
    # (m1, m2): n11 = 3 of 8, f1 = f2 = 4/8. cov = 3/8 - 1/4 = 0.125; H = (3/8) / (1/4) = 1.5
    # Pearson = 0.125 / sqrt(0.25 * 0.25) = 0.5; PMI = log 1.5
    got = pairwise_metrics(small_fm)
    assert got["covariance"][0, 1] == pytest.approx(0.125)
    assert got["h_pair"][0, 1] == pytest.approx(1.5)
    assert got["pearson"][0, 1] == pytest.approx(0.5)
    assert got["pmi"][0, 1] == pytest.approx(math.log(1.5))
    # (m1, m3): n11 = 2 of 8 -> cov = 2/8 - 1/4 = 0, H = 1, PMI = 0, Pearson = 0
    assert [got[k][0, 2] for k in ("covariance", "h_pair", "pmi", "pearson")] == pytest.approx([0, 1, 0, 0], abs=1e-15)
    # symmetric; diagonal = variance f(1 - f) = 0.25 and Pearson 1
    for v in got.values():
        np.testing.assert_allclose(v, np.swapaxes(v, -1, -2))
    assert np.diag(got["covariance"]) == pytest.approx([0.25] * 3)
    assert np.diag(got["pearson"]) == pytest.approx([1.0] * 3)


def test_random_against_numpy(rng):
    check_pairs_against_numpy(random_fm(rng))


def test_missing_cells_pairs(rng):
    fm = random_fm(rng, n=400, missing=0.25)
    assert fm.has_missing
    check_pairs_against_numpy(fm)


def test_pmi_is_log_h_for_two_models(rng):
    fm = random_fm(rng, k=2)
    assert pair_pmi(fm)[0, 1] == pytest.approx(math.log(es.homogenization(fm)), abs=1e-12)
    assert pair_homogenization(fm)[0, 1] == pytest.approx(es.homogenization(fm), rel=1e-12)
    assert pair_covariance(fm)[0, 1] == pytest.approx(es.systemic_excess(fm), abs=1e-12)  # eq. 12 = difference


def test_pmi_minus_inf_when_never_together():
    fm = es.FailureMatrix([[1, 0], [0, 1], [0, 0]])
    assert pair_pmi(fm)[0, 1] == -np.inf


def test_min_exp_exp_exp_hand(small_fm):
    # systemic: rows 0, 4 -> 2/8; f = (0.5, 0.5, 0.5). MinExp = 0.25 / 0.5 = 0.5; ExpExp = 0.25 / 0.5 = 0.5
    assert min_exp(small_fm) == pytest.approx(0.5)
    assert exp_exp(small_fm) == pytest.approx(0.5)
    # [[1,1],[0,1],[1,1],[0,0]]: systemic 2/4, f = (0.5, 0.75): MinExp 0.5/0.5 = 1, ExpExp 0.5/0.625 = 0.8
    fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    assert (min_exp(fm), exp_exp(fm)) == pytest.approx((1.0, 0.8))


def test_min_exp_relation_to_h(rng):
    # App. A.4.2: same numerator (systemic rate), so MinExp = H * prod f / f_best
    fm = random_fm(rng, k=4)
    f = fm.failure_rates
    assert min_exp(fm) == pytest.approx(es.homogenization(fm) * np.prod(f) / f.min(), rel=1e-12)
    assert exp_exp(fm) == pytest.approx(es.systemic_failure_rate(fm) / f.mean(), rel=1e-12)
    assert 0 <= min_exp(fm) <= 1


def test_losses_hand():
    L = [[0.5, 1.0], [1.0, 0.5], [0.0, 1.5]]
    # means (0.5, 1.0); products (0.5, 0.5, 0) -> 1/3; minima (0.5, 0.5, 0) -> 1/3
    assert loss_homogenization(L) == pytest.approx((1 / 3) / (0.5 * 1.0))  # 2/3
    assert min_exp_losses(L) == pytest.approx((1 / 3) / 0.5)  # 2/3
    assert exp_exp_losses(L) == pytest.approx((1 / 3) / 0.75)  # 4/9


def test_losses_against_loop_and_profile_table(rng):
    L = rng.gamma(2.0, 1.0, size=(200, 3))
    L[rng.random(L.shape) < 0.2] = np.nan
    L = L[~np.isnan(L).all(axis=1)]
    assert loss_homogenization(L) == pytest.approx(loop_reference(L, np.prod, np.prod), rel=1e-12)
    assert min_exp_losses(L) == pytest.approx(loop_reference(L, np.min, np.min), rel=1e-12)
    assert exp_exp_losses(L) == pytest.approx(loop_reference(L, np.min, np.mean), rel=1e-12)
    # 0-1 special case with missing cells: loss functions on the raw matrix = profile-table functions
    fm = random_fm(rng, n=300, k=3, missing=0.2)
    F01 = np.where(fm.failures < 0, np.nan, fm.failures).astype(float)
    assert loss_homogenization(F01) == pytest.approx(es.homogenization(fm), rel=1e-12)
    assert min_exp(fm) == pytest.approx(loop_reference(F01, np.min, np.min), rel=1e-12)
    assert exp_exp(fm) == pytest.approx(loop_reference(F01, np.min, np.mean), rel=1e-12)
    assert loss_homogenization(fm) == pytest.approx(es.homogenization(fm), rel=1e-12)


def test_counts_batch_equals_separate_calls(rng):
    t = random_fm(rng, n=200, k=3).profile_table()
    batch = np.stack([t.counts, rng.multinomial(t.n_instances, t.counts / t.n_instances)])
    single = [es.ProfileTable.from_counts(t.patterns, c, models=t.models) for c in batch]
    out = pairwise_metrics(t, counts=batch)
    for name, v in out.items():
        assert v.shape == (2, 3, 3)
        for r in range(2):
            np.testing.assert_allclose(v[r], pairwise_metrics(single[r])[name], rtol=1e-12)
    for f in (min_exp, exp_exp):
        np.testing.assert_allclose(f(t, counts=batch), [f(s) for s in single], rtol=1e-12)


def test_undefined_raise_and_nan_in_batch():
    fm = es.FailureMatrix([[0, 1, 1], [0, 0, 1], [0, 1, 1]], models=["a", "b", "c"])  # a never fails, c always
    with pytest.raises(es.UndefinedMetricError, match=r"'a' never fails"):
        pair_homogenization(fm)
    with pytest.raises(es.UndefinedMetricError, match=r"'a' never fails"):
        pair_pmi(fm)
    with pytest.raises(es.UndefinedMetricError, match=r"Pearson.*zero variance"):
        pair_pearson(fm.select(["b", "c"]))  # 'c' always fails
    with pytest.raises(es.UndefinedMetricError):
        alternative_metrics_frame(fm)
    assert pair_covariance(fm)[0, 1] == 0.0  # covariance stays defined
    t = fm.profile_table()
    h = pair_homogenization(t, counts=t.counts[None])
    assert np.isnan(h[0, 0, 1]) and h[0, 1, 2] == pytest.approx(1.0)
    with pytest.raises(es.UndefinedMetricError, match=r"'a'"):
        min_exp(fm)
    assert np.isnan(min_exp(t, counts=t.counts[None])).all()
    assert exp_exp(fm) == pytest.approx((0 / 3) / ((0 + 2 / 3 + 1) / 3))  # no systemic failure -> 0, defined
    with pytest.raises(es.UndefinedMetricError, match=r"'m1'"):
        min_exp_losses([[0.0, 1.0], [0.0, 2.0]])
    with pytest.raises(es.UndefinedMetricError, match="at least two"):
        loss_homogenization([[1.0], [2.0]])


def test_bad_losses():
    with pytest.raises(es.DataError, match=">= 0"):
        loss_homogenization([[1.0, -1.0]])
    with pytest.raises(es.DataError, match="no observed loss"):
        min_exp_losses([[1.0, 2.0], [np.nan, np.nan]])
