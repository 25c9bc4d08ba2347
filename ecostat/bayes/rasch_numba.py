"""The numba functions of the pooled logit rasch kernel (:mod:`ecostat.bayes.rasch_kernel`).

Module-level functions, so that numba's on-disk cache (``cache=True``) finds them
again in the next process: jitted functions nested in another function capture
each other as closure variables, which numba cannot key, so they were compiled
anew (about 2 s) in every process and their cache index grew with every run.
Importing this module imports numba; :mod:`ecostat.bayes.rasch_kernel` imports
it only when a kernel is built.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .cfunc_numba import EXPAND_SIG, LOGP_SIG, expand_log_tail, pointer, status

__all__ = ["CUT", "CHUNK", "HEADER", "expand_cfunc", "kernel", "logp_cfunc"]

#: nodes whose log integrand lies more than CUT below the cell's maximum are skipped
CUT = 40.0
#: models per running product of (1 + e^-|z|) (each factor <= 2: 2^256 is far below the float64 limit)
CHUNK = 256
#: fast-math flags for the SIMD loops: reassociation (vectorized sums and products) and fused multiply-add only;
#: no "nnan"/"ninf": the loops rely on IEEE infinities (e^{-theta} may overflow in a branch that is not taken)
FAST = {"reassoc", "contract", "nsz"}

_simd = numba.njit(cache=True, nogil=True, fastmath=FAST, error_model="numpy")
_plain = numba.njit(cache=True, nogil=True, error_model="numpy")



@_simd
def sum_softplus(th, b, eb, ebn, mask, use_mask):
    """sum_j mask_j log(1 + e^{th + b_j}) with one log per CHUNK models."""
    Eq = math.exp(th)
    Eqn = math.exp(-th)
    k = b.shape[0]
    total = 0.0
    for j0 in range(0, k, CHUNK):
        j1 = min(k, j0 + CHUNK)
        prod = 1.0
        pos = 0.0
        for j in range(j0, j1):
            z = th + b[j]
            neg = z < 0.0
            e = Eq * eb[j] if neg else Eqn * ebn[j]  # e^{-|z|}
            p = 0.0 if neg else z
            if use_mask:
                m = mask[j]
                prod *= 1.0 + m * e
                pos += m * p
            else:
                prod *= 1.0 + e
                pos += p
        total += math.log(prod) + pos
    return total

@_simd
def grad_row(th, b, eb, ebn, coef, v, use_coef, out):
    """out_j -= w_j sigmoid(th + b_j) with w = coef (use_coef) or the scalar v; returns sum_j w_j sigmoid."""
    Eq = math.exp(th)
    Eqn = math.exp(-th)
    d = 0.0
    for j in range(b.shape[0]):
        z = th + b[j]
        neg = z < 0.0
        e = Eq * eb[j] if neg else Eqn * ebn[j]
        num = e if neg else 1.0
        s = num / (1.0 + e)
        w = (coef[j] if use_coef else v) * s
        out[j] -= w
        d += w
    return d

@_plain
def column_used(V, q):
    """Whether any mask has weight at node q (a node no cell used adds nothing to the gradient)."""
    for m in range(V.shape[0]):
        if V[m, q] != 0.0:
            return True
    return False

@_plain
def fill(q, m, sigma, nodes, b, eb, ebn, masks, use_mask, S, have):
    S[m, q] = sum_softplus(sigma * nodes[q], b, eb, ebn, masks[m], use_mask)
    have[m, q] = True

@_plain
def a_at(q, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have):
    """a(q) = log w_q + t theta_q - S_m(theta_q), filling S_m at node q on first use."""
    if not have[m, q]:
        fill(q, m, sigma, nodes, b, eb, ebn, masks, use_mask, S, have)
    return log_wq[q] + ts * nodes[q] - S[m, q]

@_plain
def climb(p, ap, step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have):
    """Walk from node p by ``step`` while a(q) increases; (node, value)."""
    while 0 <= p + step < nodes.shape[0]:
        an = a_at(p + step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
        if an <= ap:
            break
        p += step
        ap = an
    return p, ap

@_plain
def extend(p, step, amax, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have, A):
    """Walk from the maximum p by ``step`` while a(q) stays within CUT of it, storing A[q]; the last node."""
    while 0 <= p + step < nodes.shape[0]:
        a = a_at(p + step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
        if a < amax - CUT:
            break
        p += step
        A[p] = a
    return p

@_plain
def kernel(x, nodes, log_wq, masks, use_mask, cell_mask, cell_t, cell_count, failures, b_sd, sigma_sd, grad,
           S, have, V, gth, A, coef, eb, ebn, used):
    k = failures.shape[0]
    Q = nodes.shape[0]
    M = masks.shape[0]
    C = cell_count.shape[0]
    ls = x[k]
    sigma = math.exp(ls)
    b = x[:k]
    for j in range(k):
        eb[j] = math.exp(b[j])
        ebn[j] = math.exp(-b[j])
    for m in range(M):
        for q in range(Q):
            have[m, q] = False
            V[m, q] = 0.0
    for q in range(Q):
        gth[q] = 0.0
    value = 0.0
    for j in range(k):
        value += b[j] * failures[j]
    c = 0
    p = 0
    n_used = 0
    while c < C:
        m = cell_mask[c]
        ts = cell_t[c] * sigma
        # the maximum of the concave sequence a(q) = log w_q + t theta_q - S_m(theta_q): walk from the previous
        # cell's maximum (cells come sorted by (mask, t), and the maximum moves right with t)
        if p >= Q:
            p = Q - 1
        ap = a_at(p, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
        p, ap = climb(p, ap, 1, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
        p, ap = climb(p, ap, -1, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
        amax = ap
        # the nodes within CUT of the maximum (concave: contiguous)
        A[p] = amax
        lo = extend(p, -1, amax, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have, A)
        hi = extend(p, 1, amax, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have, A)
        tot = 0.0
        for q in range(lo, hi + 1):
            A[q] = math.exp(A[q] - amax)
            tot += A[q]
        n = cell_count[c]
        value += n * (amax + math.log(tot))
        r = n / tot
        t = cell_t[c]
        for q in range(lo, hi + 1):
            w = r * A[q]
            V[m, q] += w
            gth[q] += w * t
        c += 1
        if c < C and cell_mask[c] != m:
            p = 0
    # gradient: d/db_j = F_j - sum_q sigmoid(theta_q + b_j) sum_m V_mq mask_mj; d/dlog sigma through theta_q
    for j in range(k):
        grad[j] = failures[j]
    g_ls = 0.0
    for q in range(Q):
        if not column_used(V, q):
            continue
        n_used += 1
        th = sigma * nodes[q]
        if use_mask:
            for j in range(k):
                coef[j] = 0.0
            for m in range(M):
                v = V[m, q]
                if v != 0.0:
                    for j in range(k):
                        coef[j] += v * masks[m, j]
            d = grad_row(th, b, eb, ebn, coef, 0.0, True, grad)
        else:
            d = grad_row(th, b, eb, ebn, coef, V[0, q], False, grad)
        g_ls += (gth[q] - d) * th
    used[0] = n_used
    # priors: b ~ Normal(0, b_sd); sigma ~ HalfNormal(sigma_sd) with the log transform's Jacobian
    for j in range(k):
        value += -0.5 * (x[j] / b_sd) ** 2 - math.log(b_sd) - 0.9189385332046727
        grad[j] -= x[j] / (b_sd * b_sd)
    value += 0.6931471805599453 - 0.9189385332046727 - math.log(sigma_sd) - 0.5 * (sigma / sigma_sd) ** 2 + ls
    grad[k] = g_ls - (sigma / sigma_sd) ** 2 + 1.0
    return value


# The kernel as nutpie's C callbacks (:mod:`ecostat.bayes.cfunc_model`); the model's arrays reach them through the
# int64 header built by :func:`ecostat.bayes.rasch_kernel.callbacks`.

#: fields of the int64 header behind ``user_data``
HEADER = ("k", "Q", "M", "C", "use_mask", "nodes", "log_wq", "masks", "cell_mask", "cell_t", "cell_count",
          "failures", "scales")


@numba.cfunc(LOGP_SIG, cache=True, error_model="numpy")
def logp_cfunc(dim, x_, grad_, logp_, data_):
    """nutpie's log-density callback: 0 on success, 3 (gradient) or 4 (value) when not finite."""
    h = numba.carray(data_, (13,), dtype=np.int64)
    k, Q, M, C = h[0], h[1], h[2], h[3]
    if dim != k + 1:
        return -1
    x = numba.carray(x_, (k + 1,))
    grad = numba.carray(grad_, (k + 1,))
    nodes = numba.carray(pointer(h[5]), (Q,), dtype=np.float64)
    log_wq = numba.carray(pointer(h[6]), (Q,), dtype=np.float64)
    masks = numba.carray(pointer(h[7]), (M, k), dtype=np.float64)
    cell_mask = numba.carray(pointer(h[8]), (C,), dtype=np.int64)
    cell_t = numba.carray(pointer(h[9]), (C,), dtype=np.float64)
    cell_count = numba.carray(pointer(h[10]), (C,), dtype=np.float64)
    failures = numba.carray(pointer(h[11]), (k,), dtype=np.float64)
    scales = numba.carray(pointer(h[12]), (2,), dtype=np.float64)
    # this call's scratch arrays (chains call at once from their own threads)
    value = kernel(x, nodes, log_wq, masks, h[4] != 0, cell_mask, cell_t, cell_count, failures, scales[0],
                   scales[1], grad, np.empty((M, Q)), np.empty((M, Q), dtype=np.bool_), np.empty((M, Q)),
                   np.empty(Q), np.empty(Q), np.empty(k), np.empty(k), np.empty(k), np.zeros(1, dtype=np.int64))
    logp_[0] = value
    return status(value, grad)


@numba.cfunc(EXPAND_SIG, cache=True)
def expand_cfunc(dim, n_out, x_, out_, data_):
    """nutpie's trace callback: ``(b_1..b_k, sigma)`` from ``(b_1..b_k, log sigma)``."""
    return expand_log_tail(dim, n_out, x_, out_, dim - 1)
