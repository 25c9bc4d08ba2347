"""Plots for papers: ``plot_*(data, *, ax=None) -> matplotlib.axes.Axes`` (a Figure for multi-panel ones).

Each function draws on ``ax`` or on a new figure and returns the Axes; none
calls ``pyplot.show``. ``size="column"`` or ``size="page"`` makes a figure 3.4 in
or 7 in wide (one or two columns of a paper); vector output works
(``fig.savefig("f.pdf")``). Colours are the colour-blind-safe Okabe-Ito palette
with fixed roles (:mod:`ecostat.plots._axes`): observed data black, a fitted
model blue, independence orange, misfit vermillion. Legends sit outside the data.
"""

from ._axes import OKABE_ITO, PALETTE, WIDTHS, figsize
from .baselines import plot_hard_easy_grid
from .distribution import plot_failure_distribution, plot_observed_vs_baseline
from .groups import plot_group_excess
from .improvement import plot_improvement_scatter, plot_improvements
from .posterior import plot_correlation, plot_difficulty, plot_forest
from .ppc import plot_ppc, plot_ppc_panels

__all__ = [
    "plot_failure_distribution",
    "plot_observed_vs_baseline",
    "plot_hard_easy_grid",
    "plot_group_excess",
    "plot_improvements",
    "plot_improvement_scatter",
    "plot_ppc",
    "plot_ppc_panels",
    "plot_forest",
    "plot_difficulty",
    "plot_correlation",
    "figsize",
    "OKABE_ITO",
    "PALETTE",
    "WIDTHS",
]
