"""Summary objects that render as text, LaTeX and HTML (statsmodels style).

A :class:`Summary` is a title, a few header facts, named tables (DataFrames)
and notes. It prints as plain text, renders in notebooks through
``_repr_html_``, goes into papers through :meth:`Summary.as_latex` and into
further analysis through :meth:`Summary.to_frame`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from .format import fmt

__all__ = ["Summary"]

_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters.

    Examples
    --------
    >>> latex_escape("H_avg & 5%")
    'H\\\\_avg \\\\& 5\\\\%'
    """
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


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
        Decimals for floats.

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", [("N", "3")], [("Rates", pd.DataFrame({"model": ["a"], "rate": [0.25]}))])
    >>> print(s.as_text())  # doctest: +ELLIPSIS
    Demo
    ...
    >>> "\\\\begin{tabular}" in s.as_latex()
    True
    """

    title: str
    header: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digits: int = 4

    def _cells(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.apply(lambda col: col.map(lambda v: fmt(v, self.digits))).astype(str)

    def as_text(self) -> str:
        """Plain-text rendering."""
        width = 78
        out = [self.title, "=" * width]
        if self.header:
            key_w = max(len(k) for k, _ in self.header)
            out += [f"{k:<{key_w}}  {v}" for k, v in self.header]
        for name, df in self.tables:
            out += ["", name, "-" * width]
            out.append(self._cells(df).to_string(index=False) if len(df) else "(empty)")
        if self.notes:
            out += ["", "Notes", "-" * width]
            out += [f"[{i + 1}] {n}" for i, n in enumerate(self.notes)]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def as_latex(self, standalone: bool = False) -> str:
        """LaTeX rendering: one ``tabular`` per table (needs only the ``booktabs`` package).

        Parameters
        ----------
        standalone : bool
            Wrap the tables in a minimal ``article`` document that compiles as is.
        """
        if standalone:
            return ("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
                    + self.as_latex() + "\n\\end{document}\n")
        parts = [f"% {latex_escape(self.title)} (ecostat)", "\\begin{center}", f"\\textbf{{{latex_escape(self.title)}}}\\\\[4pt]"]
        if self.header:
            parts.append("\\begin{tabular}{ll}")
            parts += [f"{latex_escape(k)} & {latex_escape(v)} \\\\" for k, v in self.header]
            parts.append("\\end{tabular}")
        for name, df in self.tables:
            cells = self._cells(df)
            align = "".join("r" if pd.api.types.is_numeric_dtype(df[c]) else "l" for c in df.columns)
            parts += ["", f"\\textit{{{latex_escape(name)}}}\\\\[2pt]", f"\\begin{{tabular}}{{{align}}}", "\\toprule",
                      " & ".join(latex_escape(c) for c in df.columns) + " \\\\", "\\midrule"]
            parts += [" & ".join(latex_escape(v) for v in row) + " \\\\" for row in cells.itertuples(index=False)]
            parts += ["\\bottomrule", "\\end{tabular}"]
        parts.append("\\end{center}")
        if self.notes:
            parts.append("\\begin{itemize}")
            parts += [f"\\item {latex_escape(n)}" for n in self.notes]
            parts.append("\\end{itemize}")
        return "\n".join(parts)

    def as_html(self) -> str:
        """HTML rendering (tables with class ``ecostat-summary``)."""
        parts = [f"<div class='ecostat-summary'><h4>{html.escape(self.title)}</h4>"]
        if self.header:
            parts.append("<table>" + "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                                             for k, v in self.header) + "</table>")
        for name, df in self.tables:
            parts.append(f"<h5>{html.escape(name)}</h5>")
            parts.append(self._cells(df).to_html(index=False, classes="ecostat-summary", border=0))
        if self.notes:
            parts.append("<ol>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ol>")
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    def to_frame(self) -> pd.DataFrame:
        """All tables stacked, with a ``table`` column naming the section."""
        frames = [df.assign(table=name) for name, df in self.tables]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        return out[["table", *[c for c in out.columns if c != "table"]]]
