"""The logit rasch likelihood through its sufficient statistics (cost independent of N and of the profile rows).

With the logit link, ``eta_j = theta + b_j`` and complete data,
``log p(y | theta) = sum_j y_j (theta + b_j) - sum_j log(1 + e^{theta + b_j})``
depends on the profile only through ``t = sum_j y_j`` (Rasch's sufficient
statistic) and the linear term ``sum_j y_j b_j``. Integrating theta out on the
quadrature grid of the stratum,

    log L = sum_{u, j} b_uj F_uj + sum_{u, m, t} n_umt log I_umt,
    I_umt = sum_q w_q exp(t theta_uq - sum_{j in m} log(1 + e^{theta_uq + b_uj})),

with ``F_uj`` the failures of model j in stratum u and ``n_umt`` the instances
of stratum u that met the models of observed-cell mask m and failed t of
them. One gradient costs O(U Q k + cells x Q), whatever N and the number of
distinct profiles: k = 1,000 decision-makers cost 128,000 softplus evaluations.
It is the same likelihood as the per-profile one (tests/test_rasch_stats.py
checks equality to 1e-9 at random points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import Design

__all__ = ["RaschStatistics", "rasch_statistics", "rasch_loglik"]


@dataclass(frozen=True)
class RaschStatistics:
    """Sufficient statistics of a design under the logit rasch model.

    Attributes
    ----------
    failures : ndarray, shape (U, k)
        Count-weighted failures of each model in each stratum.
    masks : ndarray of float, shape (M, k)
        Distinct observed-cell masks (1 = the instance met the model).
    cell_stratum, cell_mask, cell_t : ndarray of int, shape (C,)
        Stratum, mask and number of failures of each non-empty cell.
    cell_count : ndarray of float, shape (C,)
        Instances in each cell.
    """

    failures: np.ndarray
    masks: np.ndarray
    cell_stratum: np.ndarray
    cell_mask: np.ndarray
    cell_t: np.ndarray
    cell_count: np.ndarray

    @property
    def complete(self) -> bool:
        return len(self.masks) == 1 and bool(np.all(self.masks == 1))


def rasch_statistics(design: Design) -> RaschStatistics:
    """The sufficient statistics of ``design`` (see the module docstring).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import make_design
    >>> st = rasch_statistics(make_design(es.FailureMatrix([[1, 1, 0], [0, 0, 0], [1, 1, 0]])))
    >>> st.failures.tolist(), st.cell_t.tolist(), st.cell_count.tolist()
    ([[2.0, 2.0, 0.0]], [0, 2], [1.0, 2.0])
    """
    P, c, s, U = design.patterns, design.counts.astype(float), design.strata, design.n_strata
    fails = (P == 1).astype(float)
    F = np.zeros((U, design.k))
    np.add.at(F, s, fails * c[:, None])
    masks, mask_of = np.unique((P >= 0).astype(np.int8), axis=0, return_inverse=True)
    t = fails.sum(axis=1).astype(np.int64)
    keys, cell_of = np.unique(np.column_stack([s, mask_of.reshape(-1), t]), axis=0, return_inverse=True)
    n = np.bincount(cell_of.reshape(-1), weights=c, minlength=len(keys))
    return RaschStatistics(failures=F, masks=masks.astype(float), cell_stratum=keys[:, 0], cell_mask=keys[:, 1],
                           cell_t=keys[:, 2], cell_count=n)


def rasch_loglik(log_w, theta, b, stats: RaschStatistics, xp):
    """Collapsed log-likelihood of the logit rasch model from its sufficient statistics.

    Parameters
    ----------
    log_w, theta : (U, Q)
        Log quadrature weights and nodes of latent difficulty per stratum.
    b : (U, k)
        Model effects per stratum (``b_j`` plus any model-by-group effect).
    stats : RaschStatistics
    xp : array namespace (:mod:`.backend`)
    """
    sp = xp.softplus(xp.expand_dims(theta, -1) + xp.expand_dims(b, -2))  # (U, Q, k)
    U, M = stats.failures.shape[0], len(stats.masks)
    if stats.complete:
        S = xp.expand_dims(xp.sum(sp, axis=-1), -2)  # (U, 1, Q)
    else:
        S = xp.swapaxes(xp.matmul(sp, stats.masks.T), -1, -2)  # (U, M, Q)
    idx = stats.cell_stratum * M + stats.cell_mask
    S_cells = xp.take(S.reshape((U * M, -1)) if xp.name == "numpy" else S.reshape((U * M, S.shape[-1])), idx, axis=0)
    A = (xp.take(log_w, stats.cell_stratum, axis=0) + stats.cell_t[:, None].astype(float)
         * xp.take(theta, stats.cell_stratum, axis=0) - S_cells)  # (C, Q)
    return xp.sum(b * stats.failures) + xp.sum(stats.cell_count * xp.logsumexp(A, axis=-1))
