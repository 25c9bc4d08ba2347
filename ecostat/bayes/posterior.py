"""Posterior ecosystem quantities from implied profile probabilities (docs/architecture.md §6).

Pure numpy. Every family implies, per posterior draw, the probability of every
complete failure profile ``p(y | stratum)``. Averaging strata with their
instance counts gives ``p(y | group)`` and ``p(y)``; every quantity below is the
population version of a descriptive metric (:mod:`ecostat.descriptive.metrics`, computed
with the probabilities as counts) and comes with its value under independence
with the same failure rates:

* failure rates ``f_j``; #failures distribution vs Poisson-Binomial (Toups eq. 1-2);
* systemic failure rate ``p(1..1)`` vs ``prod f_j``; homogenization
  ``H = p(1..1) / prod f_j`` and systemic excess (Bommasani 2022 eq. 3);
* ensemble (arXiv 2501.14551): accuracy of the majority vote (ties split),
  any-correct ``1 - p(1..1)`` and the best single model; ``ensemble_gap`` is the
  majority-vote accuracy minus its value under independence (negative: shared
  failures cost the ensemble);
* leader following: ``P(all others fail | j fails) = p(1..1) / f_j`` vs
  ``prod_{l != j} f_l`` (Toups §4).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..data.profiles import ProfileTable
from ..descriptive import metrics
from ..numeric import all_profiles
from ..quantities import independence_of

__all__ = ["pattern_table", "group_probabilities", "overall_probabilities", "ecosystem_quantities", "hdi",
           "summarize_draws", "group_contrasts", "quantity_reference", "mixture_moments", "average_moments",
           "quantities_from_moments", "POIBIN_BUDGET"]

#: multiply-adds allowed for the #failures distributions of a mixture (k^2/2 per draw, stratum and node);
#: above it the posterior draws are thinned evenly (:func:`mixture_moments`). About 4 s with the compiled
#: recursion of :func:`ecostat.descriptive.poibin.poisson_binomial_pmf` (k = 1,000, 471 nodes: 42 draws;
#: k = 300: about 1,100)
POIBIN_BUDGET = 1e10

def quantity_reference(name: str):
    """What quantity ``name`` is compared with under independence (:mod:`ecostat.quantities`)."""
    return independence_of(name)


def pattern_table(k: int, models=None) -> ProfileTable:
    """The table of all ``2^k`` complete profiles (bit j of the row index is model j).

    Examples
    --------
    >>> pattern_table(2).patterns.tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    pats = all_profiles(k)
    t = ProfileTable.from_counts(pats, np.zeros(len(pats), dtype=np.int64))
    if models is not None:
        t.models = tuple(models)
    return t


def group_probabilities(P, strata_group, strata_counts, n_groups: int) -> np.ndarray:
    """Average stratum profile probabilities ``(S, U, 2^k)`` into groups ``(S, G, 2^k)``.

    Strata are weighted by their instance counts (the empirical covariate
    distribution within each group).

    Examples
    --------
    >>> P = np.array([[[0.5, 0.5], [1.0, 0.0]]])
    >>> group_probabilities(P, [0, 0], [1, 3], 1).tolist()
    [[[0.875, 0.125]]]
    """
    P = np.asarray(P, dtype=float)
    W = np.zeros((n_groups, P.shape[1]))
    W[np.asarray(strata_group), np.arange(P.shape[1])] = np.asarray(strata_counts, dtype=float)
    W /= W.sum(axis=1, keepdims=True)
    return np.einsum("gu,suy->sgy", W, P)


def overall_probabilities(P, strata_counts) -> np.ndarray:
    """Population profile probabilities ``(S, 2^k)`` from strata ``(S, U, 2^k)``.

    Examples
    --------
    >>> overall_probabilities(np.array([[[0.5, 0.5], [1.0, 0.0]]]), [1, 3]).tolist()
    [[0.875, 0.125]]
    """
    w = np.asarray(strata_counts, dtype=float)
    return np.einsum("u,suy->sy", w / w.sum(), np.asarray(P, dtype=float))


def _majority_weights(k: int) -> np.ndarray:
    t = np.arange(k + 1)
    return np.where(2 * t < k, 1.0, np.where(2 * t == k, 0.5, 0.0))


def ecosystem_quantities(p, k: int) -> dict[str, np.ndarray]:
    """Every §6 quantity from profile probabilities ``p`` of shape ``(..., 2^k)``.

    Returns
    -------
    dict of str -> ndarray
        Scalars have shape ``(...)``; per-model quantities ``(..., k)``;
        distributions ``(..., k + 1)``.

    Examples
    --------
    >>> p = np.array([0.6, 0.1, 0.1, 0.2])  # P(both fail) = 0.2, f = (0.3, 0.3); k = 2: ties split, no gap
    >>> q = ecosystem_quantities(p, 2)
    >>> round(float(q["homogenization"]), 4), round(float(q["ensemble_gap"]), 4)
    (2.2222, 0.0)
    """
    t = pattern_table(k)
    p = np.asarray(p, dtype=float)
    f = metrics.failure_rates(t, p)
    dist = metrics.failure_count_distribution(t, p)
    indep_dist = metrics.independence_distribution(t, p, rates=f)
    sys = p[..., -1]
    indep_sys = np.prod(f, axis=-1)
    w = _majority_weights(k)
    maj, indep_maj = dist @ w, indep_dist @ w
    best = 1.0 - np.min(f, axis=-1)
    others = np.stack([np.prod(np.delete(f, j, axis=-1), axis=-1) for j in range(k)], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        H = sys / indep_sys
        leader = sys[..., None] / f
    return {
        "failure_rates": f,
        "failure_count_distribution": dist,
        "independence_failure_count_distribution": indep_dist,
        "systemic_failure_rate": sys,
        "independence_systemic_failure_rate": indep_sys,
        "homogenization": H,
        "systemic_excess": sys - indep_sys,
        "ensemble_majority_accuracy": maj,
        "independence_ensemble_majority_accuracy": indep_maj,
        "ensemble_any_correct": 1.0 - sys,
        "independence_ensemble_any_correct": 1.0 - indep_sys,
        "best_single_accuracy": best,
        "ensemble_gap": maj - indep_maj,
        "ensemble_gain": maj - best,
        "independence_ensemble_gain": indep_maj - best,
        "leader_following": leader,
        "independence_leader_following": others,
    }


def hdi(x, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Highest-density interval of draws along axis 0 (shortest interval holding ``ci``).

    Examples
    --------
    >>> lo, hi = hdi(np.arange(101.0), 0.9)
    >>> float(hi - lo)
    90.0
    """
    x = np.sort(np.asarray(x, dtype=float), axis=0)
    n = x.shape[0]
    m = int(np.floor(ci * n))
    if m >= n:
        return x[0], x[-1]
    width = x[m:] - x[: n - m]
    i = np.nanargmin(np.where(np.isnan(width), np.inf, width), axis=0)
    lo = np.take_along_axis(x, i[None], 0)[0]
    hi = np.take_along_axis(x, (i + m)[None], 0)[0]
    return lo, hi


def summarize_draws(x, reference=None, ci: float = 0.95) -> dict[str, np.ndarray]:
    """Mean, sd, HDI and ``P(x > reference)`` of draws along axis 0.

    ``reference`` is an array of draws (the independence counterpart) or a
    constant; ``p_greater`` is the posterior probability of direction.

    Examples
    --------
    >>> s = summarize_draws(np.array([1.1, 1.2, 1.3, 0.9]), reference=1.0)
    >>> round(float(s["mean"]), 3), float(s["p_greater"])
    (1.125, 0.75)
    """
    x = np.asarray(x, dtype=float)
    lo, hi = hdi(x, ci)
    out = {"mean": np.nanmean(x, axis=0), "sd": np.nanstd(x, axis=0, ddof=1) if len(x) > 1 else np.zeros(x.shape[1:]),
           "hdi_low": lo, "hdi_high": hi}
    if reference is not None:
        out["p_greater"] = np.mean(x > np.asarray(reference, dtype=float), axis=0)
    return out


def group_contrasts(values, levels) -> dict[tuple[str, str], np.ndarray]:
    """Pairwise differences ``values[:, a] - values[:, b]`` between groups (draws along axis 0).

    Examples
    --------
    >>> d = group_contrasts(np.array([[1.0, 2.0, 4.0]]), ["x", "y", "z"])
    >>> {k: v.tolist() for k, v in d.items()}
    {('x', 'y'): [-1.0], ('x', 'z'): [-3.0], ('y', 'z'): [-2.0]}
    """
    values = np.asarray(values, dtype=float)
    return {(str(levels[a]), str(levels[b])): values[:, a] - values[:, b]
            for a, b in combinations(range(len(levels)), 2)}


# -- without enumerating profiles: conditionally independent mixtures --------------------------------


def mixture_moments(log_w, log_p1, dist: bool = True) -> dict[str, np.ndarray]:
    """Failure rates, P(all fail) and the #failures distribution of a mixture of independent models.

    Every mixture family (:class:`~ecostat.bayes.families.base.MixtureFamily`) is
    conditionally independent given its latent value ``q`` (a quadrature node
    or a class): ``p(y) = sum_q w_q prod_j p_qj^y_j (1 - p_qj)^(1 - y_j)``. So

    * ``f_j = sum_q w_q p_qj``;
    * ``P(all fail) = sum_q w_q prod_j p_qj``;
    * ``P(t failures) = sum_q w_q PoissonBinomial(p_q1..p_qk)[t]`` (Toups eq. 1 under the model),

    exactly, with no enumeration of the ``2^k`` profiles: O(Q k^2) per draw
    instead of O(2^k Q k).

    Parameters
    ----------
    log_w : array (..., Q)
        Log weights of the latent values (normalized here).
    log_p1 : array (..., Q, k)
        Log failure probability of each model at each latent value.
    dist : bool
        Also the #failures distribution (the O(k^2) part).

    Returns
    -------
    dict with ``failure_rates`` (..., k), ``systemic_failure_rate`` (...) and
    ``failure_count_distribution`` (..., k + 1).

    Examples
    --------
    >>> lw = np.log([0.5, 0.5]); lp = np.log([[0.1, 0.2], [0.9, 0.8]])
    >>> m = mixture_moments(lw, lp)
    >>> m["failure_rates"].round(3).tolist(), round(float(m["systemic_failure_rate"]), 3)
    ([0.5, 0.5], 0.37)
    """
    from ..descriptive.poibin import poisson_binomial_pmf

    log_w = np.asarray(log_w, dtype=float)
    log_w = log_w - np.logaddexp.reduce(log_w, axis=-1, keepdims=True)
    w = np.exp(log_w)
    log_p1 = np.asarray(log_p1, dtype=float)
    p1 = np.exp(log_p1)
    out = {"failure_rates": np.einsum("...q,...qk->...k", w, p1),
           "systemic_failure_rate": np.exp(np.logaddexp.reduce(log_w + np.sum(log_p1, axis=-1), axis=-1))}
    if dist:
        out["failure_count_distribution"] = np.einsum("...q,...qt->...t", w, poisson_binomial_pmf(p1, validate=False))
    return out


def average_moments(moments: dict, weights) -> dict[str, np.ndarray]:
    """Average per-stratum moments ``(S, U, ...)`` with weights ``(..., U)`` (rows summing to 1) into ``(S, ..., ...)``.

    Examples
    --------
    >>> m = {"systemic_failure_rate": np.array([[0.1, 0.3]])}
    >>> average_moments(m, np.array([0.5, 0.5]))["systemic_failure_rate"].tolist()
    [0.2]
    """
    W = np.asarray(weights, dtype=float)
    out = {}
    for name, v in moments.items():
        v = np.asarray(v, dtype=float)
        if W.ndim == 1:
            out[name] = np.tensordot(v, W, axes=([1], [0])) if v.ndim == 2 else np.einsum("su...,u->s...", v, W)
        else:
            out[name] = np.einsum("su...,gu->sg...", v, W)
    return out


def quantities_from_moments(f, sys, dist, k: int) -> dict[str, np.ndarray]:
    """Every quantity of :func:`ecosystem_quantities` from failure rates, P(all fail) and the #failures distribution.

    The same definitions, for when the profile probabilities are not
    enumerated (k > 14; :func:`mixture_moments`). The leader-following baseline
    ``prod_{l != j} f_l`` is computed on the log scale (O(k) instead of O(k^2)).

    Examples
    --------
    >>> p = np.array([0.6, 0.1, 0.1, 0.2])
    >>> q = quantities_from_moments(np.array([0.3, 0.3]), np.array(0.2), np.array([0.6, 0.2, 0.2]), 2)
    >>> all(np.allclose(v, ecosystem_quantities(p, 2)[n]) for n, v in q.items())
    True
    """
    from ..descriptive.poibin import poisson_binomial_pmf

    f, sys, dist = (np.asarray(a, dtype=float) for a in (f, sys, dist))
    indep_dist = poisson_binomial_pmf(f, validate=False)
    log_f = np.log(f)
    indep_sys = np.exp(np.sum(log_f, axis=-1))
    w = _majority_weights(k)
    maj, indep_maj = dist @ w, indep_dist @ w
    best = 1.0 - np.min(f, axis=-1)
    others = np.exp(np.sum(log_f, axis=-1, keepdims=True) - log_f)
    with np.errstate(divide="ignore", invalid="ignore"):
        H = sys / indep_sys
        leader = sys[..., None] / f
    return {
        "failure_rates": f,
        "failure_count_distribution": dist,
        "independence_failure_count_distribution": indep_dist,
        "systemic_failure_rate": sys,
        "independence_systemic_failure_rate": indep_sys,
        "homogenization": H,
        "systemic_excess": sys - indep_sys,
        "ensemble_majority_accuracy": maj,
        "independence_ensemble_majority_accuracy": indep_maj,
        "ensemble_any_correct": 1.0 - sys,
        "independence_ensemble_any_correct": 1.0 - indep_sys,
        "best_single_accuracy": best,
        "ensemble_gap": maj - indep_maj,
        "ensemble_gain": maj - best,
        "independence_ensemble_gain": indep_maj - best,
        "leader_following": leader,
        "independence_leader_following": others,
    }
