"""PSIS-LOO on the profile table (``docs/architecture.md``, "The profile table").

Instances with the same profile row (pattern, stratum) are exchangeable, so
they share one pointwise log-likelihood and one leave-one-out value. PSIS is
therefore computed once per row and every total is weighted by the row counts
``n_r``: an ``N x draws`` array is never built. A family's
``row_log_lik`` gives the per-row log-likelihood this module takes. The totals equal :func:`arviz.loo`
on the expanded per-instance log-likelihood.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from ..errors import EcostatError, EcostatWarning, preview, user_stacklevel
from ..numeric import jsonable

__all__ = ["LooResult", "profile_loo", "compare_loo"]


@dataclass(frozen=True, eq=False)
class LooResult:
    """PSIS-LOO of a model on a profile table (docs/architecture.md §7).

    Attributes
    ----------
    elpd : float
        ``sum_r n_r elpd_r``, the expected log pointwise predictive density.
    se : float
        Standard error of ``elpd`` over the N instances.
    p_loo : float
        Effective number of parameters, ``sum_r n_r (lppd_r - elpd_r)``.
    pointwise : ndarray of shape (R,)
        LOO elpd of one instance of each row.
    pareto_k : ndarray of shape (R,)
        Pareto shape estimate of each row.
    counts : ndarray of shape (R,)
        Instances per row.
    n_bad : int
        Instances in rows with ``pareto_k > k_threshold``.
    k_threshold : float
        ``min(1 - 1/log10(S), 0.7)`` as in :func:`arviz.loo` (0.7 for S >= 2155).
    n_draws : int
        Posterior draws S.

    Examples
    --------
    >>> import numpy as np
    >>> ll = np.log(np.random.default_rng(0).dirichlet([30, 50], size=1000))
    >>> r = profile_loo(ll, [30, 50])
    >>> sorted(r.to_dict())[:3]
    ['counts', 'elpd_loo', 'k_threshold']
    """

    elpd: float
    se: float
    p_loo: float
    pointwise: np.ndarray
    pareto_k: np.ndarray
    counts: np.ndarray
    n_bad: int
    k_threshold: float
    n_draws: int

    @property
    def n_instances(self) -> int:
        """Number of instances N."""
        return int(self.counts.sum())

    def to_dict(self) -> dict:
        """JSON-ready dict (non-finite numbers become ``None``).

        Examples
        --------
        >>> import numpy as np
        >>> ll = np.log(np.random.default_rng(0).dirichlet([30, 50], size=1000))
        >>> profile_loo(ll, [30, 50]).to_dict()["n_instances"]
        80
        """
        def num(v):
            return jsonable(float(v))

        return {
            "elpd_loo": num(self.elpd), "se": num(self.se), "p_loo": num(self.p_loo),
            "n_instances": self.n_instances, "n_rows": int(self.counts.size), "n_draws": int(self.n_draws),
            "n_bad_pareto_k": int(self.n_bad), "k_threshold": float(self.k_threshold),
            "max_pareto_k": num(self.pareto_k[self.counts > 0].max()),
            "pointwise": [num(v) for v in self.pointwise], "pareto_k": [num(v) for v in self.pareto_k],
            "counts": [int(c) for c in self.counts],
        }


def _weighted_se(values, counts) -> float:
    """``sqrt(N var(x_i))`` over instances, each row's value repeated ``n_r`` times."""
    n = counts.sum()
    mean = (counts * values).sum() / n
    return float(np.sqrt((counts * (values - mean) ** 2).sum()))


def profile_loo(loglik, counts, *, reff: float = 1.0) -> LooResult:
    """PSIS-LOO computed per profile row and weighted by the row counts (docs/architecture.md §7).

    For each row r, Pareto-smoothed importance weights come from
    ``-loglik[:, r]`` (:func:`arviz.psislw`) and
    ``elpd_r = logsumexp(loglik[:, r] + log w_r)``. Totals equal
    :func:`arviz.loo` on the per-instance log-likelihood with row r repeated
    ``n_r`` times, without building that ``N x S`` array.

    Parameters
    ----------
    loglik : array of shape (S, R)
        Log-likelihood of one instance of each row per draw (a family's ``row_log_lik``).
    counts : int array of shape (R,)
        Instances per row.
    reff : float
        Relative MCMC efficiency ``ess / S`` passed to :func:`arviz.psislw`.

    Returns
    -------
    LooResult

    Warns
    -----
    EcostatWarning
        When instances lie in rows whose Pareto k exceeds the threshold.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> P = rng.dirichlet([20, 5, 5, 10], size=1000)[:, None, :]    # S=1000, U=1, k=2
    >>> ll = np.log(P[:, 0, :])     # one instance of each complete profile row
    >>> r = profile_loo(ll, [200, 50, 50, 100])
    >>> round(r.elpd, 1), r.n_bad
    (-519.3, 0)
    """
    from arviz import psislw

    ll = np.asarray(loglik, dtype=float)
    counts = np.asarray(counts)
    if ll.ndim != 2 or counts.shape != (ll.shape[1],):
        raise EcostatError(f"loglik must be (draws, rows) and counts (rows,); got {ll.shape} and {counts.shape}.")
    if (counts < 0).any() or counts.sum() <= 0:
        raise EcostatError("counts must be non-negative with at least one instance.")
    bad_ll = ~np.isfinite(ll).all(axis=0) & (counts > 0)
    if bad_ll.any():
        raise EcostatError(f"the log-likelihood is not finite in some draws for rows {preview(np.flatnonzero(bad_ll))}: "
                           "the model gives an observed profile probability 0 (or NaN); check P.")
    S = ll.shape[0]
    if S < 2:
        raise EcostatError(f"PSIS-LOO needs at least 2 posterior draws; got {S}.")
    fin = np.isfinite(ll).all(axis=0)  # all rows with instances; empty rows may be -inf (left NaN)
    elpd_r, k = np.full(ll.shape[1], np.nan), np.full(ll.shape[1], np.nan)
    lw, k[fin] = psislw(-ll[:, fin].T, reff)
    elpd_r[fin] = logsumexp(ll[:, fin].T + lw, axis=-1)
    lppd_r = np.full(ll.shape[1], np.nan)
    lppd_r[fin] = logsumexp(ll[:, fin], axis=0) - np.log(S)
    c = counts.astype(float)
    used = counts > 0  # rows without instances may hold -inf; they add nothing to the totals
    threshold = min(1.0 - 1.0 / np.log10(S), 0.7)
    bad = (k > threshold) & (counts > 0)
    n_bad = int(counts[bad].sum())
    if n_bad:
        warnings.warn(f"PSIS-LOO is unreliable for {n_bad} instance(s) in profile rows {preview(np.flatnonzero(bad))} "
                      f"(Pareto k > {threshold:.2f}; max {k[bad].max():.2f}): their leave-one-out posterior differs "
                      "much from the full posterior. Treat elpd_loo as approximate or use more draws.",
                      EcostatWarning, stacklevel=user_stacklevel())
    return LooResult(
        elpd=float(c[used] @ elpd_r[used]), se=_weighted_se(elpd_r[used], c[used]),
        p_loo=float(c[used] @ (lppd_r - elpd_r)[used]),
        pointwise=elpd_r, pareto_k=k, counts=counts.astype(np.int64), n_bad=n_bad,
        k_threshold=float(threshold), n_draws=S,
    )


def compare_loo(results: Mapping[str, LooResult]) -> pd.DataFrame:
    """Rank models by elpd_loo on the same profile table, like :func:`arviz.compare` (docs/architecture.md §7).

    Columns follow arviz: ``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff``
    (best minus this model, >= 0), ``weight`` (pseudo-BMA:
    ``exp(elpd - max) / sum``), ``se``, ``dse`` (``sqrt(N var)`` of the
    per-instance differences to the best model) and ``warning`` (any bad
    Pareto k). Rows are sorted best first.

    Parameters
    ----------
    results : mapping of name -> LooResult
        All computed on the same rows and counts.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    EcostatError
        When the results were computed on different rows or counts.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> pats, counts = [[0, 0], [1, 0], [0, 1], [1, 1]], [200, 50, 50, 100]
    >>> good = np.log(rng.dirichlet([200, 50, 50, 100], size=800))
    >>> flat = np.log(rng.dirichlet([100, 100, 100, 100], size=800))
    >>> compare_loo({"flat": profile_loo(flat, counts), "good": profile_loo(good, counts)}).index.tolist()
    ['good', 'flat']
    """
    if not results:
        raise EcostatError("compare needs at least one LooResult.")
    names = list(results)
    ref_name, ref = names[0], results[names[0]]
    for name in names[1:]:
        r = results[name]
        if r.counts.shape != ref.counts.shape:
            raise EcostatError(f"LOO results {ref_name!r} and {name!r} were computed on different data: "
                               f"{ref.counts.size} vs {r.counts.size} profile rows. Compare models fitted to the same table.")
        diff = np.flatnonzero(r.counts != ref.counts)
        if diff.size:
            raise EcostatError(f"LOO results {ref_name!r} and {name!r} were computed on different data: the counts of "
                               f"profile rows {preview(diff)} differ (N = {ref.n_instances} vs {r.n_instances}). "
                               "Compare models fitted to the same table.")
    order = sorted(names, key=lambda n: -results[n].elpd)
    best = results[order[0]]
    used = best.counts > 0
    c = best.counts[used].astype(float)
    elpd = np.array([results[n].elpd for n in order])
    w = np.exp(elpd - elpd.max())
    rows = []
    for rank, name in enumerate(order):
        r = results[name]
        d = (best.pointwise - r.pointwise)[used]
        rows.append({"rank": rank, "elpd_loo": r.elpd, "p_loo": r.p_loo, "elpd_diff": float(c @ d),
                     "weight": w[rank] / w.sum(), "se": r.se, "dse": _weighted_se(d, c), "warning": r.n_bad > 0})
    return pd.DataFrame(rows, index=pd.Index(order))
