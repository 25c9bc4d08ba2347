"""Do decision-makers differ in failure rate? Cochran's Q and pairwise McNemar tests.

Both are tests for *paired* binary data: every instance is judged by every
decision-maker, so the failure rates are compared within instances rather
than as independent samples. The null hypothesis of Cochran's Q is that all k
decision-makers have the same failure rate; McNemar's test is its k = 2 case,
applied here to every pair. Both are computed by statsmodels
(:func:`statsmodels.stats.contingency_tables.cochrans_q`,
:func:`statsmodels.stats.contingency_tables.mcnemar`), with the Holm
correction of :func:`statsmodels.stats.multitest.multipletests`.

They are the classical counterparts of the model effects ``b_j`` of the
Bayesian families (docs/architecture.md §8): "is b_j the same for every j?".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import cochrans_q as _sm_cochrans_q
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.multitest import multipletests

from ..data.pair_tables import pair_tables
from ..errors import EcostatError, UndefinedMetricError, preview
from ._data import expand, require_complete_rows, require_two, table_of

__all__ = ["CochranQResult", "cochrans_q", "mcnemar_pairs", "EXACT_BELOW"]

#: ``exact=None`` uses the exact binomial test when a pair has fewer discordant instances than this.
EXACT_BELOW = 25


@dataclass(frozen=True)
class CochranQResult:
    """Cochran's Q test that all decision-makers have the same failure rate.

    Attributes
    ----------
    statistic : float
        ``Q``, approximately chi-square with ``df`` degrees of freedom under the null.
    df : int
        ``k - 1``.
    p_value : float
    n_instances : int
        Instances used (all of them: the test needs complete rows).
    failure_rates : pandas.Series
        Failure rate of each decision-maker (the quantities compared).
    """

    statistic: float
    df: int
    p_value: float
    n_instances: int
    failure_rates: pd.Series

    def __repr__(self) -> str:
        return (f"CochranQResult(statistic={self.statistic:.4g}, df={self.df}, p_value={self.p_value:.4g}, "
                f"n_instances={self.n_instances})")


def cochrans_q(fm) -> CochranQResult:
    """Cochran's Q test: do the k decision-makers have the same failure rate?

    With ``C_j`` the failures of decision-maker j, ``R_i`` those of instance i
    and ``T = sum_j C_j``,

        Q = (k - 1) [k sum_j C_j^2 - T^2] / (k T - sum_i R_i^2),

    referred to a chi-square distribution with ``k - 1`` degrees of freedom
    (Cochran 1950). Instances failed by all or by none of the decision-makers
    do not change Q. Computed by
    :func:`statsmodels.stats.contingency_tables.cochrans_q`.

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        At least two decision-makers; no missing cells.

    Returns
    -------
    CochranQResult

    Raises
    ------
    DataError
        If some instance has a missing cell (the message says how many and how
        to restrict to the complete instances; nothing is dropped silently).
    UndefinedMetricError
        If k < 2, or if every instance is failed by all or by none of the
        decision-makers (Q is 0/0: the data say nothing about the rates).

    See Also
    --------
    mcnemar_pairs : the pairwise tests.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.frequentist import cochrans_q
    >>> fm = es.FailureMatrix([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 0, 1], [1, 1, 0]],
    ...                       models=["a", "b", "c"])
    >>> r = cochrans_q(fm)
    >>> round(r.statistic, 4), r.df, round(r.p_value, 4)
    (3.5, 2, 0.1738)
    """
    t = table_of(fm)
    require_two(t, "Cochran's Q")
    require_complete_rows(t, "Cochran's Q")
    F, _ = expand(t)
    k = t.n_models
    rows = F.sum(axis=1, dtype=np.int64)
    if np.all((rows == 0) | (rows == k)):
        raise UndefinedMetricError(
            "Cochran's Q is 0/0 here: every instance is failed by all or by none of the decision-makers, so the "
            "failure rates are equal and the data carry no within-instance contrast. There is nothing to test; "
            "report the (identical) failure rates instead."
        )
    res = _sm_cochrans_q(F)
    rates = pd.Series(F.mean(axis=0), index=list(t.models), name="failure_rate")
    return CochranQResult(float(res.statistic), int(res.df), float(res.pvalue), int(F.shape[0]), rates)


def mcnemar_pairs(fm, *, exact: bool | None = None, adjust: str | None = "holm") -> pd.DataFrame:
    """McNemar's test of equal failure rates for every pair of decision-makers.

    For the pair (a, b), only the discordant instances matter: ``n_a_only``
    (a fails, b does not) and ``n_b_only`` (b fails, a does not). Under the
    null (equal failure rates) ``n_a_only ~ Binomial(n_a_only + n_b_only, 1/2)``.
    Computed by :func:`statsmodels.stats.contingency_tables.mcnemar`:

    * exact: the two-sided binomial test; ``statistic = min(n_a_only, n_b_only)``;
    * chi-square with continuity correction:
      ``statistic = (|n_a_only - n_b_only| - 1)^2 / (n_a_only + n_b_only)``, 1 df.

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        At least two decision-makers.
    exact : bool or None
        ``True``: exact test for every pair; ``False``: chi-square with
        continuity correction; ``None`` (default): exact when the pair has
        fewer than 25 discordant instances (``n_a_only + n_b_only < 25``,
        :data:`EXACT_BELOW`), where the chi-square approximation is poor,
        else chi-square. A pair with no discordant instance always gets the
        exact test (p = 1; the chi-square statistic would be 0/0); its
        ``method`` says so.
    adjust : str or None
        Multiple-testing correction over the k(k-1)/2 pairs, any ``method`` of
        :func:`statsmodels.stats.multitest.multipletests` (default ``"holm"``);
        ``None`` leaves ``p_adjusted`` equal to ``p_value``.

    Returns
    -------
    pandas.DataFrame
        One row per pair (a before b in the model order) with ``model_a``,
        ``model_b``, ``n`` (instances observed for both), ``n_a_only``,
        ``n_b_only``, ``statistic``, ``p_value``, ``p_adjusted`` and
        ``method``. ``attrs["adjust"]`` records the correction.

    Notes
    -----
    Missing cells: each pair uses the instances where both decision-makers
    have a decision; an instance missing either cell is not used *for that
    pair* (``n`` reports how many were used per pair).

    Raises
    ------
    UndefinedMetricError
        If k < 2 or a pair has no instance in common.
    EcostatError
        For an unknown ``adjust`` method.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.frequentist import mcnemar_pairs
    >>> fm = es.FailureMatrix([[1, 0]] * 9 + [[0, 1]] * 2 + [[1, 1]] * 5 + [[0, 0]] * 4, models=["a", "b"])
    >>> mcnemar_pairs(fm)[["model_a", "model_b", "n", "n_a_only", "n_b_only", "p_value", "method"]]
      model_a model_b   n  n_a_only  n_b_only   p_value          method
    0       a       b  20         9         2  0.065430  exact binomial
    """
    t = table_of(fm)
    require_two(t, "McNemar's test")
    if adjust is not None and not isinstance(adjust, str):
        raise EcostatError(f"adjust must be a multipletests method name such as 'holm', or None; got {adjust!r}.")
    tab = pair_tables(t)
    k = t.n_models
    both = tab.n  # (k, k), summed once
    rows = []
    for a in range(k):
        for b in range(a + 1, k):
            n = int(both[a, b])
            if n == 0:
                raise UndefinedMetricError(
                    f"McNemar's test is undefined for the pair ({t.models[a]!r}, {t.models[b]!r}): no instance was "
                    "met by both decision-makers. Leave one of them out (fm.select([...]))."
                )
            n_a, n_b = int(tab.n10[a, b]), int(tab.n01[a, b])
            use_exact = (n_a + n_b < EXACT_BELOW) if exact is None else bool(exact)
            method = "exact binomial" if use_exact else "chi-square, continuity-corrected"
            if n_a + n_b == 0:
                use_exact, method = True, "exact binomial (no discordant instances)"
            res = _sm_mcnemar(np.array([[0, n_a], [n_b, 0]]), exact=use_exact, correction=True)
            rows.append((t.models[a], t.models[b], n, n_a, n_b, float(res.statistic), float(res.pvalue), method))
    out = pd.DataFrame(rows, columns=["model_a", "model_b", "n", "n_a_only", "n_b_only", "statistic", "p_value", "method"])
    if adjust is None:
        padj = out["p_value"].to_numpy()
    else:
        try:
            padj = multipletests(out["p_value"].to_numpy(), method=adjust)[1]
        except ValueError:
            raise EcostatError(
                f"unknown multiple-testing correction adjust={adjust!r}; use one of statsmodels' multipletests "
                f"methods, e.g. {preview(['holm', 'bonferroni', 'fdr_bh', 'sidak', 'hommel'])}, or None."
            ) from None
    out.insert(7, "p_adjusted", padj)
    out.attrs["adjust"] = adjust
    return out
