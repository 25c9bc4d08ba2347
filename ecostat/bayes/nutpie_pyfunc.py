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

import contextlib
import threading
import warnings

import numpy as np

__all__ = ["FlatModel", "compile_pyfunc"]


class FlatModel:
    """A model's log-density and gradient, and its trace variables, as functions of one flat unconstrained vector.

    Attributes
    ----------
    n : int
        Unconstrained dimension.
    logp_dlogp : pytensor Function
        ``x -> (logp, gradient)``.
    expand : pytensor Function
        ``x -> [value of each trace variable]`` (free variables on their own
        scale, deterministics), in the order of :attr:`names`.
    names, shapes : list
    point_fn : callable
        ``seed -> flat initial point`` (PyMC's initial point, jittered).
    coords, dims : dict
    """

    def __init__(self, model, mode: str | None = "NUMBA"):
        import pytensor
        import pytensor.tensor as pt
        from pymc.initial_point import make_initial_point_fn
        from pymc.pytensorf import compile as compile_pymc

        point_fn = make_initial_point_fn(model=model, return_transformed=True, jitter_rvs=set(model.free_RVs))
        value_vars = [model.rvs_to_values[v] for v in model.free_RVs]
        start = point_fn(0)
        shapes = [np.shape(start[v.name]) for v in value_vars]
        sizes = [int(np.prod(sh)) for sh in shapes]
        self.n = n = int(sum(sizes))
        logp = model.logp()
        grad = pt.concatenate([g.ravel() for g in pytensor.gradient.grad(logp, value_vars)])
        x = pt.vector("unconstrained_point", dtype="float64", shape=(n,))
        repl, off = {}, 0
        for v, sh, z in zip(value_vars, shapes, sizes):
            repl[v] = x[off:off + z].reshape(sh).astype(v.dtype)
            off += z
        keep = {rv.name for rv in model.unobserved_RVs}
        outs = [v for v in model.unobserved_value_vars if v.name in keep]
        self.names = [v.name for v in outs]
        logp_x, grad_x, *outs_x = pytensor.clone_replace([logp, grad, *outs], repl)
        self._logp_graph, self._x, self._mode, self._model = logp_x, x, mode, model
        with model, _own_ops_in_object_mode():
            self.logp_dlogp = compile_pymc([x], [logp_x, grad_x], mode=mode)
            self.expand = compile_pymc([x], outs_x, mode=mode)
            self.logp_dlogp.trust_input = self.expand.trust_input = True
            self._value_names = [v.name for v in value_vars]
            self._point_fn = point_fn
            self._point_lock = threading.Lock()
            x0 = self.point_fn(0)
            self.logp_dlogp(x0)  # numba compiles on the first call: that is when it says "object mode"
            self.shapes = [tuple(np.shape(o)) for o in self.expand(x0)]
        self.coords = {name: list(values) for name, values in model.coords.items()}
        self.dims = {name: tuple(model.named_vars_to_dims[name]) for name in self.names
                     if name in model.named_vars_to_dims}

    @property
    def logp(self):
        """``x -> logp`` without the gradient (compiled on first use)."""
        if not hasattr(self, "_logp_fn"):
            from pymc.pytensorf import compile as compile_pymc
            with self._model, _own_ops_in_object_mode():
                self._logp_fn = compile_pymc([self._x], self._logp_graph, mode=self._mode)
                self._logp_fn.trust_input = True
                self._logp_fn(self.point_fn(0))  # numba compiles on the first call
        return self._logp_fn

    def point_fn(self, seed) -> np.ndarray:
        # nutpie calls this from every chain's thread at once, and a PyTensor function is not thread-safe:
        # two chains evaluating it together got outputs of None (a "support_shape" Assert) and failed to start
        with self._point_lock:
            p = self._point_fn(seed)
        return np.concatenate([np.ravel(p[name]) for name in self._value_names]).astype("float64")


@contextlib.contextmanager
def _own_ops_in_object_mode():
    """Silence PyTensor's note that numba runs ecostat's own likelihood Ops in object mode.

    The rasch sufficient-statistic and mvprobit GHK Ops call their compiled
    kernel from ``perform()``, which PyTensor's numba backend runs in object
    mode on purpose: not a user's concern; numba's note that such a function
    cannot be cached on disk is silenced too (PyTensor keeps it in memory for the
    process). Other Ops' notes stay visible.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Numba will use object mode to run (RaschLogLik|GHKLogLik)",
                                category=UserWarning)
        warnings.filterwarnings("ignore", message=r'Cannot cache compiled function "numba_funcified_fgraph"')
        yield


def compile_pyfunc(model, mode: str | None = "NUMBA"):
    """nutpie model (``nutpie.compiled_pyfunc.from_pyfunc``) of a ``pymc.Model``.

    The trace holds the model's free random variables (constrained) and its
    deterministics, with their dims and coords, as ``pymc.sample`` stores them.
    """
    from nutpie.compiled_pyfunc import from_pyfunc

    flat = FlatModel(model, mode)
    f, g, names = flat.logp_dlogp, flat.expand, flat.names

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

    return from_pyfunc(flat.n, make_logp, make_expand, [np.dtype("float64")] * len(names), flat.shapes, names,
                       coords=flat.coords, dims=flat.dims, make_initial_point_fn=flat.point_fn)
