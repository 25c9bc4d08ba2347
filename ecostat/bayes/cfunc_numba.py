"""numba pieces shared by the kernels' C callbacks (:mod:`ecostat.bayes.cfunc_model`).

nutpie's callback signatures, the header's addresses as pointers, the return
code of a log-density evaluation, and the body of the expand callbacks.
Importing this module imports numba.
"""

from __future__ import annotations

import math

import numba
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["EXPAND_SIG", "LOGP_SIG", "expand_log_tail", "pointer", "status"]

#: ``logp(dim, x, gradient, logp, user_data) -> code``, as nutpie calls it
LOGP_SIG = types.int64(types.uint64, types.CPointer(types.double), types.CPointer(types.double),
                       types.CPointer(types.double), types.voidptr)
#: ``expand(dim, n_expanded, x, out, user_data) -> code``
EXPAND_SIG = types.int64(types.uint64, types.uint64, types.CPointer(types.double), types.CPointer(types.double),
                         types.voidptr)

_plain = numba.njit(cache=True, nogil=True, error_model="numpy")


@intrinsic
def pointer(typingctx, address):
    """The int64 ``address`` as a ``void*`` (for ``numba.carray``)."""
    sig = types.voidptr(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen


@_plain
def status(value, grad):
    """nutpie's code for an evaluation: 0, 3 if the gradient is not finite, 4 if the value is not."""
    for j in range(grad.shape[0]):
        if not math.isfinite(grad[j]):
            return 3
    if not math.isfinite(value):
        return 4
    return 0


@_plain
def expand_log_tail(dim, n_out, x_, out_, first_log):
    """An expand callback's body: the trace is ``x`` with entries from ``first_log`` on exponentiated (those are
    log scales on the sampler's scale); -1 if the sizes disagree."""
    if n_out != dim:
        return -1
    x = numba.carray(x_, (dim,))
    out = numba.carray(out_, (n_out,))
    for j in range(dim):
        out[j] = x[j] if j < first_log else math.exp(x[j])
    return 0
