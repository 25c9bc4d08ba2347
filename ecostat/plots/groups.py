"""Group-stratified observed-minus-baseline plots (Toups 2023, Fig. 5, 6, 8)."""

from __future__ import annotations

import numpy as np

from ._axes import get_ax

__all__ = ["plot_group_excess"]


def plot_group_excess(data, *, ax=None, measure: str = "difference"):
    """Bars of observed minus baseline share of t failures, one bar colour per group (Toups Fig. 5).

    Parameters
    ----------
    data : FailureMatrix with a grouping, or the DataFrame of :func:`ecostat.stratified_excess`
    ax : matplotlib Axes, optional
    measure : {"difference", "ratio"}
        Observed - baseline, or observed / baseline (Toups Fig. 8 shows both can disagree).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=2000, groups={"light": 0.5, "dark": 0.5}, seed=0)
    >>> ax = es.plot_group_excess(fm)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['light', 'dark', 'All']
    """
    from ..errors import EcostatError
    from ..groups import stratified_excess

    if measure not in ("difference", "ratio"):
        raise EcostatError(f"measure must be 'difference' or 'ratio', not {measure!r}.")
    df = data if hasattr(data, "columns") and "stratum" in getattr(data, "columns", []) else stratified_excess(data)
    strata = list(dict.fromkeys(df["stratum"]))
    ts = np.sort(df["failures"].unique())
    ax = get_ax(ax, figsize=(7, 4))
    width = 0.8 / len(strata)
    from matplotlib import colormaps

    cmap = colormaps["copper_r"]
    for s, name in enumerate(strata):
        sub = df[df["stratum"] == name].set_index("failures").reindex(ts)
        color = "#3182bd" if name == "All" else cmap(0.15 + 0.7 * s / max(1, len(strata) - 2))
        ax.bar(ts + (s - (len(strata) - 1) / 2) * width, sub[measure].to_numpy(), width, label=str(name), color=color)
    ax.axhline(0.0 if measure == "difference" else 1.0, color="grey", linewidth=1)
    ax.set_xticks(ts)
    ax.set_xlabel("number of decision-makers that fail an instance")
    ax.set_ylabel("observed - baseline" if measure == "difference" else "observed / baseline")
    ax.legend(frameon=False, fontsize=8)
    return ax
