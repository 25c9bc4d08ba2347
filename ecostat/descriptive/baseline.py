"""The ``baseline`` verb: hard/easy grid, continuous fit and goodness of fit (Toups 2023 App. A.3).

``baseline(data)`` runs the paper's (alpha, Delta) grid under a validity rule,
the continuous maximum-likelihood fit of the hard/easy mixture, the three
#failures distributions (observed, independence, hard/easy) and
parametric-bootstrap goodness-of-fit tests of both baselines, and returns a
:class:`BaselineResult` (summary and JSON, as every verb).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.profiles import as_table
from ..options import check, default
from ..report.result import Result
from ..report.summary import Summary
from .baselines import HardEasyFit, HardEasyGrid, fit_hard_easy, hard_easy_distribution, hard_easy_grid
from .gof import GoodnessOfFit, goodness_of_fit
from .metrics import failure_count_distribution, failure_rates, independence_distribution

__all__ = ["baseline", "BaselineResult"]


@dataclass(repr=False)
class BaselineResult(Result):
    """Result of :func:`baseline`.

    Attributes
    ----------
    models : list of str
        Decision-makers in ascending failure rate.
    n_instances : int
    rates : ndarray
        Their failure rates.
    grid : HardEasyGrid
        The paper's grid under ``grid.rule``.
    fit : HardEasyFit
        The continuous maximum-likelihood fit.
    distributions : DataFrame
        ``failures, observed, independence, hard_easy``.
    goodness_of_fit : dict of str -> GoodnessOfFit
        Per baseline (empty when ``n_sim = 0``).

    Examples
    --------
    >>> import ecostat as es
    >>> r = es.baseline(es.simulate(n=3000, family="hard_easy", seed=0), n_sim=49)
    >>> sorted(r.to_dict()["goodness_of_fit"])
    ['hard_easy', 'independence']
    """

    models: list
    n_instances: int
    rates: np.ndarray
    grid: HardEasyGrid
    fit: HardEasyFit
    distributions: pd.DataFrame
    goodness_of_fit: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON object of ``ecostat baseline --json`` (keys documented in the README)."""
        out = {
            "n_instances": self.n_instances, "n_models": len(self.models),
            "models": [{"name": n, "failure_rate": float(r)} for n, r in zip(self.models, self.rates)],
            "hard_easy": {**self.grid.to_dict(), "rule": self.grid.rule},
            "hard_easy_fit": self.fit.to_dict(),
            "failure_count_distribution": {k: self.distributions[k].tolist()
                                           for k in ("observed", "independence", "hard_easy")},
            "grid": [{"alpha": r.alpha, "delta": r.delta, "l1": None if np.isnan(r.l1) else float(r.l1)}
                     for r in self.grid.to_frame().itertuples()],
        }
        if self.goodness_of_fit:
            out["goodness_of_fit"] = {b: g.to_dict() for b, g in self.goodness_of_fit.items()}
        return out

    def summary(self) -> Summary:
        """Grid cell, continuous fit, the three distributions and the goodness-of-fit tests."""
        g, f = self.grid, self.fit
        header = [("Instances", str(self.n_instances)), ("Decision-makers", ", ".join(self.models)),
                  ("Validity rule", g.rule)]
        fits = pd.DataFrame([{"estimate": f"paper grid ({g.rule} rule)", "alpha": g.alpha, "delta": g.delta, "l1": g.best_l1},
                             {"estimate": "continuous ML fit", "alpha": f.alpha, "delta": f.delta, "l1": f.l1}])
        tables = [("Hard/easy baseline (Toups App. A.3)", fits),
                  ("Number of failures: observed, independence and hard/easy (Toups eq. 1-5)", self.distributions)]
        if self.goodness_of_fit:
            tables.append(("Goodness of fit (parametric bootstrap, G2)", pd.DataFrame(
                [{"baseline": b, "g2": t.statistic, "l1": t.l1, "p_value": t.p_value, "replicates": t.n_sim}
                 for b, t in self.goodness_of_fit.items()])))
        notes = ["The p-value is (1 + #{G2* >= G2}) / (1 + replicates) over data simulated from the fitted baseline, "
                 "with the failure rates (and the grid cell) re-estimated in every replicate."] if self.goodness_of_fit else []
        return Summary("Hard/easy baseline", header, tables, notes)

    def __repr__(self) -> str:
        return self.as_text()


def baseline(data, *, rule: str = default("rule"), n_sim: int = default("n_sim"), seed: int | None = default("seed"),
             progress=None) -> BaselineResult:
    """The hard/easy baseline of Toups App. A.3 with goodness-of-fit tests (``ecostat baseline``).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        Without missing cells.
    rule : {"strict", "paper"}
        Validity rule of the grid (strict: easy rates >= 0 and hard rates <= 1).
    n_sim : int
        Parametric-bootstrap replicates of each goodness-of-fit test (0 skips them).
    seed : int
    progress : callable, optional
        Called with a message before the slow part.

    Returns
    -------
    BaselineResult

    Examples
    --------
    >>> import ecostat as es
    >>> r = es.baseline(es.simulate(n=5000, family="hard_easy", seed=1), n_sim=0)
    >>> (r.grid.alpha, r.grid.delta)
    (0.2, 2.0)
    """
    rule, n_sim, seed = check("rule", rule), check("n_sim", n_sim), check("seed", seed)
    fm = data.ordered() if hasattr(data, "ordered") else _ordered(as_table(data))
    grid = hard_easy_grid(fm, rule=rule)
    fit = fit_hard_easy(fm)
    f = failure_rates(fm)
    models = list(fm.models)
    dist = pd.DataFrame({"failures": np.arange(len(models) + 1), "observed": failure_count_distribution(fm),
                         "independence": independence_distribution(fm),
                         "hard_easy": hard_easy_distribution(f, grid.alpha, grid.delta, rule=rule)})
    gof: dict[str, GoodnessOfFit] = {}
    if n_sim:
        if progress is not None:
            progress(f"goodness of fit: {n_sim} parametric-bootstrap replicates per baseline")
        gof = {b: goodness_of_fit(fm, b, n_sim=n_sim, seed=seed) for b in ("independence", "hard_easy")}
    n = fm.n_instances
    return BaselineResult(models, int(n), np.asarray(f), grid, fit, dist, gof)


def _ordered(t):
    """A profile table with its columns in ascending failure rate, as ``FailureMatrix.ordered`` (ties keep their order)."""
    return t.columns(np.argsort(failure_rates(t), kind="stable"))
