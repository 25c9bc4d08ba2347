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
function compiled once per machine (``cache=True``), which nutpie calls as a C
function (:mod:`ecostat.bayes.cfunc_model`), so no Python runs per leapfrog step
and the chains run in parallel. Two things make one evaluation cheap at large k
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
   ``a`` falls :data:`ecostat.bayes.rasch_numba.CUT` below it (each skipped node contributes less than
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

__all__ = ["callbacks", "logp_dlogp", "nodes_used"]





def _get_kernel():
    """The compiled kernel (:mod:`ecostat.bayes.rasch_numba`; imports numba on first use)."""
    from .rasch_numba import kernel

    return kernel


def _arguments(design, options, b_sd: float, sigma_sd: float) -> tuple:
    from .families.latent_trait import normal_grid, trait_quadrature
    from .families.rasch_stats import rasch_statistics

    st = rasch_statistics(design)  # cells sorted by (mask, t): the kernel's walk relies on it
    nodes, log_wq = normal_grid(trait_quadrature(design.k, options.quadrature))
    return (np.ascontiguousarray(nodes), np.ascontiguousarray(log_wq), np.ascontiguousarray(st.masks),
            not st.complete, st.cell_mask.astype(np.int64), st.cell_t.astype(float), st.cell_count.astype(float),
            np.ascontiguousarray(st.failures[0]), float(b_sd), float(sigma_sd))


def _workspace(k: int, Q: int, M: int) -> tuple:
    """Scratch arrays of one direct call of the kernel (:func:`nodes_used`; the C callback makes its own)."""
    return (np.empty(k + 1), np.empty((M, Q)), np.empty((M, Q), dtype=np.bool_), np.empty((M, Q)), np.empty(Q),
            np.empty(Q), np.empty(k), np.empty(k), np.empty(k), np.zeros(1, dtype=np.int64))


def _packed(design, options, b_sd: float, sigma_sd: float):
    """The C callbacks' data (:func:`ecostat.bayes.cfunc_model.pack`)."""
    from .cfunc_model import pack
    from .rasch_numba import HEADER

    nodes, log_wq, masks, use_mask, cell_mask, cell_t, cell_count, failures, b_sd, sigma_sd = _arguments(
        design, options, b_sd, sigma_sd)
    return pack([len(failures), len(nodes), len(masks), len(cell_count), int(use_mask)],
                [nodes, log_wq, masks, cell_mask, cell_t, cell_count, failures, np.array([b_sd, sigma_sd])], HEADER)


def logp_dlogp(x, design, options, b_sd: float, sigma_sd: float) -> tuple[float, np.ndarray]:
    """Log density and gradient at ``x = (b_1..b_k, log sigma)``, through the C callback nutpie calls.

    For tests and callers outside nutpie; a value or gradient that is not
    finite is returned as it is (nutpie rejects the step).
    """
    from .cfunc_model import evaluate
    from .rasch_numba import logp_cfunc

    value, grad, code = evaluate(logp_cfunc, _packed(design, options, b_sd, sigma_sd), x)
    if code not in (0, 3, 4):
        raise ValueError(f"x has {np.size(x)} values; the model has {design.k + 1} (b_1..b_k, log sigma)")
    return value, grad


def nodes_used(x, design, options, b_sd: float = 2.55, sigma_sd: float = 2.55) -> int:
    """How many grid nodes one evaluation at ``x`` used (the rest were skipped as negligible)."""
    args = _arguments(design, options, b_sd, sigma_sd)
    grad, *work = _workspace(design.k, len(args[0]), len(args[2]))
    _get_kernel()(np.asarray(x, dtype=float), *args, grad, *work)
    return int(work[-1][0])


def callbacks(design, options, b_sd: float, sigma_sd: float):
    """The compiled C callbacks of the pooled logit rasch posterior and their data (trace: ``b`` with dim
    ``model``, ``sigma``); :func:`ecostat.bayes.cfunc_model.nutpie_model` makes nutpie's model of them.

    nutpie calls the C callbacks of :mod:`ecostat.bayes.rasch_numba` directly: no
    Python per leapfrog step, and the chains run in parallel.
    """
    from .cfunc_model import Callbacks
    from .rasch_numba import expand_cfunc, logp_cfunc

    k = design.k

    def initial_point(seed):
        # PyMC's "jitter" initialization: the support point (b = 0, sigma = sigma_sd) plus U(-1, 1) on the
        # unconstrained scale
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.uniform(-1, 1, k), [math.log(sigma_sd) + rng.uniform(-1, 1)]])

    return Callbacks(logp_cfunc, expand_cfunc, _packed(design, options, b_sd, sigma_sd), k + 1, ("b", "sigma"),
                     ((k,), ()), {"model": list(design.models)}, {"b": ("model",)}, initial_point)
