"""A PyMC model's log-density and gradient, compiled by PyTensor, as a nutpie model.

nutpie's NUTS runs in Rust and calls back, once per leapfrog step, a Python
function returning ``(logp, gradient)`` at a flat unconstrained point. Here that
function is compiled by PyTensor from ``model.logp()`` with its numba backend
(``mode="NUMBA"``) or its C backend (``mode=None``): both keep the compiled code
on disk (PyTensor's compile directory), so a new process with the same model
structure does not compile again. Each chain gets its own copy of the compiled
function (a PyTensor function is not safe to call from two threads at once).
"""

from __future__ import annotations

import numpy as np

__all__ = ["compile_pyfunc"]


def compile_pyfunc(model, mode: str | None = "NUMBA"):
    """nutpie model (``nutpie.compiled_pyfunc.from_pyfunc``) of a ``pymc.Model``.

    The trace holds the model's free random variables (constrained) and its
    deterministics, with their dims and coords, as ``pymc.sample`` stores them.
    """
    import pytensor
    import pytensor.tensor as pt
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn
    from pymc.pytensorf import compile as compile_pymc

    point_fn = make_initial_point_fn(model=model, return_transformed=True, jitter_rvs=set(model.free_RVs))
    value_vars = [model.rvs_to_values[v] for v in model.free_RVs]
    start = point_fn(0)
    shapes = [np.shape(start[v.name]) for v in value_vars]
    sizes = [int(np.prod(sh)) for sh in shapes]
    n = int(sum(sizes))

    logp = model.logp()
    grad = pt.concatenate([g.ravel() for g in pytensor.gradient.grad(logp, value_vars)])
    x = pt.vector("unconstrained_point", dtype="float64", shape=(n,))
    repl, off = {}, 0
    for v, sh, z in zip(value_vars, shapes, sizes):
        repl[v] = x[off:off + z].reshape(sh).astype(v.dtype)
        off += z
    keep = {rv.name for rv in model.unobserved_RVs}
    outs = [v for v in model.unobserved_value_vars if v.name in keep]
    names = [v.name for v in outs]
    logp_x, grad_x, *outs_x = pytensor.clone_replace([logp, grad, *outs], repl)
    with model:
        f = compile_pymc([x], [logp_x, grad_x], mode=mode)
        g = compile_pymc([x], outs_x, mode=mode)
    f.trust_input = g.trust_input = True
    out_shapes = [tuple(np.shape(o)) for o in g(np.concatenate([np.ravel(start[v.name]) for v in value_vars]))]

    def make_logp():
        fc = f.copy()
        fc.trust_input = True

        def logp_fn(point):
            lp, gr = fc(point)
            return float(lp), gr

        return logp_fn

    def make_expand(seed1, seed2, chain):
        gc = g.copy()
        gc.trust_input = True

        def expand(point):
            return {name: np.asarray(v, dtype="float64", order="C") for name, v in zip(names, gc(point))}

        return expand

    def initial_point(seed):
        p = point_fn(seed)
        return np.concatenate([np.ravel(p[v.name]) for v in value_vars]).astype("float64")

    coords = {name: list(values) for name, values in model.coords.items()}
    dims = {name: tuple(model.named_vars_to_dims[name]) for name in names if name in model.named_vars_to_dims}
    return from_pyfunc(n, make_logp, make_expand, [np.dtype("float64")] * len(names), out_shapes, names,
                       coords=coords, dims=dims, make_initial_point_fn=initial_point)
