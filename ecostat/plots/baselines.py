"""Plots of the hard/easy baseline (Toups 2023, App. A.3, Fig. 11)."""

from __future__ import annotations

import numpy as np

from ._axes import get_ax

__all__ = ["plot_hard_easy_grid"]


def plot_hard_easy_grid(grid, *, ax=None, cmap: str = "viridis_r", mark_best: bool = True):
    """Heat map of the L1 distance over the (alpha, Delta) grid (Toups Fig. 11).

    Invalid cells (easy rate < 0 or hard rate > 1 under the strict rule) are blank.

    Parameters
    ----------
    grid : HardEasyGrid or FailureMatrix
        A grid from :func:`ecostat.hard_easy_grid` (computed if data are given).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> ax = es.plot_hard_easy_grid(es.hard_easy_grid(es.simulate(n=2000, family="hard_easy", seed=0)))
    >>> ax.get_xlabel()
    'Delta (hardness)'
    """
    if not hasattr(grid, "l1"):
        from ..baselines import hard_easy_grid

        grid = hard_easy_grid(grid)
    ax = get_ax(ax, figsize=(7, 3))
    l1 = np.ma.masked_invalid(grid.l1)
    d, a = grid.deltas, grid.alphas
    mesh = ax.pcolormesh(_edges(d), _edges(a), l1, cmap=cmap, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label="L1 distance")
    if mark_best:
        ax.plot(grid.delta, grid.alpha, marker="*", color="red", markersize=12, linestyle="none",
                label=f"best: alpha={grid.alpha:g}, Delta={grid.delta:g}")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_xlabel("Delta (hardness)")
    ax.set_ylabel("alpha (hard share)")
    return ax


def _edges(centers):
    c = np.asarray(centers, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
