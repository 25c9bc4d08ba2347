"""The pooled logit rasch model's log-density and gradient as one compiled numba function (nutpie's fastest path).

For the most common model, ``fail ~ model + (1 | instance)`` with the logit link
(no group, covariates or model-by-group effects), the log posterior density on
the sampler's unconstrained scale ``(b, log sigma)`` is

    log N(b; 0, b_sd) + log HalfNormal(sigma; sigma_sd) + log sigma + loglik(b, sigma),

with ``loglik`` the sufficient-statistic likelihood of
:mod:`ecostat.bayes.families.rasch_stats` (any missing cells): one integral over
the standardized difficulty x per cell (observed-cell mask m, t failures),

    I_mt = integral of exp(t sigma x - S_m(sigma x)) phi(x) dx,   S_m(theta) = sum_{j in m} log(1 + e^{theta + b_j}),

on the trapezoid grid of :func:`~ecostat.bayes.families.latent_trait.normal_grid`
with :func:`~ecostat.bayes.families.latent_trait.trait_quadrature` nodes (the
PyMC model's grid: more than ``quadrature`` when k is large, so that the grid
resolves each instance's posterior of difficulty, whose sd shrinks like
``2 / sqrt(k)``). This module writes it, with its analytic gradient, as a numba
function compiled once per machine (``cache=True``) that releases the GIL, so
nutpie's chains run in parallel. Two things make one evaluation cheap at large k
(docs/architecture.md §8):

1. **No transcendental function per (node, model).** ``S_m`` at a node is
   ``sum_j max(z_j, 0) + log prod_j (1 + e^{-|z_j|})`` with ``z_j = theta + b_j``
   and ``e^{-|z_j|}`` the product of ``e^{+-theta}`` and ``e^{+-b_j}`` (computed
   once per node and once per model); the product of up to 256 factors in
   (1, 2] cannot overflow, so one logarithm serves 256 models, and the loop
   compiles to SIMD instructions. The gradient's sigmoids cost one division each.
2. **Only where the integrand is not negligible.** Each cell's log-integrand
   ``a(x)`` is concave in x (normal prior, convex ``S``), so its maximum is found
   by walking the grid from the previous cell's maximum, and the sum stops where
   ``a`` falls :data:`CUT` below it (each skipped node contributes less than
   e^-40 = 4e-18 of the cell's integral; the normal factor makes the tail beyond
   decay faster than geometrically). Nodes no cell uses are never evaluated
   (:func:`nodes_used`).

One evaluation at k = 1,000 and N = 100,000 costs about a tenth of the previous
kernel on the same grid (BENCHMARKS.md). It is the same density as the PyMC
model's (tests/test_sampling.py checks value and gradient against PyMC's
compiled ``logp`` at k = 3, 30, 300, complete and with missing cells), and the
likelihood at k = 1,000 agrees with adaptive quadrature (``scipy.integrate.quad``)
to 1e-6 absolute (tests/test_many_models.py); other models use
:mod:`ecostat.bayes.nutpie_pyfunc`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["applies", "compile_rasch_kernel", "logp_dlogp", "CUT", "nodes_used"]

#: nodes whose log integrand lies more than CUT below the cell's maximum are skipped
CUT = 40.0
#: models per running product of (1 + e^-|z|) (each factor <= 2: 2^256 is far below the float64 limit)
_CHUNK = 256
_kernel = None

#: fast-math flags for the SIMD loops: reassociation (vectorized sums and products) and fused multiply-add only;
#: no "nnan"/"ninf": the loops rely on IEEE infinities (e^{-theta} may overflow in a branch that is not taken)
_FAST = {"reassoc", "contract", "nsz"}


def applies(design, family: str, options) -> bool:
    """Whether the kernel is the model: pooled logit rasch (one stratum, no model-by-group effects)."""
    return (family == "rasch" and options.link == "logit" and design.n_strata == 1 and design.n_groups == 1
            and not design.covariate_names and not options.model_by_group)


def _build():
    import numba

    jit = numba.njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")

    @jit
    def sum_softplus(th, b, eb, ebn, mask, use_mask):
        """sum_j mask_j log(1 + e^{th + b_j}) with one log per _CHUNK models."""
        Eq = math.exp(th)
        Eqn = math.exp(-th)
        k = b.shape[0]
        total = 0.0
        for j0 in range(0, k, _CHUNK):
            j1 = min(k, j0 + _CHUNK)
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

    @jit
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

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def fill(q, m, sigma, nodes, b, eb, ebn, masks, use_mask, S, have):
        S[m, q] = sum_softplus(sigma * nodes[q], b, eb, ebn, masks[m], use_mask)
        have[m, q] = True

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def a_at(q, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have):
        """a(q) = log w_q + t theta_q - S_m(theta_q), filling S_m at node q on first use."""
        if not have[m, q]:
            fill(q, m, sigma, nodes, b, eb, ebn, masks, use_mask, S, have)
        return log_wq[q] + ts * nodes[q] - S[m, q]

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def climb(p, ap, step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have):
        """Walk from node p by ``step`` while a(q) increases; (node, value)."""
        while 0 <= p + step < nodes.shape[0]:
            an = a_at(p + step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
            if an <= ap:
                break
            p += step
            ap = an
        return p, ap

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def extend(p, step, amax, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have, A):
        """Walk from the maximum p by ``step`` while a(q) stays within CUT of it, storing A[q]; the last node."""
        while 0 <= p + step < nodes.shape[0]:
            a = a_at(p + step, m, ts, sigma, nodes, log_wq, b, eb, ebn, masks, use_mask, S, have)
            if a < amax - CUT:
                break
            p += step
            A[p] = a
        return p

    @numba.njit(cache=True, nogil=True, error_model="numpy")
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
            any_v = False
            for m in range(M):
                if V[m, q] != 0.0:
                    any_v = True
            if not any_v:
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

    return kernel


def _get_kernel():
    global _kernel
    if _kernel is None:
        _kernel = _build()
    return _kernel


def _arguments(design, options, b_sd: float, sigma_sd: float) -> tuple:
    from .families.latent_trait import normal_grid, trait_quadrature
    from .families.rasch_stats import rasch_statistics

    st = rasch_statistics(design)  # cells sorted by (mask, t): the kernel's walk relies on it
    nodes, log_wq = normal_grid(trait_quadrature(design.k, options.quadrature))
    return (np.ascontiguousarray(nodes), np.ascontiguousarray(log_wq), np.ascontiguousarray(st.masks),
            not st.complete, st.cell_mask.astype(np.int64), st.cell_t.astype(float), st.cell_count.astype(float),
            np.ascontiguousarray(st.failures[0]), float(b_sd), float(sigma_sd))


def _workspace(k: int, Q: int, M: int) -> tuple:
    """Per-chain scratch arrays of the kernel (a chain's thread owns its own)."""
    return (np.empty(k + 1), np.empty((M, Q)), np.empty((M, Q), dtype=np.bool_), np.empty((M, Q)), np.empty(Q),
            np.empty(Q), np.empty(k), np.empty(k), np.empty(k), np.zeros(1, dtype=np.int64))


def logp_dlogp(x, design, options, b_sd: float, sigma_sd: float) -> tuple[float, np.ndarray]:
    """Log density and gradient at ``x = (b_1..b_k, log sigma)`` (for tests and callers outside nutpie)."""
    args = _arguments(design, options, b_sd, sigma_sd)
    grad, *work = _workspace(design.k, len(args[0]), len(args[2]))
    value = _get_kernel()(np.asarray(x, dtype=float), *args, grad, *work)
    return value, grad


def nodes_used(x, design, options, b_sd: float = 2.55, sigma_sd: float = 2.55) -> int:
    """How many grid nodes one evaluation at ``x`` used (the rest were skipped as negligible)."""
    args = _arguments(design, options, b_sd, sigma_sd)
    grad, *work = _workspace(design.k, len(args[0]), len(args[2]))
    _get_kernel()(np.asarray(x, dtype=float), *args, grad, *work)
    return int(work[-1][0])


def compile_rasch_kernel(design, options, b_sd: float, sigma_sd: float):
    """nutpie model of the pooled logit rasch posterior (trace: ``b`` with dim ``model``, ``sigma``)."""
    from nutpie.compiled_pyfunc import from_pyfunc

    kernel = _get_kernel()
    args = _arguments(design, options, b_sd, sigma_sd)
    k, Q, M = design.k, len(args[0]), len(args[2])

    def make_logp():
        grad, *work = _workspace(k, Q, M)

        def logp_fn(x):
            value = kernel(x, *args, grad, *work)
            return value, grad.copy()

        return logp_fn

    def make_expand(seed1, seed2, chain):
        def expand(x):
            return {"b": np.array(x[:k]), "sigma": np.array(math.exp(x[k]))}

        return expand

    def initial_point(seed):
        # PyMC's "jitter" initialization: the support point (b = 0, sigma = sigma_sd) plus U(-1, 1) on the
        # unconstrained scale
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.uniform(-1, 1, k), [math.log(sigma_sd) + rng.uniform(-1, 1)]])

    grad, *work = _workspace(k, Q, M)
    kernel(np.zeros(k + 1), *args, grad, *work)  # compile (or load from the cache) now
    return from_pyfunc(k + 1, make_logp, make_expand, [np.dtype("float64")] * 2, [(k,), ()], ["b", "sigma"],
                       coords={"model": list(design.models)}, dims={"b": ("model",)},
                       make_initial_point_fn=initial_point)
