"""Plots for papers: ``plot_*(data, *, ax=None) -> matplotlib.axes.Axes``.

Each function draws on ``ax`` or on a new figure and returns the Axes; none
calls ``pyplot.show``.
"""

from .baselines import plot_hard_easy_grid
from .distribution import plot_failure_distribution, plot_observed_vs_baseline
from .groups import plot_group_excess
from .improvement import plot_improvement_scatter, plot_improvements
from .ppc import plot_ppc

__all__ = [
    "plot_failure_distribution",
    "plot_observed_vs_baseline",
    "plot_hard_easy_grid",
    "plot_group_excess",
    "plot_improvements",
    "plot_improvement_scatter",
    "plot_ppc",
]
