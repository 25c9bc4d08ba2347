"""Observed vs independence plots of the number of failures (Toups 2023, Fig. 2)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..descriptive.metrics import failure_count_distribution, independence_distribution
from ._axes import failure_colors, get_ax, integer_ticks

__all__ = ["plot_failure_distribution", "plot_observed_vs_baseline"]


def plot_failure_distribution(data, *, ax=None, baseline=None, title: str | None = None, n_boot: int = 0,
                              seed: int = 0, ci: float = 0.95):
    """Bars of the observed share of instances with t failures beside the independence baseline (Toups Fig. 2a).

    Parameters
    ----------
    data : FailureMatrix, ProfileTable or Description
    ax : matplotlib Axes, optional
    baseline : array-like of length k + 1, optional
        Another baseline (e.g. hard/easy) drawn as a third bar.
    title : str, optional
    n_boot : int
        With ``n_boot > 0``, draw percentile bootstrap intervals of the
        observed shares (:func:`ecostat.descriptive.bootstrap` of
        :func:`ecostat.failure_count_distribution`) as error bars.
    seed : int
        Seed of the bootstrap.
    ci : float
        Coverage of the bootstrap intervals.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    With many decision-makers (k > 20) the x axis shows a subset of integer
    ticks so that the labels do not overlap.

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_failure_distribution(es.simulate(n=1000, seed=0))
    >>> len(ax.patches)
    8
    >>> ax = es.plot_failure_distribution(es.simulate(n=1000, seed=0), n_boot=100)
    >>> len(ax.containers)  # observed bars, independence bars, error bars
    3
    """
    data = getattr(data, "fm", data)
    obs = failure_count_distribution(data)
    ind = independence_distribution(data)
    ax = get_ax(ax)
    t = np.arange(len(obs))
    width = 0.4 if baseline is None else 0.28
    x_obs = t - width / 2 if baseline is None else t - width
    ax.bar(x_obs, obs, width, label="observed", color="#444444")
    ax.bar(t + width / 2 if baseline is None else t, ind, width, label="independence", color="#9ecae1")
    if baseline is not None:
        ax.bar(t + width, np.asarray(baseline, float), width, label="hard/easy", color="#fdae6b")
    if n_boot > 0:
        from ..descriptive.bootstrap import bootstrap

        r = bootstrap(data, failure_count_distribution, n_boot=n_boot, seed=seed, ci=ci, estimate=obs)
        lo, hi = np.asarray(r.lo, float), np.asarray(r.hi, float)
        yerr = np.clip(np.vstack([obs - lo, hi - obs]), 0.0, None)
        ax.errorbar(x_obs, obs, yerr=yerr, fmt="none", ecolor="#d62728", elinewidth=1.0,
                    capsize=2.5 if len(t) <= 21 else 0.0, label=f"{ci:.0%} bootstrap interval", zorder=3)
    integer_ticks(ax, len(t) - 1)
    ax.set_xlabel("number of decision-makers that fail an instance")
    ax.set_ylabel("share of instances")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


def _label_spread(ys, gap):
    """Shift sorted-by-caller positions ``ys`` up so that neighbours are at least ``gap`` apart, then back into [0, 1]."""
    out = np.array(ys, float)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    overflow = out[-1] - 0.97 if len(out) else 0.0
    if overflow > 0:
        out -= overflow
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return out


def _annotate_points(ax, names, x, y, *, above_diagonal: bool, fontsize: float = 7.0):
    """Label points with names placed apart from each other, each tied to its point by a thin leader line.

    Layout is done in axes fractions (independent of the figure's final size):
    labels keep their point's height where possible and are pushed apart
    vertically by one line of text; on linear axes they are also kept above
    the identity line, where the systemic-failure points lie and the other
    outcomes do not.
    """
    to_frac = ax.transData + ax.transAxes.inverted()
    ax.get_xlim(), ax.get_ylim()  # settle the autoscaled limits first
    pts = to_frac.transform(np.column_stack([x, y]))
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ax_w, ax_h = bbox.width * fig_w * 72, bbox.height * fig_h * 72
    gap = 1.35 * fontsize / ax_h
    order = np.argsort(pts[:, 1], kind="stable")  # labels keep the vertical order of their points: no crossing lines
    ly = pts[order, 1].copy()
    if above_diagonal:
        # one column right of the points, its lowest label wholly above the identity line
        width = max(0.62 * fontsize * len(str(n)) for n in names) / ax_w
        lx = np.full(len(names), pts[:, 0].max() + 18.0 / ax_w)
        ly[0] = max(ly[0], lx[0] + width + gap)
    else:
        lx = pts[order, 0] + 18.0 / ax_w
    ly = _label_spread(ly, gap)
    names = [names[i] for i in order]
    pts = pts[order]
    for name, (px, py), tx, ty in zip(names, pts, lx, ly):
        ax.annotate(str(name), (px, py), xycoords="axes fraction", xytext=(tx, ty), textcoords="axes fraction",
                    fontsize=fontsize, va="center", ha="left",
                    arrowprops=dict(arrowstyle="-", color="grey", linewidth=0.5, shrinkA=1, shrinkB=2))


def plot_observed_vs_baseline(datasets: Mapping[str, object], *, ax=None, annotate: bool = False, log: bool = False):
    """Observed vs independence share of each number of failures, across datasets (Toups Fig. 2b).

    One point per (dataset, t); colour from all-correct (blue) to systemic
    failure (red); points above the identity line are more common than under
    independence.

    Parameters
    ----------
    datasets : mapping of name -> FailureMatrix (all with the same k)
    ax : matplotlib Axes, optional
    annotate : bool
        Write the dataset name next to its systemic-failure point; labels are
        pushed apart and tied to their points by thin leader lines.
    log : bool
        Log-log axes, so that the small shares (systemic failures, near 0 on
        linear axes) are spread out. Shares of exactly 0 cannot be shown on a
        log axis: they are drawn at a third of the smallest positive share,
        on a dotted line marked "share 0".

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_observed_vs_baseline({"a": es.simulate(n=500, seed=0), "b": es.simulate(n=500, seed=1)})
    >>> len(ax.collections)
    4
    >>> ax = es.plot_observed_vs_baseline({"a": es.simulate(n=500, seed=0)}, log=True)
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
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
    hi = max(obs.max(), ind.max())
    if log:
        both = np.concatenate([obs.ravel(), ind.ravel()])
        positive = both[both > 0]
        zero_obs, zero_ind = bool((obs <= 0).any()), bool((ind <= 0).any())
        clipped = zero_obs or zero_ind
        floor = (positive.min() if positive.size else 1e-3) / (3.0 if clipped else 1.0)
        obs, ind = np.maximum(obs, floor), np.maximum(ind, floor)
    for t in range(k + 1):
        label = "all correct" if t == 0 else ("systemic failure" if t == k else f"{t} failure" + ("s" if t > 1 else ""))
        ax.scatter(ind[:, t], obs[:, t], color=colors[t], label=label, s=28, edgecolor="white", linewidth=0.5, zorder=3)
    if log:
        lo = floor / 2.0
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi * 1.5)
        ax.set_ylim(lo, hi * 1.5)
        ax.plot([lo, hi * 1.5], [lo, hi * 1.5], color="grey", linestyle="--", linewidth=1, zorder=1)
        note = dict(fontsize=7, color="grey", textcoords="offset points")
        if zero_obs:
            ax.axhline(floor, color="grey", linestyle=":", linewidth=0.7, zorder=1)
            ax.annotate("observed share 0", (1, floor), xycoords=("axes fraction", "data"), xytext=(-3, 2),
                        ha="right", va="bottom", **note)
        if zero_ind:
            ax.axvline(floor, color="grey", linestyle=":", linewidth=0.7, zorder=1)
            ax.annotate("baseline share 0", (floor, 0.5), xycoords=("data", "axes fraction"), xytext=(2, 0),
                        rotation=90, ha="left", va="center", **note)
    else:
        ax.plot([0, hi * 1.05], [0, hi * 1.05], color="grey", linestyle="--", linewidth=1, zorder=1)
    ax.set_xlabel("baseline share (independence)")
    ax.set_ylabel("observed share")
    ax.legend(frameon=False, fontsize=8, title="number of failures", title_fontsize=8, loc="upper left")
    if annotate:
        _annotate_points(ax, [name for name, _ in items], ind[:, k], obs[:, k], above_diagonal=not log)
    return ax
