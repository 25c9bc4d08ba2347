"""The classical tests beside a Bayesian fit (docs/architecture.md §1): same question, two answers.

:func:`ecostat.frequentist.classical_counterparts` answers three questions of a
fit with statsmodels-style tests; here each row gets the posterior's answer to
the same question, computed from the fit's draws:

* do failure rates differ between decision-makers? Cochran's Q | posterior of
  the range (max - min) of the failure rates;
* do decision-makers fail the same instances? GEE exchangeable working
  correlation | posterior of homogenization H and P(H > 1);
* do failure rates differ between groups? GEE Wald test of the model-by-group
  terms | posterior of the largest difference between groups of a decision-maker's
  failure rate;

and each pair's McNemar test gets the posterior difference of the two failure rates.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from . import posterior as post

__all__ = ["classical_tables", "MAX_PAIRS_K"]

#: the pairwise McNemar table (k (k - 1) / 2 rows) is part of a fit summary up to this many decision-makers
MAX_PAIRS_K = 20


def _interval(x: np.ndarray, ci: float) -> str:
    lo, hi = post.hdi(x, ci)
    return f"{float(np.mean(x)):.4g} [{float(lo):.4g}, {float(hi):.4g}]"


def _bayesian_answers(res, ci: float) -> dict[str, str]:
    f = res.quantity_draws("failure_rates")  # (S, k)
    H = res.quantity_draws("homogenization")
    out = {"do failure rates differ between decision-makers?": "range of failure rates " + _interval(np.ptp(f, axis=1), ci),
           "do decision-makers fail the same instances?": f"H {_interval(H, ci)}; P(H > 1) = {float(np.mean(H > 1)):.3f}"}
    if res.design.n_groups > 1:
        fg = res.quantity_draws("failure_rates", by_group=True)  # (S, G, k)
        gap = np.max(np.ptp(fg, axis=1), axis=-1)
        out["do failure rates differ between groups?"] = "largest group difference of a rate " + _interval(gap, ci)
    return out


def classical_tables(res, ci: float = 0.95) -> list[tuple[str, pd.DataFrame]]:
    """Classical tests with the fit's answer to the same question, as summary tables.

    Parameters
    ----------
    res : FitResult
    ci : float
        HDI mass of the Bayesian column.

    Returns
    -------
    list of (title, DataFrame)
        ``"Classical tests beside the posterior"`` and, for k <= :data:`MAX_PAIRS_K`,
        ``"Pairwise McNemar tests beside the posterior"``
        (:func:`ecostat.frequentist.mcnemar_pairs` gives them for any k).

    Examples
    --------
    >>> import ecostat as es
    >>> res = es.fit(es.simulate(n=500, seed=0), "rasch", draws=100, tune=100, seed=0)  # doctest: +SKIP
    >>> [title for title, _ in classical_tables(res)]  # doctest: +SKIP
    ['Classical tests beside the posterior', 'Pairwise McNemar tests beside the posterior']
    """
    from ..frequentist import classical_counterparts

    d = res.design
    with_pairs = d.k <= MAX_PAIRS_K
    tables = classical_counterparts(d.profile_table(), group=d.n_groups > 1, pairs=with_pairs)
    (_, tests) = tables[0]
    answers = _bayesian_answers(res, ci)
    est = tests["estimate"].where(tests["estimate"].notna(), tests["statistic"])
    table = pd.DataFrame({"question": tests["question"], "classical test": tests["method"],
                          "estimate or statistic": est, "p_value": tests["p_value"], "n": tests["n"],
                          "posterior": [answers.get(q, "") for q in tests["question"]]})
    notes = tests["note"].fillna("")
    if (notes != "").any():
        table["note"] = notes
    first = ("Classical tests beside the posterior", table)
    if not with_pairs:
        return [first]
    (_, pairs) = tables[1]
    f = res.quantity_draws("failure_rates")
    diffs = {(a, b): f[:, i] - f[:, j] for (i, a), (j, b) in combinations(enumerate(d.models), 2)}
    pair_table = pd.DataFrame({
        "pair": [f"{a} vs {b}" for a, b in zip(pairs["model_a"], pairs["model_b"])],
        "only first fails": pairs["n_a_only"], "only second fails": pairs["n_b_only"],
        "McNemar p (Holm)": pairs["p_adjusted"],
        "posterior rate difference": [_interval(diffs[(a, b)], ci) for a, b in zip(pairs["model_a"], pairs["model_b"])],
    })
    return [first, ("Pairwise McNemar tests beside the posterior", pair_table)]
