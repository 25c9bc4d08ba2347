"""Plots of model improvement by the outcome profile of the other models (Toups et al. 2023, Fig. 3, 13, 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ._axes import MODEL, NEUTRAL, get_ax, legend_above, style

__all__ = ["plot_improvements", "plot_improvement_scatter", "profile_tick_label"]

#: (reference share, compared share, labels) for each kind of comparison.
KINDS = {
    "gross": ("potential", "observed", "potential improvements", "observed improvements"),
    "net": ("potential", "net", "potential improvements", "net improvements"),
    "decline": ("potential_decline", "decline", "potential declines", "observed declines"),
}


def _kind(kind: str):
    if kind not in KINDS:
        raise DataError(f"kind must be one of {list(KINDS)}, got {kind!r}.")
    return KINDS[kind]


def profile_tick_label(profile: str) -> str:
    """``'10'`` -> ``'[✗, ✓]'`` (✗ failure, ✓ success), as in Toups Fig. 3a.

    Examples
    --------
    >>> from ecostat.plots.improvement import profile_tick_label
    >>> profile_tick_label("10")
    '[✗, ✓]'
    """
    return "[" + ", ".join("✗" if ch == "1" else "✓" for ch in profile) + "]"


def plot_improvements(result, *, ax=None, kind: str = "gross", size=None):
    """Grouped bars of potential vs observed shares by the others' profile (Toups Fig. 3a; Fig. 14a).

    Parameters
    ----------
    result : ImprovementResult
        From :func:`ecostat.descriptive.improvement.improvement_analysis`.
    ax : matplotlib Axes, optional
        Created if None.
    kind : {'gross', 'net', 'decline'}
        Gross improvements (Fig. 3a), net improvements (App. B.4, Fig. 14a) or
        declines vs potential declines (App. B.5).
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper when ``ax`` is not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import improvement_analysis
    >>> from ecostat.plots.improvement import plot_improvements
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> ax = plot_improvements(improvement_analysis(fm, "a"))
    >>> len(ax.patches)
    4
    """
    ref, obs, ref_label, obs_label = _kind(kind)
    with style(size):
        return _improvements(result, ax, ref, obs, ref_label, obs_label, size)


def _improvements(result, ax, ref, obs, ref_label, obs_label, size):
    table = result.table
    x = np.arange(len(table))
    width = 0.38
    ax = get_ax(ax, size=size)
    ax.bar(x - width / 2, table[ref].to_numpy(dtype=float), width, label=ref_label, color=NEUTRAL)
    ax.bar(x + width / 2, table[obs].to_numpy(dtype=float), width, label=obs_label, color=MODEL)
    ax.set_xticks(x)
    if len(table) <= 6:
        ax.set_xticklabels([profile_tick_label(p) for p in table["others_profile"]])
    else:  # many profiles (four or more other models): vertical labels so that they do not overlap
        ax.set_xticklabels([profile_tick_label(p) for p in table["others_profile"]], rotation=90, fontsize=8)
    ax.set_xlabel("outcome profile of (" + ", ".join(result.others) + ")")
    ax.set_ylabel("share of instances")
    ax.axhline(0, color="black", linewidth=0.8)
    legend_above(ax, title=f"{result.model}: {result.v1} → {result.v2} (accuracy {result.change:+.1%})")
    return ax


def _points(results) -> pd.DataFrame:
    if isinstance(results, pd.DataFrame):
        return results
    if hasattr(results, "to_frame"):
        return results.to_frame()
    results = list(results)
    if not results:
        raise DataError("no transitions to plot; lower the threshold or check transitions(fm).")
    return pd.concat([r.to_frame() for r in results], ignore_index=True)


def plot_improvement_scatter(results, *, ax=None, kind: str = "gross", cmap: str = "coolwarm", size=None):
    """Observed vs potential shares, one point per (transition, profile) (Toups Fig. 3b; Fig. 13, 14b).

    Parameters
    ----------
    results : DataFrame or sequence of ImprovementResult
        The output of :func:`ecostat.descriptive.improvement.improvements` (or of
        ``threshold_sweep(..., aggregate=False)`` filtered to one threshold),
        or improvement results.
    ax : matplotlib Axes, optional
        Created if None.
    kind : {'gross', 'net', 'decline'}
        Which shares to compare (see :func:`plot_improvements`).
    cmap : str
        Colormap for the number of other models failing (red = all fail).
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper when ``ax`` is not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import improvements
    >>> from ecostat.plots.improvement import plot_improvement_scatter
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> ax = plot_improvement_scatter(improvements(fm))
    >>> ax.get_xlabel()
    'share of potential improvements'
    """
    with style(size):
        return _improvement_scatter(results, ax, kind, cmap, size)


def _improvement_scatter(results, ax, kind, cmap, size):
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    ref, obs, ref_label, obs_label = _kind(kind)
    pts = _points(results)
    if pts.empty:
        raise DataError("no transitions to plot; lower the threshold or check transitions(fm).")
    x = pts[ref].to_numpy(dtype=float)
    y = pts[obs].to_numpy(dtype=float)
    n_fail = pts["n_others_failing"].to_numpy(dtype=float)
    n_other = pts["others_profile"].map(len).to_numpy(dtype=float)
    frac = np.divide(n_fail, n_other, out=np.zeros_like(n_fail), where=n_other > 0)
    ax = get_ax(ax, figsize=(5.0, 5.4), size=size, aspect=1.08)
    ax.scatter(x, y, c=frac, cmap=cmap, vmin=0, vmax=1, edgecolor="black", linewidth=0.4, zorder=3)
    finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)], [0.0]])
    # same range on both axes (the identity line at 45 degrees), fitted to the points rather than to [0, 1]
    lo, hi = min(0.0, finite.min()), finite.max()
    hi = min(1.0, hi * 1.1) if 0 < hi <= 1 else (hi + 0.05 * (hi - lo) if hi > lo else 1.0)
    lo = lo - 0.05 * (hi - lo) if lo < 0 else 0.0
    ax.plot([lo, hi], [lo, hi], color="black", linestyle="--", linewidth=0.8, zorder=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(f"share of {ref_label}")
    ax.set_ylabel(f"share of {obs_label}")
    cm = colormaps[cmap]
    pairs = sorted(set(zip(n_fail.astype(int).tolist(), n_other.astype(int).tolist())), key=lambda p: (-p[0] / max(p[1], 1), p))
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=cm(f / m if m else 0.0), markeredgecolor="black",
                      label=f"{f} of {m} others fail") for f, m in pairs]
    legend_above(ax, handles)  # outside the data
    return ax
