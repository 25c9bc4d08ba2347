"""The pooled logit rasch model's log-density and gradient as one compiled numba function (nutpie's fastest path).

For the most common model, ``fail ~ model + (1 | instance)`` with the logit link
(no group, covariates or model-by-group effects), the log posterior density on
the sampler's unconstrained scale ``(b, log sigma)`` is

    log N(b; 0, b_sd) + log HalfNormal(sigma; sigma_sd) + log sigma + loglik(b, sigma),

with ``loglik`` the sufficient-statistic likelihood of
:mod:`ecostat.bayes.families.rasch_stats` (any missing cells). This module writes
it, with its analytic gradient, as a numba function compiled once per machine
(``cache=True``) that releases the GIL, so nutpie's chains run in parallel and one
evaluation costs a few microseconds at k = 3 (PyTensor's function call alone costs
40-60). It is the same density as the PyMC model's (tests/test_sampling.py checks
value and gradient against PyMC's compiled ``logp`` to 1e-9); other models use
:mod:`ecostat.bayes.nutpie_pyfunc`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["applies", "compile_rasch_kernel", "logp_dlogp"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG2 = math.log(2.0)
_kernel = None


def applies(design, family: str, options) -> bool:
    """Whether the kernel is the model: pooled logit rasch (one stratum, no model-by-group effects)."""
    return (family == "rasch" and options.link == "logit" and design.n_strata == 1 and design.n_groups == 1
            and not design.covariate_names and not options.model_by_group)


def _get_kernel():
    global _kernel
    if _kernel is None:
        import numba

        @numba.njit(cache=True, nogil=True, fastmath=False)
        def kernel(x, nodes, log_wq, masks, cell_mask, cell_t, cell_count, failures, b_sd, sigma_sd, grad):
            k = failures.shape[0]
            Q = nodes.shape[0]
            M = masks.shape[0]
            C = cell_count.shape[0]
            ls = x[k]
            sigma = math.exp(ls)
            S = np.zeros((M, Q))
            sig = np.empty((Q, k))
            for q in range(Q):
                th = sigma * nodes[q]
                for j in range(k):
                    z = th + x[j]
                    e = math.exp(-abs(z))
                    sp = math.log1p(e) + (z if z > 0.0 else 0.0)
                    sig[q, j] = (1.0 if z >= 0.0 else e) / (1.0 + e)
                    for m in range(M):
                        S[m, q] += masks[m, j] * sp
            value = 0.0
            for j in range(k):
                value += x[j] * failures[j]
            V = np.zeros((M, Q))
            g_theta = np.zeros(Q)
            A = np.empty(Q)
            for c in range(C):
                m = cell_mask[c]
                t = cell_t[c]
                amax = -np.inf
                for q in range(Q):
                    a = log_wq[q] + t * sigma * nodes[q] - S[m, q]
                    A[q] = a
                    if a > amax:
                        amax = a
                tot = 0.0
                for q in range(Q):
                    A[q] = math.exp(A[q] - amax)
                    tot += A[q]
                n = cell_count[c]
                value += n * (amax + math.log(tot))
                for q in range(Q):
                    w = n * A[q] / tot
                    V[m, q] += w
                    g_theta[q] += w * t
            for j in range(k):
                g = failures[j]
                for q in range(Q):
                    vq = 0.0
                    for m in range(M):
                        vq += V[m, q] * masks[m, j]
                    g -= sig[q, j] * vq
                grad[j] = g
            g_ls = 0.0
            for q in range(Q):
                d = 0.0
                for m in range(M):
                    s_mq = 0.0
                    for j in range(k):
                        s_mq += masks[m, j] * sig[q, j]
                    d += V[m, q] * s_mq
                g_ls += (g_theta[q] - d) * sigma * nodes[q]
            # priors: b ~ Normal(0, b_sd); sigma ~ HalfNormal(sigma_sd) with the log transform's Jacobian
            for j in range(k):
                value += -0.5 * (x[j] / b_sd) ** 2 - math.log(b_sd) - 0.9189385332046727
                grad[j] -= x[j] / (b_sd * b_sd)
            value += 0.6931471805599453 - 0.9189385332046727 - math.log(sigma_sd) - 0.5 * (sigma / sigma_sd) ** 2 + ls
            grad[k] = g_ls - (sigma / sigma_sd) ** 2 + 1.0
            return value

        _kernel = kernel
    return _kernel


def _arguments(design, options, b_sd: float, sigma_sd: float) -> tuple:
    from .families.latent_trait import normal_grid
    from .families.rasch_stats import rasch_statistics

    st = rasch_statistics(design)
    nodes, log_wq = normal_grid(options.quadrature)
    return (np.ascontiguousarray(nodes), np.ascontiguousarray(log_wq), np.ascontiguousarray(st.masks),
            st.cell_mask.astype(np.int64), st.cell_t.astype(float), st.cell_count.astype(float),
            np.ascontiguousarray(st.failures[0]), float(b_sd), float(sigma_sd))


def logp_dlogp(x, design, options, b_sd: float, sigma_sd: float) -> tuple[float, np.ndarray]:
    """Log density and gradient at ``x = (b_1..b_k, log sigma)`` (for tests and callers outside nutpie)."""
    grad = np.empty(design.k + 1)
    value = _get_kernel()(np.asarray(x, dtype=float), *_arguments(design, options, b_sd, sigma_sd), grad)
    return value, grad


def compile_rasch_kernel(design, options, b_sd: float, sigma_sd: float):
    """nutpie model of the pooled logit rasch posterior (trace: ``b`` with dim ``model``, ``sigma``)."""
    from nutpie.compiled_pyfunc import from_pyfunc

    kernel = _get_kernel()
    args = _arguments(design, options, b_sd, sigma_sd)
    k = design.k

    def make_logp():
        grad = np.empty(k + 1)

        def logp_fn(x):
            value = kernel(x, *args, grad)
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

    kernel(np.zeros(k + 1), *args, np.empty(k + 1))  # compile (or load from the cache) now
    return from_pyfunc(k + 1, make_logp, make_expand, [np.dtype("float64")] * 2, [(k,), ()], ["b", "sigma"],
                       coords={"model": list(design.models)}, dims={"b": ("model",)},
                       make_initial_point_fn=initial_point)
