"""Shared helpers of the plot functions: the palette, paper sizes, legends outside the data, p-value text.

Matplotlib only, no global state: figures are made with ``matplotlib.figure.Figure``
(never pyplot's current figure) and styles are passed per call.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies), with fixed roles: the observed data in black, a fitted model in
blue, the independence baseline in orange, a second baseline in bluish green,
misfit in vermillion; groups and families take the palette in order.
"""

from __future__ import annotations

import math

import numpy as np

#: the Okabe-Ito palette (Okabe & Ito 2008), colour-blind safe
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}
#: colours of groups, families, datasets in order: Okabe-Ito without orange (independence keeps it) and with
#: yellow last (pale on white)
PALETTE = ("#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
OBSERVED = "#000000"
MODEL = "#0072B2"
INDEPENDENCE = "#E69F00"
ALTERNATIVE = "#009E73"
MISFIT = "#D55E00"
NEUTRAL = "#999999"
#: the whole population ("All") beside its strata
ALL_COLOR = "#4d4d4d"

#: figure widths (inches) of one column and of a full page (two columns) of a paper
WIDTHS = {"column": 3.4, "page": 7.0}


#: font sizes (pt) of figures for a paper: a column-wide figure is printed at its size, so its text is smaller
_STYLE = {"column": {"font.size": 7.5, "axes.titlesize": 8.0, "axes.labelsize": 7.5, "xtick.labelsize": 7.0,
                     "ytick.labelsize": 7.0, "legend.fontsize": 7.0, "figure.titlesize": 8.5, "lines.linewidth": 1.2,
                     "axes.linewidth": 0.7},
          "page": {"font.size": 9.0, "axes.titlesize": 9.5, "axes.labelsize": 9.0, "xtick.labelsize": 8.5,
                   "ytick.labelsize": 8.5, "legend.fontsize": 8.0, "figure.titlesize": 10.0}}


def style(size=None):
    """``matplotlib.rc_context`` with the font sizes of a ``"column"`` or ``"page"`` figure (artists made inside it).

    Examples
    --------
    >>> with style("column"):
    ...     fig = new_figure("column")
    >>> fig.get_size_inches().tolist()
    [3.4, 2.108]
    """
    from matplotlib import rc_context

    key = size if size in _STYLE else ("page" if size is None or isinstance(size, (tuple, list)) else size)
    return rc_context(_STYLE.get(key, _STYLE["page"]))


def figsize(size="page", aspect: float = 0.62, height: float | None = None) -> tuple[float, float]:
    """Figure size for a paper: ``"column"`` (3.4 in wide) or ``"page"`` (7 in), or a (width, height) tuple.

    Examples
    --------
    >>> figsize("column"), figsize("page", aspect=0.5)
    ((3.4, 2.108), (7.0, 3.5))
    """
    if isinstance(size, (tuple, list)):
        return float(size[0]), float(size[1])
    if size not in WIDTHS:
        from ..errors import EcostatError

        raise EcostatError(f"size must be 'column' (3.4 in), 'page' (7 in) or (width, height) in inches; got {size!r}.")
    w = WIDTHS[size]
    return w, round(height if height is not None else w * aspect, 3)


def new_figure(size="page", aspect: float = 0.62, height: float | None = None, **subplots):
    """A constrained-layout Figure of a paper size with ``subplots`` (``nrows``, ``ncols``, ``sharey``, ...)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize(size, aspect, height), layout="constrained")
    if subplots:
        return fig, fig.subplots(**subplots, squeeze=False)
    return fig


def get_ax(ax=None, figsize=(6.0, 4.0), size=None, aspect: float | None = None):
    """Return ``ax`` or a new Axes on a new figure (never touches pyplot's current figure).

    ``size`` (``"column"``, ``"page"`` or (w, h)) overrides the function's default ``figsize``,
    keeping its aspect ratio unless ``aspect`` is given.
    """
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    if size is not None:
        figsize = globals()["figsize"](size, aspect if aspect is not None else figsize[1] / figsize[0])
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def failure_colors(k: int):
    """k + 1 colours from all-correct to all-fail (perceptually uniform, colour-blind safe: plasma, dark to orange)."""
    from matplotlib import colormaps

    cmap = colormaps["plasma"]
    return [cmap(0.05 + 0.75 * t / max(k, 1)) for t in range(k + 1)]


def integer_ticks(ax, k: int, max_ticks: int = 21) -> None:
    """Ticks at every number of failures 0..k, or (for large k) at a readable subset of integers."""
    if k + 1 <= max_ticks:
        ax.set_xticks(range(k + 1))
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True, steps=[1, 2, 5, 10]))
        ax.set_xlim(-1, k + 1)


def format_p(p, name: str = "p") -> str:
    """``p = 0.042``, ``p < 0.001``, ``p > 0.999`` (a proportion of replicates is never exactly 0 or 1).

    Examples
    --------
    >>> format_p(0.0), format_p(0.0421), format_p(1.0), format_p(float("nan"))
    ('p < 0.001', 'p = 0.042', 'p > 0.999', 'p undefined')
    """
    p = float(p)
    if not np.isfinite(p):
        return f"{name} undefined"
    if p < 0.001:
        return f"{name} < 0.001"
    if p > 0.999:
        return f"{name} > 0.999"
    return f"{name} = {p:.3f}"


def _axes_width_pt(ax) -> float:
    fig_w = ax.figure.get_size_inches()[0]
    return max(ax.get_position().width * fig_w * 72.0, 72.0)


def wrap_title(text: str, size=None) -> str:
    """A title broken into lines that fit a column-wide figure (unchanged for wider ones)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, 48)) if size == "column" else text


def _fit_columns(labels: list[str], width: float, fontsize: float) -> int:
    """Most legend columns whose entries fit ``width`` pt (matplotlib fills columns top to bottom)."""
    entry = [fontsize * (0.56 * len(lab) + 2.6) for lab in labels]  # handle, padding and text
    for ncols in range(len(labels), 1, -1):
        per = math.ceil(len(labels) / ncols)
        cols = [max(entry[i:i + per]) for i in range(0, len(labels), per)]
        if sum(cols) + 1.2 * fontsize * (len(cols) - 1) <= width:
            return ncols
    return 1


def _points(key: str) -> float:
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    return float(FontProperties(size=rcParams[key]).get_size_in_points())


def legend_above(ax, handles=None, labels=None, *, title: str | None = None, legend_title: str | None = None,
                 fontsize: float | None = None, ncols: int | None = None):
    """A legend above the axes (outside the data), with the axes title above the legend.

    Entries are packed into as few rows as fit the axes' width; the title is
    lifted by the legend's height, so neither covers the other nor the data.
    Returns the legend (or None without entries).
    """
    fontsize = _points("legend.fontsize") if fontsize is None else fontsize
    title_size = _points("axes.titlesize")
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    elif labels is None:
        labels = [h.get_label() for h in handles]
    if not handles:
        if title:
            ax.set_title(title, fontsize=title_size)
        return None
    if ncols is None:
        ncols = _fit_columns([str(lab) for lab in labels], _axes_width_pt(ax), fontsize)
    rows = math.ceil(len(handles) / ncols) + (1 if legend_title else 0)
    leg = ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
                    fontsize=fontsize, title=legend_title, title_fontsize=fontsize, borderaxespad=0.2,
                    handlelength=1.6, columnspacing=1.2, alignment="left")
    if title:
        ax.set_title(title, fontsize=title_size, pad=7.0 + rows * fontsize * 1.75)
    return leg


def legend_right(ax, handles=None, labels=None, *, legend_title: str | None = None, fontsize: float | None = None):
    """A legend right of the axes, outside the data (for long lists)."""
    fontsize = _points("legend.fontsize") if fontsize is None else fontsize
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    elif labels is None:
        labels = [h.get_label() for h in handles]
    if not handles:
        return None
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=fontsize,
                     title=legend_title, title_fontsize=fontsize, borderaxespad=0.0, alignment="left")
