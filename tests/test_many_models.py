"""Many decision-makers: rasch's sufficient-statistic likelihood, the matrix-product row terms, and the
ecosystem quantities from mixture components (no 2^k enumeration), each against the computation it replaces.

* the logit rasch ``loglik`` Potential (sufficient statistics, :mod:`ecostat.bayes.families.rasch_stats`)
  equals the per-profile collapsed likelihood (``MixtureFamily.build``, the row terms) to 1e-9 at random
  points: complete data, missing cells, groups, covariates, model-by-group effects;
* the numpy row terms (matrix products, padded strata) equal the gather form, every family;
* the quantities from :meth:`MixtureFamily.mixture_moments` equal those from the enumerated profile
  probabilities at k = 3..8 for every mixture family, with groups.
"""

from __future__ import annotations

import json
import warnings

import arviz as az
import numpy as np
import pytest

import ecostat as es
from ecostat.bayes.families import FAMILIES, FitOptions, make_design
from ecostat.bayes.families.backend import NP
from ecostat.bayes.families.base import MixtureFamily, _row_terms
from ecostat.bayes.results import FitResult

pm = pytest.importorskip("pymc")

from pymc.model.transform.conditioning import remove_value_transforms  # noqa: E402


def _missing(fm, share, seed):
    F = fm.failures.astype(float)
    F[np.random.default_rng(seed).random(F.shape) < share] = np.nan
    keep = ~np.isnan(F).all(axis=1)
    out = es.FailureMatrix(F[keep], models=list(fm.models))
    if fm.group is not None:
        out = out.with_group(np.asarray(fm.group)[keep])
    if fm.covariates is not None:
        out = out.with_covariates(fm.covariates[keep].reset_index(drop=True))
    return out


def _per_profile_loglik(design, options):
    """The loglik Potential written with MixtureFamily.build (per profile row), compiled."""
    fam = FAMILIES["rasch"]
    with pm.Model(coords=fam.coords(design, options)) as model:
        MixtureFamily.build(fam, design, options)
    return model


def _compiled_loglik(model):
    plain = remove_value_transforms(model)
    return plain.compile_fn(plain.potentiallogp, inputs=plain.value_vars, on_unused_input="ignore"), plain


def _random_point(model, rng):
    point = {}
    for rv in model.free_RVs:
        shape = model.initial_point()[model.rvs_to_values[rv].name].shape  # untransformed model
        name = rv.name
        if name in ("sigma", "sigma_group", "tau_gamma"):
            point[name] = rng.uniform(0.3, 4.0, size=shape)
        else:
            point[name] = rng.normal(0.0, 1.5, size=shape)
            if name in ("mu_group", "gamma"):  # zero-sum
                v = point[name]
                v -= v.mean(axis=-1, keepdims=True)
                if v.ndim == 2:
                    v -= v.mean(axis=0, keepdims=True)
    return point


CASES = {
    "complete": (dict(n=3000, k=6), {}, FitOptions()),
    "missing": (dict(n=2000, k=5), {"missing": 0.15}, FitOptions()),
    "groups": (dict(n=2000, k=4, groups={"a": 0.5, "b": 0.3, "c": 0.2}), {}, FitOptions()),
    "groups_missing": (dict(n=1500, k=4, groups={"a": 0.5, "b": 0.5}), {"missing": 0.2}, FitOptions()),
    "model_by_group": (dict(n=2000, k=4, groups={"a": 0.5, "b": 0.5}), {}, FitOptions(model_by_group=True)),
    "covariates": (dict(n=800, k=4), {"covariate": True}, FitOptions()),
}


def _data(sim, extra):
    k = sim.pop("k")
    fm = es.simulate(failure_rates=np.linspace(0.15, 0.45, k), family="rasch", seed=3, **sim)
    if extra.get("covariate"):
        x = np.round(np.random.default_rng(1).normal(size=fm.n_instances), 1)
        fm = fm.with_covariates({"x": x})
    if extra.get("missing"):
        fm = _missing(fm, extra["missing"], seed=4)
    return fm, ({"covariates": "x"} if extra.get("covariate") else {})


@pytest.mark.parametrize("case", sorted(CASES))
def test_sufficient_statistics_equal_the_profile_likelihood(case):
    sim, extra, options = CASES[case]
    fm, kw = _data(dict(sim), extra)
    design = make_design(fm, **kw)
    assert FAMILIES["rasch"].uses_sufficient_statistics(options)
    from ecostat.bayes.model import build_model
    fast = build_model(design, "rasch", options)
    slow = _per_profile_loglik(design, options)
    (f_fast, plain), (f_slow, _) = _compiled_loglik(fast), _compiled_loglik(slow)
    rng = np.random.default_rng(7)
    for _ in range(5):
        point = _random_point(plain, rng)
        a, b = float(f_fast(point)), float(f_slow(point))
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (case, point)


def test_probit_rasch_keeps_the_profile_likelihood():
    assert not FAMILIES["rasch"].uses_sufficient_statistics(FitOptions(link="probit"))
    assert not FAMILIES["twopl"].uses_sufficient_statistics(FitOptions())


def _gather_row_terms(log_w, log_p1, log_p0, design):
    s = design.strata
    y1 = (design.patterns == 1).astype(float)[:, None, :]
    y0 = (design.patterns == 0).astype(float)[:, None, :]
    return (np.take(log_w, s, axis=-2) + np.sum(np.take(log_p1, s, axis=-3) * y1, axis=-1)
            + np.sum(np.take(log_p0, s, axis=-3) * y0, axis=-1))


def _prior_draws(design, family, options, n=6, seed=0):
    from ecostat.bayes.model import build_model
    model = build_model(design, family, options)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The effect of Potentials")
        idata = pm.sample_prior_predictive(draws=n, model=model, random_seed=seed)
    return {name: np.asarray(v.values)[0] for name, v in idata.prior.data_vars.items()}


@pytest.mark.parametrize("family", ["rasch", "twopl", "latent_class", "hard_easy", "independence"])
@pytest.mark.parametrize("grouped, missing", [(False, 0.0), (True, 0.0), (True, 0.2)])
def test_row_products_equal_the_gather_form(family, grouped, missing):
    fm = es.simulate(n=600, family="rasch", failure_rates=np.linspace(0.2, 0.4, 5),
                     groups={"a": 0.7, "b": 0.3} if grouped else None, seed=5)
    if missing:
        fm = _missing(fm, missing, seed=6)
    fam = FAMILIES[family]
    group = grouped and fam.takes_group
    design = make_design(fm, group=group)
    options = FitOptions(quadrature=24)
    draws = _prior_draws(design, family, options)
    params = fam._draw_params(draws, design) if hasattr(fam, "_draw_params") else draws
    log_w, log_p1, log_p0, _ = fam.components(params, design, options, NP)
    log_w = log_w + np.zeros(log_p1.shape[:-1])
    got = _row_terms(log_w, log_p1, log_p0, design, NP)
    want = _gather_row_terms(log_w, log_p1, log_p0, design)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def _fit_from_draws(design, family, options, draws):
    post = {name: v[None] for name, v in draws.items()}
    idata = az.from_dict(posterior=post, sample_stats={"diverging": np.zeros((1, len(next(iter(draws.values())))),
                                                                            dtype=bool)})
    return FitResult(family, options, design, idata, {"draws": 6, "chains": 1, "seed": 0}, check=False)


@pytest.mark.parametrize("family", ["rasch", "twopl", "latent_class", "hard_easy", "independence"])
@pytest.mark.parametrize("k", [3, 8])
def test_mixture_quantities_equal_the_enumeration(family, k):
    fam = FAMILIES[family]
    groups = {"a": 0.6, "b": 0.4} if fam.takes_group else None
    fm = es.simulate(n=800, family="rasch", failure_rates=np.linspace(0.1, 0.5, k), groups=groups, seed=k)
    design = make_design(fm, group=groups is not None)
    options = FitOptions(quadrature=32)
    draws = _prior_draws(design, family, options, n=5, seed=k)
    res = _fit_from_draws(design, family, options, draws)
    assert res.enumerates_profiles
    enumerated = res._quantities
    mixture = res._mixture_quantities()
    for by, (want, got) in enumerate(zip(enumerated, mixture)):
        assert set(want) == set(got)
        for name in want:
            np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-13, err_msg=f"{name} by_group={by}")


def test_many_models_quantities_without_enumeration():
    k = 40
    fm = es.simulate(n=3000, family="rasch", failure_rates=np.linspace(0.1, 0.4, k), seed=0)
    design = make_design(fm)
    draws = {"b": np.tile(np.linspace(-1.5, -0.5, k), (4, 1)), "sigma": np.array([0.5, 1.0, 1.5, 2.0])}
    res = _fit_from_draws(design, "rasch", FitOptions(), draws)
    assert not res.enumerates_profiles
    H = res.quantity_draws("homogenization")
    assert H.shape == (4,) and np.all(H > 1)
    from scipy import integrate, special, stats
    for i, sigma in enumerate(draws["sigma"]):  # P(all fail) and f_1 by adaptive quadrature over theta
        def integrand(t, sel, sigma=sigma, i=i):
            return stats.norm.pdf(t, 0, sigma) * np.prod(special.expit(t + draws["b"][i][sel]))
        sys = integrate.quad(integrand, -12 * sigma, 12 * sigma, args=(slice(None),), epsabs=0, epsrel=1e-10, limit=200)[0]
        f1 = integrate.quad(integrand, -12 * sigma, 12 * sigma, args=(slice(0, 1),), epsabs=0, epsrel=1e-10)[0]
        assert res.quantity_draws("systemic_failure_rate")[i] == pytest.approx(sys, rel=1e-6)
        assert res.quantity_draws("failure_rates")[i, 0] == pytest.approx(f1, rel=1e-8)
    dist = res.quantity_draws("failure_count_distribution")
    np.testing.assert_allclose(dist.sum(axis=-1), 1.0, rtol=1e-12)
    with pytest.raises(es.errors.EcostatError, match="2\\^k"):
        _ = res.pattern_probabilities


def test_thinning_keeps_the_quantities_consistent():
    k = 20
    fm = es.simulate(n=500, family="rasch", failure_rates=np.linspace(0.1, 0.4, k), seed=0)
    design = make_design(fm)
    draws = {"b": np.random.default_rng(0).normal(-1.0, 0.5, size=(10, k)), "sigma": np.linspace(1, 2, 10)}
    fam = FAMILIES["rasch"]
    full, idx_full = fam.mixture_moments(draws, design, FitOptions())
    thin, idx = fam.mixture_moments(draws, design, FitOptions(), budget=3 * 128 * k * (k + 1) / 2)
    assert len(idx_full) == 10 and len(idx) == 3
    for name in full:
        np.testing.assert_allclose(thin[name], full[name][idx], rtol=1e-12)


@pytest.mark.parametrize("case", ["complete", "missing", "groups_missing", "model_by_group"])
def test_rasch_op_gradient_equals_the_expression_graph(case, monkeypatch):
    """The Op's analytic gradient (rasch_value_and_grad) against PyTensor's gradient of the expression graph."""
    import pytensor

    from ecostat.bayes.families.rasch_stats import expression_graph
    from ecostat.bayes.model import build_model
    sim, extra, options = CASES[case]
    fm, kw = _data(dict(sim), extra)
    design = make_design(fm, **kw)
    monkeypatch.setattr("ecostat.bayes.families.latent_trait.OP_MIN_ELEMENTS", 0)
    with expression_graph():
        ref = build_model(design, "rasch", options)
    fast = build_model(design, "rasch", options)
    from pytensor.graph.traversal import ancestors
    ops = {type(v.owner.op).__name__ for v in ancestors([fast.potentials[0]]) if v.owner is not None}
    assert "RaschLogLik" in ops
    fns = []
    for model in (fast, ref):
        logp = model.logp()
        fns.append(pytensor.function(model.value_vars, [logp, *pytensor.gradient.grad(logp, model.value_vars)]))
    rng = np.random.default_rng(2)
    for _ in range(3):
        point = [np.asarray(v) + rng.normal(0, 0.5, np.shape(v)) for v in fast.initial_point().values()]
        a, b = fns[0](*point), fns[1](*point)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-8)


def _mock_rasch_fit(k: int, n: int, n_draws: int, seed: int):
    """A rasch FitResult of simulated data with draws near the truth (no sampling): k decision-makers."""
    fm = es.simulate(n=n, family="rasch", failure_rates=np.linspace(0.1, 0.4, k), seed=seed)
    rng = np.random.default_rng(0)
    draws = {"b": np.linspace(-2, -0.4, k) + 0.02 * rng.standard_normal((n_draws, k)),
             "sigma": 1.5 + 0.02 * rng.standard_normal(n_draws)}
    return _fit_from_draws(make_design(fm), "rasch", FitOptions(), draws)


def test_summary_and_json_for_many_models_skip_only_the_profile_check():
    k = 20
    res = _mock_rasch_fit(k, n=1000, n_draws=50, seed=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PSIS-LOO is unreliable")  # 50 mock draws
        text = res.summary(classical=False).as_text()
        d = res.to_dict()
    assert "k = 20 > 14" in text and "homogenization" in text
    assert d["ppc"] is None and "2^k" in d["ppc_skipped"]
    assert d["posterior"]["homogenization"]["mean"] > 1
    with pytest.raises(es.errors.EcostatError, match="2\\^k profiles"):
        res.ppc()


def test_rasch_kernel_likelihood_against_adaptive_quadrature_at_k_1000():
    """At k = 1,000 each instance's difficulty is known to ~0.06 sd: the grid (trait_quadrature) must resolve it.

    The kernel's log-likelihood (prior terms removed) against scipy's adaptive quadrature per cell, at the true
    parameters of a simulation with difficulty sd 1.5: absolute error below 1e-6 on N = 20,000 instances.
    """
    import math

    from scipy import integrate, optimize

    from ecostat.bayes import rasch_kernel
    from ecostat.bayes.families.latent_trait import trait_quadrature
    from ecostat.bayes.families.rasch_stats import rasch_statistics

    k, sigma = 1000, 1.5
    rates = np.linspace(0.05, 0.5, k)
    fm = es.simulate(n=20_000, family="rasch", failure_rates=rates, difficulty_sd=sigma, seed=0)
    design, options = make_design(fm), FitOptions()
    assert trait_quadrature(k, options.quadrature) > options.quadrature
    st = rasch_statistics(design)
    b = np.log(rates / (1 - rates))
    want = float(b @ st.failures[0])
    for m, t, n in zip(st.cell_mask, st.cell_t, st.cell_count):
        bm = b[st.masks[m] > 0]

        def log_f(th, t=t, bm=bm):  # log of the integrand over difficulty theta ~ Normal(0, sigma)
            return t * th - np.sum(np.logaddexp(0.0, th + bm)) - 0.5 * (th / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))

        top = optimize.minimize_scalar(lambda th: -log_f(th), bounds=(-12 * sigma, 12 * sigma), method="bounded",
                                       options={"xatol": 1e-10})
        val, _ = integrate.quad(lambda th, peak=top.fun: math.exp(log_f(th) + peak), -12 * sigma, 12 * sigma,
                                points=[top.x],
                                epsabs=0.0, epsrel=1e-13, limit=500)
        want += n * (-top.fun + math.log(val))
    b_sd = sigma_sd = 2.55
    got, _ = rasch_kernel.logp_dlogp(np.r_[b, math.log(sigma)], design, options, b_sd, sigma_sd)
    log_prior = (np.sum(-0.5 * (b / b_sd) ** 2) - k * math.log(b_sd * math.sqrt(2 * math.pi))
                 + math.log(2.0) - math.log(sigma_sd * math.sqrt(2 * math.pi)) - 0.5 * (sigma / sigma_sd) ** 2
                 + math.log(sigma))
    assert abs(got - log_prior - want) < 1e-6


def test_costly_loo_and_pairs_are_left_out_of_summaries_with_a_note(monkeypatch):
    """Beyond LOGLIK_WORK_LIMIT terms the summary, the JSON and the InferenceData skip the row log-likelihood
    (res.loo() still computes it), and beyond 20 decision-makers the fit summary skips the pairwise McNemar table."""
    from ecostat.bayes import inference_data

    k = 25
    res = _mock_rasch_fit(k, n=600, n_draws=40, seed=1)
    design = res.design
    work = inference_data.row_log_lik_work("rasch", design, res.options, res.n_draws)
    monkeypatch.setattr(inference_data, "LOGLIK_WORK_LIMIT", work - 1)
    assert not res.loo_affordable
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PSIS-LOO is unreliable")
        summary = res.summary()
        d = res.to_dict()
    assert "res.loo() computes it" in dict(summary.header)["LOO elpd"] and d["loo"] is None
    assert "Pairwise McNemar tests beside the posterior" not in summary.table_names
    assert any("McNemar tests of the 300 pairs left out" in n for n in summary.notes)
    assert "log_likelihood" not in res.idata.groups()
    assert any("no log_likelihood group" in n for n in json.loads(res.idata.observed_data.attrs["ecostat_notes"]))
