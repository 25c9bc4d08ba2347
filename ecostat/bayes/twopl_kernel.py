"""The pooled logit twopl model's log-density and gradient as compiled C callbacks for nutpie.

For ``fail ~ model + (1 | instance)`` with ``family="twopl"`` and the logit link
(no group, covariates or model-by-group effects) the log posterior density on
the sampler's unconstrained scale ``(b, log a)`` is

    sum_j [log N(b_j; 0, b_sd) + log N(log a_j; 0, a_sd)] + sum_j b_j F_j
      + sum_r n_r log sum_q w_q exp(A_r x_q - S_{m(r)}(x_q)),

    A_r = sum_{j: y_rj = 1} a_j,   S_m(x) = sum_{j in m} log(1 + e^{a_j x + b_j}),

on the trapezoid grid of :func:`~ecostat.bayes.families.latent_trait.normal_grid`
with :func:`~ecostat.bayes.families.latent_trait.trait_quadrature` nodes (the
PyMC model's; rows r of the profile table with counts n_r and observed-cell
masks m(r); F_j the failures of model j): the identity of
:meth:`ecostat.bayes.families.latent_trait._LatentTrait.row_terms` (with the
logit link the log-odds of a failure is the linear predictor) makes each row's
integrand depend on one number, A_r. Each row's log integrand is concave in x,
so, as in :mod:`ecostat.bayes.rasch_kernel`, only the nodes within
:data:`ecostat.bayes.rasch_numba.CUT` of its maximum are evaluated. The softplus
terms are computed once per node used; a row with missing cells subtracts the
terms of the models it did not meet (a list per row, so many distinct patterns
of missing cells cost no more than a few). One evaluation at k = 100
and 20,000 distinct rows costs about R x 30 exponentials plus R x k additions
(BENCHMARKS.md), against R x Q x k multiply-adds for the general product.
tests/test_twopl_kernel.py checks value and gradient against PyMC's compiled
``logp``, complete and with missing cells.
"""

from __future__ import annotations

import numpy as np

__all__ = ["callbacks", "logp_dlogp"]


def _csr(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pointers and column indices of the True cells of a (rows, k) boolean matrix."""
    rows, cols = np.nonzero(flags)
    return np.searchsorted(rows, np.arange(len(flags) + 1)).astype(np.int64), cols.astype(np.int64)


def _packed(design, options, b_sd: float, a_sd: float):
    """The C callbacks' data (:func:`ecostat.bayes.cfunc_model.pack`): rows sorted by their number of failures,
    with the models each failed and the models each did not meet."""
    from .cfunc_model import pack
    from .families.latent_trait import normal_grid, trait_quadrature
    from .twopl_numba import HEADER

    P, counts = design.patterns, design.counts.astype(float)
    fails = P == 1
    order = np.argsort(fails.sum(axis=1), kind="stable")  # each walk to a row's maximum starts at the previous one
    fail_ptr, fail_idx = _csr(fails[order])
    miss_ptr, miss_idx = _csr(P[order] < 0)
    x, log_wq = normal_grid(trait_quadrature(design.k, options.quadrature))
    F = (fails * counts[:, None]).sum(axis=0)
    return pack([design.k, len(x), len(order), len(fail_idx), len(miss_idx)],
                [x, log_wq, counts[order], fail_ptr, fail_idx, miss_ptr, miss_idx, F,
                 np.array([b_sd, a_sd], dtype=float)], HEADER)


def logp_dlogp(theta, design, options, b_sd: float, a_sd: float) -> tuple[float, np.ndarray]:
    """Log density and gradient at ``theta = (b_1..b_k, log a_1..log a_k)`` through the callback nutpie calls."""
    from .cfunc_model import evaluate
    from .twopl_numba import logp_cfunc

    value, grad, code = evaluate(logp_cfunc, _packed(design, options, b_sd, a_sd), theta)
    if code not in (0, 3, 4):
        raise ValueError(f"theta has {np.size(theta)} values; the model has {2 * design.k} (b, log a)")
    return value, grad


def callbacks(design, options, b_sd: float, a_sd: float):
    """The compiled C callbacks of the pooled logit twopl posterior and their data (trace: ``b`` and ``a`` with
    dim ``model``); :func:`ecostat.bayes.cfunc_model.nutpie_model` makes nutpie's model of them."""
    from .cfunc_model import Callbacks
    from .twopl_numba import expand_cfunc, logp_cfunc

    k = design.k

    def initial_point(seed):
        # PyMC's "jitter" initialization: the support point (b = 0, a = 1) plus U(-1, 1) on the unconstrained scale
        return np.random.default_rng(seed).uniform(-1, 1, 2 * k)

    return Callbacks(logp_cfunc, expand_cfunc, _packed(design, options, b_sd, a_sd), 2 * k, ("b", "a"),
                     ((k,), (k,)), {"model": list(design.models)}, {"b": ("model",), "a": ("model",)}, initial_point)
