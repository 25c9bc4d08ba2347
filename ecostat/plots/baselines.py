"""Plots of the hard/easy baseline (Toups 2023, App. A.3, Fig. 11)."""

from __future__ import annotations

import numpy as np

from ._axes import MISFIT, get_ax, legend_above, style

__all__ = ["plot_hard_easy_grid"]


#: what makes a cell invalid under each rule of :func:`ecostat.hard_easy_grid`
INVALID = {"strict": "easy rate < 0 or hard rate > 1", "paper": "easy rate < 0"}


def plot_hard_easy_grid(grid, *, ax=None, cmap: str = "viridis_r", mark_best: bool = True, title: str | None = None,
                        size=None):
    """Heat map of the L1 distance over the (alpha, Delta) grid (Toups Fig. 11).

    Invalid cells (easy rate < 0 or hard rate > 1 under the strict rule; easy
    rate < 0 under ``rule="paper"``) have no distance: they show a hatched
    background, explained in the legend ("invalid cell").

    Parameters
    ----------
    grid : HardEasyGrid or FailureMatrix
        A grid from :func:`ecostat.hard_easy_grid` (computed if data are given).
    ax : matplotlib Axes, optional
    cmap : str
        Colormap of the L1 distance (reversed so that the best cells are bright).
    mark_best : bool
        Mark the cell of smallest distance with a star.
    title : str, optional
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper when ``ax`` is not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_hard_easy_grid(es.hard_easy_grid(es.simulate(n=2000, family="hard_easy", seed=0)))
    >>> ax.get_xlabel()
    'Delta (hardness)'
    >>> [t.get_text() for t in ax.get_legend().get_texts()][-1]
    'invalid cell (easy rate < 0 or hard rate > 1)'
    """
    if not hasattr(grid, "l1"):
        from ..descriptive.baselines import hard_easy_grid

        grid = hard_easy_grid(grid)
    with style(size):
        return _hard_easy_grid(grid, ax, cmap, mark_best, title, size)


def _hard_easy_grid(grid, ax, cmap, mark_best, title, size):
    ax = get_ax(ax, figsize=(7, 3.4), size=size)
    l1 = np.ma.masked_invalid(grid.l1)
    d, a = grid.deltas, grid.alphas
    xe, ye = _edges(d), _edges(a)
    mesh = ax.pcolormesh(xe, ye, l1, cmap=cmap, shading="flat", zorder=1)
    ax.figure.colorbar(mesh, ax=ax, label="L1 distance")
    if mark_best:
        ax.plot(grid.delta, grid.alpha, marker="*", color=MISFIT, markeredgecolor="white", markeredgewidth=0.6,
                markersize=13, linestyle="none",
                label=f"best: alpha={grid.alpha:g}, Delta={grid.delta:g}", zorder=3)
    if np.ma.count_masked(l1):
        from matplotlib.patches import Rectangle

        # masked (invalid) cells are transparent: this hatched patch behind the mesh shows through them
        reason = INVALID.get(getattr(grid, "rule", "strict"), INVALID["strict"])
        ax.add_patch(Rectangle((xe[0], ye[0]), xe[-1] - xe[0], ye[-1] - ye[0], facecolor="#f2f2f2",
                               edgecolor="#b0b0b0", hatch="///", linewidth=0, zorder=0,
                               label=f"invalid cell ({reason})"))
    legend_above(ax, title=title)  # above the map: a legend inside would hide cells
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("Delta (hardness)")
    ax.set_ylabel("alpha (hard share)")
    return ax


def _edges(centers):
    c = np.asarray(centers, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
