"""Numbers and labels of the summary tables, formatted by kind (one set of rules for text, LaTeX and HTML).

A table is turned into a :class:`Layout`: display columns with readable labels
and cells formatted by the kind of number they hold. The renderers
(:mod:`ecostat.report.summary`, :mod:`ecostat.report.latex`,
:mod:`ecostat.report.html`) only typeset a layout, so every output shows the
same digits.

Kinds
-----
``p``
    p-values: three decimals, ``< 0.001`` below.
``prob``
    posterior probabilities (``P(> indep)``, pseudo-BMA weights): three
    decimals, ``< 0.001`` and ``> 0.999`` at the ends (a proportion of draws is
    never exactly 0 or 1).
``int``
    counts, ranks, effective sample sizes: integers.
``rhat``
    R-hat: three decimals (the convergence limit is 1.01).
``float``
    everything else: three significant digits; scientific notation below
    0.001 (``5.97e-07``); an interval ``[lo, hi]`` takes the decimals of its
    estimate.

Intervals (``hdi_low``/``hdi_high``, ``ci_lo``/``ci_hi``, ``x_low``/``x_high``,
``lo``/``hi``) become one column ``[lo, hi]`` beside their estimate, or, when
a table has several, one cell ``estimate [lo, hi]`` per quantity.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import EcostatError

__all__ = ["Cell", "Column", "Layout", "layout", "format_number", "format_interval", "column_kind", "LABELS",
           "ROW_LABELS", "sig_decimals"]

#: readable labels of the code names of columns (the DataFrames keep the code names)
LABELS = {
    "mean": "mean", "sd": "sd", "r_hat": "R-hat", "ess_bulk": "ESS bulk", "ess_tail": "ESS tail",
    "n_observed": "n", "failure_rate": "failure rate", "systemic_failure_rate": "systemic failure rate",
    "model_a": "model A", "model_b": "model B", "double_fault": "double fault", "yules_q": "Yule's Q",
    "pearson": "Pearson r", "pmi": "PMI", "h_pair": "H (pair)", "kappa": "kappa", "covariance": "covariance",
    "p_all_others_fail_given_fail": "P(all others fail | fails)", "p_all_others_fail": "P(all others fail)",
    "p_independent": "independence",
    "elpd_loo": "elpd LOO", "se": "SE", "p_loo": "p LOO", "elpd_diff": "elpd diff", "dse": "SE of diff",
    "stratum": "group", "l1": "L1 distance", "p_value": "p", "replicated_mean": "replicated mean",
    "estimate or statistic": "estimate", "excess": "systemic excess", "majority": "majority-vote accuracy",
    "gap": "ensemble gap", "scale": "difficulty scale", "difference": "difference", "ratio": "ratio",
    "hyperparameter": "hyperparameter",
}

#: readable labels of code names found in a table's first column (quantities, diagnostics, statistics)
ROW_LABELS = {
    "systemic_failure_rate": "systemic failure rate",
    "independence_systemic_failure_rate": "systemic failure rate under independence",
    "systemic_excess": "systemic excess", "homogenization": "homogenization H",
    "min_exp": "MinExp (Bommasani eq. 17)", "exp_exp": "ExpExp (Bommasani eq. 18)",
    "h_avg": "H avg (Bommasani eq. 6)", "h_unif": "H unif (eq. 7)", "h_worst": "H worst (eq. 8)",
    "unfairness": "unfairness (eq. 9)",
    "r_hat_max": "largest R-hat", "ess_bulk_min": "smallest bulk ESS", "ess_tail_min": "smallest tail ESS",
    "systemic_failure_count": "systemic failures (all fail)", "failure_count_histogram": "instances with t failures",
    "pairwise_cofailures": "pairwise co-failures", "group_homogenization": "H within group",
    "excess": "systemic excess", "scale": "difficulty scale", "gap": "ensemble gap",
}

#: kinds of code names wherever they appear (column names, or row labels of a value column)
_NAME_KINDS = {
    "n": "int", "n_observed": "int", "count": "int", "failures": "int", "divergences": "int", "chains": "int",
    "draws": "int", "rank": "int", "only first fails": "int", "only second fails": "int",
    "ess_bulk": "int", "ess_tail": "int", "ess_bulk_min": "int", "ess_tail_min": "int",
    "r_hat": "rhat", "r_hat_max": "rhat", "weight": "prob",
    "systemic_failure_count": "count", "failure_count_histogram": "count", "pairwise_cofailures": "count",
}
#: columns whose cells take the kind of their row (named by the first column)
_BY_ROW = ("value", "observed", "estimate")
_P_NAME = re.compile(r"(^|[\s(])p(-value)?([\s(,]|$)|^p_value$|\bp-value\b", re.IGNORECASE)
NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_INTERVAL_TEXT = re.compile(rf"({NUM}) \[({NUM}), ({NUM})\]")
_NUMBER_TEXT = re.compile(rf"^\s*{NUM}\s*$")


def column_kind(name) -> str | None:
    """Kind of the numbers under a column or row named ``name`` (None: not known from the name).

    Examples
    --------
    >>> [column_kind(n) for n in ("p_value", "McNemar p (Holm)", "P(> indep)", "ess_bulk", "p_loo", "mean")]
    ['p', 'p', 'prob', 'int', None, None]
    """
    text = str(name).strip()
    if text in _NAME_KINDS:
        return _NAME_KINDS[text]
    if text.startswith(("P(>", "P(<")):
        return "prob"
    if text.lower().startswith("ess") or text.lower().endswith(" ess"):
        return "int"
    if _P_NAME.search(text) and not text.lower().startswith("p_loo"):
        return "p"
    return None


def sig_decimals(v: float, digits: int = 3) -> int | None:
    """Decimals that show ``v`` with ``digits`` significant digits; None where scientific notation is due.

    Examples
    --------
    >>> sig_decimals(5.8457), sig_decimals(0.0603), sig_decimals(1234.5), sig_decimals(0.00002)
    (2, 4, 0, None)
    """
    a = abs(float(v))
    if a == 0 or not math.isfinite(a):
        return 0
    if a < 1e-3 or a >= 1e6:
        return None
    return max(0, digits - 1 - math.floor(math.log10(a)))


def _sci(v: float, digits: int) -> str:
    return f"{v:.{digits - 1}e}"


def format_number(v, kind: str | None = None, digits: int = 3, decimals: int | None = None) -> str:
    """One number as plain text, by kind (see the module docstring); missing values are ``--``.

    Examples
    --------
    >>> [format_number(v, k) for v, k in [(0.00001, "p"), (0.0421, "p"), (1.0, "prob"), (286.85, "int"),
    ...                                  (1.0110, "rhat"), (5.8457, None), (-0.0603, None), (5.966e-7, None)]]
    ['< 0.001', '0.042', '> 0.999', '287', '1.011', '5.85', '-0.0603', '5.97e-07']
    """
    if v is None or isinstance(v, str):
        return "--" if v is None else v
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return str(int(v))
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(v):
        return "--"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if kind == "p":
        return "< 0.001" if v < 0.001 else f"{v:.3f}"
    if kind == "prob":
        return "< 0.001" if v < 0.001 else ("> 0.999" if v > 0.999 else f"{v:.3f}")
    if kind in ("int", "count") and abs(v - round(v)) < 1e-9 or kind == "int":
        return str(int(round(v)))
    if kind == "rhat":
        return f"{v:.3f}"
    if abs(v) < 1e-12:
        return "0"
    if decimals is None:
        decimals = sig_decimals(v, digits)
        if decimals is None:
            return _sci(v, digits)
    out = f"{v:.{decimals}f}"
    return out.lstrip("-") if float(out) == 0 else out  # no "-0.000"


def format_interval(est, lo, hi, digits: int = 3, with_estimate: bool = False) -> str:
    """``[lo, hi]`` (or ``est [lo, hi]``), all with the decimals that give the largest of them ``digits`` digits.

    Examples
    --------
    >>> format_interval(-0.0119, -0.0239, 0.0000954, with_estimate=True)
    '-0.0119 [-0.0239, 0.0001]'
    >>> format_interval(None, 0.1879, 0.2225)
    '[0.188, 0.223]'
    >>> format_interval(0.00429, -0.0717, 0.0849, with_estimate=True)
    '0.0043 [-0.0717, 0.0849]'
    """
    vals = [float(x) for x in (est, lo, hi) if x is not None and np.isfinite(float(x))]
    ref = max(vals, key=abs) if vals else None
    dec = sig_decimals(ref, digits) if ref else 0
    if dec is None:  # everything below 0.001: scientific, each number on its own
        parts = [format_number(x, None, digits) if x is not None else "--" for x in (lo, hi)]
        e = format_number(est, None, digits) if est is not None else None
    else:
        parts = [format_number(x, None, digits, decimals=dec) if x is not None else "--" for x in (lo, hi)]
        e = format_number(est, None, digits, decimals=dec) if est is not None else None
    text = f"[{parts[0]}, {parts[1]}]"
    return f"{e} {text}" if with_estimate and e is not None else text


def reformat_text(text: str, digits: int = 3) -> str:
    """Numbers written as ``est [lo, hi]`` inside a text cell, re-written with ``digits`` significant digits.

    Examples
    --------
    >>> reformat_text("H 5.846 [5.249, 6.626]; P(H > 1) = 1.000")
    'H 5.85 [5.25, 6.63]; P(H > 1) = 1.000'
    """
    return _INTERVAL_TEXT.sub(lambda m: format_interval(float(m.group(1)), float(m.group(2)), float(m.group(3)),
                                                        digits, with_estimate=True), text)


@dataclass
class Cell:
    """A formatted cell: plain text, and whether it is a number (right-aligned, math minus in LaTeX)."""

    text: str
    numeric: bool = False
    missing: bool = False


@dataclass
class Column:
    """A display column: its label, the source columns it shows, and its cells."""

    label: str
    sources: tuple[str, ...]
    cells: list[Cell] = field(default_factory=list)

    @property
    def numeric(self) -> bool:
        present = [c for c in self.cells if not c.missing]
        return bool(present) and all(c.numeric for c in present)


@dataclass
class Layout:
    """The display form of one table.

    Attributes
    ----------
    title : str
    columns : list of Column
    dropped : list of str
        Source columns left out.
    interval_label : str
        What the intervals are (``"95% HDI"``), where the table has some.
    groups : list of int
        Rows that start a group (a little space above them in LaTeX).
    spanning : bool
        The first column holds group headings, typeset in LaTeX as rows
        spanning the table above their group (a long table from :meth:`melt`).
    """

    title: str
    columns: list[Column]
    dropped: list[str] = field(default_factory=list)
    interval_label: str = ""
    groups: list[int] = field(default_factory=list)
    spanning: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].cells) if self.columns else 0

    def melt(self, name: str = "column") -> Layout:
        """Long form: one row per (first-column value, other column), the estimate and its interval apart.

        A table that is too wide for the page (many fits side by side, each
        cell ``estimate [lo, hi]``) becomes one that grows down instead.

        Examples
        --------
        >>> df = pd.DataFrame({"quantity": ["H"], "a": ["5.85 [5.25, 6.63]"], "b": ["1.04 [1.01, 1.07]"]})
        >>> long = layout(df, "Quantities, mean [95% HDI]").melt("fit")
        >>> [c.label for c in long.columns]
        ['quantity', 'fit', 'mean', '95% HDI']
        >>> [c.cells[1].text for c in long.columns]
        ['', 'b', '1.04', '[1.01, 1.07]']
        """
        first, rest = self.columns[0], self.columns[1:]
        pct, noun = interval_noun(self.title)
        ilabel = self.interval_label or " ".join(x for x in (pct, noun or "interval") if x)
        cols = [Column(first.label, first.sources), Column(name, ()), Column("mean" if "HDI" in ilabel else "estimate", ()),
                Column(ilabel, ())]
        groups = []
        for r in range(self.n_rows):
            groups.append(len(cols[0].cells))
            for j, col in enumerate(rest):
                cell = col.cells[r]
                m = _INTERVAL_TEXT.fullmatch(cell.text.strip())
                if m:
                    est, ci = cell.text.strip().split(" ", 1)
                    est, ci = Cell(est, True), Cell(ci, True)
                else:
                    est, ci = cell, Cell("", True, missing=True)
                cols[0].cells.append(first.cells[r] if j == 0 else Cell("", first.cells[r].numeric))
                cols[1].cells.append(Cell(col.label))
                cols[2].cells.append(est)
                cols[3].cells.append(ci)
        return Layout(self.title, cols, list(self.dropped), ilabel, groups, spanning=True)


def _interval_groups(cols: list[str], numeric: set[str], title: str = "") -> list[tuple[str | None, str, str, str]]:
    """(estimate, low, high, noun) of each interval in the columns."""
    out, used = [], set()
    for i, c in enumerate(cols):
        for lo_suffix, hi_suffix in (("_low", "_high"), ("_lo", "_hi")):
            if not c.endswith(lo_suffix):
                continue
            stem = c[: -len(lo_suffix)]
            hi = stem + hi_suffix
            if hi not in cols:
                continue
            if stem in ("hdi", "ci"):
                noun = ""  # the title's word ("interval" of a prior), else HDI or CI
                noun = interval_noun(title)[1] or ("HDI" if stem == "hdi" else "CI")
                est = "mean" if stem == "hdi" and "mean" in cols else next(
                    (p for p in reversed(cols[:i]) if p in numeric and p not in used), None)
            elif stem in cols:
                est, noun = stem, ""
            else:
                continue
            out.append((est, c, hi, noun))
            used.update(x for x in (est, c, hi) if x)
    if "lo" in cols and "hi" in cols and "lo" not in used:
        i = cols.index("lo")
        est = next((p for p in reversed(cols[:i]) if p in numeric and p not in used), None)
        out.append((est, "lo", "hi", "interval"))
    return out


def interval_noun(title: str, context: str = "") -> tuple[str, str]:
    """(percent, noun) of the intervals of a table, read from its title or the summary's header.

    Examples
    --------
    >>> interval_noun("Parameters (95% HDI)")
    ('95%', 'HDI')
    >>> interval_noun("Failure rates", "95% percentile bootstrap, 50 replicates")
    ('95%', 'CI')
    """
    for text in (title, context):
        m = re.search(r"(\d+(?:\.\d+)?%)\s*(HDI|interval|CI|percentile bootstrap|bootstrap)", text or "")
        if m:
            noun = m.group(2)
            return m.group(1), ("CI" if "bootstrap" in noun else noun)
    return "", ""


def _is_numeric_series(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def select_columns(df: pd.DataFrame, columns) -> pd.DataFrame:
    """The columns of ``df`` named in ``columns`` (code names or display labels); intervals follow their estimate."""
    if columns is None:
        return df
    cols = list(df.columns)
    numeric = {c for c in cols if _is_numeric_series(df[c])}
    groups = _interval_groups(cols, numeric)
    by_label = {LABELS.get(str(c), str(c)): c for c in cols}
    keep = []
    for name in ([columns] if isinstance(columns, str) else list(columns)):
        c = name if name in cols else by_label.get(name)
        if c is None:
            labels = [LABELS.get(str(c), str(c)) for c in cols]
            raise EcostatError(f"no column {name!r} in this table; its columns are {cols} (labels {labels}).")
        keep.append(c)
        for est, lo, hi, _ in groups:
            if c in (est, lo, hi):
                keep += [x for x in (est, lo, hi) if x]
    return df[list(dict.fromkeys(x for x in cols if x in keep))]


def layout(df: pd.DataFrame, title: str = "", *, context: str = "", digits: int = 3, columns=None,
           row_labels: bool = True) -> Layout:
    """Format a table for display: readable labels, numbers by kind, intervals joined.

    Parameters
    ----------
    df : DataFrame
    title : str
        The table's title (its interval mass is read from it, e.g. "(95% HDI)").
    context : str
        Text of the summary's header, where the interval mass may be stated.
    digits : int
        Significant digits of plain numbers.
    columns : list of str, optional
        Columns to show (code names or labels); default all.
    row_labels : bool
        Replace code names in the first column by readable labels.

    Examples
    --------
    >>> df = pd.DataFrame({"quantity": ["homogenization"], "mean": [5.8457], "hdi_low": [5.2488],
    ...                    "hdi_high": [6.6255], "P(> indep)": [1.0]})
    >>> lay = layout(df, "Quantities (95% HDI)")
    >>> [c.label for c in lay.columns]
    ['quantity', 'mean', '95% HDI', 'P(> indep)']
    >>> [c.cells[0].text for c in lay.columns]
    ['homogenization H', '5.85', '[5.25, 6.63]', '> 0.999']
    """
    all_cols = list(df.columns)
    df = select_columns(df, columns)
    cols = list(df.columns)
    dropped = [c for c in all_cols if c not in cols]
    numeric = {c for c in cols if _is_numeric_series(df[c])}
    groups = _interval_groups(cols, numeric, title)
    combined = len(groups) >= 2
    pct, noun = interval_noun(title, context)
    first = cols[0] if cols else None
    row_kind = [column_kind(v) if first is not None and isinstance(v, str) else None for v in
                (df[first] if first is not None else [])]
    group_of = {}
    for g in groups:
        for c in g[:3]:
            if c:
                group_of[c] = g
    out: list[Column] = []
    done = set()
    for c in cols:
        if c in done:
            continue
        g = group_of.get(c)
        if g is not None:
            est, lo, hi, gnoun = g
            done.update(x for x in (est, lo, hi) if x)
            est_vals = df[est].tolist() if est else [None] * len(df)
            lo_vals, hi_vals = df[lo].tolist(), df[hi].tolist()
            cells = []
            for e, a, b in zip(est_vals, lo_vals, hi_vals):
                a = None if a is None or pd.isna(a) else float(a)
                b = None if b is None or pd.isna(b) else float(b)
                ev = None if e is None or pd.isna(e) else float(e)
                if a is None and b is None:
                    cells.append(Cell(format_number(ev, None, digits) if combined and ev is not None else "--",
                                      numeric=True, missing=ev is None or not combined))
                else:
                    cells.append(Cell(format_interval(ev, a, b, digits, with_estimate=combined), numeric=True))
            interval_label = " ".join(x for x in (pct, gnoun or noun or "interval") if x)
            if combined:
                label = LABELS.get(str(est), str(est)) if est else interval_label
                out.append(Column(label, tuple(x for x in (est, lo, hi) if x), cells))
            else:
                if est:
                    kind = column_kind(est)
                    out.append(Column(LABELS.get(str(est), str(est)), (est,),
                                      [_cell(v, kind, digits) for v in df[est].tolist()]))
                out.append(Column(interval_label, (lo, hi), cells))
            continue
        done.add(c)
        kind = column_kind(c)
        values = df[c].tolist()
        cells = []
        for i, v in enumerate(values):
            k = kind
            if (c in _BY_ROW or c not in numeric) and row_kind and row_kind[i] is not None and c != first:
                k = row_kind[i] if (row_kind[i] != "count" or c in ("observed", "value")) else kind
            if c == first and row_labels and isinstance(v, str):
                v = ROW_LABELS.get(v, v)
            cells.append(_cell(v, k, digits))
        out.append(Column(LABELS.get(str(c), str(c)), (c,), cells))
    ilabel = " ".join(x for x in (pct, noun) if x) if groups or noun else ""
    return Layout(title, out, dropped, ilabel)


def _cell(v, kind, digits) -> Cell:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return Cell("--", numeric=True, missing=True)
    if isinstance(v, str):
        if _NUMBER_TEXT.match(v):
            return Cell(format_number(float(v), kind, digits), numeric=True)
        if _INTERVAL_TEXT.fullmatch(v.strip()):
            return Cell(reformat_text(v.strip(), digits), numeric=True)
        return Cell(reformat_text(v, digits), numeric=False)
    if isinstance(v, (bool, np.bool_)):
        return Cell(format_number(v), numeric=False)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return Cell(format_number(v, kind, digits), numeric=True)
    return Cell(str(v), numeric=False)
