"""Posterior quantities: with empirical profile probabilities they equal the descriptive metrics."""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest

import ecostat as es
from ecostat.bayes import posterior as post
from ecostat.numeric import all_profiles


def _empirical(fm):
    """Profile probabilities of the observed matrix (index = bit pattern)."""
    k = fm.failures.shape[1]
    idx = (fm.failures.astype(int) << np.arange(k)).sum(1)
    return np.bincount(idx, minlength=2 ** k) / len(idx)


@pytest.fixture(scope="module")
def fm():
    return es.simulate(n=3000, family="rasch", failure_rates=[0.1, 0.2, 0.25, 0.3], difficulty_sd=1.2, seed=5)


def test_quantities_equal_descriptive_metrics(fm):
    q = post.ecosystem_quantities(_empirical(fm), 4)
    F = fm.failures
    np.testing.assert_allclose(q["failure_rates"], F.mean(0))
    np.testing.assert_allclose(q["systemic_failure_rate"], es.systemic_failure_rate(fm))
    np.testing.assert_allclose(q["homogenization"], es.homogenization(fm))
    np.testing.assert_allclose(q["independence_failure_count_distribution"], es.independence_distribution(fm))
    t = F.sum(1)
    np.testing.assert_allclose(q["ensemble_majority_accuracy"], np.mean(np.where(2 * t < 4, 1.0, np.where(2 * t == 4, 0.5, 0.0))))
    np.testing.assert_allclose(q["best_single_accuracy"], 1 - F.mean(0).min())
    lf = es.leader_following(fm)
    for j in range(4):
        others = np.delete(F, j, axis=1).all(1)
        np.testing.assert_allclose(q["leader_following"][j], others[F[:, j] == 1].mean())
    assert lf is not None


def test_independent_probabilities_have_no_gap():
    f = np.array([0.1, 0.3, 0.2])
    pats = all_profiles(3)
    p = np.prod(np.where(pats == 1, f, 1 - f), axis=1)
    q = post.ecosystem_quantities(p[None], 3)
    np.testing.assert_allclose(q["homogenization"], 1.0)
    np.testing.assert_allclose(q["ensemble_gap"], 0.0, atol=1e-15)
    np.testing.assert_allclose(q["leader_following"], q["independence_leader_following"])


def test_hdi_matches_arviz(rng):
    x = rng.gamma(2.0, size=(4000, 3))
    lo, hi = post.hdi(x, 0.9)
    ref = np.array([az.hdi(x[:, j], hdi_prob=0.9) for j in range(3)])
    np.testing.assert_allclose(np.c_[lo, hi], ref)


def test_group_and_overall_weights():
    P = np.array([[[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]]])
    g = post.group_probabilities(P, [0, 1, 1], [2, 1, 3], 2)
    np.testing.assert_allclose(g[0], [[0.5, 0.5], [0.75, 0.25]])
    np.testing.assert_allclose(post.overall_probabilities(P, [2, 1, 3])[0], [4 / 6, 2 / 6])


def test_summarize_draws_direction():
    s = post.summarize_draws(np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 1.0]]), reference=np.array([[0.0, 1.0]] * 3))
    np.testing.assert_allclose(s["p_greater"], [1.0, 0.0])
