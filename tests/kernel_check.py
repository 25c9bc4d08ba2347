"""A hand-written kernel against PyMC's compiled log density and gradient (tests of rasch_kernel, twopl_kernel)."""

from __future__ import annotations

import numpy as np
import pytest


def assert_kernel_is_the_pymc_density(design, family, options, value_names, kernel, draw, points=4, rel=1e-10,
                                      atol=1e-9):
    """``kernel(x) -> (value, gradient)`` equals PyMC's ``logp`` and its gradient (Jacobians included).

    ``draw(rng)`` gives a random point as one array per value variable (``value_names``, in the model's order);
    the kernel sees them concatenated.
    """
    import pytensor

    from ecostat.bayes.model import build_model
    model = build_model(design, family, options)
    assert [v.name for v in model.value_vars] == value_names
    logp = model.logp()
    fn = pytensor.function(model.value_vars, [logp, *pytensor.gradient.grad(logp, model.value_vars)])
    rng = np.random.default_rng(1)
    for _ in range(points):
        values = draw(rng)
        want, *grads = fn(*values)
        got, grad = kernel(np.concatenate([np.ravel(v) for v in values]))
        assert got == pytest.approx(float(want), rel=rel)
        np.testing.assert_allclose(grad, np.concatenate([np.ravel(g) for g in grads]), rtol=1e-9, atol=atol)
