"""Result of :func:`ecostat.descriptive.describe`: point estimates with intervals, summary, JSON.

The numbers are computed in :mod:`ecostat.descriptive.describe`; this module holds them and
renders them (statsmodels' model/results split).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.failures import FailureMatrix
from ..data.profiles import ProfileTable
from ..numeric import jsonable
from ..quantities import quantity
from ..report.result import Result
from ..report.summary import Summary
from .baselines import HardEasyGrid

__all__ = ["Description", "Estimate", "PAIRWISE_NAMES", "LEADER"]

#: pairwise measures reported by describe (Bommasani App. A.4 and agreement measures)
PAIRWISE_NAMES = ("kappa", "double_fault", "yules_q", "covariance", "pearson", "pmi", "h_pair")
#: leader-following quantities reported by describe (Toups App. B.2)
LEADER = ("p_all_others_fail_given_fail", "p_all_others_fail", "p_independent")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a bootstrap percentile interval (None when undefined)."""

    estimate: float | None
    lo: float | None = None
    hi: float | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        d = {"estimate": _num(self.estimate), "ci": [_num(self.lo), _num(self.hi)]}
        if self.note:
            d["undefined"] = self.note
        return d


@dataclass(repr=False)
class Description(Result):
    """Result of :func:`describe`; see :meth:`summary` and :meth:`to_dict`.

    Examples
    --------
    >>> import ecostat as es
    >>> d = es.describe(es.simulate(n=500, seed=0), n_boot=50, seed=0)
    >>> d.models
    ['m1', 'm2', 'm3']
    >>> "homogenization" in d.to_dict()
    True
    """

    #: the data analysed, columns in ascending failure rate: a FailureMatrix, or the ProfileTable given to describe
    fm: FailureMatrix | ProfileTable
    failure_rates: pd.DataFrame
    distribution: pd.DataFrame
    scalars: dict[str, Estimate]
    group_scalars: dict[str, Estimate] | None
    by_group: pd.DataFrame | None
    hard_easy: HardEasyGrid | None
    n_boot: int
    seed: int
    ci: float
    notes: list[str] = field(default_factory=list)
    pairwise: pd.DataFrame | None = None
    leader: pd.DataFrame | None = None
    stratified: pd.DataFrame | None = None
    bootstrap_by: str = "instance"

    @property
    def models(self) -> list[str]:
        """Decision-makers in ascending failure rate."""
        return list(self.fm.models)

    def to_dict(self) -> dict:
        """JSON-ready dict with the keys documented in the README (``ecostat describe --json``)."""
        out = {
            "n_instances": self.fm.n_instances,
            "n_models": self.fm.n_models,
            "models": [{"name": r.model, "failure_rate": _num(r.estimate), "ci": [_num(r.lo), _num(r.hi)],
                        "n_observed": int(r.n_observed)}
                       for r in self.failure_rates.itertuples()],
            "failure_count_distribution": {
                "observed": [_num(v) for v in self.distribution["observed"]],
                "independence": [_num(v) for v in self.distribution["independence"]],
                "observed_ci": [[_num(a), _num(b)] for a, b in zip(self.distribution["observed_lo"], self.distribution["observed_hi"])],
            },
            **{k: v.to_dict() for k, v in self.scalars.items()},
            "bootstrap": {"n_boot": self.n_boot, "seed": self.seed, "ci": self.ci, "by": self.bootstrap_by},
            "notes": list(self.notes),
        }
        if self.group_scalars is not None:
            out["group_column"] = self.fm.group_name
            out["groups"] = {k: v.to_dict() for k, v in self.group_scalars.items()}
            out["by_group"] = [
                {"group": str(r["group"]), "n": int(r["n"]), "failure_rates": [_num(r[m]) for m in self.models],
                 "systemic_failure_rate": _num(r["systemic_failure_rate"])}
                for _, r in self.by_group.iterrows()
            ]
            out["stratified"] = [
                {"group": r["stratum"], "failures": int(r["failures"]), "observed": _num(r["observed"]),
                 "baseline": _num(r["baseline"]), **_ci_dict(r, ("difference", "ratio"))}
                for _, r in self.stratified.iterrows()
            ]
        if self.hard_easy is not None:
            out["hard_easy"] = self.hard_easy.to_dict()
        if self.pairwise is not None:
            out["pairwise"] = [{"models": [r["model_a"], r["model_b"]], **_ci_dict(r, PAIRWISE_NAMES)} for _, r in self.pairwise.iterrows()]
        if self.leader is not None:
            out["leader_following"] = [{"model": r["model"], **_ci_dict(r, LEADER)} for _, r in self.leader.iterrows()]
        return out

    def summary(self) -> Summary:
        """Tables of the analysis as a :class:`~ecostat.report.summary.Summary`."""
        pct = f"{100 * self.ci:g}%"
        header = [("Instances", str(self.fm.n_instances)), ("Decision-makers", ", ".join(self.models)),
                  ("Intervals", f"{pct} percentile bootstrap, {self.n_boot} replicates, seed {self.seed}"
                                + (", resampled within groups" if self.bootstrap_by == "group" else ""))]
        rates = self.failure_rates.rename(columns={"estimate": "failure_rate", "lo": "ci_lo", "hi": "ci_hi"})
        scal = pd.DataFrame([{"quantity": quantity(k).label, "estimate": v.estimate, "ci_lo": v.lo, "ci_hi": v.hi}
                             for k, v in self.scalars.items()]).astype({"estimate": float, "ci_lo": float, "ci_hi": float})
        dist = self.distribution[["failures", "observed", "independence", "difference", "ratio"]]
        tables = [("Failure rates (ascending)", rates), ("Systemic failure and homogenization", scal),
                  ("Number of failures: observed vs independence (Toups eq. 1-2)", dist)]
        if self.group_scalars is not None:
            gs = pd.DataFrame([{"quantity": quantity(k).label, "estimate": v.estimate, "ci_lo": v.lo, "ci_hi": v.hi}
                               for k, v in self.group_scalars.items()]).astype({"estimate": float, "ci_lo": float, "ci_hi": float})
            tables += [(f"Group homogenization by {self.fm.group_name!r} (Bommasani eq. 6-9)", gs),
                       (f"By group ({self.fm.group_name})", self.by_group),
                       ("Observed - independence by group and number of failures (Toups Fig. 5, 8)",
                        self.stratified[["stratum", "failures", "observed", "baseline", "difference",
                                         "difference_lo", "difference_hi", "ratio"]])]
        if self.pairwise is not None:
            tables.append(("Pairwise failure agreement (Bommasani App. A.4; intervals in .pairwise and the JSON)",
                           _estimates_only(self.pairwise)))
        if self.leader is not None:
            tables.append(("Leader following (Toups App. B.2; intervals in .leader and the JSON)", _estimates_only(self.leader)))
        if self.hard_easy is not None:
            he = self.hard_easy
            tables.append(("Hard/easy baseline, paper grid (Toups App. A.3)",
                           pd.DataFrame([{"alpha": he.alpha, "delta": he.delta, "l1": he.best_l1, "rule": he.rule}])))
        return Summary("Ecosystem-level description", header, tables, list(self.notes))

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _estimates_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not c.endswith(("_lo", "_hi"))]]


def _ci_dict(row, names) -> dict:
    return {n: {"estimate": _num(row[n]), "ci": [_num(row[f"{n}_lo"]), _num(row[f"{n}_hi"])]} for n in names if n in row}


def _num(v):
    return None if v is None else jsonable(float(v))
