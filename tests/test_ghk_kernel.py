"""The compiled mvprobit likelihood (bayes/families/ghk_kernel.py) is the GHK graph of ghk.py: value and gradient.

The kernel computes ``sum_r n_r log mean_m prod_j Phi(c_rmj)`` and its reverse-mode
gradient on a prefix tree of the profile rows; the reference is the PyTensor graph
``pattern_log_prob_pt`` (same fixed QMC points, same branches) differentiated by
PyTensor, and central finite differences of the kernel itself. Then the Op inside
fits: nutpie (2 chains on 2 threads) reproducible to the bit, PyMC's sampler
(its worker processes receive the pickled Op), and concurrent calls from threads.
"""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

import ecostat as es
from ecostat.bayes.families.ghk import pattern_log_prob_np, pattern_log_prob_pt, qmc_points
from ecostat.bayes.families.ghk_kernel import ghk_loglik, ghk_loglik_op, prefix_tree


def _case(k: int, seed: int, R: int = 14):
    """Random patterns with missing cells (never a whole row), counts with zeros, mu and a correlation's L."""
    rng = np.random.default_rng(seed)
    pats = rng.choice([-1, 0, 1], size=(R, k), p=[0.2, 0.4, 0.4])
    pats[np.all(pats == -1, axis=1), 0] = 1
    counts = rng.integers(0, 7, size=R).astype(float)
    counts[[0, R // 2]] = 0.0  # zero-count rows contribute nothing
    A = rng.normal(size=(k, k))
    C = A @ A.T + 0.5 * k * np.eye(k)
    d = np.sqrt(np.diag(C))
    return pats, counts, rng.normal(0.0, 1.0, size=k), np.linalg.cholesky(C / np.outer(d, d))


def _graph(pats, counts, u):
    """The reference: counts @ pattern_log_prob_pt and PyTensor's gradient of it."""
    import pytensor
    import pytensor.tensor as pt

    mu, L = pt.dvector("mu"), pt.dmatrix("L")
    total = pt.dot(counts, pattern_log_prob_pt(mu, L, pats, u))
    return pytensor.function([mu, L], [total, *pytensor.grad(total, [mu, L])], mode="FAST_COMPILE")


@pytest.mark.parametrize("k, M", [(2, 1024), (3, 256), (5, 128)])
def test_value_and_gradient_equal_the_graph(k, M):
    pats, counts, mu, L = _case(k, seed=k)
    assert (pats == -1).any() and (counts == 0).any()
    u = qmc_points(k, M)
    value, g_mu, g_L = ghk_loglik(mu, L, pats, counts, u)
    ref_value, ref_mu, ref_L = _graph(pats, counts, u)(mu, L)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(g_mu, ref_mu, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(g_L, np.tril(ref_L), rtol=1e-10, atol=1e-10)
    assert np.all(np.triu(g_L, 1) == 0.0)


def test_value_with_default_points_equals_the_numpy_path():
    pats, counts, mu, L = _case(5, seed=7, R=32)
    value, _, _ = ghk_loglik(mu, L, pats, counts)
    np.testing.assert_allclose(value, counts @ pattern_log_prob_np(mu, L, pats), rtol=1e-12)


def test_far_tail_factors_use_the_log_path():
    # mu far below 0: failures have Phi(c) < Phi(-5), the log-sum-exp branch of the kernel
    pats = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [0, -1, 1]])
    counts = np.array([1.0, 2.0, 30.0, 1.0])
    mu, L = np.array([-6.0, -1.0, -5.5]), np.linalg.cholesky([[1.0, 0.3, 0.2], [0.3, 1.0, 0.5], [0.2, 0.5, 1.0]])
    u = qmc_points(3, 256)
    value, g_mu, g_L = ghk_loglik(mu, L, pats, counts, u)
    ref_value, ref_mu, ref_L = _graph(pats, counts, u)(mu, L)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    np.testing.assert_allclose(g_mu, ref_mu, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(g_L, np.tril(ref_L), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("k", [3, 5])
def test_gradient_equals_finite_differences(k):
    pats, counts, mu, L = _case(k, seed=10 + k)
    u = qmc_points(k, 256)
    _, g_mu, g_L = ghk_loglik(mu, L, pats, counts, u)
    h = 1e-6
    for j in range(k):
        d = np.zeros(k)
        d[j] = h
        fd = (ghk_loglik(mu + d, L, pats, counts, u)[0] - ghk_loglik(mu - d, L, pats, counts, u)[0]) / (2 * h)
        assert fd == pytest.approx(g_mu[j], rel=1e-5, abs=1e-6)
    for j, l_ in zip(*np.tril_indices(k)):
        D = np.zeros((k, k))
        D[j, l_] = h
        fd = (ghk_loglik(mu, L + D, pats, counts, u)[0] - ghk_loglik(mu, L - D, pats, counts, u)[0]) / (2 * h)
        assert fd == pytest.approx(g_L[j, l_], rel=1e-5, abs=1e-6)


def test_prefix_tree_shares_prefixes_and_drops_zero_counts():
    pats = np.array([[1, 1, 0], [1, 1, 1], [1, 0, -1], [0, 0, 0], [1, 1, 1]])
    tree = prefix_tree(pats, [2, 3, 1, 0, 4])
    assert tree["level"].tolist() == [0, 1, 1, 2, 2, 2]  # 1 | 11, 10 | 110, 111, 10-
    assert tree["parent"].tolist() == [-1, 0, 0, 1, 1, 2]
    assert tree["leaf_w"].tolist() == [2.0, 7.0, 1.0]  # the repeated row 111 is summed
    assert tree["mask"].tolist() == [True, True, True, True, True, False]
    with pytest.raises(es.errors.EcostatError, match="one entry per profile row"):
        prefix_tree(pats, [1, 2])


def test_kernel_is_safe_from_threads():
    cases = [_case(5, seed=s, R=32) for s in range(4)]
    serial = [ghk_loglik(mu, L, p, n) for p, n, mu, L in cases]
    out = [None] * (2 * len(cases))

    def work(i):
        p, n, mu, L = cases[i % len(cases)]
        for _ in range(3):
            out[i] = ghk_loglik(mu, L, p, n)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(out))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (value, g_mu, g_L) in enumerate(out):
        ref = serial[i % len(cases)]
        assert value == ref[0] and np.array_equal(g_mu, ref[1]) and np.array_equal(g_L, ref[2])


def test_op_value_gradient_and_pickle():
    import pytensor
    import pytensor.tensor as pt

    pats, counts, mu, L = _case(3, seed=3)
    m, Lv = pt.dvector("mu"), pt.dmatrix("L")
    total = ghk_loglik_op(pats, counts)(m, Lv)
    f = pytensor.function([m, Lv], [total, *pytensor.grad(total, [m, Lv])])
    value, g_mu, g_L = f(mu, L)
    ref = ghk_loglik(mu, L, pats, counts)
    assert value == ref[0] and np.array_equal(g_mu, ref[1]) and np.array_equal(g_L, ref[2])
    f2 = pickle.loads(pickle.dumps(f))  # PyMC's worker processes receive the compiled model pickled
    assert f2(mu, L)[0] == value


@pytest.fixture(scope="module")
def small():
    fm = es.simulate(n=300, family="mvprobit", failure_rates=[0.2, 0.3, 0.4], correlation=0.5, seed=5)
    F = fm.failures.copy()
    F[:5, 2] = -1
    return es.FailureMatrix(F, models=fm.models)


# short runs: convergence is not the point here
@pytest.mark.filterwarnings("ignore:mvprobit fit did not converge")
def test_nutpie_two_parallel_chains_reproducible_to_the_bit(small):
    from ecostat.bayes import sampling

    a = es.fit(small, "mvprobit", draws=200, tune=200, chains=2, cores=2, seed=3)
    sampling._COMPILED.clear()  # compile again: the second fit is a new model, same seed
    b = es.fit(small, "mvprobit", draws=200, tune=200, chains=2, cores=2, seed=3)
    for v in ("mu", "rho"):
        assert np.array_equal(a.idata.posterior[v].values, b.idata.posterior[v].values)
    assert np.all(np.abs(a.idata.posterior["rho"].mean(("chain", "draw")).values - 0.5) < 0.25)


@pytest.mark.filterwarnings("ignore:mvprobit fit did not converge")
def test_pymc_sampler_runs_the_op_in_worker_processes(small):
    res = es.fit(small, "mvprobit", draws=100, tune=100, chains=2, cores=2, seed=3, sampler="pymc")
    mu = res.idata.posterior["mu"].mean(("chain", "draw")).values
    np.testing.assert_allclose(mu, np.array([-0.84, -0.52, -0.25]), atol=0.25)
