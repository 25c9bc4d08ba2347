"""Poisson-Binomial pmf (ecostat.descriptive.poibin) against brute force and exact rational arithmetic.

References: enumeration of all 2^k Bernoulli outcomes (k <= 10) and an exact
integer/Fraction convolution for k = 200 (Toups 2023, eq. 2).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import ecostat as es


def brute_force_pmf(p):
    """P(#successes = t) by summing the probability of every outcome in {0,1}^k."""
    p = [float(x) for x in p]
    k = len(p)
    out = np.zeros(k + 1)
    for outcome in itertools.product((0, 1), repeat=k):
        prob = 1.0
        for x, pj in zip(outcome, p):
            prob *= pj if x else 1.0 - pj
        out[sum(outcome)] += prob
    return out


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 10])
def test_matches_brute_force(rng, k):
    for _ in range(3):
        p = rng.random(k)
        p[rng.random(k) < 0.15] = rng.choice([0.0, 1.0])  # include degenerate rates
        got = es.poisson_binomial_pmf(p)
        assert got.shape == (k + 1,)
        np.testing.assert_allclose(got, brute_force_pmf(p), rtol=1e-12, atol=1e-15)
        assert got.sum() == pytest.approx(1.0, abs=1e-13)


def test_hand_values():
    # (0.5 + 0.5z)^2 = 0.25 + 0.5z + 0.25z^2
    assert es.poisson_binomial_pmf([0.5, 0.5]).tolist() == [0.25, 0.5, 0.25]
    # (0.9 + 0.1z)(0.8 + 0.2z) = 0.72 + (0.18 + 0.08)z + 0.02z^2
    np.testing.assert_allclose(es.poisson_binomial_pmf([0.1, 0.2]), [0.72, 0.26, 0.02], atol=1e-15)
    # empty product: no models -> 0 successes with probability 1
    assert es.poisson_binomial_pmf(np.zeros(0)).tolist() == [1.0]


def test_exact_rational_k200():
    k, den = 200, 211
    num = [j % 97 + 1 for j in range(k)]  # rates Fraction(j % 97 + 1, 211), all in (0, 0.46]
    # exact pmf scaled by den^k: integer convolution N_j(t) = N_{j-1}(t) (den - a_j) + N_{j-1}(t - 1) a_j
    N = [1]
    for a in num:
        nxt = [0] * (len(N) + 1)
        for t, v in enumerate(N):
            nxt[t] += v * (den - a)
            nxt[t + 1] += v * a
        N = nxt
    scale = den ** k
    assert sum(N) == scale  # the exact pmf sums to 1
    got = es.poisson_binomial_pmf(np.array([a / den for a in num]))
    assert got.shape == (k + 1,)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)
    tiny = Fraction(1, 10 ** 300)
    checked = 0
    for t in range(k + 1):
        exact = Fraction(N[t], scale)
        if exact > tiny:
            rel = abs(Fraction(float(got[t])) - exact) / exact
            assert rel < Fraction(1, 10 ** 9), (t, float(rel))
            checked += 1
    assert checked > 150  # the tails far below 1e-300 are the only entries skipped


def test_batch_shapes(rng):
    p = rng.random((2, 3, 4))
    got = es.poisson_binomial_pmf(p)
    assert got.shape == (2, 3, 5)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(got[i, j], brute_force_pmf(p[i, j]), rtol=1e-12, atol=1e-15)
    assert es.poisson_binomial_pmf(rng.random((7, 1))).shape == (7, 2)


@pytest.mark.parametrize("bad", [[0.5, 1.2], [-0.1, 0.3], [[0.2, 0.3], [0.4, 1.0000001]]])
def test_invalid_probabilities_raise(bad):
    with pytest.raises(es.EcostatError):
        es.poisson_binomial_pmf(bad)


def test_nan_probability_raises():
    with pytest.raises(es.EcostatError):
        es.poisson_binomial_pmf([0.5, np.nan])


def test_validate_false_lets_values_above_one_through():
    # (1 - 1.5 + 1.5z)(0.5 + 0.5z) = -0.25 + (-0.25 + 0.75)z + 0.75z^2 = [-0.25, 0.5, 0.75]
    got = es.poisson_binomial_pmf([1.5, 0.5], validate=False)
    np.testing.assert_allclose(got, [-0.25, 0.5, 0.75], atol=1e-15)
    np.testing.assert_allclose(got, brute_force_pmf([1.5, 0.5]), atol=1e-15)


def test_compiled_recursion_gives_the_same_numbers_to_the_bit(monkeypatch):
    """Large batches (fits with hundreds of decision-makers) run the numba recursion: identical to the numpy loop."""
    from ecostat.descriptive import poibin

    rng = np.random.default_rng(3)
    p = rng.random((3, 40, 250)) ** 3  # rates near 0 as well: tails far below 1e-100
    monkeypatch.setattr(poibin, "COMPILED_FROM", np.inf)
    vectorized = poibin.poisson_binomial_pmf(p)
    monkeypatch.setattr(poibin, "COMPILED_FROM", 0.0)
    compiled = poibin.poisson_binomial_pmf(p)
    assert compiled.shape == (3, 40, 251)
    np.testing.assert_array_equal(compiled, vectorized)
    np.testing.assert_allclose(poibin.poisson_binomial_pmf(p[0, :2, :10]), [brute_force_pmf(r) for r in p[0, :2, :10]],
                               rtol=1e-12, atol=1e-300)
