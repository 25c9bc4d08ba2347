"""Array namespaces so each family writes its math once.

A family's model equations are written against ``xp``: with :data:`NP` they run
on posterior draws (numpy, leading draws axis), with :func:`pytensor_namespace` they build the
PyTensor graph that NUTS differentiates. Parameters broadcast over trailing
axes (``b`` is ``(k,)`` in the graph and ``(S, k)`` on draws), so index with
``xp.take(a, idx, axis=-1)`` and add axes with ``xp.expand_dims``.
"""

from __future__ import annotations

import math
from functools import cache
from types import SimpleNamespace

import numpy as np
from scipy import special

__all__ = ["NP", "pytensor_namespace"]

_SQRT2 = math.sqrt(2.0)


def _np_log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


NP = SimpleNamespace(
    name="numpy", take=np.take, expand_dims=np.expand_dims, exp=np.exp, log=np.log, log1p=np.log1p,
    sigmoid=special.expit, log_sigmoid=_np_log_sigmoid, ndtr=special.ndtr, log_ndtr=special.log_ndtr,
    logsumexp=lambda x, axis: special.logsumexp(x, axis=axis), sum=np.sum, zeros_like=np.zeros_like,
    cumsum=np.cumsum, concatenate=np.concatenate, stack=np.stack, softmax=lambda x, axis: special.softmax(x, axis=axis),
    maximum=np.maximum, clip=np.clip, matmul=np.matmul, swapaxes=np.swapaxes, softplus=lambda x: np.logaddexp(0.0, x),
)


@cache
def pytensor_namespace() -> SimpleNamespace:
    """The PyTensor namespace (imports PyTensor on first use: ``import ecostat`` stays light)."""
    import pytensor.tensor as pt  # (PyTensor's BLAS notice is filtered in ecostat/bayes/__init__.py)

    def _pt_log_ndtr(x):
        # log Phi(x): erfcx keeps the lower tail finite; log1p keeps the upper tail exact. Each branch sees
        # its input clamped to its own side, so the branch the switch drops is finite and its gradient is zero,
        # not 0 * inf = nan: PyTensor's own rewrites hide that nan, JAX's gradient does not.
        lo, hi = pt.minimum(x, 0.0), pt.maximum(x, 0.0)
        lower = pt.log(0.5 * pt.erfcx(-lo / _SQRT2)) - 0.5 * pt.sqr(lo)
        upper = pt.log1p(-0.5 * pt.erfc(hi / _SQRT2))
        return pt.switch(pt.lt(x, 0.0), lower, upper)

    def _pt_logsumexp(x, axis):
        m = pt.max(x, axis=axis, keepdims=True)
        return pt.squeeze(m, axis=axis) + pt.log(pt.sum(pt.exp(x - m), axis=axis))

    return SimpleNamespace(
        name="pytensor", take=pt.take, expand_dims=pt.expand_dims, exp=pt.exp, log=pt.log, log1p=pt.log1p,
        sigmoid=pt.sigmoid, log_sigmoid=lambda x: -pt.softplus(-x), ndtr=lambda x: 0.5 * pt.erfc(-x / _SQRT2),
        log_ndtr=_pt_log_ndtr, logsumexp=_pt_logsumexp, sum=pt.sum, zeros_like=pt.zeros_like,
        cumsum=pt.cumsum, concatenate=pt.concatenate, stack=pt.stack, softmax=lambda x, axis: pt.special.softmax(x, axis=axis),
        maximum=pt.maximum, clip=pt.clip, matmul=pt.matmul, swapaxes=pt.swapaxes, softplus=pt.softplus,
    )
