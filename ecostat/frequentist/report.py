"""The classical tables a Bayesian fit summary shows beside the posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import EcostatError, UndefinedMetricError
from ._data import group_design, require_two, table_of
from .gee import gee_exchangeable
from .paired import cochrans_q, mcnemar_pairs

__all__ = ["classical_counterparts", "GEE_MAX_COST", "CLASSICAL_COLUMNS"]

#: Above this many profiles x coefficients^2 the summary skips the GEE rows (a note says so);
#: :func:`gee_exchangeable` still runs on request. Measured: 1.9e8 (N = 300,000, k = 30,
#: 213,000 distinct profiles) takes 2.7 s; 2.1e7 (N = 100,000, k = 20) 0.4 s.
GEE_MAX_COST = 2e8

#: Columns of the "Classical tests" table.
CLASSICAL_COLUMNS = ["question", "method", "estimate", "ci_low", "ci_high", "statistic", "df", "p_value", "n", "note"]


def classical_counterparts(fm, *, group: bool | None = None, pairs: bool = True) -> list[tuple[str, pd.DataFrame]]:
    """Classical tests that answer the questions of a Bayesian fit, as titled tables.

    1. ``"Classical tests"``, one row per question:

       * "do failure rates differ between decision-makers?": Cochran's Q
         (:func:`~ecostat.frequentist.cochrans_q`). With missing cells it is
         computed on the complete instances only and the ``note`` and ``n``
         say how many that is.
       * "do decision-makers fail the same instances?": the exchangeable
         working correlation of a logistic GEE with instances as clusters
         (:func:`~ecostat.frequentist.gee_exchangeable`, profile-table engine),
         its 95% interval and the Wald p-value of correlation 0, both from the
         robust (sandwich) standard error.
       * with group terms: "do failure rates differ between groups?": the
         robust Wald test that every model-by-group GEE coefficient is 0.

    2. ``"Pairwise McNemar tests"``: :func:`~ecostat.frequentist.mcnemar_pairs`
       (Holm-adjusted).

    Everything is computed from the profile table, so it costs about the same
    at N = 300,000 as at N = 2,000 (0.1 s for k = 3, with groups). Only when
    k is large and nearly every instance has its own profile (profiles x
    coefficients^2 above :data:`GEE_MAX_COST`, about 3 s of GEE) are the GEE
    rows left empty, with a note saying so and how to run the GEE anyway.
    When the model-by-group terms are not estimable (a decision-maker without
    failures in some group), the correlation row is fitted without them and
    its note says so. Nothing is left out silently: every row has its ``n``
    and a ``note``.

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        At least two decision-makers.
    group : bool or None
        Model-by-group terms in the GEE (and the group row). ``None``: when the
        data have a grouping with two or more levels.
    pairs : bool
        Add the pairwise McNemar table (k (k - 1) / 2 rows; ``False`` leaves it
        out, as a fit summary does beyond 20 decision-makers).

    Returns
    -------
    list of (str, pandas.DataFrame)
        ``[("Classical tests", ...), ("Pairwise McNemar tests", ...)]``; the first
        table has the columns :data:`CLASSICAL_COLUMNS`.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.frequentist import classical_counterparts
    >>> tables = classical_counterparts(es.simulate(n=2000, family="rasch", seed=0))
    >>> [title for title, _ in tables]
    ['Classical tests', 'Pairwise McNemar tests']
    >>> tests = tables[0][1]
    >>> tests[["question", "n"]]
                                                question     n
    0  do failure rates differ between decision-makers?  2000
    1        do decision-makers fail the same instances?  2000
    >>> bool((tests["p_value"] < 1e-6).all())
    True
    """
    t = table_of(fm)
    require_two(t, "classical_counterparts")
    if group is None:
        group = t.group_codes is not None and t.n_groups >= 2
    elif group:
        group_design(t, True)  # no grouping (or one level): an error that says so, not a note
    rows = [_cochran_row(t)]
    k, G = t.n_models, (t.n_groups if group else 1)
    cost = float(t.n_profiles) * (k * G) ** 2
    if cost > GEE_MAX_COST:
        note = (f"not computed here: {t.n_profiles:,} distinct profiles x {k * G} coefficients is too costly for a "
                "summary; run ecostat.frequentist.gee_exchangeable(fm) directly.")
        rows.append(_gee_row(None, t, note))
        if group:
            rows.append(_group_row(None, t, note))
    else:
        try:
            res = gee_exchangeable(t, group=bool(group), engine="profiles")
            rows.append(_gee_row(res, t, "robust (sandwich) SE; instances as clusters"))
            if group:
                rows.append(_group_row(res, t, f"model-by-{t.group_name} coefficients, robust Wald"))
        except EcostatError as err:  # undefined on these data: say why in the table
            note = f"not computed: {err}"
            if group:  # the correlation does not need the group terms: fit without them, and say so
                try:
                    res = gee_exchangeable(t, group=False, engine="profiles")
                    rows.append(_gee_row(res, t, f"robust (sandwich) SE; fitted without model-by-{t.group_name} "
                                                 f"terms, which are not estimable here: {err}"))
                except EcostatError as err2:
                    rows.append(_gee_row(None, t, f"not computed: {err2}"))
                rows.append(_group_row(None, t, note))
            else:
                rows.append(_gee_row(None, t, note))
    table = pd.DataFrame(rows, columns=CLASSICAL_COLUMNS)
    tables = [("Classical tests", table)]
    return tables + [("Pairwise McNemar tests", mcnemar_pairs(t))] if pairs else tables


def _row(question, method, estimate=np.nan, ci=(np.nan, np.nan), statistic=np.nan, df=np.nan, p=np.nan, n=0, note=""):
    return [question, method, estimate, ci[0], ci[1], statistic, df, p, int(n), note]


def _cochran_row(t) -> list:
    question = "do failure rates differ between decision-makers?"
    complete = (t.patterns >= 0).all(axis=1)
    n_incomplete = int(t.counts[~complete].sum())
    note = ""
    if n_incomplete:
        if not complete.any() or t.counts[complete].sum() == 0:
            return _row(question, "Cochran's Q", n=0,
                        note=f"not computed: all {t.n_instances} instances have missing cells")
        note = (f"on the {int(t.counts[complete].sum())} complete instances; {n_incomplete} instance(s) with missing "
                "cells are not used")
        t = t.subset(complete)
    try:
        r = cochrans_q(t)
    except UndefinedMetricError as err:
        return _row(question, "Cochran's Q", n=t.n_instances, note=f"not computed: {err}")
    return _row(question, "Cochran's Q", statistic=r.statistic, df=r.df, p=r.p_value, n=r.n_instances, note=note)


def _gee_row(res, t, note) -> list:
    question = "do decision-makers fail the same instances?"
    method = "GEE exchangeable working correlation (logit)"
    if res is None:
        return _row(question, method, n=t.n_instances, note=note)
    return _row(question, method, estimate=res.correlation, ci=res.correlation_ci,
                statistic=res.correlation / res.correlation_se, p=res.correlation_p_value, n=res.n_clusters, note=note)


def _group_row(res, t, note) -> list:
    question = "do failure rates differ between groups?"
    method = f"GEE Wald test of model:{t.group_name} terms"
    if res is None:
        return _row(question, method, n=t.n_instances, note=note)
    gt = res.group_test
    return _row(question, method, statistic=gt["statistic"], df=gt["df"], p=gt["p_value"], n=res.n_clusters, note=note)
