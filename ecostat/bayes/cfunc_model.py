"""A log density compiled as C callbacks (numba ``cfunc``), as a nutpie model.

nutpie's Rust sampler calls the callbacks directly from each chain's thread:
no Python per leapfrog step and no GIL between the chains (a Python callback
costs about 20 microseconds a step and serializes the chains, more than a whole
small model's log density). The kernels of :mod:`ecostat.bayes.rasch_kernel`
and :mod:`ecostat.bayes.twopl_kernel` are written this way. Their callbacks are
compiled once per machine (numba's on-disk cache); a model's data reach them
through ``user_data``: an int64 header of sizes and array addresses
(:func:`pack`), which the compiled model keeps alive with the arrays it points to.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

__all__ = ["CallbackFlat", "Callbacks", "Packed", "evaluate", "nutpie_model", "pack", "python_model"]


@dataclass(frozen=True)
class Packed:
    """A kernel's data: the header the callbacks read and the arrays its addresses point to."""

    header: np.ndarray
    arrays: tuple


def pack(sizes: list[int], arrays: list[np.ndarray], fields: tuple[str, ...]) -> Packed:
    """The header ``[*sizes, *addresses of arrays]`` (int64), checked against the callback's ``fields``."""
    arrays = tuple(np.ascontiguousarray(a) for a in arrays)
    for a in arrays:
        if a.dtype not in (np.float64, np.int64):
            raise TypeError(f"kernel arrays are float64 or int64; got {a.dtype}")
    header = np.array([*(int(s) for s in sizes), *(a.ctypes.data for a in arrays)], dtype=np.int64)
    if len(header) != len(fields):
        raise ValueError(f"the callback reads {len(fields)} header fields ({', '.join(fields)}); got {len(header)}")
    return Packed(header, arrays)


_DOUBLES = ctypes.POINTER(ctypes.c_double)


def evaluate(logp_cfunc, packed: Packed, x) -> tuple[float, np.ndarray, int]:
    """``(value, gradient, code)`` of the log-density callback at ``x``, as nutpie would call it."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    grad, value = np.empty_like(x), np.empty(1)
    code = logp_cfunc.ctypes(x.size, x.ctypes.data_as(_DOUBLES), grad.ctypes.data_as(_DOUBLES),
                             value.ctypes.data_as(_DOUBLES), packed.header.ctypes.data_as(ctypes.c_void_p))
    return float(value[0]), grad, int(code)


@dataclass(frozen=True)
class Callbacks:
    """A kernel's compiled callbacks, their data, and the trace they expand to.

    ``names`` and ``shapes``: the trace variables, filling the expanded vector in
    order; ``initial_point(seed)``: the flat unconstrained starting point.
    """

    logp_cfunc: object
    expand_cfunc: object
    packed: Packed
    n_dim: int
    names: tuple
    shapes: tuple
    coords: dict
    dims: dict
    initial_point: object

    @property
    def slices(self) -> list[slice]:
        ends = np.cumsum([int(np.prod(s)) for s in self.shapes])
        return [slice(int(e - int(np.prod(s))), int(e)) for e, s in zip(ends, self.shapes)]


class CallbackFlat:
    """A kernel's callbacks as flat-vector functions, for ``method="laplace"`` and :func:`python_model`.

    The interface of :class:`ecostat.bayes.nutpie_pyfunc.FlatModel`: ``n``,
    ``logp_dlogp``, ``logp``, ``expand``, ``point_fn``, ``names``, ``coords``,
    ``dims``; the same callbacks nutpie calls, through ctypes.
    """

    def __init__(self, callbacks: Callbacks):
        self._c = callbacks
        self.n = int(callbacks.n_dim)
        self.names = list(callbacks.names)
        self._slices = callbacks.slices
        self.coords = {name: list(v) for name, v in callbacks.coords.items()}
        self.dims = dict(callbacks.dims)

    def logp_dlogp(self, x) -> tuple[float, np.ndarray]:
        value, grad, code = evaluate(self._c.logp_cfunc, self._c.packed, x)
        return (value if code in (0, 3, 4) else -np.inf), grad

    def logp(self, x) -> float:
        return self.logp_dlogp(x)[0]

    def expand(self, x) -> list[np.ndarray]:
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty(self._slices[-1].stop)
        self._c.expand_cfunc.ctypes(x.size, out.size, x.ctypes.data_as(_DOUBLES), out.ctypes.data_as(_DOUBLES),
                                    self._c.packed.header.ctypes.data_as(ctypes.c_void_p))
        return [out[sl].reshape(shape) for sl, shape in zip(self._slices, self._c.shapes)]

    def point_fn(self, seed) -> np.ndarray:
        return np.asarray(self._c.initial_point(seed), dtype=np.float64)


def nutpie_model(callbacks: Callbacks):
    """nutpie's compiled model of the callbacks.

    nutpie's ``CompiledPyMCModel`` (the class of its own numba path), its
    fields filled by name (nutpie 0.16.11 added ``shared_var_keys``). Where this
    nutpie's class needs a field ecostat does not know, the same callbacks go to
    nutpie as Python functions instead (:func:`python_model`: the same draws,
    about 20 us more per step).
    """
    import dataclasses

    import pandas as pd
    from nutpie.compile_pymc import CompiledPyMCModel

    c = callbacks
    known = dict(
        _n_dim=c.n_dim, dims=dict(c.dims), _coords={name: pd.Index(list(v)) for name, v in c.coords.items()},
        _shapes=dict(zip(c.names, c.shapes)), compiled_logp_func=c.logp_cfunc, compiled_expand_func=c.expand_cfunc,
        initial_point_func=c.initial_point, shared_data={f"array_{i}": a for i, a in enumerate(c.packed.arrays)},
        shared_var_keys={}, user_data=c.packed.header, n_expanded=int(c.slices[-1].stop),
        shape_info=(list(c.names), c.slices, list(c.shapes)), logp_func=None, expand_func=None)
    fields = {f.name: f for f in dataclasses.fields(CompiledPyMCModel)}
    needed = {name for name, f in fields.items()
              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    if not needed <= set(known):
        return python_model(c)
    return CompiledPyMCModel(**{name: value for name, value in known.items() if name in fields})


def python_model(callbacks: Callbacks):
    """nutpie's Python-function model (``from_pyfunc``) calling the compiled callbacks through ctypes."""
    from nutpie.compiled_pyfunc import from_pyfunc

    flat = CallbackFlat(callbacks)

    def make_logp():
        return flat.logp_dlogp

    def make_expand(seed1, seed2, chain):
        return lambda x: dict(zip(flat.names, flat.expand(x)))

    return from_pyfunc(flat.n, make_logp, make_expand, [np.dtype("float64")] * len(flat.names),
                       [tuple(s) for s in callbacks.shapes], flat.names, coords=flat.coords, dims=flat.dims,
                       make_initial_point_fn=flat.point_fn)
