"""Observed vs independence plots of the number of failures (Toups 2023, Fig. 2)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..metrics import failure_count_distribution, independence_distribution
from ._axes import failure_colors, get_ax

__all__ = ["plot_failure_distribution", "plot_observed_vs_baseline"]


def plot_failure_distribution(data, *, ax=None, baseline=None, title: str | None = None):
    """Bars of the observed share of instances with t failures beside the independence baseline (Toups Fig. 2a).

    Parameters
    ----------
    data : FailureMatrix, ProfileTable or Description
    ax : matplotlib Axes, optional
    baseline : array-like of length k + 1, optional
        Another baseline (e.g. hard/easy) drawn as a third bar.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_failure_distribution(es.simulate(n=1000, seed=0))
    >>> len(ax.patches)
    8
    """
    data = getattr(data, "fm", data)
    obs = failure_count_distribution(data)
    ind = independence_distribution(data)
    ax = get_ax(ax)
    t = np.arange(len(obs))
    width = 0.4 if baseline is None else 0.28
    ax.bar(t - width / 2 if baseline is None else t - width, obs, width, label="observed", color="#444444")
    ax.bar(t + width / 2 if baseline is None else t, ind, width, label="independence", color="#9ecae1")
    if baseline is not None:
        ax.bar(t + width, np.asarray(baseline, float), width, label="hard/easy", color="#fdae6b")
    ax.set_xticks(t)
    ax.set_xlabel("number of decision-makers that fail an instance")
    ax.set_ylabel("share of instances")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_observed_vs_baseline(datasets: Mapping[str, object], *, ax=None, annotate: bool = False):
    """Observed vs independence share of each number of failures, across datasets (Toups Fig. 2b).

    One point per (dataset, t); colour from all-correct (blue) to systemic
    failure (red); points above the identity line are more common than under
    independence.

    Parameters
    ----------
    datasets : mapping of name -> FailureMatrix (all with the same k)
    ax : matplotlib Axes, optional
    annotate : bool
        Write the dataset name next to its systemic-failure point.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_observed_vs_baseline({"a": es.simulate(n=500, seed=0), "b": es.simulate(n=500, seed=1)})
    >>> len(ax.collections)
    4
    """
    items = list(datasets.items())
    ks = {getattr(d, "n_models", None) for _, d in items}
    if len(ks) != 1:
        from ..errors import EcostatError

        raise EcostatError(f"all datasets must have the same number of decision-makers; got {sorted(ks)}.")
    k = ks.pop()
    ax = get_ax(ax, figsize=(5, 5))
    colors = failure_colors(k)
    obs = np.array([failure_count_distribution(d) for _, d in items])
    ind = np.array([independence_distribution(d) for _, d in items])
    for t in range(k + 1):
        label = "all correct" if t == 0 else ("systemic failure" if t == k else f"{t} failure" + ("s" if t > 1 else ""))
        ax.scatter(ind[:, t], obs[:, t], color=colors[t], label=label, s=28, edgecolor="white", linewidth=0.5)
    if annotate:
        for (name, _), x, y in zip(items, ind[:, k], obs[:, k]):
            ax.annotate(name, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    hi = max(obs.max(), ind.max()) * 1.05
    ax.plot([0, hi], [0, hi], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("baseline share (independence)")
    ax.set_ylabel("observed share")
    ax.legend(frameon=False, fontsize=8)
    return ax
