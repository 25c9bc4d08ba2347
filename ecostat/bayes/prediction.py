"""Posterior predictions for new instances and new groups (``FitResult.predict``; docs/architecture.md §5, §6).

A fitted family implies, per posterior draw, the probability of every profile
in every stratum (group, covariate values). Predicting is evaluating it on the
strata of new data:

* **new instances** (a FailureMatrix with the fit's decision-makers; cells may
  be missing, -1): the posterior predictive probability of each instance's
  observed cells (its out-of-sample log predictive density), and for each
  decision-maker the posterior predictive probability that it fails the
  instance given the instance's other observed cells,
  ``P(F_j = 1 | y_-j) = E[p(F_j = 1, y_-j)] / E[p(y_-j)]`` (expectations over the
  posterior: the exact posterior predictive, which conditions on ``y_-j``);
  a missing cell is thus predicted from the others;
* **their population**: the posterior predictive probability of each complete
  profile and of each decision-maker failing per stratum, and the ecosystem
  quantities (H, systemic failure rate, ensemble gap, ...) of the new instances'
  mix of strata, each with an HDI;
* **a new group level** (a level the fit never saw, in ``new_data`` or as
  ``group=``): its parameters are drawn from their hierarchical prior given each
  posterior draw (``Family.new_group_draws``), so the prediction carries the
  between-group uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from ..data.failures import FailureMatrix
from ..errors import DataError, EcostatError
from ..numeric import all_profiles
from ..options import default, interval_mass
from ..quantities import quantity, reported
from ..report.result import Result
from ..report.summary import Summary
from . import posterior as post
from .families.base import MAX_K_PATTERNS
from .families.design import Design

__all__ = ["predict", "Prediction", "PROFILE_TABLE_MAX_K"]

#: the table of every complete profile's probability is given up to this many decision-makers
PROFILE_TABLE_MAX_K = 10
#: draws x rows evaluated at once for the instance-level predictions
_BLOCK = 10_000_000


@dataclass(repr=False)
class Prediction(Result):
    """Result of :func:`predict` (``FitResult.predict``).

    Attributes
    ----------
    instances : pandas.DataFrame or None
        One row per new instance (index: its id): group, its observed cells,
        ``log_p`` (log posterior predictive probability of its observed cells)
        and ``p_fail_<model>`` for each decision-maker (posterior predictive
        probability that it fails, given the instance's other observed cells).
        None without new instances.
    failure_probability : pandas.DataFrame
        Per stratum and decision-maker: posterior predictive probability of
        failing a new instance of the stratum (mean and HDI of the per-draw probability).
    profiles : pandas.DataFrame or None
        Per stratum and complete profile (k <= 10): its posterior predictive
        probability with an HDI.
    quantities : pandas.DataFrame
        Ecosystem quantities of the predicted population (mean, HDI).
    strata : pandas.DataFrame
        The predicted strata: group, covariate values, instances, whether the group is new.
    new_groups : list of str
        Group levels the fit never saw (predicted from the hierarchical prior).
    elpd : float or None
        Sum of ``log_p`` over the new instances (their out-of-sample log predictive density).
    profile_draws : ndarray or None
        Per draw, stratum and complete profile (S, U, 2^k), k <= 14.
    """

    family: str
    instances: pd.DataFrame | None
    failure_probability: pd.DataFrame
    profiles: pd.DataFrame | None
    quantities: pd.DataFrame
    strata: pd.DataFrame
    new_groups: list = field(default_factory=list)
    elpd: float | None = None
    ci: float = 0.95
    profile_draws: np.ndarray | None = None
    notes: list = field(default_factory=list)

    def summary(self) -> Summary:
        pct = f"{self.ci:.0%}"
        header = [("Family", self.family), ("Strata", str(len(self.strata)))]
        if self.instances is not None:
            header.append(("New instances", str(len(self.instances))))
        if self.elpd is not None:
            header.append(("Log predictive density", f"{self.elpd:.2f}"))
        if self.new_groups:
            header.append(("New groups (hierarchical prior)", ", ".join(self.new_groups)))
        tables = [("Predicted strata", self.strata),
                  (f"Ecosystem quantities of the predicted population ({pct} HDI)", self.quantities),
                  (f"Posterior predictive probability of failing ({pct} HDI)", self.failure_probability)]
        if self.instances is not None:
            tables.append(("New instances", self.instances.reset_index()))
        notes = ["p_fail_<model> is the posterior predictive probability that the decision-maker fails the instance "
                 "given the instance's other observed cells; log_p is the log posterior predictive probability of its "
                 "observed cells.", *self.notes]
        return Summary("ecostat prediction", header, tables, notes)

    def to_dict(self) -> dict:
        out = {"family": self.family, "new_groups": list(self.new_groups), "elpd": self.elpd,
               "strata": self.strata.to_dict(orient="records"),
               "quantities": self.quantities.to_dict(orient="records"),
               "failure_probability": self.failure_probability.to_dict(orient="records")}
        if self.instances is not None:
            out["instances"] = self.instances.reset_index().to_dict(orient="records")
        if self.profiles is not None:
            out["profiles"] = self.profiles.to_dict(orient="records")
        return out

    def __repr__(self) -> str:
        n = "no" if self.instances is None else len(self.instances)
        return f"<Prediction {self.family}: {n} new instances, {len(self.strata)} strata>"


def _new_design(res, fm: FailureMatrix) -> tuple[Design, list[str]]:
    """The design of new instances on the fit's terms: its decision-makers, group levels and covariate scaling."""
    d = res.design
    missing = [m for m in d.models if m not in fm.models]
    extra = [m for m in fm.models if m not in d.models]
    if missing or extra:
        raise DataError(f"new data must have the fit's decision-makers {list(d.models)}; "
                        + (f"missing {missing} (add them as columns of -1, missing, to predict them)" if missing else "")
                        + ("; " if missing and extra else "") + (f"not in the fit: {extra}" if extra else "") + ".")
    F = fm.failures[:, [list(fm.models).index(m) for m in d.models]]
    N, k = F.shape
    levels = list(d.group_levels)
    new_levels: list[str] = []
    if d.n_groups > 1:
        if fm.group is None:
            raise DataError(f"the fit models the group {d.group_name!r}; attach the new instances' group with "
                            "fm.with_group(...) (a level the fit never saw is predicted from the hierarchical prior).")
        labels = np.asarray(fm.group.astype(str))
        new_levels = [g for g in dict.fromkeys(labels.tolist()) if g not in levels]
        index = {g: i for i, g in enumerate(levels + new_levels)}
        codes = np.array([index[g] for g in labels], dtype=np.int64)
    else:
        codes = np.zeros(N, dtype=np.int64)
    Z = np.zeros((N, 0))
    if d.covariate_names:
        have = [] if fm.covariates is None else list(fm.covariates.columns)
        absent = [c for c in d.covariate_names if c not in have]
        if absent:
            raise DataError(f"the fit's difficulty depends on covariate(s) {absent}; attach them to the new instances "
                            "(fm.with_covariates(...)).")
        try:
            X = np.column_stack([np.asarray(fm.covariates[c], dtype=float) for c in d.covariate_names])
        except (TypeError, ValueError):
            raise DataError(f"covariates {list(d.covariate_names)} of the new instances must be numeric.") from None
        Z = (X - d.x_center) / d.x_scale
    keys = np.column_stack([F.astype(float), codes.astype(float), Z])
    rows, row_of = np.unique(keys, axis=0, return_inverse=True)
    row_of = row_of.reshape(-1)
    counts = np.bincount(row_of, minlength=len(rows)).astype(np.int64)
    uniq, strata = np.unique(rows[:, k:], axis=0, return_inverse=True)
    design = Design(patterns=rows[:, :k].astype(np.int8), counts=counts, strata=strata.reshape(-1).astype(np.int64),
                    strata_group=uniq[:, 0].astype(np.int64), strata_x=uniq[:, 1:], models=tuple(d.models),
                    group_levels=tuple(levels + new_levels), group_name=d.group_name,
                    covariate_names=d.covariate_names, x_center=d.x_center, x_scale=d.x_scale,
                    instance_rows=row_of.astype(np.int64), instance_ids=fm.instance_ids)
    return design, new_levels


def _stratum_design(res, group, covariates) -> tuple[Design, list[str]]:
    """One stratum: a group level (new or not) and covariate values (default: their mean)."""
    d = res.design
    levels = list(d.group_levels)
    new_levels: list[str] = []
    code = 0
    if group is not None:
        if d.n_groups <= 1:
            raise EcostatError("this fit does not model a group; predict without group= (or fit with a group).")
        group = str(group)
        if group not in levels:
            new_levels = [group]
        code = (levels + new_levels).index(group)
    z = np.zeros((1, len(d.covariate_names)))
    covariates = dict(covariates or {})
    unknown = sorted(set(covariates) - set(d.covariate_names))
    if unknown:
        raise EcostatError(f"unknown covariate(s) {unknown}; the fit's covariates are {list(d.covariate_names)}.")
    for i, c in enumerate(d.covariate_names):
        if c in covariates:
            z[0, i] = (float(covariates[c]) - d.x_center[i]) / d.x_scale[i]
    design = Design(patterns=np.full((1, d.k), -1, dtype=np.int8), counts=np.ones(1, dtype=np.int64),
                    strata=np.zeros(1, dtype=np.int64), strata_group=np.array([code]), strata_x=z,
                    models=tuple(d.models), group_levels=tuple(levels + new_levels), group_name=d.group_name,
                    covariate_names=d.covariate_names, x_center=d.x_center, x_scale=d.x_scale)
    return design, new_levels


def _row_lppd(res, draws, design: Design, patterns) -> np.ndarray:
    """``log E_post p(pattern_r | stratum_r)`` for rows ``patterns`` (R', k) in ``design``'s strata (R' values)."""
    strata = np.asarray(design.strata)
    S = len(next(iter(draws.values())))
    out = np.empty(len(patterns))
    block = max(1, _BLOCK // max(S, 1))
    for start in range(0, len(patterns), block):
        sl = slice(start, start + block)
        sub = Design(patterns=np.asarray(patterns[sl], dtype=np.int8), counts=np.ones(len(patterns[sl]), dtype=np.int64),
                     strata=strata[sl], strata_group=design.strata_group, strata_x=design.strata_x,
                     models=design.models, group_levels=design.group_levels, group_name=design.group_name,
                     covariate_names=design.covariate_names, x_center=design.x_center, x_scale=design.x_scale)
        ll = res._family.row_log_lik(draws, sub, res.options)
        out[sl] = logsumexp(ll, axis=0) - np.log(S)
    return out


def _interval_rows(draws, ci) -> dict:
    s = post.summarize_draws(draws, ci=ci)
    return {"mean": s["mean"], "hdi_low": s["hdi_low"], "hdi_high": s["hdi_high"]}


def _strata_frame(design: Design, new_levels, counted: bool) -> pd.DataFrame:
    frame = pd.DataFrame({"stratum": np.arange(design.n_strata)})
    if design.n_groups > 1:
        frame["group"] = [design.group_levels[g] for g in design.strata_group]
        frame["new_group"] = [design.group_levels[g] in new_levels for g in design.strata_group]
    for i, c in enumerate(design.covariate_names):
        frame[c] = design.strata_x[:, i] * design.x_scale[i] + design.x_center[i]
    frame["instances"] = design.strata_counts if counted else 0
    return frame


def predict(res, new_data=None, *, group=None, covariates=None, ci: float = default("ci"), seed: int = 0) -> Prediction:
    """Posterior predictive distribution for new instances, a group, or the fit's own population.

    Parameters
    ----------
    res : FitResult
    new_data : FailureMatrix, optional
        New instances with the fit's decision-makers (reordered by name; missing
        cells, -1, are predicted), and its group and covariates where the fit
        models them. A group level the fit never saw is drawn from the hierarchical prior.
    group : str, optional
        Without ``new_data``: predict one new instance of this group (seen or new).
    covariates : dict, optional
        Without ``new_data``: covariate values of that instance (default: the fit's means).
    ci : float
        Mass of the HDIs.
    seed : int
        Seed of the new group levels' parameter draws.

    Without ``new_data`` and ``group``: the fit's own strata, weighted by their
    instances (a new instance from the same population).

    Returns
    -------
    Prediction

    Raises
    ------
    DataError
        When ``new_data`` lacks a decision-maker, the group or a covariate the fit uses.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=400, groups={"a": .5, "b": .5}, seed=0)
    >>> res = es.fit(fm, "rasch", draws=200, tune=200, seed=1)  # doctest: +SKIP
    >>> new = es.simulate(n=20, groups={"a": .5, "c": .5}, seed=5)  # "c" is a new group
    >>> p = res.predict(new)  # doctest: +SKIP
    >>> p.new_groups, p.instances.shape[0]  # doctest: +SKIP
    (['c'], 20)
    """
    ci = interval_mass(ci, None)
    d = res.design
    draws = res.draws
    notes = []
    if new_data is not None:
        if group is not None or covariates is not None:
            raise EcostatError("give new_data or group/covariates, not both: new_data carries its own group and covariates.")
        if not isinstance(new_data, FailureMatrix):
            raise DataError(f"new_data must be a FailureMatrix (instances with the fit's decision-makers); got "
                            f"{type(new_data).__name__}.")
        design, new_levels = _new_design(res, new_data)
    elif group is not None or covariates:
        design, new_levels = _stratum_design(res, group, covariates)
    else:
        design, new_levels = d, []
    if new_levels:
        draws = res._family.new_group_draws(draws, d, res.options, len(new_levels), np.random.default_rng(seed))
        notes.append(f"new group level(s) {new_levels}: parameters drawn from their hierarchical prior given each "
                     "posterior draw (seed {seed}).".replace("{seed}", str(seed)))
    k, U = d.k, design.n_strata
    S = len(next(iter(draws.values())))
    has_instances = new_data is not None

    # per stratum: P(F_j = 1) and the complete profiles
    all_missing = np.full((U, k), -1, dtype=np.int8)
    fail_rows = []
    for j in range(k):
        p = all_missing.copy()
        p[:, j] = 1
        fail_rows.append(p)
    stratum_design = Design(patterns=np.concatenate(fail_rows), counts=np.ones(U * k, dtype=np.int64),
                            strata=np.tile(np.arange(U), k), strata_group=design.strata_group,
                            strata_x=design.strata_x, models=design.models, group_levels=design.group_levels,
                            group_name=design.group_name, covariate_names=design.covariate_names,
                            x_center=design.x_center, x_scale=design.x_scale)
    p_fail_draws = np.exp(res._family.row_log_lik(draws, stratum_design, res.options)).reshape(S, k, U)
    counted = new_data is not None or design is d
    strata = _strata_frame(design, new_levels, counted)
    rows = []
    for u in range(U):
        for j, m in enumerate(d.models):
            s = _interval_rows(p_fail_draws[:, j, u], ci)
            rows.append({"stratum": u, "model": m, **{key: float(v) for key, v in s.items()}})
    failure_probability = pd.DataFrame(rows)

    P = None
    profiles = None
    weights = design.strata_counts.astype(float) if counted else np.ones(U)
    if k <= MAX_K_PATTERNS:
        P = np.exp(res._family.pattern_log_prob(draws, design, res.options))  # (S, U, 2^k)
        q = post.ecosystem_quantities(post.overall_probabilities(P, weights), k)
        if k <= PROFILE_TABLE_MAX_K:
            pats = all_profiles(k)
            prow = []
            for u in range(U):
                s = _interval_rows(P[:, u, :], ci)
                for y in range(2 ** k):
                    prow.append({"stratum": u, **{m: int(pats[y, j]) for j, m in enumerate(d.models)},
                                 "mean": float(s["mean"][y]), "hdi_low": float(s["hdi_low"][y]),
                                 "hdi_high": float(s["hdi_high"][y])})
            profiles = pd.DataFrame(prow)
    else:
        moments, _ = res._family.mixture_moments(draws, design, res.options)
        m = post.average_moments(moments, weights / weights.sum())
        q = post.quantities_from_moments(m["failure_rates"], m["systemic_failure_rate"],
                                         m["failure_count_distribution"], k)
        notes.append(f"k = {k} > {MAX_K_PATTERNS}: quantities from the mixture components; no profile probabilities.")
    qrows = []
    for j, mname in enumerate(d.models):
        s = _interval_rows(q["failure_rates"][:, j], ci)
        qrows.append({"quantity": f"failure rate {mname}", **{key: float(v) for key, v in s.items()}})
    for name in reported("summary", "scalar"):
        with np.errstate(all="ignore"):
            s = _interval_rows(q[name], ci)
        qrows.append({"quantity": quantity(name).label, **{key: float(v) for key, v in s.items()}})
    quantities = pd.DataFrame(qrows)

    instances = None
    elpd = None
    if has_instances:
        R = len(design.counts)
        pats = design.patterns
        variants = [pats]
        for j in range(k):
            minus = pats.copy()
            minus[:, j] = -1
            plus = pats.copy()
            plus[:, j] = 1
            variants += [minus, plus]
        stacked = np.concatenate(variants)
        big = Design(patterns=stacked, counts=np.ones(len(stacked), dtype=np.int64),
                     strata=np.tile(design.strata, 2 * k + 1), strata_group=design.strata_group,
                     strata_x=design.strata_x, models=design.models, group_levels=design.group_levels,
                     group_name=design.group_name, covariate_names=design.covariate_names,
                     x_center=design.x_center, x_scale=design.x_scale)
        lppd = _row_lppd(res, draws, big, stacked).reshape(2 * k + 1, R)
        log_p = lppd[0]
        p_fail = np.exp(lppd[2::2] - lppd[1::2]).T  # (R, k)
        ids = design.instance_ids
        rows_of = design.instance_rows
        frame = pd.DataFrame(pats[rows_of], columns=list(d.models),
                             index=pd.Index(ids if ids is not None else np.arange(len(rows_of)), name="instance"))
        if design.n_groups > 1:
            frame.insert(0, "group", [design.group_levels[g] for g in design.strata_group[design.strata[rows_of]]])
        frame["log_p"] = log_p[rows_of]
        for j, mname in enumerate(d.models):
            frame[f"p_fail_{mname}"] = p_fail[rows_of, j]
        instances = frame
        elpd = float(np.sum(design.counts * log_p))
    return Prediction(family=res.family, instances=instances, failure_probability=failure_probability,
                      profiles=profiles, quantities=quantities, strata=strata, new_groups=new_levels, elpd=elpd,
                      ci=ci, profile_draws=P, notes=notes)
