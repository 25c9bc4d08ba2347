"""LaTeX typesetting of summary tables: booktabs floats that fit the page and print every symbol.

The output needs only the ``booktabs`` package and compiles under a default
``pdflatex`` preamble (OT1 font encoding): ``<``, ``>`` and ``|`` are written
``\\textless{}``, ``\\textgreater{}``, ``\\textbar{}`` (in OT1 the characters
themselves print as inverted marks and a dash), ``--`` as ``-{}-`` (not an
en-dash), a minus sign of a number in math mode.

Width: each table is measured with Computer Modern metrics at ``\\small`` (9 pt
in a 10 pt document) and 4 pt column padding. A table that fits a column of a
two-column article (221 pt) goes in a ``table`` float, otherwise in ``table*``
(the full text width in a two-column document, the same as ``table`` in a
one-column one). Where the natural width exceeds the target, text columns
become ``p{...}`` columns sized from ``\\linewidth``, so their text wraps and the
table fits whatever the document's width.
"""

from __future__ import annotations

import math
import re

from ..errors import EcostatError
from .formatting import NUM, Layout

__all__ = ["latex_escape", "latex_number", "render_table", "render_facts", "estimate_width", "COLUMN_PT", "PAGE_PT",
           "PACKAGES"]

#: LaTeX packages the output needs
PACKAGES = ("booktabs",)
#: narrowest column of a two-column article (a4paper, 10pt: 221 pt; letterpaper: 229.5 pt)
COLUMN_PT = 221.0
#: text width of a one-column article (10pt, letter or a4)
PAGE_PT = 345.0
#: column padding (\tabcolsep) set in the floats
TABCOLSEP_PT = 4.0
#: font sizes (pt) of the size commands in a 10 pt document
SIZES = {"normalsize": 10.0, "small": 9.0, "footnotesize": 8.0, "scriptsize": 7.0}
#: narrowest width of a wrapped text column
MIN_WRAP_PT = 50.0

_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': "''",
            "\u2192": r"$\rightarrow$", "\u2190": r"$\leftarrow$", "\u2264": r"$\leq$", "\u2265": r"$\geq$",
            "\u00d7": r"$\times$", "\u00b1": r"$\pm$", "\u2212": r"$-$", "\u2013": "--", "\u2014": "---",
            "\u2717": r"$\times$", "\u2713": r"$\surd$", "\u0394": r"$\Delta$", "\u03b1": r"$\alpha$",
            "\u03b2": r"$\beta$", "\u03b3": r"$\gamma$", "\u03b8": r"$\theta$", "\u03ba": r"$\kappa$",
            "\u03bc": r"$\mu$", "\u03c3": r"$\sigma$", "\u03c4": r"$\tau$", "\u2026": r"\ldots{}"}


def latex_escape(text: str) -> str:
    """Text as LaTeX that prints it as is under a default ``pdflatex`` preamble.

    Special characters are escaped; ``<``, ``>``, ``|`` get their text commands
    (OT1 fonts have no such glyphs); ``--`` stays two hyphens.

    Examples
    --------
    >>> print(latex_escape("H_avg & 5%"))
    H\\_avg \\& 5\\%
    >>> print(latex_escape("P(> indep) | run --draws"))
    P(\\textgreater{} indep) \\textbar{} run -{}-draws
    """
    out = "".join(_ESCAPES.get(ch, ch) for ch in str(text))
    return re.sub(r"-(?=-)", "-{}", out)


_NUM_RE = re.compile(NUM)


def latex_number(text: str) -> str:
    """A formatted number (or interval) as LaTeX: math minus signs, ``\\times 10^{k}``, ``<`` in math.

    Examples
    --------
    >>> print(latex_number("-0.0603 [-0.064, -0.0563]"))
    $-$0.0603 [$-$0.064, $-$0.0563]
    >>> print(latex_number("5.97e-07"), latex_number("< 0.001"), latex_number("--"))
    $5.97\\times10^{-7}$ $<$\\,0.001 --
    """
    text = str(text).strip()
    if text in ("--", ""):
        return text
    out, pos = [], 0
    for m in _NUM_RE.finditer(text):
        out.append(_number_context(text[pos:m.start()]))
        s = m.group(0)
        mant, _, exp = s.lower().partition("e")
        if exp:
            out.append(f"${mant}\\times10^{{{int(exp)}}}$")
        else:
            out.append("$-$" + s[1:] if s.startswith("-") else s)
        pos = m.end()
    out.append(_number_context(text[pos:]))
    tex = "".join(out)
    return "{}" + tex if tex.startswith("[") else tex  # a row may not start with '[' (read as \\[<length>])


def _number_context(text: str) -> str:
    """What stands between the numbers of a numeric cell: brackets, commas, comparison signs, inf."""
    out = []
    for piece in re.split(r"([<>]\s*|inf)", text):
        if piece.startswith(("<", ">")):
            out.append(f"${piece[0]}$\\,")
        elif piece == "inf":
            out.append("$\\infty$")
        else:
            out.append(latex_escape(piece))
    return "".join(out)


# -- widths -------------------------------------------------------------------------------------------------
#: advance widths (em) of Computer Modern Roman; the signs OT1 lacks as they are typeset here
_WIDTH = {" ": 0.333, "!": 0.278, "'": 0.278, "(": 0.389, ")": 0.389, "*": 0.5, "+": 0.778, ",": 0.278, "-": 0.333,
          ".": 0.278, "/": 0.5, ":": 0.278, ";": 0.278, "=": 0.778, "?": 0.472, "@": 0.778, "[": 0.278, "]": 0.278,
          "A": 0.75, "B": 0.708, "C": 0.722, "D": 0.764, "E": 0.681, "F": 0.653, "G": 0.785, "H": 0.75, "I": 0.361,
          "J": 0.514, "K": 0.778, "L": 0.625, "M": 0.917, "N": 0.75, "O": 0.778, "P": 0.681, "Q": 0.778, "R": 0.736,
          "S": 0.556, "T": 0.722, "U": 0.75, "V": 0.75, "W": 1.028, "X": 0.75, "Y": 0.75, "Z": 0.611, "a": 0.5,
          "b": 0.556, "c": 0.444, "d": 0.556, "e": 0.444, "f": 0.306, "g": 0.5, "h": 0.556, "i": 0.278, "j": 0.306,
          "k": 0.528, "l": 0.278, "m": 0.833, "n": 0.556, "o": 0.5, "p": 0.556, "q": 0.528, "r": 0.392, "s": 0.394,
          "t": 0.389, "u": 0.556, "v": 0.528, "w": 0.722, "x": 0.528, "y": 0.528, "z": 0.444,
          # escaped or replaced: math relations, bar, text commands
          "<": 0.778, ">": 0.778, "|": 0.278, '"': 0.5, "_": 0.5, "\\": 0.5, "~": 0.5, "^": 0.5, "&": 0.778,
          "%": 0.833, "$": 0.5, "#": 0.833, "{": 0.5, "}": 0.5, "`": 0.278}
_WIDTH.update({d: 0.5 for d in "0123456789"})
#: cmr9 is about 3% wider than cmr10 scaled to 9 pt; a further margin for kerning and rounding
_SAFETY = 1.06


def estimate_width(text: str, size_pt: float = 9.0, numeric: bool = False) -> float:
    """Width in pt of ``text`` typeset in Computer Modern at ``size_pt`` (an upper estimate).

    In a numeric cell a minus sign is a math minus and ``5.97e-07`` is
    typeset ``5.97 x 10^-7`` with a superscript exponent.

    Examples
    --------
    >>> round(estimate_width("0.204"), 1)
    21.7
    """
    text = str(text)
    em, pos = 0.0, 0
    if numeric:
        parts = []
        for m in _NUM_RE.finditer(text):
            parts.append(text[pos:m.start()])
            s = m.group(0)
            mant, _, exp = s.lower().partition("e")
            if mant.startswith("-"):
                em += 0.778
                mant = mant[1:]
            em += sum(_WIDTH.get(c, 0.5) for c in mant)
            if exp:  # \times (with its math spacing) 10^{exp}, the exponent in script size
                e = str(int(exp))
                em += 0.778 + 0.444 + 1.0 + 0.45 * len(e.lstrip("-")) + (0.6 if e.startswith("-") else 0.0)
            pos = m.end()
        parts.append(text[pos:])
        text = "".join(parts)
        em += 0.17 * (text.count("<") + text.count(">"))  # the thin space after a comparison sign
    em += sum(_WIDTH.get(c, 0.6) for c in text)
    return em * size_pt * _SAFETY


def _longest_word(text: str, size_pt: float) -> float:
    return max((estimate_width(w, size_pt) for w in str(text).split()), default=0.0)


def _split_header(label: str, cell_width: float, size_pt: float) -> list[str]:
    """A header on one line, or on two lines where that narrows its column."""
    words = label.split()
    if len(words) < 2 or estimate_width(label, size_pt) <= cell_width:
        return [label]
    best = None
    for i in range(1, len(words)):
        lines = [" ".join(words[:i]), " ".join(words[i:])]
        w = max(estimate_width(x, size_pt) for x in lines)
        if best is None or w < best[0]:
            best = (w, lines)
    return best[1]


# -- tables -------------------------------------------------------------------------------------------------
def _plan(lay: Layout, target: float, size_pt: float):
    """Column specs that fit ``target`` pt, or None. Returns (specs, headers, wrapped columns, width).

    Columns keep their natural width where the table fits; otherwise text
    columns with spaces become ``p{...}`` columns (absolute widths: the table
    is never wider than it needs, and fits any text at least ``target`` wide),
    none narrower than its longest word. A spanning layout's first column is
    not a column: its headings are rows as wide as the table.
    """
    sep = 2 * TABCOLSEP_PT
    cols = lay.columns[1:] if lay.spanning else lay.columns
    n = len(cols)
    cell_w, headers, natural, words = [], [], [], []
    for col in cols:
        w = max((estimate_width(c.text, size_pt, c.numeric) for c in col.cells), default=0.0)
        cell_w.append(w)
        lines = _split_header(col.label, w, size_pt)
        headers.append(lines)
        natural.append(max([w] + [estimate_width(x, size_pt) for x in lines]))
        words.append(max([_longest_word(c.text, size_pt) for c in col.cells] + [_longest_word(col.label, size_pt)]))
    total = sum(natural) + sep * (n - 1)
    specs = ["r" if col.numeric else "l" for col in cols]
    if lay.spanning:  # the headings wrap at the table's width; each of their words must fit it
        first = lay.columns[0]
        heading = max((estimate_width(c.text, size_pt) for c in first.cells), default=0.0)
        longest = max((_longest_word(c.text, size_pt) for c in first.cells), default=0.0)
        if total > target or longest > target:
            return None
        width = min(max(total, heading), target)
        return specs, headers, set(), width
    if total <= target:
        return specs, headers, set(), total
    wrap = [i for i, col in enumerate(cols)
            if not col.numeric and natural[i] > MIN_WRAP_PT and any(" " in c.text for c in col.cells)]
    if not wrap:
        return None
    for i in wrap:  # a wrapped column's header wraps with it
        headers[i] = [cols[i].label]
        natural[i] = max(cell_w[i], estimate_width(cols[i].label, size_pt))
    fixed = sum(natural[i] for i in range(n) if i not in wrap) + sep * (n - 1)
    avail = target - fixed
    floor = {i: max(words[i], MIN_WRAP_PT) for i in wrap}
    if avail < sum(floor.values()):
        return None
    # shares proportional to the natural widths, none below its longest word
    share = {i: natural[i] for i in wrap}
    for _ in range(len(wrap) + 1):
        free = [i for i in wrap if share[i] > floor[i]]
        pinned = sum(floor[i] for i in wrap if i not in free)
        scale = (avail - pinned) / max(sum(natural[i] for i in free), 1e-9)
        share = {i: (max(floor[i], natural[i] * scale) if i in free else floor[i]) for i in wrap}
    for i in wrap:
        specs[i] = f"p{{{math.floor(share[i])}pt}}"
    return specs, headers, set(wrap), fixed + sum(math.floor(share[i]) for i in wrap)


def _row(cells: list[str], end: str) -> str:
    return " & ".join(cells) + f" {end}"


def _cell_tex(cell, wrapped: bool) -> str:
    tex = latex_number(cell.text) if cell.numeric else latex_escape(cell.text)
    return ("\\raggedright " + tex) if wrapped and tex else tex


def choose_layout(lay: Layout, *, span: str = "auto", size: str = "small", shape: str = "auto",
                  long_name: str = "column"):
    """The layout a table is typeset in, its column plan, its float and its font size.

    In order: the wide table at ``size`` in a column, then on the page (where
    ``span`` allows); the long table (:meth:`Layout.melt`, for tables whose
    columns are parallel: fits side by side, groups) likewise; then the same at
    the next smaller font sizes. Returns ``(layout, (specs, headers, wrapped,
    width), "column" or "page", size)``; width is infinite where nothing fits
    (the table is then set at natural width). Arguments as in :func:`render_table`.
    """
    if span not in ("auto", "column", "page"):
        raise EcostatError(f"span must be 'auto', 'column' or 'page'; got {span!r}.")
    if size not in SIZES:
        raise EcostatError(f"size must be one of {list(SIZES)}; got {size!r}.")
    if shape not in ("auto", "wide", "long"):
        raise EcostatError(f"shape must be 'auto', 'wide' or 'long'; got {shape!r}.")
    if not lay.columns:
        raise EcostatError(f"table {lay.title!r} has no columns to typeset.")
    # a long table only where the columns are parallel (no interval column of its own to pull apart)
    can_melt = len(lay.columns) > 2 and not any(c.label == lay.interval_label for c in lay.columns)
    shapes = {"wide": [lay], "long": [lay.melt(long_name)], "auto": [lay]}[shape]
    if shape == "auto" and can_melt:
        shapes.append(lay.melt(long_name))
    order = list(SIZES)
    for size_ in order[order.index(size):] if size != "normalsize" else [size]:
        for candidate in shapes:
            if span in ("auto", "column"):
                plan = _plan(candidate, COLUMN_PT, SIZES[size_])
                if plan is not None:
                    return candidate, plan, "column", size_
            if span != "column":
                plan = _plan(candidate, PAGE_PT, SIZES[size_])
                if plan is not None:
                    return candidate, plan, "page", size_
    lay = shapes[0]
    grid = lay.columns[1:] if lay.spanning else lay.columns
    plan = (["r" if c.numeric else "l" for c in grid], [[c.label] for c in grid], set(), float("inf"))
    return lay, plan, ("column" if span == "column" else "page"), size


def render_table(lay: Layout, *, caption: str | None = None, label: str | None = None, span: str = "auto",
                 float_: bool = True, size: str = "small", placement: str | None = None, shape: str = "auto",
                 long_name: str = "column") -> str:
    """One table as a booktabs ``tabular``, in a ``table``/``table*`` float unless ``float_`` is False.

    Parameters
    ----------
    lay : Layout
    caption, label : str, optional
    span : {"auto", "column", "page"}
        ``column``: a ``table`` float fitted to a column of a two-column
        document; ``page``: a ``table*`` float fitted to the text width of a
        one-column article; ``auto``: ``column`` where the table fits it.
    float_ : bool
        Wrap in a float with ``\\centering``, the font size and the padding; else the bare ``tabular``.
    size : {"small", "footnotesize", "scriptsize", "normalsize"}
        Font size of the float.
    placement : str, optional
        Float placement (default ``htbp``, ``tp`` for ``table*``).
    shape : {"auto", "wide", "long"}
        ``long``: one row per (row, column) pair, under a heading per row
        (:meth:`Layout.melt`); ``auto``: long where the wide table does not fit
        the text width.
    long_name : str
        Header of the column that names the melted columns.
    """
    if not lay.columns:  # nothing to typeset: the caption and a word, so that references still resolve
        if not float_:
            return f"% table {latex_escape(lay.title)} is empty"
        lines = ["\\begin{table}[htbp]", "\\centering", f"\\{size}"]
        lines += [f"\\caption{{{latex_escape(caption)}}}"] if caption else []
        lines += [f"\\label{{{label}}}"] if label else []
        return "\n".join(lines + ["(empty)", "\\end{table}"])
    asked = size
    lay, plan, chosen, size = choose_layout(lay, span=span, size=size, shape=shape, long_name=long_name)
    specs, headers, wrapped, width = plan
    grid = lay.columns[1:] if lay.spanning else lay.columns
    end = "\\tabularnewline" if (len(specs) - 1) in wrapped else "\\\\"
    env = "table*" if chosen == "page" else "table"
    lines = []
    if lay.dropped:
        lines.append("% columns left out (columns=[...] shows them): " + ", ".join(map(str, lay.dropped)))
    if width == float("inf"):
        where = "a column" if chosen == "column" else "the text width"
        lines.append(f"% wider than {where} even at \\scriptsize: choose fewer columns (columns=[...])")
        from ..errors import EcostatWarning, warn_at_caller

        hint = " or span='page'" if chosen == "column" else ""
        warn_at_caller(f"table {lay.title!r} is wider than {where} of a 10 pt article; choose fewer columns "
                       f"(columns=[...]){hint}.", EcostatWarning)
    elif size != asked:
        lines.append(f"% set in \\{size}: at \\{asked} it is wider than {'a column' if chosen == 'column' else 'the text'}")
    if float_:
        lines += [f"\\begin{{{env}}}[{placement or ('tp' if env == 'table*' else 'htbp')}]", "\\centering",
                  f"\\{size}", f"\\setlength{{\\tabcolsep}}{{{TABCOLSEP_PT:g}pt}}"]
        if caption:
            lines.append(f"\\caption{{{latex_escape(caption)}}}")
        if label:
            lines.append(f"\\label{{{label}}}")
    lines += [f"\\begin{{tabular}}{{@{{}}{''.join(specs)}@{{}}}}", "\\toprule"]
    depth = max(len(h) for h in headers)
    for r in range(depth):
        row = []
        for i, h in enumerate(headers):
            pad = [""] * (depth - len(h)) + h  # bottom-aligned
            text = latex_escape(pad[r])
            row.append(("\\raggedright " + text) if i in wrapped and text else text)
        lines.append(_row(row, end))
    lines.append("\\midrule")
    starts = set(lay.groups)
    for r in range(lay.n_rows):
        if r in starts and r > 0:
            lines.append("\\addlinespace")
        if lay.spanning and lay.columns[0].cells[r].text:
            heading = latex_escape(lay.columns[0].cells[r].text)
            lines.append(f"\\multicolumn{{{len(grid)}}}{{@{{}}p{{{math.floor(width)}pt}}@{{}}}}"
                         f"{{\\raggedright\\itshape {heading}}} {end}")
        lines.append(_row([_cell_tex(col.cells[r], i in wrapped) for i, col in enumerate(grid)], end))
    lines += ["\\bottomrule", "\\end{tabular}"]
    if float_:
        lines.append(f"\\end{{{env}}}")
    return "\n".join(lines)


def render_facts(title: str, facts: list[tuple[str, str]], notes: list[str], *, label: str | None = None,
                 size: str = "small", float_: bool = True) -> str:
    """The header facts (and notes) of a summary: a two-column ``tabular`` whose values wrap, in a ``table`` float."""
    size_pt = SIZES[size]
    key_w = max((estimate_width(k, size_pt) for k, _ in facts), default=0.0)
    fixed = key_w + 2 * TABCOLSEP_PT + 1
    lines = []
    if float_:
        lines += ["\\begin{table}[htbp]", "\\centering", f"\\{size}", f"\\setlength{{\\tabcolsep}}{{{TABCOLSEP_PT:g}pt}}",
                  f"\\caption{{{latex_escape(title)}}}"]
        if label:
            lines.append(f"\\label{{{label}}}")
    if facts:
        lines.append(f"\\begin{{tabular}}{{@{{}}lp{{\\dimexpr\\linewidth-{fixed:.0f}pt\\relax}}@{{}}}}")
        lines += [f"{latex_escape(k)} & \\raggedright {latex_escape(v)} \\tabularnewline" for k, v in facts]
        lines.append("\\end{tabular}")
    if notes:  # numbered as in the text rendering (an itemize bullet would load a bitmap TS1 font at 9 pt)
        lines += ["\\par\\medskip", "{\\footnotesize\\raggedright"]
        lines += [f"\\noindent[{i + 1}] {latex_escape(n)}\\par" for i, n in enumerate(notes)]
        lines.append("}")
    if float_:
        lines.append("\\end{table}")
    return "\n".join(lines)
