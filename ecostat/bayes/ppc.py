"""Posterior predictive checks on ecosystem statistics (docs/architecture.md §7).

Replicate the complete-pattern counts of every stratum from the posterior
(multinomial per draw and stratum), compute ecosystem statistics -- the
histogram of the number of failures, the systemic failure count, pairwise
co-failures and within-group homogenization H -- on observed and replicated
counts, and summarize the comparison by Bayesian p-values
``P(T_rep > T_obs) + 0.5 P(T_rep == T_obs)`` (docs/architecture.md §7: checks on ecosystem
statistics, not cells). Pure numpy; seeded and bit-reproducible.

Pattern index y enumerates complete patterns as
:func:`ecostat.descriptive.baselines.all_profiles`: bit j of y is decision-maker j's outcome.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ..errors import EcostatError, preview
from ..numeric import all_profiles, jsonable

__all__ = ["STATISTICS", "PPCResult", "complete_counts", "replicate_counts", "ecosystem_statistics",
           "posterior_predictive_check"]

#: statistics computed by :func:`ecosystem_statistics`, in report order
STATISTICS = ("systemic_failure_count", "failure_count_histogram", "pairwise_cofailures", "group_homogenization")


def _n_models(n_patterns: int) -> int:
    k = int(n_patterns).bit_length() - 1
    if n_patterns < 4 or 2 ** k != n_patterns:
        raise EcostatError(f"the pattern axis must have 2^k entries with k >= 2; got {n_patterns}.")
    return k


def complete_counts(patterns, counts, strata=None, n_strata=None) -> np.ndarray:
    """Observed counts of each complete pattern per stratum (docs/architecture.md §7).

    Parameters
    ----------
    patterns : int array of shape (R, k)
        Profile rows: 1 failure, 0 success, -1 missing.
    counts : int array of shape (R,)
        Instances per row.
    strata : int array of shape (R,), optional
        Stratum of each row (default: all in stratum 0).
    n_strata : int, optional
        Number of strata U (default ``max(strata) + 1``).

    Returns
    -------
    ndarray of int64, shape (U, 2^k)

    Raises
    ------
    EcostatError
        If an instance has a missing cell: replicated counts are of complete
        patterns, so the check needs complete rows.

    Examples
    --------
    >>> complete_counts([[0, 0], [1, 1], [1, 0]], [5, 2, 3], strata=[0, 0, 1]).tolist()
    [[5, 0, 0, 2], [0, 3, 0, 0]]
    """
    patterns = np.asarray(patterns, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    R, k = patterns.shape
    if counts.shape != (R,):
        raise EcostatError(f"counts must have one entry per profile row ({R}); got shape {counts.shape}.")
    missing = (patterns < 0).any(axis=1) & (counts > 0)
    if missing.any():
        cols = np.flatnonzero(((patterns < 0) & (counts[:, None] > 0)).any(axis=0))
        raise EcostatError(
            f"posterior predictive checks need complete profiles, but {int(counts[missing].sum())} instance(s) in "
            f"{int(missing.sum())} profile row(s) have missing cells (columns {preview(cols)}). Select decision-makers "
            "every instance met (fm.select([...]); --models on the command line) or keep only the complete instances.")
    strata = np.zeros(R, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    U = int(strata.max()) + 1 if n_strata is None else int(n_strata)
    if strata.shape != (R,) or (R and (strata.min() < 0 or strata.max() >= U)):
        raise EcostatError(f"strata must be {R} indices in 0..{U - 1}; got {preview(strata)}.")
    out = np.zeros((U, 2 ** k), dtype=np.int64)
    keep = counts > 0
    np.add.at(out, (strata[keep], patterns[keep] @ (1 << np.arange(k))), counts[keep])
    return out


def replicate_counts(P, strata_counts, rng) -> np.ndarray:
    """Multinomial replicates of the complete-pattern counts of every stratum (docs/architecture.md §7).

    Parameters
    ----------
    P : array of shape (S, U, 2^k)
        Pattern probabilities per draw and stratum (renormalized per row).
    strata_counts : int array of shape (U,)
        Instances per stratum.
    rng : numpy.random.Generator or int
        Random generator (an int seeds ``numpy.random.default_rng``).

    Returns
    -------
    ndarray of int64, shape (S, U, 2^k)

    Examples
    --------
    >>> import numpy as np
    >>> P = np.full((3, 2, 4), 0.25)
    >>> rep = replicate_counts(P, [10, 20], np.random.default_rng(0))
    >>> rep.shape, rep.sum(axis=-1).tolist()
    ((3, 2, 4), [[10, 20], [10, 20], [10, 20]])
    """
    P = np.clip(np.asarray(P, dtype=float), 0.0, None)
    n = np.asarray(strata_counts, dtype=np.int64)
    if P.ndim != 3 or n.shape != (P.shape[1],):
        raise EcostatError(f"P must be (draws, strata, 2^k) and strata_counts (strata,); got {P.shape} and {n.shape}.")
    total = P.sum(axis=-1, keepdims=True)
    if not (np.isfinite(total).all() and (total > 0).all()):
        raise EcostatError("every draw and stratum of P needs finite probabilities with a positive sum.")
    return np.random.default_rng(rng).multinomial(n, P / total).astype(np.int64)


def ecosystem_statistics(counts, k: int, strata_groups=None, n_groups: int | None = None) -> dict[str, np.ndarray]:
    """Ecosystem statistics of complete-pattern counts (docs/architecture.md §7).

    Parameters
    ----------
    counts : int array of shape (..., U, 2^k)
        Counts per stratum and complete pattern (observed or replicated).
    k : int
        Number of decision-makers.
    strata_groups : int array of shape (U,), optional
        Group of each stratum (default: one group).
    n_groups : int, optional
        Number of groups G (default ``max(strata_groups) + 1``).

    Returns
    -------
    dict of str -> ndarray
        ``"failure_count_histogram"`` (..., k + 1): instances with t failures;
        ``"systemic_failure_count"`` (...): instances failed by all k;
        ``"pairwise_cofailures"`` (..., k(k-1)/2): instances failed by both
        of each pair, in :func:`itertools.combinations` order;
        ``"group_homogenization"`` (..., G): ``H_g = P_g(all fail) / prod_j f_gj``
        within each group, NaN where a group is empty or a rate is 0.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[4, 1, 1, 2]])            # (0,0), (1,0), (0,1), (1,1)
    >>> s = ecosystem_statistics(c, 2)
    >>> s["failure_count_histogram"].tolist(), int(s["systemic_failure_count"])
    ([4, 2, 2], 2)
    >>> round(float(s["group_homogenization"][0]), 4)     # (2/8) / (3/8)^2
    1.7778
    """
    counts = np.asarray(counts)
    if k < 2:
        raise EcostatError(f"ecosystem statistics need at least 2 decision-makers; got k = {k}.")
    if counts.ndim < 2 or counts.shape[-1] != 2 ** k:
        raise EcostatError(f"counts must be (..., strata, 2^{k} = {2 ** k}); got shape {counts.shape}.")
    U = counts.shape[-2]
    bits = all_profiles(k).astype(np.int64)  # (C, k)
    groups = np.zeros(U, dtype=np.int64) if strata_groups is None else np.asarray(strata_groups, dtype=np.int64)
    G = int(groups.max()) + 1 if n_groups is None else int(n_groups)
    if groups.shape != (U,) or groups.min() < 0 or groups.max() >= G:
        raise EcostatError(f"strata_groups must be {U} group indices in 0..{G - 1}; got {preview(groups)}.")
    total = counts.sum(axis=-2)  # (..., C)
    t = bits.sum(axis=1)
    pairs = list(combinations(range(k), 2))
    pair_mat = np.stack([bits[:, i] & bits[:, j] for i, j in pairs], axis=1)
    by_group = np.einsum("...uc,ug->...gc", counts, np.eye(G, dtype=counts.dtype)[groups])  # (..., G, C)
    n_g = by_group.sum(axis=-1).astype(float)
    rates = (by_group @ bits) / np.where(n_g > 0, n_g, 1.0)[..., None]
    den = np.prod(rates, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((n_g > 0) & (den > 0), by_group[..., -1] / np.where(n_g > 0, n_g, 1.0) / den, np.nan)
    return {
        "failure_count_histogram": total @ np.eye(k + 1, dtype=total.dtype)[t],
        "systemic_failure_count": total[..., -1],
        "pairwise_cofailures": total @ pair_mat.astype(total.dtype),
        "group_homogenization": h,
    }


def _p_values(replicated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Mid-p ``P(T_rep > T_obs) + 0.5 P(T_rep == T_obs)`` over the finite replicates (axis 0)."""
    ok = np.isfinite(replicated)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = ((replicated > observed) & ok).sum(axis=0) + 0.5 * ((replicated == observed) & ok).sum(axis=0)
        p = np.where((n > 0) & np.isfinite(observed), p / np.where(n > 0, n, 1), np.nan)
    return p




@dataclass(frozen=True, eq=False)
class PPCResult:
    """Posterior predictive check of ecosystem statistics (docs/architecture.md §7).

    Attributes
    ----------
    observed : dict of str -> ndarray
        Observed value of each statistic (scalar or vector).
    replicated : dict of str -> ndarray
        Replicated values, shape (S', ...).
    p_values : dict of str -> ndarray
        Mid-p ``P(T_rep > T_obs) + 0.5 P(T_rep == T_obs)``, elementwise.
    labels : dict of str -> tuple of str
        Element labels of each vector statistic.
    draws : ndarray
        Indices of the posterior draws used.
    seed : int or None
        Seed of the replicates.

    Examples
    --------
    >>> import numpy as np
    >>> P = np.full((100, 1, 4), 0.25)
    >>> r = posterior_predictive_check(P, [[25, 25, 25, 25]], seed=0)
    >>> r.replicated["systemic_failure_count"].shape
    (100,)
    """

    observed: dict
    replicated: dict
    p_values: dict
    labels: dict
    draws: np.ndarray
    seed: int | None = None

    def to_dict(self) -> dict:
        """JSON-ready observed values and p-values of every statistic.

        Examples
        --------
        >>> import numpy as np
        >>> r = posterior_predictive_check(np.full((100, 1, 4), 0.25), [[25, 25, 25, 25]], seed=0)
        >>> d = r.to_dict()
        >>> d["systemic_failure_count"]["observed"], sorted(d["failure_count_histogram"])
        (25, ['labels', 'observed', 'p_values'])
        """
        out = {}
        for name in STATISTICS:
            obs, p = self.observed[name], self.p_values[name]
            if np.ndim(obs) == 0:
                out[name] = {"observed": jsonable(obs), "p_value": jsonable(p)}
            else:
                out[name] = {"observed": [jsonable(v) for v in obs], "p_values": [jsonable(v) for v in p],
                             "labels": list(self.labels[name])}
        return out

    def to_frame(self, ci: float = 0.95) -> pd.DataFrame:
        """One row per statistic element: observed, replicated mean and interval, p-value, flag.

        ``flag`` is ``"extreme"`` when the p-value lies outside
        ``[(1 - ci) / 2, (1 + ci) / 2]`` (0.025 and 0.975 by default).

        Examples
        --------
        >>> import numpy as np
        >>> r = posterior_predictive_check(np.full((100, 1, 4), 0.25), [[25, 25, 25, 25]], seed=0)
        >>> r.to_frame().columns.tolist()
        ['statistic', 'element', 'observed', 'replicated_mean', 'lo', 'hi', 'p_value', 'flag']
        """
        a = (1.0 - ci) / 2.0
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicates of an undefined H
            for name in STATISTICS:
                rep = np.asarray(self.replicated[name], dtype=float).reshape(len(self.draws), -1)
                obs = np.ravel(self.observed[name])
                p = np.ravel(self.p_values[name])
                mean = np.nanmean(rep, axis=0)
                lo, hi = np.nanquantile(rep, [a, 1.0 - a], axis=0)
                labels = self.labels.get(name) or ("",)
                for i in range(obs.size):
                    rows.append({"statistic": name, "element": labels[i], "observed": float(obs[i]),
                                 "replicated_mean": mean[i], "lo": lo[i], "hi": hi[i], "p_value": p[i],
                                 "flag": "extreme" if (p[i] < a or p[i] > 1.0 - a) else ""})
        return pd.DataFrame(rows)


def posterior_predictive_check(P, observed, *, strata_groups=None, n_groups: int | None = None, models=None,
                               group_levels=None, seed: int | None = 0, n_draws: int | None = None) -> PPCResult:
    """Posterior predictive check of the ecosystem statistics (docs/architecture.md §7).

    Each of up to ``n_draws`` evenly thinned posterior draws gives one
    multinomial replicate of the counts of every stratum (same stratum sizes
    as observed); :func:`ecosystem_statistics` of observed and replicated
    counts are compared by the mid-p Bayesian p-value
    ``P(T_rep > T_obs) + 0.5 P(T_rep == T_obs)``: near 0 the observed value is
    larger than the model predicts, near 1 smaller.

    Parameters
    ----------
    P : array of shape (S, U, 2^k)
        Pattern probabilities per draw and stratum.
    observed : int array of shape (U, 2^k)
        Observed complete-pattern counts (:func:`complete_counts`).
    strata_groups : int array of shape (U,), optional
        Group of each stratum, for the within-group homogenization.
    n_groups : int, optional
        Number of groups (default ``max(strata_groups) + 1``).
    models : sequence of str, optional
        Decision-maker names for the pair labels (default m1..mk).
    group_levels : sequence, optional
        Group labels (default g0..g{G-1}, or "all" with one group).
    seed : int, optional
        Seed of ``numpy.random.default_rng``; the result is bit-reproducible.
    n_draws : int, optional
        Use at most this many evenly thinned draws (default all).

    Returns
    -------
    PPCResult

    Examples
    --------
    >>> import numpy as np
    >>> P = np.tile([0.6, 0.1, 0.1, 0.2], (400, 1, 1))
    >>> r = posterior_predictive_check(P, [[600, 100, 100, 200]], seed=1)
    >>> 0.1 < float(r.p_values["systemic_failure_count"]) < 0.9
    True
    >>> r = posterior_predictive_check(P, [[400, 100, 100, 400]], seed=1)   # too many systemic failures
    >>> float(r.p_values["systemic_failure_count"])
    0.0
    """
    P = np.asarray(P, dtype=float)
    obs = np.asarray(observed)
    if P.ndim != 3 or obs.shape != P.shape[1:]:
        raise EcostatError(f"P must be (draws, strata, 2^k) and observed (strata, 2^k); got {P.shape} and {obs.shape}.")
    if not np.issubdtype(obs.dtype, np.integer):
        if not np.array_equal(obs, np.round(obs)) or (obs < 0).any():
            raise EcostatError("observed must hold non-negative integer counts.")
        obs = obs.astype(np.int64)
    k = _n_models(P.shape[-1])
    S = P.shape[0]
    n = S if n_draws is None else max(1, min(int(n_draws), S))
    draws = (np.arange(n) * S) // n
    rep_counts = replicate_counts(P[draws], obs.sum(axis=-1), np.random.default_rng(seed))
    rep = ecosystem_statistics(rep_counts, k, strata_groups, n_groups)
    ob = ecosystem_statistics(obs, k, strata_groups, n_groups)
    G = ob["group_homogenization"].shape[-1]
    models = [f"m{j + 1}" for j in range(k)] if models is None else [str(m) for m in models]
    if group_levels is None:
        group_levels = ["all"] if G == 1 else [f"g{g}" for g in range(G)]
    labels = {
        "failure_count_histogram": tuple(f"t={t}" for t in range(k + 1)),
        "systemic_failure_count": (f"t={k}",),
        "pairwise_cofailures": tuple(f"{models[i]}&{models[j]}" for i, j in combinations(range(k), 2)),
        "group_homogenization": tuple(str(g) for g in group_levels),
    }
    pv = {name: _p_values(rep[name], ob[name]) for name in STATISTICS}
    return PPCResult(observed=ob, replicated=rep, p_values=pv, labels=labels, draws=draws, seed=seed)
