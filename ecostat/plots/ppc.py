"""Posterior (and prior) predictive check plots of ecosystem statistics (docs/architecture.md §7).

Counts are shown as observed minus replicated with the replicates' interval
around it, so that a misfit of a few percent of a bin of thousands is visible
(a plot of the counts themselves puts all on a 0-3000 scale where it is not);
the histogram of the number of failures can also be drawn as a hanging
rootogram. Titles name the fitted family; legends sit above the axes.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import EcostatError
from ._axes import INDEPENDENCE, MISFIT, MODEL, NEUTRAL, OBSERVED, format_p, get_ax, legend_above, new_figure, style

__all__ = ["plot_ppc", "plot_ppc_panels"]

_TITLES = {
    "failure_count_histogram": "number of failures",
    "systemic_failure_count": "systemic failures (all fail)",
    "pairwise_cofailures": "pairwise co-failures",
    "group_homogenization": "homogenization H within groups",
}
KINDS = ("difference", "rootogram", "counts")


def _resolve(result, label, group_name, prior, seed):
    """(PPCResult, label, group name, prior?) from a FitResult, a PriorPredictive or a PPCResult."""
    if hasattr(result, "observed") and hasattr(result, "replicated"):
        return result, label, group_name, prior
    if hasattr(result, "check") and hasattr(result, "model"):  # PriorPredictive
        m = result.model
        return result.check, label or m.family, group_name or getattr(m.design, "group_name", None), True
    if hasattr(result, "ppc") and hasattr(result, "design"):  # FitResult
        return result.ppc(seed=seed), label or result.family, group_name or result.design.group_name, prior
    raise EcostatError(f"plot_ppc takes a FitResult, a PriorPredictive or a PPCResult; got {type(result).__name__}.")


def _title(stat: str, label: str | None, prior: bool, p=None) -> str:
    what = _TITLES.get(stat, stat)
    check = "prior predictive" if prior else "posterior predictive"
    head = f"{label} {check}" if label else check.capitalize()
    return f"{head}: {what}" + (f", {format_p(p)}" if p is not None else "")


def plot_ppc(result, *, statistic: str = "failure_count_histogram", ax=None, ci: float = 0.95, kind: str = "difference",
             label: str | None = None, group_name: str | None = None, prior: bool = False, title: str | None = None,
             size=None, seed: int = 0):
    """Observed ecosystem statistic against its posterior (or prior) predictive replicates (docs/architecture.md §7).

    * ``failure_count_histogram`` and ``pairwise_cofailures``: observed minus
      the replicated mean of each count, with the ``ci`` interval of observed
      minus replicate around it and a line at 0; an interval that misses 0
      (vermillion) is a count the model does not reproduce. ``kind="rootogram"``
      draws the histogram as a hanging rootogram instead (bars of sqrt(observed)
      hanging from sqrt(replicated), whose feet should touch 0);
      ``kind="counts"`` the counts themselves.
    * ``group_homogenization``: the replicates' interval of H in each group,
      the observed H, a line at 1 (independence); x labels are the groups' names.
    * ``systemic_failure_count``: a histogram of the replicates with the observed
      count and its p-value (``p < 0.001`` where it is).

    Parameters
    ----------
    result : FitResult, PriorPredictive or PPCResult
        A fit (its :meth:`~ecostat.bayes.results.FitResult.ppc` with ``seed`` is
        used; its family names the plot), a prior predictive check, or a
        :class:`~ecostat.bayes.ppc.PPCResult`.
    statistic : str
        One of :data:`ecostat.bayes.ppc.STATISTICS`.
    ax : matplotlib Axes, optional
    ci : float
        Coverage of the replicate intervals.
    kind : {"difference", "rootogram", "counts"}
        How counts are shown (see above).
    label : str, optional
        Name of the model in the title (default: the fit's family).
    group_name : str, optional
        Axis label of the groups (default: the fit's group column).
    prior : bool
        The replicates come from the prior (title says "prior predictive");
        set automatically for a PriorPredictive.
    title : str, optional
        Replaces the title.
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper (3.4 in or 7 in wide) when ``ax`` is not given.
    seed : int
        Seed of the replicates when ``result`` is a fit.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from ecostat.bayes.ppc import posterior_predictive_check
    >>> r = posterior_predictive_check(np.full((200, 1, 8), 1 / 8), [[30, 10, 10, 10, 10, 10, 10, 10]], seed=0)
    >>> ax = plot_ppc(r, label="independence")
    >>> len(ax.containers)  # the intervals
    1
    >>> ax.get_ylabel()
    'observed − replicated (instances)'
    >>> plot_ppc(r, statistic="systemic_failure_count").get_title()
    'Posterior predictive: systemic failures (all fail), p = 0.748'
    """
    res, label, group_name, prior = _resolve(result, label, group_name, prior, seed)
    with style(size):
        return _plot_ppc(res, statistic, ax, ci, kind, label, group_name, prior, title, size)


def _plot_ppc(res, statistic, ax, ci, kind, label, group_name, prior, title, size):
    if statistic not in res.replicated:
        raise EcostatError(f"unknown statistic {statistic!r}; choose one of {sorted(res.replicated)}.")
    if kind not in KINDS:
        raise EcostatError(f"kind must be one of {KINDS}; got {kind!r}.")
    rep = np.asarray(res.replicated[statistic], dtype=float)
    obs = np.asarray(res.observed[statistic], dtype=float)
    p = np.asarray(res.p_values[statistic], dtype=float)
    ax = get_ax(ax, figsize=(6.0, 3.6), size=size)
    if obs.ndim == 0:
        _systemic(ax, rep, float(obs), float(p))
        legend_above(ax, title=title or _title(statistic, label, prior, float(p)))
        return ax
    a = (1.0 - ci) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicates of an undefined H
        mean = np.nanmean(rep, axis=0)
        q_lo, q_hi = np.nanquantile(rep, [a, 1.0 - a], axis=0)
    x = np.arange(obs.size)
    labels = [str(s).removeprefix("t=") for s in res.labels.get(statistic, ())] or [str(i) for i in x]
    if statistic == "pairwise_cofailures":
        labels = [s.replace("&", " & ") for s in labels]
    extreme = (p < a) | (p > 1.0 - a)
    if statistic == "group_homogenization":
        _group_h(ax, x, obs, mean, q_lo, q_hi, extreme, ci)
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=0 if obs.size <= 6 else 45, ha="center" if obs.size <= 6 else "right")
        ax.set_xlabel(group_name or "group")
    elif kind == "rootogram" and statistic == "failure_count_histogram":
        _rootogram(ax, x, rep, obs, a, ci)
        ax.set_xticks(x)
        ax.set_xticklabels(labels)
    elif kind == "counts":
        yerr = np.clip(np.vstack([mean - q_lo, q_hi - mean]), 0.0, None)
        ax.errorbar(x, mean, yerr=yerr, fmt="none", ecolor=MODEL, elinewidth=2.5, capsize=4, alpha=0.7,
                    label=f"replicated, {ci:.0%} interval", zorder=2)
        ax.scatter(x, obs, marker="o", s=16, color=OBSERVED, zorder=3, label="observed")
        ax.set_ylabel("instances")
        ax.set_xticks(x)
        ax.set_xticklabels(labels)
    else:
        _difference(ax, x, obs, mean, q_lo, q_hi, extreme, ci)
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=0 if obs.size <= 8 else 45, ha="center" if obs.size <= 8 else "right")
    if statistic == "failure_count_histogram":
        ax.set_xlabel("number of decision-makers that fail an instance")
    elif statistic == "pairwise_cofailures":
        ax.set_xlabel("pair of decision-makers")
    legend_above(ax, title=title or _title(statistic, label, prior))
    return ax


def _systemic(ax, rep, obs, p):
    vals = rep[np.isfinite(rep)]
    lo, hi = (min(vals.min(), obs), max(vals.max(), obs)) if vals.size else (obs - 1, obs + 1)
    integer = vals.size and np.array_equal(vals, np.round(vals))
    span = vals.max() - vals.min() if vals.size else 0
    bins = np.arange(vals.min() - 0.5, vals.max() + 1.5) if integer and span < 60 else "auto"
    ax.hist(vals, bins=bins, color=MODEL, alpha=0.55, edgecolor="white", linewidth=0.5, label="replicated")
    ax.axvline(obs, color=OBSERVED, linewidth=2, label=f"observed ({obs:g})", zorder=3)
    pad = 0.06 * max(hi - lo, 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel("instances every decision-maker fails")
    ax.set_ylabel("replicates")


def _difference(ax, x, obs, mean, q_lo, q_hi, extreme, ci):
    # observed - replicate: its interval is [obs - q_hi, obs - q_lo]; intervals drawn over the points, caps wider
    # than the markers, so that a short interval stays visible
    d, lo, hi = obs - mean, obs - q_hi, obs - q_lo
    yerr = np.clip(np.vstack([d - lo, hi - d]), 0.0, None)
    ax.axhline(0.0, color=NEUTRAL, linewidth=1, zorder=1)
    ax.scatter(x[~extreme], d[~extreme], s=18, color=OBSERVED, zorder=2, label="observed − replicated")
    if extreme.any():
        ax.scatter(x[extreme], d[extreme], s=26, marker="D", facecolor="white", edgecolor=MISFIT, linewidth=1.4,
                   zorder=2, label=f"outside the {ci:.0%} interval")
    ax.errorbar(x, d, yerr=yerr, fmt="none", ecolor=MODEL, elinewidth=1.8, capsize=6, capthick=1.4, zorder=3,
                label=f"{ci:.0%} interval")
    ax.set_ylabel("observed − replicated (instances)")
    ax.margins(x=0.08)


def _rootogram(ax, x, rep, obs, a, ci):
    mean = rep.mean(axis=0)
    r_lo, r_hi = np.quantile(np.sqrt(rep), [a, 1.0 - a], axis=0)
    top = np.sqrt(mean)
    ax.bar(x, np.sqrt(obs), bottom=top - np.sqrt(obs), width=0.6, color=NEUTRAL, alpha=0.6, edgecolor=OBSERVED,
           linewidth=0.6, label="√observed, hanging from √replicated")
    ax.errorbar(x, top, yerr=np.clip(np.vstack([top - r_lo, r_hi - top]), 0, None), fmt="o-", color=MODEL,
                markersize=3.5, elinewidth=2, capsize=4, label=f"√replicated mean, {ci:.0%} interval", zorder=3)
    ax.axhline(0.0, color=OBSERVED, linewidth=1)
    ax.set_ylabel("√(instances)")


def _group_h(ax, x, obs, mean, q_lo, q_hi, extreme, ci):
    yerr = np.clip(np.vstack([mean - q_lo, q_hi - mean]), 0.0, None)
    ok = np.isfinite(mean)
    ax.axhline(1.0, color=INDEPENDENCE, linestyle="--", linewidth=1.2, zorder=1, label="independence (H = 1)")
    ax.scatter(x[ok & ~extreme], obs[ok & ~extreme], s=18, color=OBSERVED, zorder=2, label="observed")
    if (ok & extreme).any():
        ax.scatter(x[ok & extreme], obs[ok & extreme], s=26, marker="D", facecolor="white", edgecolor=MISFIT,
                   linewidth=1.4, zorder=2, label="observed, outside")
    ax.errorbar(x[ok], mean[ok], yerr=yerr[:, ok], fmt="none", ecolor=MODEL, elinewidth=1.8, capsize=6,
                capthick=1.4, zorder=3, label=f"replicated {ci:.0%} interval")
    ax.set_ylabel("homogenization H")
    ax.margins(x=0.15)


def plot_ppc_panels(result, *, statistics=None, ci: float = 0.95, kind: str = "difference", label: str | None = None,
                    group_name: str | None = None, prior: bool = False, size="page", seed: int = 0):
    """All predictive checks of a fit in one figure: one panel per statistic, titled with the family.

    Parameters
    ----------
    result : FitResult, PriorPredictive or PPCResult
    statistics : list of str, optional
        Default: the histogram of the number of failures, the systemic count,
        pairwise co-failures, and H within groups where there are groups.
    ci, kind, label, group_name, prior, seed :
        As in :func:`plot_ppc`.
    size : {"column", "page"} or (width, height)
        Paper width (the height follows the number of panels).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from ecostat.bayes.ppc import posterior_predictive_check
    >>> r = posterior_predictive_check(np.full((200, 1, 8), 1 / 8), [[30, 10, 10, 10, 10, 10, 10, 10]], seed=0)
    >>> fig = plot_ppc_panels(r, label="independence")
    >>> len(fig.axes), fig.get_suptitle()
    (3, 'independence: posterior predictive checks')
    """
    res, label, group_name, prior = _resolve(result, label, group_name, prior, seed)
    with style(size):
        return _panels(res, statistics, ci, kind, label, group_name, prior, size)


def _panels(res, statistics, ci, kind, label, group_name, prior, size):
    if statistics is None:
        statistics = ["failure_count_histogram", "systemic_failure_count", "pairwise_cofailures"]
        if len(res.labels.get("group_homogenization", ())) > 1:
            statistics.append("group_homogenization")
    n = len(statistics)
    ncols = 1 if size == "column" else min(2, n)
    nrows = -(-n // ncols)
    panel_h = 2.5 if size == "column" else 2.6
    fig, axes = new_figure(size, height=0.35 + panel_h * nrows, nrows=nrows, ncols=ncols)
    for i, stat in enumerate(statistics):
        ax = axes[i // ncols][i % ncols]
        p = res.p_values[stat] if np.ndim(res.observed[stat]) == 0 else None
        _plot_ppc(res, stat, ax, ci, kind, None, group_name, prior,
                  _TITLES.get(stat, stat) + (f", {format_p(p)}" if p is not None else ""), size)
    for j in range(n, nrows * ncols):
        fig.delaxes(axes[j // ncols][j % ncols])
    check = "prior predictive checks" if prior else "posterior predictive checks"
    fig.suptitle(f"{label}: {check}" if label else check.capitalize())
    return fig
