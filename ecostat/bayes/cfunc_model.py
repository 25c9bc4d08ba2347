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

__all__ = ["CallbackFlat", "Packed", "evaluate", "nutpie_model", "pack"]


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


class CallbackFlat:
    """A compiled kernel model (:func:`nutpie_model`) as flat-vector functions, for ``method="laplace"``.

    The interface of :class:`ecostat.bayes.nutpie_pyfunc.FlatModel`: ``n``,
    ``logp_dlogp``, ``logp``, ``expand``, ``point_fn``, ``names``, ``coords``,
    ``dims``; the same callbacks nutpie calls, through ctypes.
    """

    def __init__(self, compiled):
        self._compiled = compiled
        self._packed = Packed(compiled.user_data, tuple(compiled.shared_data.values()))
        self.n = int(compiled.n_dim)
        self.names, self._slices, self._shapes = (list(v) for v in compiled.shape_info)
        self.coords = {name: list(v) for name, v in compiled.coords.items()}
        self.dims = dict(compiled.dims)

    def logp_dlogp(self, x) -> tuple[float, np.ndarray]:
        value, grad, code = evaluate(self._compiled.compiled_logp_func, self._packed, x)
        return (value if code in (0, 3, 4) else -np.inf), grad

    def logp(self, x) -> float:
        return self.logp_dlogp(x)[0]

    def expand(self, x) -> list[np.ndarray]:
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty(self._compiled.n_expanded)
        self._compiled.compiled_expand_func.ctypes(x.size, out.size, x.ctypes.data_as(_DOUBLES),
                                                   out.ctypes.data_as(_DOUBLES),
                                                   self._packed.header.ctypes.data_as(ctypes.c_void_p))
        return [out[sl].reshape(shape) for sl, shape in zip(self._slices, self._shapes)]

    def point_fn(self, seed) -> np.ndarray:
        return np.asarray(self._compiled.initial_point_func(seed), dtype=np.float64)


def nutpie_model(logp_cfunc, expand_cfunc, packed: Packed, n_dim: int, names: list[str], shapes: list[tuple],
                 coords: dict, dims: dict, initial_point):
    """nutpie's compiled model of the callbacks; the trace variables ``names`` fill the expanded vector in order.

    ``initial_point(seed)`` gives the flat unconstrained starting point.
    """
    import pandas as pd
    from nutpie.compile_pymc import CompiledPyMCModel

    sizes = [int(np.prod(s)) for s in shapes]
    ends = np.cumsum(sizes)
    slices = [slice(int(e - z), int(e)) for e, z in zip(ends, sizes)]
    return CompiledPyMCModel(
        _n_dim=n_dim, dims=dims, _coords={name: pd.Index(list(v)) for name, v in coords.items()},
        _shapes=dict(zip(names, shapes)), compiled_logp_func=logp_cfunc, compiled_expand_func=expand_cfunc,
        initial_point_func=initial_point, shared_data={f"array_{i}": a for i, a in enumerate(packed.arrays)},
        user_data=packed.header, n_expanded=int(ends[-1]), shape_info=(list(names), slices, list(shapes)),
        logp_func=None, expand_func=None)
