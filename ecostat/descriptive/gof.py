"""Goodness of fit of a baseline to the observed number-of-failures distribution.

Statistic: the likelihood-ratio (G^2) statistic of the #failures histogram,
``G2 = 2 sum_t n_t log(n_t / (N p_t))``, with the paper's L1 distance (Toups
App. A.3) reported beside it. Its null distribution is obtained by a
parametric bootstrap that repeats the whole estimation: data are simulated
from the fitted baseline (profile counts ~ Multinomial over all 2^k
profiles), the failure rates are re-estimated and, for hard/easy, the grid
search is rerun. The p-value is ``(1 + #{G2* >= G2}) / (1 + n_sim)``; no
asymptotic chi-square is claimed, because the failure rates are estimated
from the margins rather than from the histogram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.profiles import as_table, require_complete
from ..errors import EcostatError
from ..report.result import Result
from ..report.summary import Summary
from ._checks import check_choice, check_count, check_seed
from .baselines import (
    PAPER_ALPHAS,
    PAPER_DELTAS,
    grid_l1,
    hard_easy_distribution,
    hard_easy_grid,
    profile_probabilities,
)
from .metrics import failure_count_distribution, failure_rates, independence_distribution

__all__ = ["goodness_of_fit", "GoodnessOfFit", "g2_statistic"]


@dataclass(frozen=True, repr=False)
class GoodnessOfFit(Result):
    """Result of :func:`goodness_of_fit`.

    Attributes
    ----------
    baseline : str
    statistic : float
        G^2 of the observed histogram against the fitted baseline.
    l1 : float
        L1 distance between them.
    p_value : float
        Parametric-bootstrap p-value.
    n_sim : int
    params : dict
        Fitted baseline parameters (alpha, delta for hard/easy).
    seed : int or None
        Seed of the simulations (the drawn one when ``seed=None`` was given).

    Examples
    --------
    >>> import ecostat as es
    >>> g = es.goodness_of_fit(es.simulate(n=2000, family="independence", seed=1), n_sim=99)
    >>> g.to_dict()["baseline"], g.summary().title
    ('independence', 'Goodness of fit of the independence baseline')
    """

    baseline: str
    statistic: float
    l1: float
    p_value: float
    n_sim: int
    params: dict
    seed: int | None = None

    def to_dict(self) -> dict:
        """JSON-ready statistic, p-value and fitted parameters."""
        return {"baseline": self.baseline, "g2": self.statistic, "l1": self.l1, "p_value": self.p_value,
                "n_sim": self.n_sim, **self.params}

    def summary(self) -> Summary:
        """The test as a one-row table."""
        row = {"baseline": self.baseline, "g2": self.statistic, "l1": self.l1, "p_value": self.p_value,
               "replicates": self.n_sim, **self.params}
        return Summary(f"Goodness of fit of the {self.baseline} baseline", [("Seed", str(self.seed))],
                       [("Parametric-bootstrap G2 test (Toups App. A.3)", pd.DataFrame([row]))],
                       ["p = (1 + #{G2* >= G2}) / (1 + replicates), the failure rates (and the grid cell) "
                        "re-estimated in every replicate."])

    def __repr__(self) -> str:
        return (f"GoodnessOfFit(baseline={self.baseline!r}, statistic={self.statistic!r}, l1={self.l1!r}, "
                f"p_value={self.p_value!r}, n_sim={self.n_sim})")


def g2_statistic(observed, expected, n) -> np.ndarray:
    """G^2 = 2 sum n_t log(n_t / (n p_t)) for shares ``observed`` and ``expected`` (..., k+1).

    Examples
    --------
    >>> float(g2_statistic([0.5, 0.5], [0.5, 0.5], 100))
    0.0
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(o > 0, o * np.log(o / np.clip(e, 1e-300, None)), 0.0)
    return 2.0 * np.asarray(n, dtype=float) * terms.sum(axis=-1)


def goodness_of_fit(data, baseline: str = "independence", *, n_sim: int = 999, seed: int = 0,
                    alphas=PAPER_ALPHAS, deltas=PAPER_DELTAS) -> GoodnessOfFit:
    """Test whether a baseline explains the observed #failures distribution.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        Without missing cells, k <= 16.
    baseline : {"independence", "hard_easy"}
        Hard/easy is fitted on the grid (strict rule), as in Toups App. A.3.
    n_sim : int
        Parametric bootstrap replicates (at least 1; the p-value is
        ``(1 + #{G2* >= G2}) / (1 + n_sim)``, so 999 or more for a p-value
        below 0.01 to be resolvable).
    seed : int or None
        Seed of the simulations; None draws a fresh one, reported in the
        result's ``seed``.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=3000, family="independence", seed=3)
    >>> es.goodness_of_fit(fm, n_sim=199).p_value > 0.05
    True
    >>> es.goodness_of_fit(es.simulate(n=3000, seed=3), n_sim=199).p_value < 0.01
    True
    """
    baseline = check_choice(baseline, "baseline", ("independence", "hard_easy"))
    n_sim = check_count(n_sim, "n_sim", minimum=1, zero="of simulated data sets; to skip the test, do not call "
                        "goodness_of_fit (--gof 0 on the command line)")
    seed = check_seed(seed)
    t = as_table(data)
    require_complete(t, what="goodness_of_fit")
    if t.n_models > 16:
        raise EcostatError(f"goodness_of_fit enumerates 2^k profiles and supports k <= 16 (got k = {t.n_models}).")
    t = t.columns(np.argsort(failure_rates(t), kind="stable"))  # canonical order: same p-value for any column order
    n = t.n_instances
    obs = failure_count_distribution(t)
    f = failure_rates(t)
    if baseline == "independence":
        expected = independence_distribution(t)
        params: dict = {}
        table, p = profile_probabilities(f)
    else:
        grid = hard_easy_grid(t, alphas=alphas, deltas=deltas)
        expected = hard_easy_distribution(f, grid.alpha, grid.delta)
        params = {"alpha": grid.alpha, "delta": grid.delta}
        table, p = profile_probabilities(f, grid.alpha, grid.delta)
    stat = float(g2_statistic(obs, expected, n))
    l1 = float(np.abs(obs - expected).sum())
    rng = np.random.default_rng(seed)
    sims = rng.multinomial(n, p / p.sum(), size=int(n_sim))
    obs_s = failure_count_distribution(table, sims)
    f_s = failure_rates(table, sims)
    if baseline == "independence":
        exp_s = independence_distribution(table, sims)
    else:
        l1_s = grid_l1(obs_s, f_s, alphas, deltas)
        flat = np.nanargmin(np.where(np.isnan(l1_s), np.inf, l1_s).reshape(len(sims), -1), axis=1)
        ia, idl = np.unravel_index(flat, l1_s.shape[-2:])
        exp_s = hard_easy_distribution(f_s, np.asarray(alphas)[ia], np.asarray(deltas)[idl])
    stat_s = g2_statistic(obs_s, exp_s, n)
    p_value = float((1 + np.sum(stat_s >= stat - 1e-9)) / (1 + len(stat_s)))
    return GoodnessOfFit(baseline, stat, l1, p_value, int(n_sim), params, seed)
