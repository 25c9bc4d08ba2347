"""The numba functions of the pooled logit twopl kernel (:mod:`ecostat.bayes.twopl_kernel`).

Module-level functions (numba's on-disk cache keys them; see
:mod:`ecostat.bayes.rasch_numba`). Importing this module imports numba.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .cfunc_numba import EXPAND_SIG, LOGP_SIG, expand_log_tail, pointer, status
from .rasch_numba import CUT

__all__ = ["expand_cfunc", "kernel", "logp_cfunc"]

_plain = numba.njit(cache=True, nogil=True, error_model="numpy")


@_plain
def _fill_node(q, x, a, b, sp, S, have):
    """softplus(a_j x_q + b_j) for every model (``sp[q]``) and their sum ``S[q]``, on the node's first use."""
    if not have[q]:
        total = 0.0
        for j in range(a.shape[0]):
            z = a[j] * x[q] + b[j]
            v = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
            sp[q, j] = v
            total += v
        S[q] = total
        have[q] = True


@_plain
def _log_integrand(q, r, T, x, log_wq, a, b, miss_ptr, miss_idx, sp, S, have):
    """log w_q + T x_q - S_r(q): S_r the softplus sum over the models row r met (all, minus its missing cells)."""
    _fill_node(q, x, a, b, sp, S, have)
    s = S[q]
    for i in range(miss_ptr[r], miss_ptr[r + 1]):
        s -= sp[q, miss_idx[i]]
    return log_wq[q] + T * x[q] - s


@_plain
def kernel(theta, x, log_wq, row_count, fail_ptr, fail_idx, miss_ptr, miss_idx, failures, b_sd, a_sd, grad, sp, S,
           have, V, D, W, ga, used):
    """Log posterior density of ``theta = (b_1..b_k, log a_1..log a_k)`` and its gradient (into ``grad``).

    Rows come sorted by their number of failures (each walk to a row's maximum
    starts at the previous row's); row r failed the models
    ``fail_idx[fail_ptr[r]:fail_ptr[r + 1]]`` and did not meet
    ``miss_idx[miss_ptr[r]:miss_ptr[r + 1]]``. Scratch: ``sp`` and ``D``
    (Q, k); ``S``, ``have``, ``V``, ``W`` (Q); ``ga`` (k); ``used`` (1,) counts
    the nodes the gradient visited.
    """
    k = failures.shape[0]
    Q = x.shape[0]
    R = row_count.shape[0]
    b = theta[:k]
    a = np.empty(k)
    for j in range(k):
        a[j] = math.exp(theta[k + j])
        ga[j] = 0.0
    for q in range(Q):
        have[q] = False
        V[q] = 0.0
    value = 0.0
    for j in range(k):
        value += b[j] * failures[j]
    p = 0
    for r in range(R):
        T = 0.0
        for i in range(fail_ptr[r], fail_ptr[r + 1]):
            T += a[fail_idx[i]]
        # the maximum of the concave a(q) = log w_q + T x_q - S_r(q), walking from the previous row's maximum
        ap = _log_integrand(p, r, T, x, log_wq, a, b, miss_ptr, miss_idx, sp, S, have)
        for step in (1, -1):
            while 0 <= p + step < Q:
                an = _log_integrand(p + step, r, T, x, log_wq, a, b, miss_ptr, miss_idx, sp, S, have)
                if an <= ap:
                    break
                p += step
                ap = an
        # the nodes within CUT of it (contiguous); W holds exp(a(q) - max)
        lo = p
        while lo > 0:
            v = _log_integrand(lo - 1, r, T, x, log_wq, a, b, miss_ptr, miss_idx, sp, S, have)
            if v < ap - CUT:
                break
            lo -= 1
            W[lo] = math.exp(v - ap)
        hi = p
        while hi < Q - 1:
            v = _log_integrand(hi + 1, r, T, x, log_wq, a, b, miss_ptr, miss_idx, sp, S, have)
            if v < ap - CUT:
                break
            hi += 1
            W[hi] = math.exp(v - ap)
        W[p] = 1.0
        tot = 0.0
        for q in range(lo, hi + 1):
            tot += W[q]
        n = row_count[r]
        value += n * (ap + math.log(tot))
        w = n / tot
        ex = 0.0
        for q in range(lo, hi + 1):
            V[q] += w * W[q]
            ex += w * W[q] * x[q]
        for i in range(fail_ptr[r], fail_ptr[r + 1]):
            ga[fail_idx[i]] += ex
        for i in range(miss_ptr[r], miss_ptr[r + 1]):  # weight at q of the rows that did not meet model j
            j = miss_idx[i]
            for q in range(lo, hi + 1):
                D[q, j] += w * W[q]
    # gradient: d/db_j = F_j - sum_q c_qj s_qj, d/da_j = sum_r n_r y_rj E_r[x] - sum_q c_qj s_qj x_q, with
    # s_qj = sigmoid(a_j x_q + b_j) and c_qj = V_q - D_qj the weight at q of the rows that met model j; then
    # d/dlog a_j = a_j d/da_j
    for j in range(k):
        grad[j] = failures[j]
    n_used = 0
    for q in range(Q):
        if V[q] == 0.0:
            continue
        n_used += 1
        for j in range(k):
            c = V[q] - D[q, j]
            D[q, j] = 0.0  # zeroed for the next call as it is read
            z = a[j] * x[q] + b[j]
            e = math.exp(-abs(z))
            s = (1.0 if z >= 0.0 else e) / (1.0 + e)
            grad[j] -= c * s
            ga[j] -= c * s * x[q]
    used[0] = n_used
    # priors: b ~ Normal(0, b_sd); a ~ LogNormal(0, a_sd), i.e. log a ~ Normal(0, a_sd) with the Jacobian
    for j in range(k):
        la = theta[k + j]
        value += (-0.5 * (b[j] / b_sd) ** 2 - math.log(b_sd) - 0.5 * (la / a_sd) ** 2 - math.log(a_sd)
                  - 1.8378770664093453)
        grad[j] -= b[j] / (b_sd * b_sd)
        grad[k + j] = a[j] * ga[j] - la / (a_sd * a_sd)
    return value


#: fields of the int64 header behind ``user_data``
HEADER = ("k", "Q", "R", "n_fail", "n_miss", "x", "log_wq", "row_count", "fail_ptr", "fail_idx", "miss_ptr",
          "miss_idx", "failures", "scales")


@numba.cfunc(LOGP_SIG, cache=True, error_model="numpy")
def logp_cfunc(dim, theta_, grad_, logp_, data_):
    """nutpie's log-density callback (see :mod:`ecostat.bayes.rasch_numba`): 0, or 3 / 4 when not finite."""
    h = numba.carray(data_, (14,), dtype=np.int64)
    k, Q, R, n_fail, n_miss = h[0], h[1], h[2], h[3], h[4]
    if dim != 2 * k:
        return -1
    theta = numba.carray(theta_, (2 * k,))
    grad = numba.carray(grad_, (2 * k,))
    x = numba.carray(pointer(h[5]), (Q,), dtype=np.float64)
    log_wq = numba.carray(pointer(h[6]), (Q,), dtype=np.float64)
    row_count = numba.carray(pointer(h[7]), (R,), dtype=np.float64)
    fail_ptr = numba.carray(pointer(h[8]), (R + 1,), dtype=np.int64)
    fail_idx = numba.carray(pointer(h[9]), (n_fail,), dtype=np.int64)
    miss_ptr = numba.carray(pointer(h[10]), (R + 1,), dtype=np.int64)
    miss_idx = numba.carray(pointer(h[11]), (n_miss,), dtype=np.int64)
    failures = numba.carray(pointer(h[12]), (k,), dtype=np.float64)
    scales = numba.carray(pointer(h[13]), (2,), dtype=np.float64)
    value = kernel(theta, x, log_wq, row_count, fail_ptr, fail_idx, miss_ptr, miss_idx, failures, scales[0],
                   scales[1], grad, np.empty((Q, k)), np.empty(Q), np.empty(Q, dtype=np.bool_), np.empty(Q),
                   np.zeros((Q, k)), np.empty(Q), np.empty(k), np.zeros(1, dtype=np.int64))
    logp_[0] = value
    return status(value, grad)


@numba.cfunc(EXPAND_SIG, cache=True)
def expand_cfunc(dim, n_out, theta_, out_, data_):
    """nutpie's trace callback: ``(b_1..b_k, a_1..a_k)`` from ``(b, log a)``."""
    return expand_log_tail(dim, n_out, theta_, out_, dim // 2)
