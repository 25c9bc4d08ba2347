"""The samplers: nutpie (default) gives PyMC NUTS's posterior, reproducibly; the Laplace approximation is close
on a well-identified model and says that it is approximate; the settings are validated; a slow fit warns."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest

import ecostat as es
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.model import Model
from ecostat.bayes.sampling import compiled_model, estimated_gradient_seconds, sampler_settings
from ecostat.errors import EcostatError, EcostatWarning

pytest.importorskip("nutpie")


@pytest.fixture(scope="module")
def small():
    fm = es.simulate(n=1500, family="rasch", failure_rates=[0.15, 0.3, 0.4], difficulty_sd=1.5, seed=21)
    return es.model("fail ~ model + (1 | instance)", fm)


@pytest.fixture(scope="module")
def nutpie_fit(small):
    return small.fit(draws=1000, tune=1000, chains=2, seed=3, sampler="nutpie")


def _means_and_mcse(idata, names):
    mean = {n: np.asarray(idata.posterior[n].mean(("chain", "draw"))) for n in names}
    mcse = az.mcse(idata, var_names=names, method="mean")
    return mean, {n: np.asarray(mcse[n]) for n in names}


def test_nutpie_gives_the_pymc_posterior(small, nutpie_fit):
    pymc_fit = small.fit(draws=1000, tune=1000, chains=2, seed=3, sampler="pymc")
    names = ["b", "sigma"]
    m1, e1 = _means_and_mcse(nutpie_fit.idata, names)
    m2, e2 = _means_and_mcse(pymc_fit.idata, names)
    for n in names:
        z = np.abs(m1[n] - m2[n]) / np.sqrt(e1[n] ** 2 + e2[n] ** 2)
        assert np.all(z < 3), (n, m1[n], m2[n], z)
    assert nutpie_fit.diagnostics["converged"] and pymc_fit.diagnostics["converged"]
    assert nutpie_fit.settings["sampler"] == "nutpie" and pymc_fit.settings["sampler"] == "pymc"
    # the same variables, dims and coords as PyMC's trace
    assert set(nutpie_fit.idata.posterior.data_vars) == set(pymc_fit.idata.posterior.data_vars)
    assert nutpie_fit.idata.posterior["b"].dims == pymc_fit.idata.posterior["b"].dims
    assert list(nutpie_fit.idata.posterior["model"].values) == list(small.design.models)


def test_nutpie_same_seed_same_draws_and_compiled_once(small, nutpie_fit):
    again = small.fit(draws=1000, tune=1000, chains=2, seed=3, sampler="nutpie")
    for name in nutpie_fit.draws:
        np.testing.assert_array_equal(again.draws[name], nutpie_fit.draws[name])
    other = small.fit(draws=1000, tune=1000, chains=2, seed=4, sampler="nutpie")
    assert not np.array_equal(other.draws["b"], nutpie_fit.draws["b"])
    import json
    key = json.dumps(small.spec, sort_keys=True, default=str)
    first, _ = compiled_model(small.build, "numba", key)
    assert compiled_model(lambda: pytest.fail("rebuilt a cached model"), "numba", key)[0] is first
    spec = (small.design, small.family, small.options)  # the pooled rasch kernel, cached the same way
    kernel, names = compiled_model(small.build, "numba", key, spec)
    assert names == ["b", "sigma"] and compiled_model(None, "numba", key, spec)[0] is kernel


@pytest.mark.parametrize("backend", ["c", "jax"])
def test_other_backends_same_posterior(small, nutpie_fit, backend):
    if backend == "jax":
        pytest.importorskip("jax")
    res = small.fit(draws=1000, tune=1000, chains=2, seed=3, sampler="nutpie", backend=backend)
    m1, e1 = _means_and_mcse(nutpie_fit.idata, ["b", "sigma"])
    m2, e2 = _means_and_mcse(res.idata, ["b", "sigma"])
    for n in m1:
        assert np.all(np.abs(m1[n] - m2[n]) < 3 * np.sqrt(e1[n] ** 2 + e2[n] ** 2))


def test_laplace_is_close_to_nuts_and_says_it_is_approximate(small, nutpie_fit):
    with pytest.warns(EcostatWarning, match="approximate posterior: Laplace"):
        approx = small.fit(draws=1000, seed=0, method="laplace")
    assert approx.settings["method"] == "laplace"
    for n in ("b", "sigma"):
        mu, sd = nutpie_fit.draws[n].mean(0), nutpie_fit.draws[n].std(0)
        assert np.all(np.abs(approx.draws[n].mean(0) - mu) < 0.2 * sd), n
        assert np.all(np.abs(approx.draws[n].std(0) / sd - 1) < 0.15), n
    assert approx.idata.posterior.attrs["pareto_k"] < 0.7
    assert "APPROXIMATE" in approx.summary(classical=False).as_text()
    d = approx.to_dict()
    assert d["approximation"]["method"] == "laplace" and d["settings"]["method"] == "laplace"


def test_settings_are_validated():
    s = sampler_settings()
    assert (s["sampler"], s["backend"], s["mass_matrix"], s["method"]) == ("nutpie", "numba", "low_rank", "nuts")
    for kw, match in [({"sampler": "stan"}, "sampler must be"), ({"backend": "cuda"}, "backend must be"),
                      ({"sampler": "pymc", "backend": "numba"}, "applies to sampler='nutpie'"),
                      ({"mass_matrix": "dense"}, "sampler='pymc' takes 'dense'"),
                      ({"sampler": "pymc", "mass_matrix": "low_rank"}, "'dense' or 'diag'"),
                      ({"method": "advi"}, "method must be")]:
        with pytest.raises(EcostatError, match=match):
            sampler_settings(**kw)


def test_slow_fit_warns_before_it_starts():
    rng = np.random.default_rng(0)
    F = (rng.random((3000, 60)) < 0.3).astype(int)  # 3000 distinct profiles x 60 models
    fm = es.FailureMatrix(F)
    m = Model(make_design(fm), "twopl", FitOptions(link="probit"))  # the general product, no kernel
    assert estimated_gradient_seconds(m.design, m.options, "twopl") > 1e-2
    assert estimated_gradient_seconds(m.design, FitOptions(), "rasch") < 1e-3  # sufficient statistics
    logit = FitOptions()  # the logit twopl kernel: two numbers per row
    assert estimated_gradient_seconds(m.design, logit, "twopl", "nutpie") < 0.1 * estimated_gradient_seconds(
        m.design, logit, "twopl")
    with pytest.raises(EcostatWarning, match="will take about.*backend='jax'"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", EcostatWarning)
            m.fit(draws=1000, tune=1000)


@pytest.mark.parametrize("k", [3, 30, 300])
@pytest.mark.parametrize("missing", [False, True])
def test_rasch_kernel_equals_the_pymc_density(missing, k):
    """The numba kernel's log density and gradient against PyMC's compiled logp (jacobian included).

    At k = 300 the grid has more nodes than ``quadrature`` (``trait_quadrature``); the kernel skips each cell's
    negligible nodes, so equality here also checks that nothing it skips matters.
    """
    from kernel_check import assert_kernel_is_the_pymc_density

    from ecostat.bayes import rasch_kernel
    from ecostat.bayes.kernels import kernel_for
    fm = es.simulate(n=3000, family="rasch", failure_rates=np.linspace(0.1, 0.45, k), seed=2)
    if missing:
        F = fm.failures.astype(float)
        F[np.random.default_rng(0).random(F.shape) < 0.2] = np.nan
        fm = es.FailureMatrix(F[~np.isnan(F).all(1)], models=list(fm.models))
    design = make_design(fm)
    options = FitOptions(priors={"b_sd": 2.0})
    assert kernel_for(design, "rasch", options) is rasch_kernel
    assert_kernel_is_the_pymc_density(
        design, "rasch", options, ["b", "sigma_log__"],
        lambda x: rasch_kernel.logp_dlogp(x, design, options, 2.0, 1.5 * 1.7),
        lambda rng: [rng.normal(-1, 1, design.k), np.array(rng.normal(0.3, 0.6))], points=5)


def test_target_accept_defaults_per_model():
    from ecostat.bayes.sampling import LARGE_RASCH_K, default_target_accept

    many = make_design(es.simulate(n=300, failure_rates=[0.3] * LARGE_RASCH_K, seed=0))
    few = make_design(es.simulate(n=300, failure_rates=[0.3] * (LARGE_RASCH_K - 1), seed=0))
    opts = FitOptions()
    assert default_target_accept(many, "rasch", opts) == 0.8  # pooled logit rasch, k >= 100: close to Gaussian
    assert default_target_accept(few, "rasch", opts) == 0.95
    assert default_target_accept(many, "twopl", opts) == 0.95
    assert default_target_accept(many, "rasch", FitOptions(link="probit")) == 0.95
    assert sampler_settings()["target_accept"] == 0.95
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EcostatWarning)  # 30 draws: not meant to converge
        res = Model(many, "rasch").fit(draws=30, tune=30, chains=1, seed=0)
        given = Model(many, "rasch").fit(draws=30, tune=30, chains=1, seed=0, target_accept=0.9)
    assert res.settings["target_accept"] == 0.8 and given.settings["target_accept"] == 0.9


def test_rasch_callback_refuses_a_point_of_the_wrong_size():
    from ecostat.bayes import rasch_kernel

    design = make_design(es.simulate(n=300, failure_rates=[0.2, 0.3, 0.4], seed=0))
    with pytest.raises(ValueError, match="model has 4"):
        rasch_kernel.logp_dlogp(np.zeros(3), design, FitOptions(), 2.55, 2.55)
