"""Observed vs independence plots of the number of failures (Toups 2023, Fig. 2)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..descriptive.metrics import failure_count_distribution, independence_distribution
from ._axes import ALTERNATIVE, INDEPENDENCE, OBSERVED, OKABE_ITO, failure_colors, get_ax, integer_ticks, legend_above, style

__all__ = ["plot_failure_distribution", "plot_observed_vs_baseline"]


def plot_failure_distribution(data, *, ax=None, baseline=None, title: str | None = None, n_boot: int = 0,
                              seed: int = 0, ci: float = 0.95, size=None):
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
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper (3.4 in or 7 in wide) when ``ax`` is not given.

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
    with style(size):
        return _failure_distribution(data, ax, baseline, title, n_boot, seed, ci, size)


def _failure_distribution(data, ax, baseline, title, n_boot, seed, ci, size):
    obs = failure_count_distribution(data)
    ind = independence_distribution(data)
    ax = get_ax(ax, size=size)
    t = np.arange(len(obs))
    width = 0.4 if baseline is None else 0.28
    x_obs = t - width / 2 if baseline is None else t - width
    ax.bar(x_obs, obs, width, label="observed", color=OBSERVED)
    ax.bar(t + width / 2 if baseline is None else t, ind, width, label="independence", color=INDEPENDENCE)
    if baseline is not None:
        ax.bar(t + width, np.asarray(baseline, float), width, label="hard/easy", color=ALTERNATIVE)
    if n_boot > 0:
        from ..descriptive.bootstrap import bootstrap

        r = bootstrap(data, failure_count_distribution, n_boot=n_boot, seed=seed, ci=ci, estimate=obs)
        lo, hi = np.asarray(r.lo, float), np.asarray(r.hi, float)
        yerr = np.clip(np.vstack([obs - lo, hi - obs]), 0.0, None)
        # sky blue: seen on the black bars and on white
        ax.errorbar(x_obs, obs, yerr=yerr, fmt="none", ecolor=OKABE_ITO["sky blue"], elinewidth=1.4,
                    capsize=3 if len(t) <= 21 else 0.0, capthick=1.2, label=f"{ci:.0%} bootstrap interval", zorder=3)
    integer_ticks(ax, len(t) - 1)
    ax.set_xlabel("number of decision-makers that fail an instance")
    ax.set_ylabel("share of instances")
    legend_above(ax, title=title)
    return ax


def _place_labels(widths, anchors, obstacles, h, pad_x, pad_obs):
    """Greedy collision-free label boxes (axes fractions) near their anchors.

    Each label, in the order of its anchor's height, takes the first free spot
    among: right of its anchor at its height, then one line up or down, two,
    ..., then the same on the left; a spot is free when its box is inside the
    axes and meets no placed label and no data point (an obstacle, padded).
    Returns the (x, y) of each box's left-centre, or None where none is free.
    """
    placed = []
    out = [None] * len(widths)
    order = np.argsort([a[1] for a in anchors], kind="stable")
    obstacles = np.asarray(obstacles, float).reshape(-1, 2)

    def free(x0, y0, w):
        x1, ya, yb = x0 + w, y0 - h / 2, y0 + h / 2
        if x0 < 0.005 or x1 > 0.995 or ya < 0.005 or yb > 0.995:
            return False
        for (bx0, by0, bx1, by1) in placed:
            if x0 < bx1 and bx0 < x1 and ya < by1 and by0 < yb:
                return False
        if obstacles.size:
            ox, oy = obstacles[:, 0], obstacles[:, 1]
            hit = (ox > x0 - pad_obs[0]) & (ox < x1 + pad_obs[0]) & (oy > ya - pad_obs[1]) & (oy < yb + pad_obs[1])
            if hit.any():
                return False
        return True

    steps = [0] + [s * m for m in range(1, 40) for s in (1, -1)]
    for i in order:
        (px, py), w = anchors[i], widths[i]
        for side in ("right", "left"):
            x0 = px + pad_x if side == "right" else px - pad_x - w
            spot = next((py + k * h * 1.05 for k in steps if free(x0, py + k * h * 1.05, w)), None)
            if spot is not None:
                out[i] = (x0, spot)
                placed.append((x0, spot - h / 2, x0 + w, spot + h / 2))
                break
    return out


def _annotate_points(ax, names, x, y, *, obstacles, fontsize: float = 7.0):
    """Label points with names, each near its point, tied to it by a thin leader line, none on another or on data.

    Layout is in axes fractions (independent of the figure's final size); text
    widths are estimated from the font size.
    """
    to_frac = ax.transData + ax.transAxes.inverted()
    ax.get_xlim(), ax.get_ylim()  # settle the autoscaled limits first
    pts = to_frac.transform(np.column_stack([x, y]))
    obs_frac = to_frac.transform(np.asarray(obstacles, float)) if len(obstacles) else np.empty((0, 2))
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ax_w, ax_h = bbox.width * fig_w * 72, bbox.height * fig_h * 72
    h = 1.25 * fontsize / ax_h
    widths = [(0.6 * fontsize * len(str(n)) + 2) / ax_w for n in names]
    spots = _place_labels(widths, [tuple(p) for p in pts], obs_frac, h, 12.0 / ax_w, (4.5 / ax_w, 4.5 / ax_h))
    for name, (px, py), spot in zip(names, pts, spots):
        if spot is None:  # nowhere free: right of the point
            spot = (px + 12.0 / ax_w, py)
        ax.annotate(str(name), (px, py), xycoords="axes fraction", xytext=spot, textcoords="axes fraction",
                    fontsize=fontsize, va="center", ha="left",
                    arrowprops=dict(arrowstyle="-", color="grey", linewidth=0.5, shrinkA=0, shrinkB=2))


def plot_observed_vs_baseline(datasets: Mapping[str, object], *, ax=None, annotate: bool = False, log: bool = False,
                              size=None, title: str | None = None):
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
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper when ``ax`` is not given (square for "column").
    title : str, optional

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
    with style(size):
        return _observed_vs_baseline(datasets, ax, annotate, log, size, title)


def _observed_vs_baseline(datasets, ax, annotate, log, size, title):
    items = list(datasets.items())
    ks = {getattr(d, "n_models", None) for _, d in items}
    if len(ks) != 1:
        from ..errors import EcostatError

        raise EcostatError(f"all datasets must have the same number of decision-makers; got {sorted(ks)}.")
    k = ks.pop()
    ax = get_ax(ax, figsize=(5, 5.4), size=size, aspect=1.08)
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
    legend_above(ax, legend_title="number of failures", title=title)
    if annotate:
        fontsize = 7.0 if size != "column" else 6.0
        _annotate_points(ax, [name for name, _ in items], ind[:, k], obs[:, k],
                         obstacles=np.column_stack([ind.ravel(), obs.ravel()]), fontsize=fontsize)
    return ax
