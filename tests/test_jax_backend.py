"""The JAX backend (the GPU path), tested on the CPU: every family gives the numba backend's posterior; the special
functions PyTensor's JAX linker lacks are exact; the default backend is JAX exactly where JAX sees an accelerator."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

import ecostat as es
from ecostat.bayes import jax_backend
from ecostat.bayes.sampling import sampler_settings

pytest.importorskip("nutpie")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)


def test_erfcx_value_and_gradient_match_scipy_into_the_far_tail():
    x = np.concatenate([np.linspace(-5.0, 30.0, 7001), [9.999999, 10.0, 10.000001, 1e3, 1e6, 1e150]])
    np.testing.assert_allclose(np.asarray(jax_backend.erfcx(x)), sp.erfcx(x), rtol=5e-15)
    # d/dx erfcx(x) = 2 x erfcx(x) - 2/sqrt(pi): the identity loses a factor 2 x^2 to cancellation (1e-12 at x = 30),
    # so it is the reference up to x = 30, across the switch to the series at x = 10
    grad = np.asarray(jax.vmap(jax.grad(jax_backend.erfcx))(x))
    mid = x <= 30.0
    np.testing.assert_allclose(grad[mid], 2 * x[mid] * sp.erfcx(x[mid]) - 2 / np.sqrt(np.pi), rtol=5e-12, atol=1e-15)
    assert np.all(np.isfinite(grad))


def test_erfcinv_keeps_relative_precision_near_zero():
    y = np.concatenate([[1e-300, 1e-100, 1e-10], np.linspace(1e-6, 0.999, 3001), np.linspace(1.001, 2 - 1e-6, 3001)])
    np.testing.assert_allclose(np.asarray(jax_backend.erfcinv(y)), sp.erfcinv(y), rtol=1e-12)
    grad = np.asarray(jax.vmap(jax.grad(jax_backend.erfcinv))(y[3:]))
    np.testing.assert_allclose(grad, -np.sqrt(np.pi) / 2 * np.exp(sp.erfcinv(y[3:]) ** 2), rtol=1e-10)


def test_default_backend_is_jax_exactly_where_jax_sees_an_accelerator(monkeypatch):
    assert jax_backend.accelerator() is None  # this test machine has no GPU plugin for JAX
    assert sampler_settings()["backend"] == "numba"
    monkeypatch.setattr(jax_backend, "accelerator", lambda: "gpu")
    assert sampler_settings()["backend"] == "jax"
    assert sampler_settings(backend="numba")["backend"] == "numba"  # an explicit choice wins
    assert sampler_settings(sampler="pymc")["backend"] is None


def test_jax_platforms_cpu_hides_an_accelerator(monkeypatch):
    jax_backend.accelerator.cache_clear()
    monkeypatch.setenv("JAX_PLATFORMS", "cpu")
    monkeypatch.setattr(jax_backend, "_find", lambda name: True)  # even with every plugin "installed"
    try:
        assert jax_backend.accelerator() is None
    finally:
        jax_backend.accelerator.cache_clear()


#: (family, data, fit arguments): every family on the HAPI fluent data (30,043 instances, 3 APIs), where each
#: converges at the default settings, and a probit link (log Phi by erfcx) on a grouped latent trait
CASES = [
    ("independence", "fluent", {}),
    ("hard_easy", "fluent", {}),
    ("latent_class", "fluent", {"n_classes": 2}),  # its ordered class locations have initial values
    ("twopl", "fluent", {}),
    ("rasch", "grouped", {"link": "probit"}),  # nan gradients on JAX until log Phi clamped each branch's input
    ("mvprobit", "fluent", {}),  # the GHK likelihood: erfcx and erfcinv
]


def _z_scores(a, b, names):
    import arviz as az

    za = {}
    ea, eb = az.mcse(a.idata, var_names=names, method="mean"), az.mcse(b.idata, var_names=names, method="mean")
    for n in names:
        diff = a.idata.posterior[n].mean(("chain", "draw")) - b.idata.posterior[n].mean(("chain", "draw"))
        se = np.sqrt(np.asarray(ea[n]) ** 2 + np.asarray(eb[n]) ** 2)
        diff = np.abs(np.asarray(diff))
        assert np.all(diff[se == 0] < 1e-12), n  # a constant (a fixed share): the same on both backends
        za[n] = float(np.max(diff[se > 0] / se[se > 0], initial=0.0))
    return za


@pytest.mark.parametrize("family,data,kw", CASES, ids=[c[0] if c[0] != "rasch" else "rasch-probit-grouped" for c in CASES])
def test_jax_gives_the_numba_posterior(hapi, family, data, kw):
    if data == "grouped":
        fm = es.simulate(n=1500, family="rasch", groups=["a", "b"], seed=5)
    else:
        fm = hapi(data)
    settings = {"chains": 2, "seed": 11, "progressbar": False}
    numba = es.fit(fm, family, backend="numba", **kw, **settings)
    on_jax = es.fit(fm, family, backend="jax", **kw, **settings)
    assert on_jax.settings["backend"] == "jax" and on_jax.idata.posterior.attrs["sampler"] == "nutpie (jax)"
    assert on_jax.diagnostics["converged"], on_jax.diagnostics
    names = [n for n in numba.idata.posterior.data_vars if n in on_jax.idata.posterior.data_vars]
    assert names == list(numba.idata.posterior.data_vars)
    z = _z_scores(numba, on_jax, names)
    assert max(z.values()) < 4, z  # the largest of a few dozen |z|: 4 leaves room for the multiple comparisons
    if family == "twopl":  # reproducible to the bit with the same seed (a refit samples the compiled model again)
        again = es.fit(fm, family, backend="jax", **kw, **settings)
        for n in names:
            np.testing.assert_array_equal(again.idata.posterior[n].values, on_jax.idata.posterior[n].values)


def test_laplace_on_jax_is_the_numba_approximation(hapi):
    """method="laplace" compiles the same log density with JAX: the same mode and Hessian to rounding."""
    import warnings

    fm = hapi("fluent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)  # "approximate posterior"
        numba = es.fit(fm, "mvprobit", method="laplace", draws=300, seed=0, backend="numba")
        on_jax = es.fit(fm, "mvprobit", method="laplace", draws=300, seed=0, backend="jax")
    for name in ("mu", "corr"):
        np.testing.assert_allclose(on_jax.draws[name], numba.draws[name], atol=1e-6)
