"""Families: the PyTensor likelihood and the numpy posterior path agree; bad designs fail clearly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.bayes.families import FAMILIES, FitOptions, get_family, make_design
from ecostat.bayes.model import build_model
from ecostat.numeric import all_profiles

CASES = [
    ("independence", {}, FitOptions()),
    ("independence", {"group": True}, FitOptions()),
    ("hard_easy", {}, FitOptions()),
    ("latent_class", {}, FitOptions(n_classes=3)),
    ("latent_class", {"group": True}, FitOptions()),
    ("rasch", {}, FitOptions()),
    ("rasch", {}, FitOptions(link="probit")),
    ("rasch", {"group": True, "covariates": "x"}, FitOptions(model_by_group=True)),
    ("rasch", {"group": True}, FitOptions(group_scale=False)),
    ("rasch", {"group": True}, FitOptions(group_location=False, link="probit")),
    ("rasch", {"group": True}, FitOptions(group_location=False, group_scale=False, model_by_group=True)),
    ("twopl", {"group": True}, FitOptions()),
    ("twopl", {"group": True}, FitOptions(group_scale=False, model_by_group=True)),
    ("latent_class", {}, FitOptions(priors={"m_sd": 1.0, "d_sd": 0.5, "share_concentration": 2.0})),
    ("mvprobit", {}, FitOptions(priors={"lkj_eta": 2.0, "mu_sd": 1.0})),
    ("twopl", {"covariates": "x"}, FitOptions(link="probit")),
    ("mvprobit", {}, FitOptions()),
]


@pytest.fixture(scope="module")
def data():
    fm = es.simulate(n=400, family="rasch", groups={"a": 0.5, "b": 0.5}, covariate_effect=0.5, seed=11)
    F = fm.failures.copy()
    F[:7, 1] = -1  # a few missing cells: marginalized, never dropped
    return es.FailureMatrix(F, models=fm.models, group=fm.group, covariates=fm.covariates)


def _point_values(model, names, seed):
    """Constrained values of ``names`` at a random point of the model (one 'draw')."""
    rng = np.random.default_rng(seed)
    ip = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in model.initial_point(random_seed=seed).items()}
    fn = model.compile_fn([model.named_vars[n] for n in names] + [model.potentials[0]], inputs=model.value_vars,
                          on_unused_input="ignore")
    *vals, pot = fn(ip)
    return {n: np.asarray(v)[None] for n, v in zip(names, vals)}, float(pot)


@pytest.mark.parametrize("family,design_kw,options", CASES, ids=lambda c: str(c))
def test_graph_and_numpy_likelihood_agree(data, family, design_kw, options):
    design = make_design(data, group=design_kw.get("group", False), covariates=design_kw.get("covariates"))
    model = build_model(design, family, options)
    names = [v.name for v in model.free_RVs + model.deterministics]
    fam = get_family(family)
    draws, potential = _point_values(model, names, seed=len(names))
    row_ll = fam.row_log_lik(draws, design, options)
    assert row_ll.shape == (1, len(design.counts))
    np.testing.assert_allclose(np.dot(row_ll[0], design.counts), potential, rtol=1e-9)
    # every stratum's profile probabilities sum to one, and rows are their marginals
    P = np.exp(fam.pattern_log_prob(draws, design, options))
    np.testing.assert_allclose(P.sum(-1), 1.0, atol=1e-9 if family != "mvprobit" else 2e-3)
    pats = all_profiles(design.k)
    ok = np.all((design.patterns[:, None] < 0) | (design.patterns[:, None] == pats[None]), axis=-1)
    marg = np.log((P[:, design.strata] * ok[None]).sum(-1))
    if family != "mvprobit":
        np.testing.assert_allclose(marg, row_ll, atol=1e-8)
    else:  # GHK has an absolute error of about 1e-3 per probability: compare probabilities, not their logs
        np.testing.assert_allclose(np.exp(marg), np.exp(row_ll), atol=2e-3)


def test_registry_lists_every_family():
    assert sorted(FAMILIES) == ["hard_easy", "independence", "latent_class", "mvprobit", "rasch", "twopl"]
    for fam in FAMILIES.values():
        assert fam.summary and fam.priors


@pytest.mark.parametrize("family,kw,match", [
    ("nope", {}, "unknown family 'nope'"),
    ("hard_easy", {"grouped": True}, "does not take group"),
    ("mvprobit", {"covariates": "x"}, "does not take covariates"),
    ("independence", {"model_by_group": True}, "does not take model-by-group"),
    ("rasch", {"link": "cloglog"}, "link"),
    ("latent_class", {"n_classes": 1}, "n_classes >= 2"),
    ("rasch", {"priors": {"tau_sd": 1.0}}, "no prior hyperparameter 'tau_sd'; it takes"),
    ("rasch", {"priors": {"sigma_sd": -1.0}}, "expected a positive finite number"),
    ("rasch", {"grouped": True, "group_location": False, "group_scale": False}, "pass grouped=False"),
])
def test_unsupported_options_fail_clearly(data, family, kw, match):
    with pytest.raises(es.EcostatError, match=match):
        es.fit(data, family, **kw, draws=10, tune=10)


def test_design_errors(data):
    with pytest.raises(es.DataError, match="unknown covariate"):
        make_design(data, covariates="nope")
    bad = data.with_covariates(pd.DataFrame({"x": np.ones(data.failures.shape[0])}))
    with pytest.raises(es.DataError, match="constant"):
        make_design(bad, covariates="x")
    plain = es.simulate(n=50, seed=0)
    with pytest.raises(es.DataError, match="no group"):
        make_design(plain, group=True)
    with pytest.raises(es.EcostatError, match="draws must be"):
        es.fit(plain, "rasch", draws=0)


def test_design_collapses_to_strata(data):
    d = make_design(data, group=True)
    assert d.n_instances == data.failures.shape[0]
    assert d.n_strata == 2 and not d.complete
    np.testing.assert_array_equal(d.strata_counts, np.bincount(data.group.codes))
    d2 = make_design(data, group=True, covariates="x")
    assert d2.n_strata == len(d2.counts) or d2.n_strata <= len(d2.counts)
    np.testing.assert_allclose(np.average(d2.strata_x[:, 0], weights=d2.strata_counts), 0.0, atol=1e-12)


def test_prior_hyperparameters_change_the_prior_and_default_per_link():
    rasch = get_family("rasch")
    assert rasch.prior(FitOptions(), "b_sd") == pytest.approx(2.55)
    assert rasch.prior(FitOptions(link="probit"), "b_sd") == 1.5
    assert rasch.prior(FitOptions(link="probit", priors={"b_sd": 3.0}), "b_sd") == 3.0  # a given value is used as is
    design = make_design(es.simulate(n=200, seed=0))
    logp = {}
    for sd in (1.0, 4.0):
        m = build_model(design, "rasch", FitOptions(priors={"sigma_sd": sd}))
        logp[sd] = float(m.compile_logp(vars=[m["sigma"]])({"b": np.zeros(3), "sigma_log__": np.log(2.0)}))
    # HalfNormal(sd) log density at 2 plus the log-transform Jacobian log(2)
    from scipy import stats
    for sd, value in logp.items():
        assert value == pytest.approx(stats.halfnorm(scale=sd).logpdf(2.0) + np.log(2.0))
