"""Hard/easy baseline (ecostat.descriptive.baselines) and goodness of fit (ecostat.descriptive.gof).

References: Toups 2023 App. A.3 eq. 3-5, recomputed by enumerating all 2^k
profiles; the paper's (alpha, Delta) grid and validity rule checked in exact
rational arithmetic; recovery of known parameters from simulated data.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import ecostat as es


def enumerate_mixture(rates, alpha, delta):
    """sum over profiles s of [alpha P_hard(s) + (1 - alpha) P_easy(s)], accumulated by #failures."""
    rates = np.asarray(rates, float)
    hard = (1 + delta) * rates
    easy = (1 - alpha * delta / (1 - alpha)) * rates
    k = len(rates)
    out = np.zeros(k + 1)
    for s in itertools.product((0, 1), repeat=k):
        ph = np.prod([h if x else 1 - h for x, h in zip(s, hard)])
        pe = np.prod([e if x else 1 - e for x, e in zip(s, easy)])
        out[sum(s)] += alpha * ph + (1 - alpha) * pe
    return out


def observed_distribution(F):
    k = F.shape[1]
    return np.bincount(F.sum(axis=1), minlength=k + 1) / F.shape[0]


def test_hard_easy_by_hand():
    # rates (0.1, 0.2), alpha 0.2, Delta 1: hard (0.2, 0.4), easy (1 - 0.25) x rates = (0.075, 0.15)
    # hard PB: [0.8*0.6, 0.2*0.6 + 0.8*0.4, 0.2*0.4] = [0.48, 0.44, 0.08]
    # easy PB: [0.925*0.85, 0.075*0.85 + 0.925*0.15, 0.075*0.15] = [0.78625, 0.2025, 0.01125]
    # mixture 0.2 hard + 0.8 easy = [0.725, 0.25, 0.025]
    np.testing.assert_allclose(es.hard_easy_distribution([0.1, 0.2], 0.2, 1.0), [0.725, 0.25, 0.025], atol=1e-14)
    hard, easy = es.hard_easy_rates([0.1, 0.2], 0.2, 1.0)
    np.testing.assert_allclose(hard, [0.2, 0.4])
    np.testing.assert_allclose(easy, [0.075, 0.15])


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_hard_easy_matches_enumeration(rng, k):
    for _ in range(4):
        rates = rng.uniform(0.02, 0.3, k)
        alpha = float(rng.uniform(0.05, 0.5))
        dmax = min((1 - alpha) / alpha, 1 / rates.max() - 1)
        delta = float(rng.uniform(0, dmax))
        got = es.hard_easy_distribution(rates, alpha, delta)
        np.testing.assert_allclose(got, enumerate_mixture(rates, alpha, delta), rtol=1e-11, atol=1e-15)
        assert got.sum() == pytest.approx(1.0)
        # the mixture keeps the marginal rates: E[#failures] = sum f_j
        assert got @ np.arange(k + 1) == pytest.approx(rates.sum(), rel=1e-10)


def test_hard_easy_delta_zero_is_independence(rng):
    rates = rng.uniform(0.05, 0.5, 4)
    np.testing.assert_allclose(es.hard_easy_distribution(rates, 0.3, 0.0), es.poisson_binomial_pmf(rates), atol=1e-15)


def test_paper_grid_exact():
    # alpha 0.1..0.5 step 0.1; Delta 0.2..5.0 step 0.2, as the decimal literals themselves
    alphas = [float(f"0.{i}") for i in range(1, 6)]
    deltas = [float(f"{(2 * i) // 10}.{(2 * i) % 10}") for i in range(1, 26)]  # "0.2", "0.4", ..., "5.0"
    assert deltas[0] == 0.2 and deltas[4] == 1.0 and deltas[-1] == 5.0 and len(deltas) == 25
    assert np.asarray(es.PAPER_ALPHAS).tolist() == alphas
    assert np.asarray(es.PAPER_DELTAS).tolist() == deltas


# --------------------------------------------------------------------- the grid
@pytest.fixture(scope="module")
def grid_fm():
    # rates near (0.1, 0.25, 0.45): hard > 1 for Delta >= 1.4, easy < 0 for Delta > (1 - alpha) / alpha
    return es.simulate(n=3000, family="hard_easy", failure_rates=[0.1, 0.25, 0.45], alpha=0.2, delta=1.0, seed=11)


def exact_validity(fm, rule):
    """Validity of each paper cell in exact rationals (boundary cells, e.g. easy = 0, are valid)."""
    F = fm.failures
    rates = [Fraction(int(F[:, j].sum()), F.shape[0]) for j in range(F.shape[1])]
    ok = np.zeros((5, 25), bool)
    for i, a in enumerate(Fraction(i, 10) for i in range(1, 6)):
        for j, d in enumerate(Fraction(j, 5) for j in range(1, 26)):
            easy_ok = all((1 - a * d / (1 - a)) * f >= 0 for f in rates)
            hard_ok = all((1 + d) * f <= 1 for f in rates)
            ok[i, j] = easy_ok and (hard_ok or rule == "paper")
    return ok


def own_grid(fm, rule):
    F = fm.failures.astype(int)
    obs = observed_distribution(F)
    rates = F.mean(axis=0)
    ok = exact_validity(fm, rule)
    l1 = np.full((5, 25), np.nan)
    for i in range(5):
        for j in range(25):
            if ok[i, j]:
                a, d = (i + 1) / 10, (j + 1) / 5
                l1[i, j] = np.abs(obs - enumerate_mixture(rates, a, d)).sum()
    return l1


def test_grid_strict(grid_fm):
    g = es.hard_easy_grid(grid_fm)
    assert g.l1.shape == (5, 25) and g.rule == "strict"
    ok = exact_validity(grid_fm, "strict")
    assert 0 < ok.sum() < ok.size and not ok[:, -1].any()  # both valid and invalid cells
    np.testing.assert_array_equal(~np.isnan(g.l1), ok)
    mine = own_grid(grid_fm, "strict")
    np.testing.assert_allclose(g.l1, mine, rtol=1e-10, atol=1e-13)  # NaNs compare equal
    i, j = np.unravel_index(np.nanargmin(mine), mine.shape)
    assert (g.alpha, g.delta) == (es.PAPER_ALPHAS[i], es.PAPER_DELTAS[j])
    assert g.best_l1 == pytest.approx(mine[i, j])


def test_grid_paper_rule(grid_fm):
    with pytest.warns(es.EcostatWarning):
        g = es.hard_easy_grid(grid_fm, rule="paper")
    ok = exact_validity(grid_fm, "paper")
    strict = exact_validity(grid_fm, "strict")
    assert (ok & ~strict).any()  # some cells only the paper rule accepts (hard rate > 1)
    np.testing.assert_array_equal(~np.isnan(g.l1), ok)
    np.testing.assert_allclose(g.l1, own_grid(grid_fm, "paper"), rtol=1e-10, atol=1e-13)


def test_grid_exact_boundary_cells_are_valid():
    # alpha = 0.5, Delta = 1.0: easy = (1 - 0.5 * 1 / 0.5) f = 0 exactly -> valid under both rules
    # rate 0.5 with Delta = 1.0: hard = 2 * 0.5 = 1 exactly -> valid under 'strict'
    F = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])  # rates (0.5, 0.5)
    g = es.hard_easy_grid(es.FailureMatrix(F), alphas=[0.5], deltas=[1.0, 1.2])
    assert not np.isnan(g.l1[0, 0]) and np.isnan(g.l1[0, 1])


def test_grid_bad_rule():
    with pytest.raises(es.EcostatError):
        es.hard_easy_grid(es.FailureMatrix([[1, 0], [0, 1]]), rule="loose")


# ---------------------------------------------------------------------- fitting
@pytest.fixture(scope="module")
def he_fm():
    return es.simulate(n=50000, family="hard_easy", alpha=0.3, delta=1.5, seed=7)


def test_fit_recovers_parameters(he_fm):
    fit = es.fit_hard_easy(he_fm)
    assert fit.alpha == pytest.approx(0.3, abs=0.05)
    assert fit.delta == pytest.approx(1.5, abs=0.2)
    F = he_fm.failures.astype(int)
    # the reported L1 is the L1 of the reported parameters
    assert fit.l1 == pytest.approx(np.abs(observed_distribution(F) - enumerate_mixture(F.mean(axis=0), fit.alpha, fit.delta)).sum(),
                                   rel=1e-9, abs=1e-12)


def test_fit_l1_never_worse_than_grid(he_fm):
    fit = es.fit_hard_easy(he_fm, criterion="l1")
    grid = es.hard_easy_grid(he_fm)
    assert fit.l1 <= grid.best_l1 + 1e-12
    assert fit.alpha == pytest.approx(0.3, abs=0.05)
    assert fit.delta == pytest.approx(1.5, abs=0.2)
    # the optimum stays in the strict valid region
    hard, easy = es.hard_easy_rates(he_fm.failure_rates, fit.alpha, fit.delta)
    assert (hard <= 1 + 1e-9).all() and (easy >= -1e-9).all()


# ------------------------------------------------------------- goodness of fit
def test_gof_independence_not_rejected():
    fm = es.simulate(n=5000, family="independence", seed=21)
    res = es.goodness_of_fit(fm, n_sim=199, seed=1)
    assert res.p_value >= 0.05
    assert 1 / 200 <= res.p_value <= 1.0
    F = fm.failures.astype(int)
    obs = observed_distribution(F)
    exp = es.poisson_binomial_pmf(F.mean(axis=0))
    assert res.l1 == pytest.approx(np.abs(obs - exp).sum(), rel=1e-10)
    # G^2 = 2 sum_t n_t log(n_t / (N p_t))
    nt = np.bincount(F.sum(axis=1), minlength=4)
    g2 = 2 * sum(n * np.log(n / (F.shape[0] * p)) for n, p in zip(nt, exp) if n > 0)
    assert res.statistic == pytest.approx(g2, rel=1e-9)


def test_gof_rasch_rejected():
    res = es.goodness_of_fit(es.simulate(n=5000, seed=22), n_sim=199, seed=1)
    assert res.p_value < 0.01


def test_gof_reproducible():
    fm = es.simulate(n=2000, family="independence", seed=23)
    a = es.goodness_of_fit(fm, n_sim=99, seed=5)
    b = es.goodness_of_fit(fm, n_sim=99, seed=5)
    assert a == b


def test_gof_missing_cells_raise():
    fm = es.FailureMatrix([[1, 0], [0, -1], [1, 1], [0, 0]])
    with pytest.raises(es.EcostatError):
        es.goodness_of_fit(fm, n_sim=9)


def test_gof_hard_easy_baseline():
    fm = es.simulate(n=5000, family="hard_easy", alpha=0.2, delta=2.0, seed=24)
    res = es.goodness_of_fit(fm, "hard_easy", n_sim=199, seed=1)
    assert res.p_value >= 0.05  # the true family is not rejected ...
    assert es.goodness_of_fit(fm, n_sim=199, seed=1).p_value < 0.01  # ... independence is
    g = es.hard_easy_grid(fm)
    assert res.params == {"alpha": g.alpha, "delta": g.delta}
    F = fm.failures.astype(int)
    assert res.l1 == pytest.approx(np.abs(observed_distribution(F) - enumerate_mixture(F.mean(axis=0), g.alpha, g.delta)).sum(),
                                   rel=1e-10)
