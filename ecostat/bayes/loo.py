"""PSIS-LOO and WAIC on the profile table (``docs/architecture.md``, "The profile table").

Instances with the same profile row (pattern, stratum) are exchangeable, so
they share one pointwise log-likelihood and one leave-one-out value. PSIS is
therefore computed once per row and every total is weighted by the row counts
``n_r``: an ``N x draws`` array is never built. A family's
``row_log_lik`` gives the per-row log-likelihood this module takes. The totals equal :func:`arviz.loo`
on the expanded per-instance log-likelihood.

For ArviZ, :func:`elpd_data` turns a :class:`LooResult` into an
:class:`arviz.ELPDData` whose pointwise values are per *instance* (each row's
value repeated for its instances, only an ``N``-vector), so :func:`arviz.compare`
and :func:`arviz.plot_compare` weight rows by their counts without being told;
:func:`profile_waic` does the same for WAIC. Model weights are pseudo-BMA+
weights (:func:`pseudo_bma_plus_weights`: the Bayesian bootstrap over instances
of Yao et al. 2018, ``arviz.compare(method="BB-pseudo-BMA")``), which account for
the uncertainty of the elpd differences; stacking weights
(:func:`stacking_weights`) are the alternative. Both are computed on the rows
with the counts as weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arviz import ELPDData
from scipy.special import logsumexp

from ..errors import EcostatError, EcostatWarning, preview, user_stacklevel
from ..numeric import jsonable

__all__ = ["LooResult", "profile_loo", "compare_loo", "elpd_data", "profile_waic", "stacking_weights", "ProfileELPD",
           "pseudo_bma_plus_weights", "MAX_EXPANDED_INSTANCES", "WEIGHT_METHODS"]

#: how compare_loo weights the models
WEIGHT_METHODS = ("pseudo-bma+", "stacking")

#: ELPDData expands the per-row values to one per instance up to this many instances (2 x 8 bytes each)
MAX_EXPANDED_INSTANCES = 20_000_000


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


def compare_loo(results: Mapping[str, LooResult], *, method: str = "pseudo-bma+", seed: int = 0) -> pd.DataFrame:
    """Rank models by elpd_loo on the same profile table, like :func:`arviz.compare` (docs/architecture.md §7).

    Columns follow arviz: ``rank``, ``elpd_loo``, ``p_loo``, ``elpd_diff``
    (best minus this model, >= 0), ``weight`` (``method="pseudo-bma+"``:
    :func:`pseudo_bma_plus_weights`, the pseudo-BMA weights averaged over a
    Bayesian bootstrap of the instances, so that fits whose elpd differ by
    less than their standard error share the weight, as
    ``arviz.compare(method="BB-pseudo-BMA")``; ``method="stacking"``:
    :func:`stacking_weights`, as ``arviz.compare``'s default), ``se``, ``dse``
    (``sqrt(N var)`` of the per-instance
    differences to the best model), ``warning`` (any bad Pareto k) and
    ``scale`` (``"log"``), so :func:`arviz.plot_compare` draws the table.
    Rows are sorted best first.

    Parameters
    ----------
    results : mapping of name -> LooResult
        All computed on the same rows and counts.
    method : {"pseudo-bma+", "stacking"}
        How the weights are computed.
    seed : int
        Seed of the Bayesian bootstrap (pseudo-BMA+).

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
    if method not in WEIGHT_METHODS:
        raise EcostatError(f"method must be one of {WEIGHT_METHODS}; got {method!r}.")
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
    pointwise = np.stack([results[n].pointwise[used] for n in order])
    w = stacking_weights(pointwise, c) if method == "stacking" else pseudo_bma_plus_weights(pointwise, c, seed=seed)
    rows = []
    for rank, name in enumerate(order):
        r = results[name]
        d = (best.pointwise - r.pointwise)[used]
        rows.append({"rank": rank, "elpd_loo": r.elpd, "p_loo": r.p_loo, "elpd_diff": float(c @ d),
                     "weight": float(w[rank]), "se": r.se, "dse": _weighted_se(d, c), "warning": r.n_bad > 0,
                     "scale": "log"})
    return pd.DataFrame(rows, index=pd.Index(order))


def pseudo_bma_plus_weights(pointwise, counts, *, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Pseudo-BMA+ weights of M models from their LOO elpd per profile row (Yao, Vehtari, Simpson & Gelman 2018).

    The Bayesian bootstrap of ``arviz.compare(method="BB-pseudo-BMA")``: each
    replicate weighs the N instances by Dirichlet(1, ..., 1) weights ``u_i``,
    gives each model ``z_m = N sum_i u_i elpd_im`` and the weights
    ``softmax(z)``; the result is their mean over replicates. Instances of one
    row share their elpd, and the sum of Dirichlet(1, ..., 1) weights over the
    ``n_r`` instances of each row is Dirichlet(n_1, ..., n_R), so the replicates
    are drawn on the rows: the same distribution as on the expanded instances.
    Unlike ``exp(elpd_m) / sum``, which says 0.9999 for a lead of a few units
    whatever its standard error, the weights stay near 1/2 when the difference
    is within its standard error.

    Parameters
    ----------
    pointwise : array of shape (M, R)
        LOO elpd of one instance of each row, per model.
    counts : array of shape (R,)
        Instances per row.
    n_boot : int
        Bootstrap replicates (arviz: 1000).
    seed : int

    Returns
    -------
    ndarray of shape (M,)

    Examples
    --------
    >>> import numpy as np
    >>> same = np.log([[0.5, 0.5], [0.5, 0.5]])
    >>> pseudo_bma_plus_weights(same, [10, 10]).tolist()
    [0.5, 0.5]
    >>> a, b = np.log([0.6, 0.4]), np.log([0.5, 0.5])
    >>> w = pseudo_bma_plus_weights(np.stack([a, b]), [60, 40])    # a fits the 60/40 split better
    >>> bool(0.5 < w[0] < 1.0)
    True
    """
    e = np.asarray(pointwise, dtype=float)
    n = np.asarray(counts, dtype=float)
    M = e.shape[0]
    if M == 1:
        return np.ones(1)
    W = np.random.default_rng(seed).dirichlet(n, size=n_boot)  # (B, R)
    z = n.sum() * (W @ e.T)  # (B, M)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).mean(axis=0)


def stacking_weights(pointwise, counts) -> np.ndarray:
    """Stacking weights of M models from their LOO elpd per profile row (Yao, Vehtari, Simpson & Gelman 2018).

    Maximizes ``sum_r n_r log sum_m w_m exp(elpd_rm)`` over the simplex: the
    weights of the mixture of the models' leave-one-out predictive densities
    that predicts the N instances best. Equal to
    ``arviz.compare(..., method="stacking")`` on the expanded instances (the
    objective is the same sum with each row counted ``n_r`` times). Unlike
    pseudo-BMA weights ``exp(elpd_m) / sum``, which go to 0 or 1 as soon as
    elpd differs by a few units whatever its standard error, stacking gives
    weight to every model that predicts some instances better.

    Parameters
    ----------
    pointwise : array of shape (M, R)
        LOO elpd of one instance of each row, per model.
    counts : array of shape (R,)
        Instances per row.

    Returns
    -------
    ndarray of shape (M,)
        Non-negative, summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.log([0.5, 0.5]); b = np.log([0.9, 0.1])   # each model predicts one of two rows better
    >>> stacking_weights(np.stack([a, b]), [1, 1]).round(2).tolist()
    [1.0, 0.0]
    >>> stacking_weights(np.stack([np.log([0.2, 0.8]), np.log([0.8, 0.2])]), [1, 1]).round(3).tolist()
    [0.5, 0.5]
    """
    from scipy.optimize import Bounds, LinearConstraint, minimize

    e = np.asarray(pointwise, dtype=float)
    n = np.asarray(counts, dtype=float)
    M = e.shape[0]
    if M == 1:
        return np.ones(1)
    dens = np.exp(e - e.max(axis=0, keepdims=True)).T  # (R, M), each row scaled by its best model
    total = n.sum()

    def objective(w):
        return -float(n @ np.log(np.maximum(dens @ w, 1e-300))) / total

    def gradient(w):
        return -(n / np.maximum(dens @ w, 1e-300)) @ dens / total

    res = minimize(objective, np.full(M, 1.0 / M), jac=gradient, method="SLSQP",
                   bounds=Bounds(np.zeros(M), np.ones(M)), constraints=LinearConstraint(np.ones((1, M)), 1.0, 1.0),
                   options={"ftol": 1e-12, "maxiter": 500})
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


class ProfileELPD(ELPDData):  # pylint: disable=too-many-ancestors
    """An :class:`arviz.ELPDData` computed on the profile table with count weights (:func:`elpd_data`).

    Everything ArviZ reads is there (``elpd_loo`` or ``elpd_waic``, ``se``,
    ``p_loo``, ``n_samples``, ``n_data_points``, ``warning``, ``loo_i`` and
    ``pareto_k`` per instance, ``scale``, ``good_k``); the properties keep the
    names of :class:`LooResult` (``elpd``, ``n_bad``, ``k_threshold``, ``n_instances``).
    """

    @property
    def elpd(self) -> float:
        """The elpd total (``elpd_loo`` or ``elpd_waic``)."""
        return float(self.iloc[0])

    @property
    def n_instances(self) -> int:
        """N, the number of instances (``n_data_points``)."""
        return int(self["n_data_points"])

    @property
    def n_draws(self) -> int:
        """Posterior draws S (``n_samples``)."""
        return int(self["n_samples"])

    @property
    def k_threshold(self) -> float:
        """``good_k`` (NaN for WAIC)."""
        return float(self["good_k"]) if "good_k" in self.index else float("nan")

    @property
    def n_bad(self) -> int:
        """Instances whose Pareto k exceeds ``good_k`` (0 for WAIC)."""
        if "pareto_k" not in self.index:
            return 0
        return int(np.sum(np.asarray(self["pareto_k"]) > self.k_threshold))


def _per_instance(values, counts, instance_rows=None, instance_ids=None, name="instance"):
    """Row values as one value per instance: in the instances' order when their rows are known, else row by row."""
    import xarray as xr

    counts = np.asarray(counts)
    N = int(counts.sum())
    if N > MAX_EXPANDED_INSTANCES:
        raise EcostatError(f"{N} instances are more than the {MAX_EXPANDED_INSTANCES} that an ArviZ ELPDData holds one "
                           "value each for; use FitResult.profile_loo() (count-weighted, per profile row) and "
                           "ecostat.compare instead.")
    if instance_rows is not None:
        rows = np.asarray(instance_rows, dtype=np.int64)
        if rows.size != N or not np.array_equal(np.bincount(rows, minlength=counts.size), counts):
            raise EcostatError("the instances' profile rows do not add up to the row counts; the fit's instance "
                               "map does not belong to its design.")
        coords = np.arange(N) if instance_ids is None else np.asarray(instance_ids)
        return xr.DataArray(np.asarray(values)[rows], dims=[name], coords={name: coords})
    return xr.DataArray(np.repeat(np.asarray(values), counts), dims=[name], coords={name: np.arange(N)})


def elpd_data(loo: LooResult, instance_rows=None, instance_ids=None):
    """The count-weighted PSIS-LOO as an :class:`arviz.ELPDData` (docs/architecture.md §7).

    ``elpd_loo``, ``se`` and ``p_loo`` are those of ``loo``; ``loo_i`` and
    ``pareto_k`` hold one value per instance (its row's), so ``n_data_points``
    is N and every ArviZ function that reads the pointwise values
    (:func:`arviz.compare` for ``dse`` and the weights, :func:`arviz.plot_compare`,
    :func:`arviz.plot_khat`, :func:`arviz.plot_elpd`) weights the rows by their
    counts. Equal to :func:`arviz.loo` with ``reff=1`` on the per-instance
    log-likelihood.

    Parameters
    ----------
    loo : LooResult
    instance_rows : int array of shape (N,), optional
        Row of each instance (the instances' order); default: row by row.
    instance_ids : sequence, optional
        Coordinates of the ``instance`` dimension (default ``0..N-1``).

    Returns
    -------
    ProfileELPD
        An :class:`arviz.ELPDData` (subclass) with ``elpd``, ``n_bad`` and ``k_threshold`` as well.

    Raises
    ------
    EcostatError
        Above :data:`MAX_EXPANDED_INSTANCES` instances (use the LooResult and :func:`ecostat.compare`).

    Examples
    --------
    >>> import numpy as np
    >>> ll = np.log(np.random.default_rng(0).dirichlet([30, 50], size=1000))
    >>> e = elpd_data(profile_loo(ll, [30, 50]))
    >>> int(e["n_data_points"]), e["loo_i"].shape, round(e["elpd_loo"] - profile_loo(ll, [30, 50]).elpd, 12)
    (80, (80,), 0.0)
    """
    used = loo.counts > 0
    counts = np.where(used, loo.counts, 0)
    loo_i = _per_instance(np.where(used, loo.pointwise, 0.0), counts, instance_rows, instance_ids).rename("loo_i")
    k = _per_instance(np.where(used, loo.pareto_k, 0.0), counts, instance_rows, instance_ids).rename("pareto_shape")
    return ProfileELPD(data=[loo.elpd, loo.se, loo.p_loo, loo.n_draws, loo.n_instances, bool(loo.n_bad > 0), loo_i, k, "log",
                     loo.k_threshold],
               index=["elpd_loo", "se", "p_loo", "n_samples", "n_data_points", "warning", "loo_i", "pareto_k", "scale",
                      "good_k"])


def profile_waic(loglik, counts, instance_rows=None, instance_ids=None):
    """WAIC on the profile table, weighted by the row counts, as an :class:`arviz.ELPDData`.

    Per row r: ``lppd_r = log mean_s exp(loglik[s, r])``, ``p_r = var_s loglik[s, r]``
    and ``elpd_waic_r = lppd_r - p_r``; totals are ``sum_r n_r (.)`` and
    ``se = sqrt(N var)`` over instances: exactly :func:`arviz.waic` on the
    per-instance log-likelihood (row r repeated ``n_r`` times). ``waic_i`` holds
    one value per instance, so :func:`arviz.compare` with ``ic="waic"`` weights rows by counts.

    Parameters
    ----------
    loglik : array of shape (S, R)
    counts : int array of shape (R,)
    instance_rows, instance_ids : optional
        As in :func:`elpd_data`.

    Returns
    -------
    ProfileELPD

    Warns
    -----
    EcostatWarning
        When the posterior variance of some row's log-likelihood exceeds 0.4 (WAIC may fail; prefer LOO).

    Examples
    --------
    >>> import numpy as np
    >>> ll = np.log(np.random.default_rng(0).dirichlet([30, 50], size=1000))
    >>> w = profile_waic(ll, [30, 50])
    >>> int(w["n_data_points"]), round(float(w["elpd_waic"]), 1)
    (80, -53.9)
    """
    ll = np.asarray(loglik, dtype=float)
    counts = np.asarray(counts)
    if ll.ndim != 2 or counts.shape != (ll.shape[1],):
        raise EcostatError(f"loglik must be (draws, rows) and counts (rows,); got {ll.shape} and {counts.shape}.")
    used = counts > 0
    if not np.isfinite(ll[:, used]).all():
        raise EcostatError("the log-likelihood is not finite in some draws; WAIC needs finite values.")
    S = ll.shape[0]
    lppd = np.where(used, logsumexp(np.where(used, ll, 0.0), axis=0) - np.log(S), 0.0)
    var = np.where(used, np.var(np.where(used, ll, 0.0), axis=0), 0.0)
    elpd_r = lppd - var
    c = counts.astype(float)
    warn = bool(np.any(var[used] > 0.4))
    if warn:
        warnings.warn("WAIC: the posterior variance of the log predictive density exceeds 0.4 for profile rows "
                      f"{preview(np.flatnonzero(used & (var > 0.4)))}; WAIC may be unreliable, prefer PSIS-LOO (res.loo()).",
                      EcostatWarning, stacklevel=2)
    waic_i = _per_instance(elpd_r, np.where(used, counts, 0), instance_rows, instance_ids).rename("waic_i")
    return ProfileELPD(data=[float(c[used] @ elpd_r[used]), _weighted_se(elpd_r[used], c[used]), float(c[used] @ var[used]), S,
                     int(counts[used].sum()), warn, waic_i, "log"],
               index=["elpd_waic", "se", "p_waic", "n_samples", "n_data_points", "warning", "waic_i", "scale"])
