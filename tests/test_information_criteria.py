"""Maximised log-likelihood, AIC and BIC (ecostat.bayes.information_criteria, FitResult.information_criteria).

References, each independent of the code under test: ltm's published LSAT fits (tests/test_irt.py);
a latent-class EM written here (poLCA's algorithm, Linzer & Lewis 2011) on LSAT with 2 classes; the hard/easy
mixture likelihood maximised here with scipy in its own parameterization; closed forms (independence: the
observed rates; mvprobit with k = 2: the saturated model, the tetrachoric correlation).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lsat import table
from scipy import optimize
from scipy.special import expit, logsumexp

import ecostat as es
from ecostat.bayes.families import FitOptions, get_family, make_design
from ecostat.bayes.information_criteria import InformationCriteria, maximum_likelihood
from ecostat.descriptive.tetrachoric import tetrachoric_from_counts

#: the families ecostat ships (a test may register more while the suite runs)
BUILT_IN = ["hard_easy", "independence", "latent_class", "mvprobit", "rasch", "twopl"]


def _em_latent_class(Y, n, C, seeds=8, iters=5000, tol=1e-13):
    """EM for C latent classes of binary items on a weighted pattern table (the best of ``seeds`` random starts)."""
    best = None
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        share = rng.dirichlet(np.ones(C))
        rate = rng.uniform(0.2, 0.8, (C, Y.shape[1]))
        old = -np.inf
        for _ in range(iters):
            logj = np.log(share) + Y @ np.log(rate).T + (1 - Y) @ np.log1p(-rate).T  # (P, C)
            ll = float(n @ logsumexp(logj, axis=1))
            post = np.exp(logj - logsumexp(logj, axis=1, keepdims=True)) * n[:, None]
            share = post.sum(axis=0) / n.sum()
            rate = np.clip((post.T @ Y) / post.sum(axis=0)[:, None], 1e-12, 1 - 1e-12)
            if ll - old < tol:
                break
            old = ll
        if best is None or ll > best[0]:
            best = (ll, share, rate)
    return best


def test_latent_class_on_lsat_matches_an_independent_em():
    """LSAT with 2 classes: logLik, 11 parameters (poLCA's count: C - 1 + C k), shares and class rates."""
    t = table()
    ll, share, rate = _em_latent_class(t.patterns.astype(float), t.counts.astype(float), 2)
    ic = maximum_likelihood(make_design(t), "latent_class", FitOptions(n_classes=2))
    assert abs(ic.loglik - ll) < 1e-6, (ic.loglik, ll)
    assert ic.n_parameters == 2 - 1 + 2 * 5
    order = np.argsort(np.log(rate / (1 - rate)).mean(axis=1))  # ecostat's class 1 is the easiest
    np.testing.assert_allclose(ic.estimates["share"], share[order], atol=2e-4)
    np.testing.assert_allclose(ic.estimates["class_rate"], rate[order], atol=2e-4)
    assert abs(ic.bic - (-2 * ll + 11 * math.log(1000))) < 1e-5


def test_hard_easy_matches_its_likelihood_maximised_directly():
    """Toups App. A.3 mixture: f_j, alpha and Delta maximised here over the valid region (strict rule)."""
    t = table()
    Y, n = t.patterns.astype(float), t.counts.astype(float)

    def negll(x):
        f, alpha, u = expit(x[:5]), expit(x[5]), expit(x[6])
        delta = u * min((1 - alpha) / alpha, 1 / f.max() - 1)
        hard = np.clip((1 + delta) * f, 1e-12, 1 - 1e-12)
        easy = np.clip((1 - alpha * delta / (1 - alpha)) * f, 1e-12, 1 - 1e-12)
        lp = np.logaddexp(np.log(alpha) + Y @ np.log(hard) + (1 - Y) @ np.log1p(-hard),
                          np.log1p(-alpha) + Y @ np.log(easy) + (1 - Y) @ np.log1p(-easy))
        return -float(n @ lp)

    best = min((optimize.minimize(negll, x0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12,
                                                                              "maxiter": 40000, "maxfev": 40000})
                for x0 in (np.r_[np.full(5, -1.0), -1.0, 0.0], np.r_[np.full(5, -2.0), -2.0, 1.0])),
               key=lambda r: r.fun)
    ic = maximum_likelihood(make_design(t), "hard_easy")
    assert abs(ic.loglik - (-best.fun)) < 1e-5 and ic.n_parameters == 7


def test_independence_is_the_observed_rates_per_group():
    fm = es.simulate(n=600, groups={"a": 0.3, "b": 0.7}, seed=4)
    d = make_design(fm)
    ic = maximum_likelihood(d, "independence")
    t = fm.profile_table()
    for g in range(2):
        rows = t.group_codes == g
        rates = (t.patterns[rows] * t.counts[rows, None]).sum(axis=0) / t.counts[rows].sum()
        np.testing.assert_allclose(ic.estimates["f"][g], rates, atol=1e-7)
    assert ic.n_parameters == 2 * 3


def test_mvprobit_with_two_models_is_saturated():
    """k = 2: three parameters for three free cell probabilities: the saturated multinomial, rho tetrachoric."""
    counts = np.array([500, 120, 90, 290])  # 00, 01, 10, 11
    t = es.ProfileTable.from_counts([[0, 0], [0, 1], [1, 0], [1, 1]], counts)
    ic = maximum_likelihood(make_design(t), "mvprobit")
    saturated = float(counts @ np.log(counts / counts.sum()))
    assert ic.n_parameters == 3
    assert abs(ic.loglik - saturated) < 1e-3  # GHK with 1024 QMC points: probabilities to ~1e-5
    rho = tetrachoric_from_counts(n11=290, n10=90, n01=120, n00=500)
    assert abs(float(ic.estimates["rho"][0]) - rho) < 2e-3


@pytest.mark.parametrize("family", BUILT_IN)
def test_every_family_reports_a_maximum(family):
    """The graph's likelihood at the MLE is the family's numpy likelihood; the maximum beats the start."""
    t = table()
    d = make_design(t)
    opts = FitOptions()
    ic = maximum_likelihood(d, family, opts)
    assert ic.converged and np.isfinite(ic.loglik) and ic.loglik >= ic.loglik_start - 1e-9
    point = {name: np.asarray(v)[None] for name, v in ic.estimates.items()}
    numpy_ll = float(get_family(family).row_log_lik(point, d, opts)[0] @ d.counts)
    assert abs(numpy_ll - ic.loglik) < 1e-6 * abs(ic.loglik)
    expected = {"rasch": 6, "twopl": 10, "latent_class": 11, "hard_easy": 7, "independence": 5, "mvprobit": 15}
    if family in expected:
        assert ic.n_parameters == expected[family]


def test_parameter_count_with_groups_leaves_out_hyperparameters():
    """rasch with groups and model-by-group effects: b (k), mu_group (G - 1), sigma_group (G), gamma (G-1)(k-1);
    tau_gamma is a prior scale the likelihood does not see."""
    fm = es.simulate(n=800, groups={"a": 0.5, "b": 0.3, "c": 0.2}, seed=1)
    ic = maximum_likelihood(make_design(fm), "rasch", FitOptions(model_by_group=True))
    k, G = 3, 3
    assert ic.n_parameters == k + (G - 1) + G + (G - 1) * (k - 1)
    assert "tau_gamma" in ic.estimates  # reported (at its start), but not counted


def test_criteria_arithmetic():
    ic = InformationCriteria(loglik=-100.0, n_parameters=3, n_instances=50, converged=True)
    assert ic.aic == 206.0 and abs(ic.bic - (200 + 3 * math.log(50))) < 1e-12
    assert set(ic.to_dict()) >= {"loglik", "n_parameters", "n_instances", "aic", "bic", "converged"}


def test_fit_reports_the_criteria_in_summary_and_json():
    fm = es.simulate(n=500, family="independence", seed=0)
    res = es.fit(fm, "independence", draws=200, tune=200, seed=0)
    ic = res.information_criteria()
    assert ic is res.information_criteria()  # computed once
    out = res.to_dict()
    assert out["information_criteria"]["loglik"] == ic.loglik and out["information_criteria"]["n_parameters"] == 3
    text = res.summary(classical=False).as_text()
    assert "Max log-lik" in text and f"AIC {ic.aic:.1f}" in text
    # the maximum is at least the likelihood at any posterior draw
    ll_draws = get_family("independence").row_log_lik(res.draws, res.design, res.options) @ res.design.counts
    assert ic.loglik >= ll_draws.max() - 1e-9
