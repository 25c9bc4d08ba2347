"""Shared helpers of the plot functions (matplotlib only, no global state)."""

from __future__ import annotations


def get_ax(ax=None, figsize=(6.0, 4.0)):
    """Return ``ax`` or a new Axes on a new figure (never touches pyplot's current figure)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


#: colours of the number of failures: success (blue) to systemic failure (red)
def failure_colors(k: int):
    """k + 1 colours from all-correct (blue) to all-fail (red)."""
    from matplotlib import colormaps

    cmap = colormaps["coolwarm"]
    return [cmap(t / max(k, 1)) for t in range(k + 1)]


def integer_ticks(ax, k: int, max_ticks: int = 21) -> None:
    """Ticks at every number of failures 0..k, or (for large k) at a readable subset of integers."""
    if k + 1 <= max_ticks:
        ax.set_xticks(range(k + 1))
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True, steps=[1, 2, 5, 10]))
        ax.set_xlim(-1, k + 1)
