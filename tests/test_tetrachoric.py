"""Maximum-likelihood tetrachoric correlations (ecostat.descriptive.tetrachoric)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri
from scipy.stats import multivariate_normal

import ecostat as es
from ecostat.descriptive.tetrachoric import bvn_cdf, tetrachoric, tetrachoric_from_counts, tetrachoric_matrix
from ecostat.errors import DataError, UndefinedMetricError


def simulate_probit(n, mu, omega, seed):
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal(mu, omega, size=n)
    return (z > 0).astype(np.int8)


def table(x, y):
    x, y = np.asarray(x), np.asarray(y)
    return [float(np.sum((x == a) & (y == b))) for a, b in ((1, 1), (1, 0), (0, 1), (0, 0))]


def test_bvn_cdf_matches_scipy():
    for h, k in [(0, 0), (0, 1.2), (0, -0.7), (1.1, 0), (-0.4, 0), (0.5, -1), (-1, -2), (2, 1.5), (-0.3, 0.8)]:
        for rho in (-0.95, -0.5, 0.0, 0.3, 0.9):
            ref = multivariate_normal([0, 0], [[1, rho], [rho, 1]], abseps=1e-12, releps=0).cdf([h, k])
            assert float(bvn_cdf(h, k, rho)) == pytest.approx(ref, abs=1e-9)


def test_recovers_rho_from_large_sample():
    mu = np.array([0.4, -0.9])
    for rho in (0.6, -0.3):
        F = simulate_probit(200_000, mu, [[1.0, rho], [rho, 1.0]], seed=int(10 * (rho + 1)))
        assert tetrachoric(F[:, 0], F[:, 1]) == pytest.approx(rho, abs=0.01)


def test_matrix_symmetric_unit_diagonal_and_close_to_truth():
    omega = np.array([[1.0, 0.5, 0.2, -0.1], [0.5, 1.0, 0.4, 0.0], [0.2, 0.4, 1.0, 0.3], [-0.1, 0.0, 0.3, 1.0]])
    F = simulate_probit(100_000, [0.3, -0.5, 0.0, 1.0], omega, seed=4)
    fm = es.FailureMatrix(F, models=["a", "b", "c", "d"])
    R = tetrachoric_matrix(fm)
    assert list(R.index) == list(R.columns) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(R.to_numpy(), R.to_numpy().T)
    np.testing.assert_array_equal(np.diag(R.to_numpy()), 1.0)
    np.testing.assert_allclose(R.to_numpy(), omega, atol=0.02)
    # same answer from the profile table, a plain array and column by column
    np.testing.assert_array_equal(tetrachoric_matrix(fm.profile_table()).to_numpy(), R.to_numpy())
    np.testing.assert_allclose(tetrachoric_matrix(F).to_numpy(), R.to_numpy(), rtol=0, atol=1e-12)
    assert R.loc["a", "c"] == pytest.approx(tetrachoric(F[:, 0], F[:, 2]), abs=1e-12)


def test_agrees_with_brute_force_grid():
    # likelihood evaluated independently with scipy's bivariate normal cdf on a grid
    for cells in ([30, 12, 9, 49], [5, 40, 35, 20], [3, 1, 2, 94]):
        n11, n10, n01, n00 = cells
        n = sum(cells)
        fa, fb = (n11 + n10) / n, (n11 + n01) / n
        ha, hb = ndtri(fa), ndtri(fb)
        grid = np.linspace(-0.995, 0.995, 399)

        def loglik(r, cells=cells, ha=ha, hb=hb, fa=fa, fb=fb):
            p11 = multivariate_normal([0, 0], [[1, r], [r, 1]], abseps=1e-10, releps=0).cdf([ha, hb])
            p = np.array([p11, fa - p11, fb - p11, 1 - fa - fb + p11])
            return float(np.dot(cells, np.log(np.maximum(p, 1e-300))))

        ll = np.array([loglik(r) for r in grid])
        best = grid[np.argmax(ll)]
        fine = np.linspace(best - 0.005, best + 0.005, 201)
        best = fine[np.argmax([loglik(r) for r in fine])]
        got = tetrachoric_from_counts(*cells)
        assert got == pytest.approx(best, abs=1e-4)
        assert loglik(got) >= loglik(best) - 1e-8


def test_median_split_closed_form():
    # zero thresholds: P(both fail) = 1/4 + arcsin(rho) / (2 pi)
    for n11, n10 in [(40, 10), (30, 20), (25, 25), (12, 38), (5, 45)]:
        cells = [n11, n10, n10, n11]  # both margins 1/2
        p11 = n11 / 100
        expected = np.sin(2 * np.pi * (p11 - 0.25))
        assert tetrachoric_from_counts(*cells) == pytest.approx(expected, abs=1e-7)


def test_missing_cells_excluded_pairwise():
    F = simulate_probit(5_000, [0.2, -0.3, 0.5], [[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1]], seed=8).astype(np.int8)
    rng = np.random.default_rng(0)
    M = F.copy()
    M[rng.random(F.shape) < 0.2] = -1
    M = M[(M >= 0).any(axis=1)]
    R = tetrachoric_matrix(M)
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        ok = (M[:, i] >= 0) & (M[:, j] >= 0)
        assert R.iloc[i, j] == pytest.approx(tetrachoric_from_counts(*table(M[ok, i], M[ok, j])), abs=1e-12)
        assert R.iloc[i, j] == pytest.approx(tetrachoric(M[:, i], M[:, j]), abs=1e-12)
    # NaN is read as missing too
    x = M[:, 0].astype(float)
    x[x < 0] = np.nan
    assert tetrachoric(x, M[:, 1]) == pytest.approx(R.iloc[0, 1], abs=1e-12)


def test_large_matrix_uses_profile_table():
    F = simulate_probit(287_000, [0.5, -0.2, 0.1], [[1, 0.4, 0.4], [0.4, 1, 0.4], [0.4, 0.4, 1]], seed=1)
    fm = es.FailureMatrix(F)
    R = tetrachoric_matrix(fm)
    np.testing.assert_allclose(R.to_numpy()[np.triu_indices(3, 1)], 0.4, atol=0.015)


def test_undefined_and_bad_input():
    with pytest.raises(UndefinedMetricError, match="always fails"):
        tetrachoric([1, 1, 1], [0, 1, 0])
    with pytest.raises(UndefinedMetricError, match="n = 0"):
        tetrachoric([1, -1], [-1, 0])
    with pytest.raises(DataError):
        tetrachoric([1, 2], [0, 1])
    with pytest.raises(DataError):
        tetrachoric([1, 0, 1], [0, 1])
    F = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1]])
    with pytest.raises(UndefinedMetricError, match="'m2'"):
        tetrachoric_matrix(F)
    R = tetrachoric_matrix(F, undefined="nan")
    assert np.isnan(R.loc["m1", "m2"]) and np.isnan(R.loc["m2", "m3"])
    assert np.isfinite(R.loc["m1", "m3"])
    # an empty cell puts the estimate on the bound
    assert tetrachoric_from_counts(10, 0, 0, 10) == pytest.approx(0.999, abs=1e-6)
