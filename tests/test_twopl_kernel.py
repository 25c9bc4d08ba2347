"""The pooled logit twopl kernel (C callbacks for nutpie): the PyMC model's density and gradient, its posterior,
reproducible draws, and only where it applies."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest

import ecostat as es
from ecostat.bayes import twopl_kernel
from ecostat.bayes.families import FitOptions, get_family, make_design
from ecostat.bayes.kernels import kernel_for

pytest.importorskip("nutpie")


def _matrix(k, missing=0.0, n=3000, seed=2):
    fm = es.simulate(n=n, family="twopl", failure_rates=np.linspace(0.1, 0.45, k),
                     loadings=np.linspace(0.5, 2.0, k), seed=seed)
    if missing:
        F = fm.failures.astype(float)
        F[np.random.default_rng(0).random(F.shape) < missing] = np.nan
        fm = es.FailureMatrix(F[~np.isnan(F).all(1)], models=list(fm.models))
    return fm


@pytest.mark.parametrize(("k", "missing"), [(3, 0.0), (30, 0.0), (10, 0.05), (30, 0.2), (120, 0.0)])
def test_twopl_kernel_equals_the_pymc_density(k, missing):
    """Value and gradient against PyMC's compiled logp (Jacobian included) at random points; with 20% of the cells
    missing nearly every row has its own pattern; at k = 120 the grid has more nodes than ``quadrature``, and the
    kernel skips each row's negligible nodes."""
    from kernel_check import assert_kernel_is_the_pymc_density
    design = make_design(_matrix(k, missing))
    options = FitOptions(priors={"b_sd": 2.0, "a_sd": 0.7})
    assert kernel_for(design, "twopl", options) is twopl_kernel
    assert_kernel_is_the_pymc_density(
        design, "twopl", options, ["b", "a_log__"], lambda x: twopl_kernel.logp_dlogp(x, design, options, 2.0, 0.7),
        lambda rng: [rng.normal(-1, 1, k), rng.normal(0, 0.5, k)], rel=1e-11, atol=1e-8)


def test_twopl_kernel_gives_the_pymc_posterior_reproducibly():
    m = es.model("fail ~ model + (1 | instance)", _matrix(4, n=2000, seed=5), family="twopl")
    kernel = m.fit(draws=1000, tune=1000, chains=2, seed=3)
    assert kernel.idata.posterior.attrs["sampler"] == "nutpie (numba)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pymc = m.fit(draws=1000, tune=1000, chains=2, seed=3, sampler="pymc")
    for name in ("b", "a"):
        m1, m2 = (np.asarray(r.idata.posterior[name].mean(("chain", "draw"))) for r in (kernel, pymc))
        e1, e2 = (np.asarray(az.mcse(r.idata, var_names=[name], method="mean")[name]) for r in (kernel, pymc))
        assert np.all(np.abs(m1 - m2) < 3 * np.sqrt(e1 ** 2 + e2 ** 2)), (name, m1, m2)
        assert kernel.idata.posterior[name].dims == pymc.idata.posterior[name].dims
    assert kernel.diagnostics["converged"]
    again = m.fit(draws=1000, tune=1000, chains=2, seed=3)
    for name in ("b", "a"):
        np.testing.assert_array_equal(again.draws[name], kernel.draws[name])


def test_twopl_kernel_only_for_the_pooled_logit_model():
    fm = _matrix(3, n=600)
    pooled = make_design(fm)
    assert kernel_for(pooled, "twopl", FitOptions()) is twopl_kernel
    assert kernel_for(pooled, "twopl", FitOptions(link="probit")) is None
    assert kernel_for(pooled, "latent_class", FitOptions()) is None
    grouped = es.simulate(n=600, family="twopl", failure_rates=[0.2, 0.3, 0.4], groups=["a", "b"], seed=0)
    assert kernel_for(make_design(grouped, group=True), "twopl", FitOptions()) is None
    with pytest.raises(ValueError, match="model has 6"):
        twopl_kernel.logp_dlogp(np.zeros(5), pooled, FitOptions(), 2.55, 0.5)


def test_row_terms_of_the_logit_latent_trait_equal_the_general_product():
    """The two-numbers-per-row form of the logit latent-trait likelihood against the general product, on posterior-
    draw shapes: pooled and grouped, complete and with missing cells, twopl and rasch."""
    from ecostat.bayes.families.backend import NP
    from ecostat.bayes.families.base import MixtureFamily
    rng = np.random.default_rng(0)
    for family in ("twopl", "rasch"):
        for groups in (None, ["a", "b", "c"]):
            for missing in (0.0, 0.02):
                fm = es.simulate(n=2000, family=family, failure_rates=np.linspace(0.1, 0.5, 6), groups=groups, seed=1)
                if missing:
                    F = fm.failures.astype(float)
                    F[rng.random(F.shape) < missing] = np.nan
                    keep = ~np.isnan(F).all(1)
                    fm = es.FailureMatrix(F[keep], models=list(fm.models),
                                          group=None if fm.group is None else np.asarray(fm.group)[keep])
                design = make_design(fm, group=groups is not None)
                fam = get_family(family)
                options = fam.canonical(FitOptions(), design)
                S, k, G = 3, design.k, design.n_groups
                draws = {"b": rng.normal(-1, 1, (S, k)), "mu_group": rng.normal(0, 0.5, (S, G)),
                         "sigma_group": np.exp(rng.normal(0, 0.3, (S, G)))}
                if fam.loadings:
                    draws["a"] = np.exp(rng.normal(0, 0.4, (S, k)))
                else:
                    draws["sigma"] = draws["sigma_group"][:, 0]
                p = fam._draw_params(draws, design)
                np.testing.assert_allclose(fam.row_terms(p, design, options, NP),
                                           MixtureFamily.row_terms(fam, p, design, options, NP), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("family", ["rasch", "twopl"])
def test_laplace_through_a_kernel_equals_laplace_through_the_graph(family):
    """``method="laplace"`` uses the kernel nutpie would sample (CallbackFlat): the same mode and curvature as
    PyTensor's compiled graph (FlatModel), so the same draws up to the optimizer's tolerance."""
    from ecostat.bayes.cfunc_model import CallbackFlat
    from ecostat.bayes.kernels import kernel_callbacks
    from ecostat.bayes.laplace import laplace_sample
    from ecostat.bayes.model import Model
    from ecostat.bayes.sampling import sampler_settings

    m = Model(make_design(_matrix(5, n=2000, seed=7)), family)
    s = sampler_settings(draws=500, seed=0, method="laplace")
    flat = CallbackFlat(kernel_callbacks(m.design, m.family, m.options))
    assert flat.names == (["b", "sigma"] if family == "rasch" else ["b", "a"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kernel = laplace_sample(None, s, flat)
        graph = laplace_sample(m.build(), s)
    for name in flat.names:
        np.testing.assert_allclose(kernel.posterior[name].values, graph.posterior[name].values, rtol=1e-4, atol=1e-5)
    assert kernel.posterior.attrs["pareto_k"] == pytest.approx(graph.posterior.attrs["pareto_k"], abs=0.02)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = m.fit(method="laplace", draws=500, seed=0)
    np.testing.assert_array_equal(res.draws["b"], kernel.posterior["b"].values.reshape(500, -1))


def test_kernel_through_python_callbacks_when_nutpie_changes(monkeypatch):
    """Where nutpie's compiled-model class needs a field ecostat does not know (its internals changed), the same
    callbacks reach nutpie as Python functions: the same draws, bit for bit."""
    import dataclasses

    import nutpie.compile_pymc as cp

    from ecostat.bayes import sampling
    from ecostat.bayes.cfunc_model import nutpie_model
    from ecostat.bayes.kernels import kernel_callbacks

    m = es.model("fail ~ model + (1 | instance)", _matrix(3, n=1000, seed=9), family="twopl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short run: convergence is not the point
        direct = m.fit(draws=300, tune=300, chains=2, seed=1)

    original = cp.CompiledPyMCModel
    changed = dataclasses.make_dataclass("CompiledPyMCModel", [("new_field", int, dataclasses.field(kw_only=True))],
                                         bases=(original,), frozen=True)
    monkeypatch.setattr(cp, "CompiledPyMCModel", changed)
    model = nutpie_model(kernel_callbacks(m.design, m.family, m.options))
    assert not isinstance(model, original)  # nutpie's Python-function model
    sampling._COMPILED.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        through_python = m.fit(draws=300, tune=300, chains=2, seed=1)
    for name in ("b", "a"):
        np.testing.assert_array_equal(through_python.draws[name], direct.draws[name])
