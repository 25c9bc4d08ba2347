"""Group-stratified observed-minus-baseline plots (Toups 2023, Fig. 5, 6, 8)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._axes import ALL_COLOR, PALETTE, get_ax, integer_ticks, legend_above, style

__all__ = ["plot_group_excess"]



def _strata_colors(strata, colors):
    """One colour per stratum: from ``colors`` (list, cycled, or dict) else a qualitative palette; 'All' is grey."""
    from matplotlib import colormaps

    named = [s for s in strata if s != "All"]
    if isinstance(colors, Mapping):
        default = _strata_colors(strata, None)
        return {s: colors.get(s, colors.get(str(s), default[s])) for s in strata}
    if colors is not None:
        colors = list(colors)
        if not colors:
            from ..errors import EcostatError

            raise EcostatError("colors must name at least one colour.")
        out = {s: colors[i % len(colors)] for i, s in enumerate(named)}
    else:
        # Okabe-Ito (colour-blind safe; grey is reserved for 'All'); more strata than that: a sequential palette
        palette = list(PALETTE)
        if len(named) > len(palette):
            cmap = colormaps["viridis"]
            palette = [cmap(i / max(1, len(named) - 1)) for i in range(len(named))]
        out = {s: palette[i] for i, s in enumerate(named)}
    out["All"] = ALL_COLOR
    return out


def plot_group_excess(data, *, ax=None, measure: str = "difference", n_boot: int = 0, seed: int = 0,
                      ci: float = 0.95, colors=None, legend_title: str | None = None, title: str | None = None,
                      size=None):
    """Bars of observed minus baseline share of t failures, one bar colour per group (Toups Fig. 5).

    Parameters
    ----------
    data : FailureMatrix with a grouping, or the DataFrame of :func:`ecostat.stratified_excess`
    ax : matplotlib Axes, optional
    measure : {"difference", "ratio"}
        Observed - baseline, or observed / baseline (Toups Fig. 8 shows both can disagree).
    n_boot, seed, ci :
        With ``n_boot > 0`` and a FailureMatrix, compute percentile bootstrap
        intervals (``stratified_excess(data, n_boot=n_boot, seed=seed, ci=ci)``).
        Intervals are drawn as error bars whenever the table has
        ``<measure>_lo`` and ``<measure>_hi`` columns.
    colors : list or dict, optional
        Colours of the strata: a list (in the order of the strata, cycled) or
        a dict stratum -> colour (which may also set ``"All"``). Default: a
        qualitative palette, with the whole population ``"All"`` in dark grey.
    legend_title : str, optional
        Title of the legend; default the group column's name
        (``fm.group_name``) for a FailureMatrix, ``frame.attrs["group_name"]``
        or "group" for a DataFrame.
    title : str, optional
        Title of the axes.
    size : {"column", "page"} or (width, height), optional
        Figure size for a paper when ``ax`` is not given.

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
    >>> ax = es.plot_group_excess(fm, n_boot=50, colors={"light": "tan", "dark": "sienna"})
    >>> len(ax.containers)  # bars and error bars of each stratum
    6
    >>> ax.get_legend().get_title().get_text()
    'group'
    """
    from ..errors import EcostatError

    if measure not in ("difference", "ratio"):
        raise EcostatError(f"measure must be 'difference' or 'ratio', not {measure!r}.")
    with style(size):
        return _group_excess(data, ax, measure, n_boot, seed, ci, colors, legend_title, title, size)


def _group_excess(data, ax, measure, n_boot, seed, ci, colors, legend_title, title, size):
    from ..descriptive.groups import stratified_excess

    is_frame = hasattr(data, "columns") and "stratum" in getattr(data, "columns", [])
    if is_frame:
        df = data
        if legend_title is None:
            legend_title = data.attrs.get("group_name") or "group"
    else:
        df = stratified_excess(data, n_boot=n_boot, seed=seed, ci=ci)
        if legend_title is None:
            legend_title = getattr(data, "group_name", None) or "group"
    strata = list(dict.fromkeys(df["stratum"]))
    ts = np.sort(df["failures"].unique())
    ax = get_ax(ax, figsize=(7, 4), size=size)
    width = 0.8 / len(strata)
    palette = _strata_colors(strata, colors)
    lo_col, hi_col = f"{measure}_lo", f"{measure}_hi"
    has_ci = lo_col in df.columns and hi_col in df.columns
    for s, name in enumerate(strata):
        sub = df[df["stratum"] == name].set_index("failures").reindex(ts)
        x = ts + (s - (len(strata) - 1) / 2) * width
        y = sub[measure].to_numpy(dtype=float)
        ax.bar(x, y, width, label=str(name), color=palette[name])
        if has_ci:
            lo, hi = sub[lo_col].to_numpy(dtype=float), sub[hi_col].to_numpy(dtype=float)
            yerr = np.clip(np.vstack([y - lo, hi - y]), 0.0, None)
            ok = np.isfinite(yerr).all(axis=0) & np.isfinite(y)
            ax.errorbar(x[ok], y[ok], yerr=yerr[:, ok], fmt="none", ecolor="black", elinewidth=0.8,
                        capsize=min(3.0, 60.0 * width / max(1, len(ts))), zorder=3)
    ax.axhline(0.0 if measure == "difference" else 1.0, color="grey", linewidth=1)
    integer_ticks(ax, int(ts.max()) if len(ts) else 0)
    ax.set_xlabel("number of decision-makers that fail an instance")
    # the baseline is independence with the stratum's own failure rates (Toups Fig. 5, 8)
    ax.set_ylabel("observed − baseline (share of instances)" if measure == "difference" else "observed / baseline")
    legend_above(ax, legend_title=legend_title, title=title)
    return ax
