"""Pairwise agreement of decision-makers' failures (ensemble-diversity measures).

For every pair of decision-makers (a, b) the 2x2 table of their failure
indicators over the instances both met (Kuncheva & Whitaker 2003, Table 1):
``n11`` both fail, ``n10`` only a fails, ``n01`` only b fails, ``n00`` neither.
All tables come from one matrix product over the profile table, so an optional
``counts`` array of shape ``(..., P)`` (bootstrap replicates) gives results of
shape ``(..., k, k)``. Missing cells: a pair uses the instances where both
decision-makers are observed (Bommasani et al. 2022, App. A.3).

Entry ``[..., a, b]`` is the measure of the pair (a, b); the diagonal applies the
same formula to (a, a). Undefined off-diagonal values raise
:class:`~ecostat.errors.UndefinedMetricError` when ``counts`` is None and are NaN
in batches; undefined diagonal values are always NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.pair_tables import PairTables, pair_tables
from ..data.profiles import ProfileTable, as_table
from ..errors import UndefinedMetricError, preview
from ..numeric import safe_div
from .metrics import require_two_models

__all__ = ["PairTables", "pair_tables", "cohens_kappa", "double_fault", "yules_q", "disagreement",
           "pairwise_agreement_frame"]




def raise_undefined(t: ProfileTable, bad: np.ndarray, what: str, why) -> None:
    """Raise UndefinedMetricError for the off-diagonal pairs where ``bad`` (k, k) is True.

    ``why(a, b)`` returns the reason for the first bad pair (a, b are indices).
    """
    bad = np.asarray(bad, dtype=bool) & ~np.eye(t.n_models, dtype=bool)
    if not bad.any():
        return
    a, b = np.argwhere(bad)[0]
    pairs = [f"({t.models[i]}, {t.models[j]})" for i, j in np.argwhere(np.triu(bad | bad.T, 1))]
    raise UndefinedMetricError(
        f"{what} is undefined for the pair ({t.models[a]!r}, {t.models[b]!r}): {why(a, b)} "
        f"Undefined pair(s): {preview(pairs)}. Leave the decision-maker out (fm.select([...]); --models on the command line), "
        "or pass counts=... to get NaN for undefined pairs."
    )


def _no_overlap(t: ProfileTable, tab: PairTables, what: str) -> None:
    n = tab.n
    raise_undefined(t, n == 0, what, lambda a, b: "no instance was met by both decision-makers, so the rates are 0/0.")


def _prepare(data, counts, what):
    t = as_table(data)
    require_two_models(t, what)
    tab = pair_tables(t, counts)
    if counts is None:
        _no_overlap(t, tab, what)
    return t, tab


def cohens_kappa(data, counts=None) -> np.ndarray:
    """Cohen's kappa of the failure indicators of every pair (Kuncheva & Whitaker 2003, eq. 9 per pair).

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o = (n11 + n00) / n`` and
    ``p_e = p_a p_b + (1 - p_a)(1 - p_b)``, ``p_a = (n11 + n10) / n``.
    Undefined when ``p_e = 1`` (both always fail, or both never fail).

    Returns
    -------
    ndarray of shape (..., k, k)

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.pairwise import cohens_kappa
    >>> fm = es.FailureMatrix([[1, 1], [1, 0], [0, 1], [0, 0], [1, 1], [0, 0]])
    >>> float(cohens_kappa(fm)[0, 1])  # p_o = 4/6, p_e = 1/2
    0.3333333333333333
    """
    t, tab = _prepare(data, counts, "Cohen's kappa")
    n = tab.n
    pa, pb = safe_div(tab.n11 + tab.n10, n), safe_div(tab.n11 + tab.n01, n)
    po = safe_div(tab.n11 + tab.n00, n)
    pe = pa * pb + (1 - pa) * (1 - pb)
    one_minus_pe = pa * (1 - pb) + (1 - pa) * pb
    constant = (tab.n10 + tab.n01 == 0) & ((tab.n11 == 0) | (tab.n00 == 0))
    if counts is None:
        raise_undefined(t, constant & (n > 0), "Cohen's kappa",
                        lambda a, b: f"both decision-makers {'always' if pa[a, b] == 1 else 'never'} fail on the "
                                     f"{n[a, b]:.0f} instances both met, so p_e = 1 and kappa is 0/0.")
    return safe_div(po - pe, np.where(constant, 0.0, one_minus_pe))


def double_fault(data, counts=None) -> np.ndarray:
    """Double-fault rate ``P(both fail) = n11 / n`` of every pair (Kuncheva & Whitaker 2003, eq. 12).

    Returns
    -------
    ndarray of shape (..., k, k)

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.pairwise import double_fault
    >>> fm = es.FailureMatrix([[1, 1], [1, 0], [0, 1], [0, 0]])
    >>> float(double_fault(fm)[0, 1])
    0.25
    """
    t, tab = _prepare(data, counts, "the double-fault rate")
    return safe_div(tab.n11, tab.n)


def disagreement(data, counts=None) -> np.ndarray:
    """Disagreement rate ``(n10 + n01) / n`` of every pair (Kuncheva & Whitaker 2003, eq. 11).

    Returns
    -------
    ndarray of shape (..., k, k)

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.pairwise import disagreement
    >>> fm = es.FailureMatrix([[1, 1], [1, 0], [0, 1], [0, 0]])
    >>> float(disagreement(fm)[0, 1])
    0.5
    """
    t, tab = _prepare(data, counts, "the disagreement rate")
    return safe_div(tab.n10 + tab.n01, tab.n)


def yules_q(data, counts=None) -> np.ndarray:
    """Yule's Q of every pair, ``(n11 n00 - n10 n01) / (n11 n00 + n10 n01)`` (Kuncheva & Whitaker 2003, eq. 7).

    In [-1, 1]; 0 for independent failures. Undefined when both products are 0.

    Returns
    -------
    ndarray of shape (..., k, k)

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.pairwise import yules_q
    >>> fm = es.FailureMatrix([[1, 1], [1, 1], [1, 0], [0, 1], [0, 0], [0, 0]])
    >>> float(yules_q(fm)[0, 1])  # (2*2 - 1*1) / (2*2 + 1*1)
    0.6
    """
    t, tab = _prepare(data, counts, "Yule's Q")
    same, diff = tab.n11 * tab.n00, tab.n10 * tab.n01
    if counts is None:
        raise_undefined(t, same + diff == 0, "Yule's Q",
                        lambda a, b: f"n11*n00 = {same[a, b]:.0f} and n10*n01 = {diff[a, b]:.0f}, so Q is 0/0.")
    return safe_div(same - diff, same + diff)


def pairwise_agreement_frame(data, counts=None) -> pd.DataFrame:
    """Tidy table of the agreement measures of every pair a < b (in model order).

    ``counts`` (shape (P,)) replaces the profile counts, e.g. for
    :func:`ecostat.bootstrap_frame`.

    Raises :class:`~ecostat.errors.UndefinedMetricError` if a measure is
    undefined for some pair (see the individual functions).

    Returns
    -------
    pandas.DataFrame
        Columns ``model_a, model_b, n, n11, n10, n01, n00`` (int) and
        ``kappa, double_fault, yules_q, disagreement`` (float).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.pairwise import pairwise_agreement_frame
    >>> fm = es.FailureMatrix([[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 0]], models=["a", "b", "c"])
    >>> pairwise_agreement_frame(fm)[["model_a", "model_b", "n11", "disagreement"]]
      model_a model_b  n11  disagreement
    0       a       b    1           0.5
    1       a       c    1           0.5
    2       b       c    1           0.5
    """
    t = as_table(data)
    tab = pair_tables(t, counts)
    values = {"kappa": cohens_kappa(t, counts), "double_fault": double_fault(t, counts),
              "yules_q": yules_q(t, counts), "disagreement": disagreement(t, counts)}
    a, b = np.triu_indices(t.n_models, 1)
    out = pd.DataFrame({"model_a": [t.models[i] for i in a], "model_b": [t.models[j] for j in b]})
    out["n"] = tab.n[a, b].round().astype(np.int64)
    for name in ("n11", "n10", "n01", "n00"):
        out[name] = getattr(tab, name)[a, b].round().astype(np.int64)
    for name, v in values.items():
        out[name] = v[a, b]
    return out
