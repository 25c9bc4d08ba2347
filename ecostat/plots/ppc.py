"""Posterior predictive check plots of ecosystem statistics (docs/architecture.md §7)."""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import EcostatError
from ._axes import get_ax

__all__ = ["plot_ppc"]

_TITLES = {
    "failure_count_histogram": "number of failures",
    "systemic_failure_count": "systemic failures (all fail)",
    "pairwise_cofailures": "pairwise co-failures",
    "group_homogenization": "homogenization H within groups",
}


def plot_ppc(ppc_result, *, statistic: str = "failure_count_histogram", ax=None, ci: float = 0.95):
    """Observed ecosystem statistic against its posterior predictive replicates (docs/architecture.md §7).

    For a vector statistic (histogram of the number of failures, pairwise
    co-failures, group homogenization): the replicated mean with a ``ci``
    interval as error bars and the observed value as a point, per element.
    For the scalar systemic failure count: a histogram of the replicates, a
    vertical line at the observed value and the p-value in the title.

    Parameters
    ----------
    ppc_result : PPCResult
        From :func:`ecostat.bayes.ppc.posterior_predictive_check`.
    statistic : str
        One of :data:`ecostat.bayes.ppc.STATISTICS`.
    ax : matplotlib Axes, optional
    ci : float
        Coverage of the replicate intervals.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from ecostat.bayes.ppc import posterior_predictive_check
    >>> r = posterior_predictive_check(np.full((200, 1, 8), 1 / 8), [[30, 10, 10, 10, 10, 10, 10, 10]], seed=0)
    >>> ax = plot_ppc(r)
    >>> len(ax.containers)
    1
    >>> plot_ppc(r, statistic="systemic_failure_count").get_title().startswith("systemic failures (all fail): p = 0.")
    True
    """
    res = ppc_result
    if statistic not in res.replicated:
        raise EcostatError(f"unknown statistic {statistic!r}; choose one of {sorted(res.replicated)}.")
    rep = np.asarray(res.replicated[statistic], dtype=float)
    obs = np.asarray(res.observed[statistic], dtype=float)
    p = np.asarray(res.p_values[statistic], dtype=float)
    title = _TITLES.get(statistic, statistic)
    ax = get_ax(ax)
    if obs.ndim == 0:
        vals = rep[np.isfinite(rep)]
        lo, hi = (vals.min(), vals.max()) if vals.size else (0.0, 1.0)
        integer = np.array_equal(vals, np.round(vals))
        bins = np.arange(lo - 0.5, hi + 1.5) if integer and hi - lo < 60 else "auto"
        ax.hist(vals, bins=bins, color="#9ecae1", edgecolor="white", label="replicated")
        ax.axvline(float(obs), color="#d62728", linewidth=2, label="observed")
        ax.set_xlabel("instances")
        ax.set_ylabel("replicates")
        ax.set_title(f"{title}: p = {float(p):.3f}")
        ax.legend(frameon=False)
        return ax
    a = (1.0 - ci) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicates of an undefined H
        mean = np.nanmean(rep, axis=0)
        q_lo, q_hi = np.nanquantile(rep, [a, 1.0 - a], axis=0)
    x = np.arange(obs.size)
    yerr = np.clip(np.vstack([mean - q_lo, q_hi - mean]), 0.0, None)
    ax.errorbar(x, mean, yerr=yerr, fmt="o", color="#4a7fb5", ecolor="#9ecae1", elinewidth=3, capsize=0,
                label=f"replicated mean, {ci:.0%} interval")
    ax.scatter(x, obs, marker="D", color="#d62728", s=22, zorder=3, label="observed")
    labels = res.labels.get(statistic, ())
    ax.set_xticks(x)
    ax.set_xticklabels([str(s).removeprefix("t=") for s in labels] if labels else [str(i) for i in x],
                       rotation=0 if obs.size <= 12 else 90)
    if statistic == "failure_count_histogram":
        ax.set_xlabel("number of decision-makers that fail an instance")
    if statistic == "group_homogenization":
        ax.axhline(1.0, color="grey", linestyle="--", linewidth=1, zorder=1)
        ax.set_ylabel("H")
    else:
        ax.set_ylabel("instances")
    ax.set_title(title)
    ax.legend(frameon=False)
    return ax
