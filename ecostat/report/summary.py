"""Summary objects that render as text, LaTeX and HTML (statsmodels style).

A :class:`Summary` is a title, a few header facts, named tables (DataFrames)
and notes. It prints as plain text, renders in notebooks through
``_repr_html_``, goes into papers through :meth:`Summary.as_latex` (or one
table at a time: ``summary.table("Parameters").as_latex(caption=..., label=...)``)
and into further analysis through :meth:`Summary.to_frame`.

Every rendering shows the same digits (:mod:`ecostat.report.formatting`):
p-values as ``< 0.001`` or three decimals, counts and effective sample sizes as
integers, R-hat with three decimals, other numbers with three significant
digits, intervals as ``[lo, hi]`` beside their estimate, readable column
labels (``95% HDI``, ``ESS bulk``) instead of code names. The DataFrames keep
the full-precision numbers and the code names.

LaTeX needs the ``booktabs`` package only (``\\usepackage{booktabs}``) and
compiles under a default ``pdflatex`` preamble; see :mod:`ecostat.report.latex`
for how tables are fitted to a column or to the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import EcostatError
from . import html as _html
from . import latex as _latex
from .formatting import Layout, layout

__all__ = ["Summary", "Table", "latex_escape", "LATEX_COLUMNS"]

latex_escape = _latex.latex_escape

#: columns a table shows in LaTeX unless ``columns=`` says otherwise (title prefix -> code names),
#: so that the package's wide tables fit the text width; text and HTML show every column
LATEX_COLUMNS = {
    "Model comparison by PSIS-LOO": ["model", "family", "rank", "elpd_loo", "se", "p_loo", "elpd_diff", "dse",
                                     "weight"],
    "Disparity by group": ["group", "H", "excess", "gap"],
    "Classical tests beside the posterior": ["question", "classical test", "estimate or statistic", "p_value",
                                             "posterior"],
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:48] or "table"


def _text_table(lay: Layout) -> str:
    if not lay.n_rows:
        return "(empty)"
    widths = [max([len(c.label)] + [len(x.text) for x in c.cells]) for c in lay.columns]
    right = [c.numeric for c in lay.columns]

    def line(cells):
        return "  ".join((s.rjust(w) if r else s.ljust(w)) for s, w, r in zip(cells, widths, right)).rstrip()

    out = [line([c.label for c in lay.columns])]
    out += [line([c.cells[i].text for c in lay.columns]) for i in range(lay.n_rows)]
    return "\n".join(out)


@dataclass
class Table:
    """One table of a :class:`Summary`, ready for a paper.

    Get one with :meth:`Summary.table`. Renders as text, LaTeX (a booktabs
    float with caption and label) and HTML; :meth:`to_frame` gives the numbers.

    Attributes
    ----------
    title : str
    frame : DataFrame
        Full-precision numbers under their code names.
    context : str
        The summary's header facts (where the mass of bootstrap intervals is stated).
    source : str
        Title of the summary the table belongs to (used in default labels).
    digits : int
        Significant digits of plain numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table("Rates (95% HDI)", pd.DataFrame({"model": ["a"], "mean": [0.25], "hdi_low": [0.2],
    ...                                            "hdi_high": [0.31]}))
    >>> print(t.as_text())
    model   mean       95% HDI
    a      0.250  [0.200, 0.310]
    >>> print(t.as_latex(caption="Failure rates", label="tab:rates"))  # doctest: +ELLIPSIS
    \\begin{table}[htbp]
    ...
    \\caption{Failure rates}
    \\label{tab:rates}
    \\begin{tabular}{@{}lrr@{}}
    ...
    """

    title: str
    frame: pd.DataFrame
    context: str = ""
    source: str = ""
    digits: int = 3

    def layout(self, columns=None) -> Layout:
        """The formatted table (labels and cells) the renderers typeset."""
        return layout(self.frame, self.title, context=self.context, digits=self.digits, columns=columns)

    @property
    def default_label(self) -> str:
        return "tab:" + "-".join(x for x in (_slug(self.source) if self.source else "", _slug(self.title)) if x)

    def as_text(self, columns=None) -> str:
        """Plain text: text columns left-aligned, numbers right-aligned."""
        return _text_table(self.layout(columns))

    def as_latex(self, caption: str | None = None, label: str | None = None, *, columns=None, span: str = "auto",
                 size: str = "small", float: bool = True, placement: str | None = None,  # noqa: A002
                 shape: str = "auto") -> str:
        """A booktabs table (needs ``\\usepackage{booktabs}``) in a ``table`` or ``table*`` float.

        Parameters
        ----------
        caption : str, optional
            Default: the table's title.
        label : str, optional
            ``\\label`` of the float; default ``tab:<summary>-<table>`` from the titles.
        columns : list of str, optional
            Columns to show, by code name (``"hdi_low"``, ``"p_value"``) or label;
            an estimate keeps its interval. Default: every column, except for
            the wide tables listed in :data:`LATEX_COLUMNS` (the LaTeX source
            names the columns left out in a comment).
        span : {"auto", "column", "page"}
            ``table`` fitted to one column of a two-column document, ``table*``
            fitted to the text width, or ``auto`` (``table`` where it fits a
            column). Text columns wrap where needed; at ``\\small`` in a 10 pt
            article every table of the package fits.
        size : {"small", "footnotesize", "scriptsize", "normalsize"}
            Font size in the float (use ``footnotesize`` in 11 or 12 pt documents).
        float : bool
            False: the bare ``tabular`` for your own float (no caption, label, size).
        placement : str, optional
            Float placement, default ``htbp`` (``tp`` for ``table*``).
        shape : {"auto", "wide", "long"}
            ``long`` turns the table around: one row per (row, column) pair with
            the estimate and its interval in columns of their own (e.g. one row
            per quantity and fit in a comparison); ``auto`` does so where the
            table as it is does not fit the text width.
        """
        if columns is None:
            columns = _latex_default_columns(self.title, self.frame)
        return _latex.render_table(self.layout(columns), caption=self.title if caption is None else caption,
                                   label=self.default_label if label is None else label, span=span, float_=float,
                                   size=size, placement=placement, shape=shape, long_name=_long_name(self.title))

    def latex_layout(self, columns=None, *, span: str = "auto", size: str = "small", shape: str = "auto") -> Layout:
        """The layout :meth:`as_latex` typesets with these arguments (its columns, its shape)."""
        if columns is None:
            columns = _latex_default_columns(self.title, self.frame)
        return _latex.choose_layout(self.layout(columns), span=span, size=size, shape=shape,
                                    long_name=_long_name(self.title))[0]

    def as_html(self, columns=None, standalone: bool = False) -> str:
        """HTML table with its caption (``standalone=True``: a whole page with the stylesheet)."""
        body = _html.render_table(self.layout(columns), self.title)
        frag = f"<div class='ecostat-summary'>{body}</div>"
        if standalone:
            return _html.page(self.title, frag)
        return f"<style>{_html.STYLE}</style>{frag}"

    def _repr_html_(self) -> str:
        return self.as_html()

    def to_frame(self) -> pd.DataFrame:
        """The numbers (a copy), under their code names."""
        return self.frame.copy()

    def __str__(self) -> str:
        return f"{self.title}\n{self.as_text()}"

    __repr__ = __str__


def _long_name(title: str) -> str:
    """Header of the column naming the melted columns of a long table."""
    return "fit" if title.startswith("Ecosystem quantities, mean") else "column"


def _latex_default_columns(title: str, frame: pd.DataFrame):
    for prefix, cols in LATEX_COLUMNS.items():
        if title.startswith(prefix):
            keep = [c for c in cols if c in frame.columns]
            return keep if len(keep) >= 2 else None
    return None


@dataclass
class Summary:
    """Printable summary of an analysis.

    Parameters
    ----------
    title : str
    header : list of (str, str)
        Facts shown above the tables (e.g. ``("Instances", "6358")``).
    tables : list of (str, DataFrame)
        Named tables.
    notes : list of str
        Warnings and remarks shown below.
    digits : int
        Significant digits of the numbers that have no kind of their own
        (p-values, counts, R-hat, ESS are formatted by kind).

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", [("N", "3")], [("Rates", pd.DataFrame({"model": ["a"], "rate": [0.25]}))])
    >>> print(s.as_text())  # doctest: +ELLIPSIS
    Demo
    ...
    >>> "\\\\begin{tabular}" in s.as_latex()
    True
    >>> print(s.table("Rates").as_latex(caption="Failure rates", label="tab:rates"))  # doctest: +ELLIPSIS
    \\begin{table}[htbp]
    ...
    """

    title: str
    header: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 3

    # -- tables --------------------------------------------------------------------------------------------
    @property
    def table_names(self) -> list[str]:
        """Titles of the tables, in order."""
        return [name for name, _ in self.tables]

    def table(self, name: str | int) -> Table:
        """One table, by position or title (exact, else the one title that starts with or contains ``name``).

        Examples
        --------
        >>> import pandas as pd
        >>> s = Summary("Demo", tables=[("Parameters (95% HDI)", pd.DataFrame({"x": [1.0]}))])
        >>> s.table("parameters").title
        'Parameters (95% HDI)'
        """
        names = self.table_names
        if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            if not -len(names) <= int(name) < len(names):
                raise EcostatError(f"this summary has {len(names)} tables; table {name} does not exist.")
            i = int(name) % len(names)
        else:
            key = str(name).strip().lower()
            hits = [i for i, n in enumerate(names) if n.lower() == key]
            hits = hits or [i for i, n in enumerate(names) if n.lower().startswith(key)]
            hits = hits or [i for i, n in enumerate(names) if key in n.lower()]
            if len(hits) != 1:
                what = "no table" if not hits else f"{len(hits)} tables"
                raise EcostatError(f"{what} named {name!r} in {self.title!r}; its tables are {names}.")
            i = hits[0]
        title, frame = self.tables[i]
        return Table(title, frame, context=self._context, source=self.title, digits=self.digits)

    @property
    def _context(self) -> str:
        # where a table's title does not state the interval mass, the header or another title does
        return " ".join([f"{k}: {v}" for k, v in self.header] + self.table_names)

    def _selected(self, tables) -> list[Table]:
        if tables is None:
            return [self.table(i) for i in range(len(self.tables))]
        if isinstance(tables, (str, int)):
            tables = [tables]
        return [self.table(t) for t in tables]

    # -- text ----------------------------------------------------------------------------------------------
    def as_text(self, tables=None) -> str:
        """Plain-text rendering (``tables``: titles or positions of the tables to show; default all)."""
        width = 78
        out = [self.title, "=" * width]
        if self.header:
            key_w = max(len(k) for k, _ in self.header)
            out += [f"{k:<{key_w}}  {v}" for k, v in self.header]
        for t in self._selected(tables):
            out += ["", t.title, "-" * width, t.as_text()]
        if self.notes:
            out += ["", "Notes", "-" * width]
            out += [f"[{i + 1}] {n}" for i, n in enumerate(self.notes)]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # -- LaTeX ---------------------------------------------------------------------------------------------
    def as_latex(self, standalone: bool = False, *, tables=None, facts: bool | None = None, span: str = "auto",
                 size: str = "small", label_prefix: str = "tab:") -> str:
        """LaTeX rendering: each table a booktabs float with caption and label.

        Needs only ``\\usepackage{booktabs}``; compiles under a default
        ``pdflatex`` preamble (every symbol escaped for OT1 fonts). Tables fit
        the text width of a 10 pt article at ``\\small`` (wide ones go in
        ``table*``, which spans both columns of a two-column document; see
        :meth:`Table.as_latex`).

        Parameters
        ----------
        standalone : bool
            Wrap in a minimal ``article`` document that compiles as is.
        tables : list of str or int, optional
            Titles (or positions) of the tables to render; default all. For one
            table with your own caption and label use
            ``summary.table(name).as_latex(caption=..., label=...)``.
        facts : bool, optional
            Include the header facts and notes (a float captioned with the
            summary's title); default when all tables are rendered.
        span, size :
            As in :meth:`Table.as_latex`.
        label_prefix : str
            Labels are ``<prefix><summary>-<table>`` from the titles.
        """
        if standalone:
            return ("\\documentclass{article}\n" + "".join(f"\\usepackage{{{p}}}\n" for p in _latex.PACKAGES)
                    + "\\begin{document}\n" + self.as_latex(tables=tables, facts=facts, span=span, size=size,
                                                           label_prefix=label_prefix) + "\n\\end{document}\n")
        chosen = self._selected(tables)
        if facts is None:
            facts = tables is None
        parts = [f"% {latex_escape(self.title)} (ecostat); needs \\usepackage{{booktabs}}"]
        if facts and (self.header or self.notes):
            parts.append(_latex.render_facts(self.title, self.header, self.notes, size=size,
                                             label=f"{label_prefix}{_slug(self.title)}"))
        for t in chosen:
            label = f"{label_prefix}{_slug(self.title)}-{_slug(t.title)}"
            parts.append(t.as_latex(label=label, span=span, size=size))
        return "\n\n".join(parts)

    # -- HTML ----------------------------------------------------------------------------------------------
    def as_html(self, standalone: bool = False, *, tables=None) -> str:
        """HTML rendering: a styled fragment (what notebooks show), or with ``standalone=True`` a whole page.

        The page is self-contained (doctype, ``<meta charset="utf-8">``, a small
        stylesheet): numbers right-aligned, wide tables scroll horizontally.
        """
        import html

        parts = [f"<div class='ecostat-summary'><div class='ecostat-title'>{html.escape(self.title)}</div>"]
        if self.header:
            parts.append(_html.render_facts(self.header))
        for t in self._selected(tables):
            parts.append(_html.render_table(t.layout(), t.title))
        if self.notes:
            parts.append("<ol class='ecostat-notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
                         + "</ol>")
        parts.append("</div>")
        body = "\n".join(parts)
        if standalone:
            return _html.page(self.title, body)
        return f"<style>{_html.STYLE}</style>\n{body}"

    def _repr_html_(self) -> str:
        return self.as_html()

    def to_frame(self) -> pd.DataFrame:
        """All tables stacked, with a ``table`` column naming the section."""
        frames = [df.assign(table=name) for name, df in self.tables]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        return out[["table", *[c for c in out.columns if c != "table"]]]
