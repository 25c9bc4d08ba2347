"""IRT parameterization of rasch and twopl (ecostat.bayes.irt, FitResult.irt_parameters) against ltm on LSAT.

References: tests/results/lsat.json (ltm's published MML fits of the LSAT data, Rizopoulos 2006; provenance in
the file and in tests/results/README.md). The conversion itself is checked against the IRT response function
computed directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from lsat import reference, table
from scipy.special import expit, ndtr

import ecostat as es
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.information_criteria import maximum_likelihood
from ecostat.bayes.irt import irt_draws, irt_frame, to_irt


@pytest.mark.parametrize("cdf", [expit, ndtr], ids=["logit", "probit"])
def test_conversion_is_the_irt_response_function(cdf):
    """P(correct | ability z) of the IRT parameters equals 1 - P(fail | theta = mu - sigma z) of ecostat's."""
    rng = np.random.default_rng(0)
    k = 6
    b, a = rng.normal(0, 1.5, k), rng.lognormal(0, 0.4, k)
    sigma, mu = 1.7, -0.4
    beta, alpha = to_irt(b, a, sigma, mu)
    z = np.linspace(-4, 4, 41)[:, None]
    irt = cdf(alpha * (z - beta))
    ecostat_fail = cdf(a * (mu - sigma * z) + b)
    np.testing.assert_allclose(irt, 1 - ecostat_fail, rtol=0, atol=1e-14)
    # the easiest item for a person is the one ecostat's decision-makers fail least
    assert np.argmin(beta) == np.argmin(b / a + mu)


def _mle(family):
    d = make_design(table())
    ic = maximum_likelihood(d, family)
    beta, alpha = irt_draws(family, {n: np.asarray(v)[None] for n, v in ic.estimates.items()}, d, FitOptions())
    return ic, beta[0, 0], alpha[0, 0]


def test_rasch_mle_is_ltm_on_lsat():
    """ltm::rasch(LSAT): difficulties -3.6153 ... and common discrimination 0.7551 (4 decimals, max|grad| 3e-5)."""
    ref = reference()["ltm_rasch"]
    ic, beta, alpha = _mle("rasch")
    np.testing.assert_allclose(beta, ref["difficulty"], atol=0.002)
    np.testing.assert_allclose(alpha, ref["discrimination"], atol=0.0005)
    assert abs(ic.loglik - ref["loglik"]) < 1e-3 and ic.n_parameters == ref["n_parameters"]
    assert abs(ic.aic - ref["aic"]) < 2e-3 and abs(ic.bic - ref["bic"]) < 2e-3


def test_twopl_mle_is_ltm_on_lsat():
    """ltm::ltm(LSAT ~ z1). ltm stopped at max|grad| 0.024 (item 5's difficulty has se 0.87), so 0.005 on
    difficulties; the log-likelihood, AIC and BIC agree to the printed 3 decimals."""
    ref = reference()["ltm_2pl"]
    ic, beta, alpha = _mle("twopl")
    np.testing.assert_allclose(beta, ref["difficulty"], atol=0.005)
    np.testing.assert_allclose(alpha, ref["discrimination"], atol=0.001)
    assert abs(ic.loglik - ref["loglik"]) < 1e-3 and ic.n_parameters == ref["n_parameters"]
    assert abs(ic.aic - ref["aic"]) < 2e-3 and abs(ic.bic - ref["bic"]) < 2e-3


def test_irt_parameters_of_a_fit_on_lsat():
    """FitResult.irt_parameters: posterior summaries of the IRT parameters, and the MLE column that is ltm's."""
    ref = reference()["ltm_rasch"]
    res = es.fit(table(), "rasch", draws=500, tune=500, seed=2)
    frame = res.irt_parameters(mle=True)
    assert list(frame.columns) == ["model", "parameter", "mean", "sd", "hdi_low", "hdi_high", "mle"]
    diff = frame[frame.parameter == "difficulty"]
    disc = frame[frame.parameter == "discrimination"]
    assert list(diff.model) == list(res.design.models) and len(disc) == 5
    np.testing.assert_allclose(diff.mle, ref["difficulty"], atol=0.002)
    np.testing.assert_allclose(disc.mle, ref["discrimination"], atol=0.0005)
    # posterior and MML answer the same question: within a fraction of a posterior sd, the sds near ltm's ses
    assert np.all(np.abs(diff["mean"].to_numpy() - ref["difficulty"]) < 0.5 * diff["sd"].to_numpy())
    np.testing.assert_allclose(diff["sd"], ref["difficulty_se"], rtol=0.25)
    assert np.all((diff.hdi_low < diff.mle) & (diff.mle < diff.hdi_high))
    # the summaries are those of the converted draws
    beta = res.draws["b"] / res.draws["sigma"][:, None]
    np.testing.assert_allclose(diff["mean"], beta.mean(axis=0), rtol=1e-12)
    assert np.allclose(disc["mean"], res.draws["sigma"].mean())


def test_grouped_conversion_per_group():
    """With a group: ability standardized within each group, gamma added to b."""
    fm = es.simulate(n=400, groups={"a": 0.5, "b": 0.5}, seed=0)
    d = make_design(fm)
    S, k = 3, d.k
    rng = np.random.default_rng(1)
    draws = {"b": rng.normal(size=(S, k)), "mu_group": np.array([[0.3, -0.3]] * S),
             "sigma_group": np.array([[1.0, 2.0]] * S), "gamma": rng.normal(size=(S, 2, k)) * 0.1}
    beta, alpha = irt_draws("rasch", draws, d, FitOptions(model_by_group=True))
    g = 1
    np.testing.assert_allclose(alpha[:, g, :], 2.0)
    np.testing.assert_allclose(beta[:, g, :], (draws["b"] + draws["gamma"][:, g] - 0.3) / 2.0)
    frame = irt_frame("rasch", draws, d, FitOptions(model_by_group=True))
    assert set(frame.group) == {"a", "b"} and len(frame) == 2 * 2 * k


def test_irt_refuses_other_families_and_covariates():
    d = make_design(table())
    with pytest.raises(es.EcostatError, match="latent-trait families"):
        irt_draws("latent_class", {"b": np.zeros((1, 5))}, d, FitOptions())
    fm = es.simulate(n=300, covariate_effect=0.5, seed=0)
    dc = make_design(fm, covariates="x")
    with pytest.raises(es.EcostatError, match="covariates"):
        irt_draws("rasch", {"b": np.zeros((1, 3)), "sigma": np.ones(1)}, dc, FitOptions())
