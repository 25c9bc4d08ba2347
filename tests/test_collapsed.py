"""The collapsed likelihood equals the per-instance one (docs/architecture.md §5, "collapsed likelihood").

``es.fit`` never sees instances: latent difficulty is integrated out per profile
row on a fixed quadrature grid (``latent_trait.normal_grid``) and each row's
log-likelihood is weighted by its count. Two checks that this is the same model as the textbook per-instance one:

* fast and deterministic: at fixed parameter values the ``loglik`` Potential of
  the collapsed model equals the sum over *instances* of the marginal
  log-likelihood, each integrated independently over theta with
  ``scipy.integrate.quad`` (complete data, missing cells, two groups);
* sampled (about 40 s): NUTS on the collapsed model and NUTS on a per-instance PyMC model
  (theta_i sampled, non-centered, Bernoulli likelihood) give the same posterior
  of b and sigma within Monte Carlo error.
"""

from __future__ import annotations

import functools
import math
import os
import warnings

import arviz as az
import numpy as np
import pytest
from scipy import integrate, stats

import ecostat as es

pm = pytest.importorskip("pymc")

from per_instance import per_instance_rasch  # noqa: E402
from pymc.model.transform.conditioning import remove_value_transforms  # noqa: E402

from ecostat.bayes.families import FitOptions, make_design  # noqa: E402
from ecostat.bayes.model import build_model  # noqa: E402

PRIOR_SD = 1.5 * 1.7  # logit scale of b, sigma and sigma_group (Rasch.priors: 2.55)


# -- independent per-instance marginal likelihood --------------------------------------------


@functools.cache
def _instance_log_lik(y: tuple, b: tuple, mu: float, sigma: float) -> float:
    return instance_log_lik(np.array(y), np.array(b), mu, sigma)


def instance_log_lik(y, b, mu, sigma):
    """log of the integral over theta of Normal(theta; mu, sigma) * prod_j P(y_j | theta + b_j) (logit).

    Missing cells (y_j < 0) are left out of the product. Adaptive quadrature
    (``scipy.integrate.quad``) of the integrand scaled by its maximum, with the
    mode as a break point: nothing shared with the model's fixed grid.
    """
    y = np.asarray(y)
    obs = y >= 0
    sign = np.where(y[obs] == 1, 1.0, -1.0)  # log P(y | eta) = log_sigmoid(sign * eta)
    bo = np.asarray(b, float)[obs]
    log_norm = -0.5 * np.log(2 * np.pi) - np.log(sigma)

    def log_integrand(t):
        t = np.asarray(t, float)
        eta = t[..., None] + bo
        return log_norm - 0.5 * ((t - mu) / sigma) ** 2 - np.sum(np.logaddexp(0.0, -sign * eta), axis=-1)

    grid = mu + sigma * np.linspace(-12, 12, 4801)
    vals = log_integrand(grid)
    c, t0 = vals.max(), grid[vals.argmax()]
    val, _ = integrate.quad(lambda t: math.exp(log_integrand(t) - c), mu - 14 * sigma, mu + 14 * sigma,
                            points=[t0], epsabs=0.0, epsrel=1e-13, limit=400)
    return c + np.log(val)


def per_instance_log_lik(F, b, mu_group=None, sigma_group=None, group_codes=None, sigma=None):
    """Sum over instances (rows of F, -1 = missing) of :func:`instance_log_lik`.

    The loop runs over the rows of the raw matrix, never over a profile table;
    only the quadrature of a repeated (row, parameters) is memoized.
    """
    total = 0.0
    for i, y in enumerate(F):
        if group_codes is None:
            mu, s = 0.0, sigma
        else:
            g = group_codes[i]
            mu, s = mu_group[g], sigma_group[g]
        total += _instance_log_lik(tuple(int(v) for v in y), tuple(float(v) for v in b), float(mu), float(s))
    return total


# -- the collapsed model's pieces ---------------------------------------------------------------


def collapsed_functions(fm, **design_kw):
    """(loglik(point), logp(point)) of the es model, in constrained parameter space."""
    model = build_model(make_design(fm, **design_kw), "rasch", FitOptions())
    plain = remove_value_transforms(model)  # value vars are b, sigma, ... untransformed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loglik = plain.compile_fn(plain.potentiallogp)
        logp = plain.compile_logp(jacobian=False)
    return model, loglik, logp


def failures_with_missing(fm, share, seed):
    """fm with a random share of cells missing (all-missing rows dropped) and its -1-coded matrix."""
    F = fm.failures.astype(float)
    F[np.random.default_rng(seed).random(F.shape) < share] = np.nan
    keep = ~np.isnan(F).all(axis=1)
    out = es.FailureMatrix(F[keep], models=list(fm.models))
    if fm.group is not None:
        out = out.with_group(np.asarray(fm.group)[keep])
    return out, np.where(np.isnan(F[keep]), -1, F[keep]).astype(int)


POINTS = [  # (b, sigma): near the truth, small and large difficulty sd, shifted effects
    ([-1.5, -1.0, -0.5], 1.5),
    ([-1.2, -1.1, -0.4], 0.3),
    ([0.0, 0.0, 0.0], 1.0),
    ([0.5, -2.0, 1.0], 2.0),
    ([0.5, -2.0, 1.0], 3.0),
    ([-7.7, -5.0, -8.2], 3.7),  # HAPI fluent's posterior: rare failures, large sigma
    ([-3.0, -2.5, -4.0], 5.0),  # 48 Gauss-Hermite nodes were off by 1e-3 per profile here
]


class Case:
    """A failure matrix, its -1-coded rows, group codes, and the compiled collapsed model."""

    def __init__(self, fm, F=None):
        self.fm = fm
        self.F = fm.failures.astype(int) if F is None else F
        self.model, self.loglik, self.logp = collapsed_functions(fm)
        levels = list(make_design(fm).group_levels)
        self.codes = None if fm.group is None else np.array([levels.index(str(g)) for g in fm.group])


@pytest.fixture(scope="module")
def small():
    return Case(es.simulate(n=400, family="rasch", failure_rates=[0.2, 0.3, 0.4], difficulty_sd=1.5, seed=11))


@pytest.fixture(scope="module")
def small_missing(small):
    return Case(*failures_with_missing(small.fm, 0.15, seed=5))


@pytest.fixture(scope="module")
def two_groups():
    return Case(es.simulate(n=400, family="rasch", failure_rates=[0.2, 0.3, 0.4], groups={"a": 0.5, "b": 0.5},
                            group_location={"a": 0.5, "b": -0.5}, group_scale={"a": 1.0, "b": 2.0}, seed=4))


@pytest.fixture(scope="module")
def two_groups_missing():
    base = es.simulate(n=300, family="rasch", failure_rates=[0.2, 0.3, 0.4], groups={"a": 0.5, "b": 0.5}, seed=8)
    return Case(*failures_with_missing(base, 0.2, seed=2))


def test_model_has_the_documented_structure(small, two_groups):
    assert sorted(v.name for v in small.model.free_RVs) == ["b", "sigma"]
    assert {"b", "mu_group", "sigma_group"} <= {v.name for v in two_groups.model.free_RVs}
    for case in (small, two_groups):
        assert [p.name for p in case.model.potentials] == ["loglik"]
        assert not case.model.observed_RVs  # the data enter only through the count-weighted Potential
    assert len(make_design(small.fm).counts) <= 8  # 400 instances, at most 2^3 profile rows


@pytest.mark.parametrize("b, sigma", POINTS)
def test_collapsed_loglik_equals_per_instance_quadrature(small, b, sigma):
    point = {"b": np.array(b), "sigma": np.array(sigma)}
    want = per_instance_log_lik(small.F, b, sigma=sigma)
    assert float(small.loglik(point)) == pytest.approx(want, rel=1e-8)
    # the model's joint log-density is that log-likelihood plus the documented priors
    prior = stats.norm.logpdf(b, 0, PRIOR_SD).sum() + stats.halfnorm.logpdf(sigma, scale=PRIOR_SD)
    assert float(small.logp(point)) == pytest.approx(want + prior, rel=1e-8)


@pytest.mark.parametrize("b, sigma", POINTS[:2] + POINTS[4:6])
def test_collapsed_loglik_with_missing_cells(small_missing, b, sigma):
    F = small_missing.F
    assert (F < 0).any(axis=1).sum() > 50 and not make_design(small_missing.fm).complete
    want = per_instance_log_lik(F, b, sigma=sigma)
    assert float(small_missing.loglik({"b": np.array(b), "sigma": np.array(sigma)})) == pytest.approx(want, rel=1e-8)


@pytest.mark.parametrize("b, mu, sg", [
    ([-1.5, -1.0, -0.5], [0.4, -0.4], [1.0, 2.0]),
    ([-0.5, -2.0, 0.5], [-1.1, 1.1], [0.4, 3.5]),
])
def test_collapsed_loglik_two_groups(two_groups, b, mu, sg):
    point = {"b": np.array(b), "mu_group": np.array(mu), "sigma_group": np.array(sg)}
    want = per_instance_log_lik(two_groups.F, b, mu_group=mu, sigma_group=sg, group_codes=two_groups.codes)
    assert float(two_groups.loglik(point)) == pytest.approx(want, rel=1e-8)


def test_collapsed_loglik_two_groups_with_missing_cells(two_groups_missing):
    case = two_groups_missing
    assert (case.F < 0).any() and set(case.codes) == {0, 1}
    b, mu, sg = [-1.0, -0.6, -0.2], [0.3, -0.3], [1.2, 3.0]
    point = {"b": np.array(b), "mu_group": np.array(mu), "sigma_group": np.array(sg)}
    want = per_instance_log_lik(case.F, b, mu_group=mu, sigma_group=sg, group_codes=case.codes)
    assert float(case.loglik(point)) == pytest.approx(want, rel=1e-8)


# -- posterior equality with a per-instance model ---------------------------------------------


per_instance_model = per_instance_rasch


def test_collapsed_posterior_equals_per_instance_posterior():
    fm = es.simulate(n=400, family="rasch", failure_rates=[0.2, 0.3, 0.4], difficulty_sd=1.5, seed=21)
    draws, tune, chains = 1500, 1000, 4
    collapsed = es.fit(fm, "rasch", draws=draws, tune=tune, chains=chains, seed=1).idata
    with per_instance_model(fm.failures.astype(int)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = pm.sample(draws=draws, tune=tune, chains=chains, cores=min(chains, os.cpu_count() or 1),
                         random_seed=2, target_accept=0.9, var_names=["b", "sigma"], progressbar=False,
                         compute_convergence_checks=False)
    for name in ("b", "sigma"):
        a = collapsed.posterior[name].values.reshape(chains * draws, -1)
        f = full.posterior[name].values.reshape(chains * draws, -1)
        se_a = np.atleast_1d(az.mcse(collapsed, var_names=[name])[name].values)
        se_f = np.atleast_1d(az.mcse(full, var_names=[name])[name].values)
        assert np.all(np.abs(a.mean(0) - f.mean(0)) < 4 * np.sqrt(se_a ** 2 + se_f ** 2)), name
        np.testing.assert_allclose(a.std(0), f.std(0), rtol=0.15, err_msg=name)
        assert np.all(az.rhat(full, var_names=[name])[name].values < 1.01)
