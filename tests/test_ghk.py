"""GHK orthant probabilities of the multivariate probit (ecostat.bayes.families.ghk, docs/architecture.md §5)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from ecostat.bayes.families.ghk import pattern_log_prob_np, pattern_log_prob_pt, qmc_points
from ecostat.descriptive.tetrachoric import bvn_cdf
from ecostat.errors import EcostatError


def random_corr(k: int, rng: np.random.Generator) -> np.ndarray:
    W = rng.normal(size=(k, k))
    S = W @ W.T + 0.3 * np.eye(k)
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


def all_patterns(k: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=k)))


def orthant_scipy(mu: np.ndarray, omega: np.ndarray, pattern) -> float:
    """P(z_j > 0 for y_j = 1, z_j <= 0 for y_j = 0, free for -1) by scipy's Genz algorithm."""
    pattern = np.asarray(pattern)
    keep = pattern >= 0
    mu, omega, pattern = mu[keep], omega[np.ix_(keep, keep)], pattern[keep]
    s = 2.0 * pattern - 1.0
    # P(s z > 0) = P(-s z < 0), -s z ~ N(-s mu, S Omega S)
    dist = multivariate_normal(mean=-s * mu, cov=omega * np.outer(s, s), abseps=1e-6, releps=0, maxpts=1_000_000)
    return float(dist.cdf(np.zeros(len(s))))


@pytest.mark.parametrize("k", [2, 3, 4])
def test_matches_scipy_orthant_probabilities(k):
    rng = np.random.default_rng(100 + k)
    pats = all_patterns(k)
    for _ in range(4):
        mu = rng.uniform(-1.5, 1.5, k)
        omega = random_corr(k, rng)
        got = np.exp(pattern_log_prob_np(mu, np.linalg.cholesky(omega), pats))
        ref = np.array([orthant_scipy(mu, omega, p) for p in pats])
        np.testing.assert_allclose(got, ref, atol=2e-3, rtol=0)


def test_bivariate_exact():
    rng = np.random.default_rng(7)
    pats = all_patterns(2)
    for rho in (-0.9, -0.4, 0.0, 0.3, 0.8, 0.97):
        mu = rng.uniform(-1.5, 1.5, 2)
        L = np.linalg.cholesky([[1.0, rho], [rho, 1.0]])
        got = np.exp(pattern_log_prob_np(mu, L, pats))
        s = 2.0 * pats - 1.0
        # P(s1 z1 > 0, s2 z2 > 0) = Phi2(s1 mu1, s2 mu2; s1 s2 rho)
        exact = np.array([float(bvn_cdf(a * mu[0], b * mu[1], a * b * rho)) for a, b in s])
        np.testing.assert_allclose(got, exact, atol=1e-4, rtol=0)


def test_median_split_closed_form():
    # mu = 0: P(both fail) = 1/4 + arcsin(rho) / (2 pi)
    for rho in (-0.7, 0.2, 0.6):
        L = np.linalg.cholesky([[1.0, rho], [rho, 1.0]])
        p = np.exp(pattern_log_prob_np(np.zeros(2), L, [[1, 1]]))[0]
        assert p == pytest.approx(0.25 + np.arcsin(rho) / (2 * np.pi), abs=1e-5)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_probabilities_sum_to_one(k):
    rng = np.random.default_rng(k)
    mu = rng.uniform(-1, 1, size=(3, k))
    L = np.stack([np.linalg.cholesky(random_corr(k, rng)) for _ in range(3)])
    total = np.exp(pattern_log_prob_np(mu, L, all_patterns(k))).sum(axis=-1)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_missing_cells_are_marginalized():
    rng = np.random.default_rng(3)
    k = 4
    mu = rng.uniform(-1, 1, k)
    omega = random_corr(k, rng)
    L = np.linalg.cholesky(omega)
    u = qmc_points(k)
    # missing last coordinate: identical to the (k-1)-dimensional computation with the same points
    keep = [0, 1, 2]
    pats = all_patterns(3)
    full = pattern_log_prob_np(mu, L, np.column_stack([pats, -np.ones(len(pats), int)]), u=u)
    low = pattern_log_prob_np(mu[keep], np.linalg.cholesky(omega[np.ix_(keep, keep)]), pats, u=u[:, :3])
    np.testing.assert_allclose(full, low, rtol=0, atol=1e-12)
    # missing inner coordinates: equal to the lower-dimensional probability up to QMC error
    for pat in ([1, -1, 0, 1], [-1, 0, -1, 1], [0, 1, 1, -1], [-1, -1, 1, -1]):
        pat = np.array(pat)
        keep = np.flatnonzero(pat >= 0)
        got = np.exp(pattern_log_prob_np(mu, L, [pat]))[0]
        sub_l = np.linalg.cholesky(omega[np.ix_(keep, keep)])
        low = np.exp(pattern_log_prob_np(mu[keep], sub_l, [pat[keep]]))[0]
        assert got == pytest.approx(low, abs=1e-3)
        assert got == pytest.approx(orthant_scipy(mu, omega, pat), abs=2e-3)
        # and equal to the sum over both values of the missing cells
        free = np.flatnonzero(pat < 0)
        fills = []
        for vals in itertools.product([0, 1], repeat=len(free)):
            q = pat.copy()
            q[free] = vals
            fills.append(q)
        assert got == pytest.approx(np.exp(pattern_log_prob_np(mu, L, fills)).sum(), abs=1e-3)
    # a single observed cell: Phi(+-mu_j), exactly when it comes first, else up to QMC error
    # (the missing cells before it are integrated over the QMC points)
    from scipy.special import ndtr

    lp = pattern_log_prob_np(mu, L, [[1, -1, -1, -1], [-1, 1, -1, -1], [-1, -1, 0, -1]])
    assert np.exp(lp[0]) == pytest.approx(ndtr(mu[0]), abs=1e-14)
    np.testing.assert_allclose(np.exp(lp[1:]), [ndtr(mu[1]), ndtr(-mu[2])], atol=5e-4)


def test_batched_over_draws():
    rng = np.random.default_rng(11)
    k, S = 3, 5
    mu = rng.normal(size=(S, k))
    L = np.stack([np.linalg.cholesky(random_corr(k, rng)) for _ in range(S)])
    pats = np.array([[1, 0, 1], [0, -1, 0], [1, 1, 1]])
    batch = pattern_log_prob_np(mu, L, pats)
    assert batch.shape == (S, 3)
    for s in range(S):
        np.testing.assert_allclose(batch[s], pattern_log_prob_np(mu[s], L[s], pats), rtol=1e-13)
    # a single L broadcasts against many mu
    np.testing.assert_allclose(pattern_log_prob_np(mu, L[0], pats)[2], pattern_log_prob_np(mu[2], L[0], pats), rtol=1e-13)
    # a 2-D leading shape
    assert pattern_log_prob_np(mu.reshape(1, S, k), L, pats).shape == (1, S, 3)


def test_extreme_values_stay_finite():
    L = np.linalg.cholesky(np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.6], [0.3, 0.6, 1.0]]))
    lp = pattern_log_prob_np(np.array([-40.0, 40.0, 0.0]), L, all_patterns(3))
    assert np.isfinite(lp).all()
    assert np.exp(lp).sum() == pytest.approx(1.0, abs=1e-6)
    near_one = np.linalg.cholesky(np.array([[1.0, 0.9999], [0.9999, 1.0]]))
    assert np.isfinite(pattern_log_prob_np(np.array([0.5, 0.5]), near_one, all_patterns(2))).all()


def test_qmc_points_fixed_and_inside():
    u = qmc_points(4)
    assert u.shape == (1024, 4)
    assert ((u > 0) & (u < 1)).all()
    np.testing.assert_array_equal(u, qmc_points(4))
    assert not np.array_equal(u, qmc_points(4, seed=1))
    assert not u.flags.writeable


def test_input_errors():
    with pytest.raises(EcostatError, match="at most k = 12"):
        pattern_log_prob_np(np.zeros(13), np.eye(13), np.zeros((1, 13), int))
    with pytest.raises(EcostatError, match="only hold"):
        pattern_log_prob_np(np.zeros(2), np.eye(2), [[2, 0]])
    with pytest.raises(EcostatError, match="shape"):
        pattern_log_prob_np(np.zeros(2), np.eye(2), [[1, 0, 1]])
    with pytest.raises(EcostatError, match="at most k = 12"):
        pattern_log_prob_pt(np.zeros(13), np.eye(13), np.zeros((1, 13), int))


# ---------------------------------------------------------------- pytensor
@pytest.fixture(scope="module")
def compiled():
    pytensor = pytest.importorskip("pytensor")
    import pytensor.tensor as pt

    pats = np.array([[1, 1, 1], [1, 0, 1], [0, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, -1, 0], [-1, 1, -1]])
    counts = np.array([40.0, 7.0, 120.0, 9.0, 13.0, 21.0, 5.0, 3.0])
    mu = pt.dvector("mu")
    L = pt.dmatrix("L")
    lp = pattern_log_prob_pt(mu, L, pats)
    total = (counts * lp).sum()
    f = pytensor.function([mu, L], [lp, total, *pytensor.grad(total, [mu, L])])
    return pats, counts, f


def test_pytensor_equals_numpy(compiled):
    pats, _, f = compiled
    rng = np.random.default_rng(5)
    for _ in range(3):
        mu = rng.uniform(-1.5, 1.5, 3)
        L = np.linalg.cholesky(random_corr(3, rng))
        np.testing.assert_allclose(f(mu, L)[0], pattern_log_prob_np(mu, L, pats), rtol=1e-10, atol=1e-12)
    # deep tails too (log Phi through erfcx)
    mu = np.array([-40.0, 40.0, 0.0])
    L = np.linalg.cholesky(random_corr(3, rng))
    np.testing.assert_allclose(f(mu, L)[0], pattern_log_prob_np(mu, L, pats), rtol=1e-8)


def test_pytensor_gradient_matches_finite_differences(compiled):
    _, _, f = compiled
    rng = np.random.default_rng(9)
    mu = rng.uniform(-1, 1, 3)
    L = np.linalg.cholesky(random_corr(3, rng))
    _, _, g_mu, g_L = f(mu, L)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd = (f(mu + e, L)[1] - f(mu - e, L)[1]) / (2 * h)
        assert g_mu[j] == pytest.approx(fd, rel=1e-5, abs=1e-6)
    for i, j in [(1, 0), (2, 1), (2, 2)]:
        E = np.zeros((3, 3))
        E[i, j] = h
        fd = (f(mu, L + E)[1] - f(mu, L - E)[1]) / (2 * h)
        assert g_L[i, j] == pytest.approx(fd, rel=1e-5, abs=1e-6)
    # the upper triangle is never read
    assert np.all(np.triu(g_L, 1) == 0)
    # finite gradients far in the tails
    assert np.isfinite(np.concatenate([g.ravel() for g in f(np.array([-40.0, 40.0, 0.0]), L)[2:]])).all()
