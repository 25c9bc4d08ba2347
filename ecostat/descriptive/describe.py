"""``describe``: the full descriptive ecosystem-level analysis in one call.

Failure rates in ascending order, the observed number-of-failures
distribution against independence (Toups et al. 2023, eq. 1-2), systemic
failure rate and homogenization (Bommasani et al. 2022, eq. 2-3, 10), group
homogenization and unfairness (eq. 6-9) and optionally the hard/easy grid
(Toups App. A.3), each scalar with a bootstrap interval computed from one set
of multinomial replicates of the profile table.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.failures import FailureMatrix
from ..data.profiles import ProfileTable
from ..errors import DataError, EcostatError, UndefinedMetricError, preview
from ..numeric import safe_div
from ..options import check, default
from ..quantities import reported
from . import _checks as C
from . import alternatives as A
from . import groups as G
from . import leader as L
from . import metrics as M
from . import pairwise as P
from .baselines import hard_easy_grid
from .bootstrap import bootstrap_many
from .description import LEADER, PAIRWISE_NAMES, Description, Estimate

__all__ = ["describe", "Description", "Estimate"]


def describe(data: FailureMatrix | ProfileTable, *, models: Sequence[str] | None = default("models"), n_boot: int = default("n_boot"),
             seed: int | None = default("seed"), ci: float = default("ci"), hard_easy: bool = default("hard_easy"),
             rule: str = default("rule"), pairwise: bool | None = default("pairwise"),
             bootstrap_by: str = default("bootstrap_by"), max_groups: int | str | None = default("max_groups"),
             hard_easy_rule: str | None = None) -> Description:
    """Describe an ecosystem: every descriptive figure of Toups 2023 and Bommasani 2022 with intervals.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        With a grouping (``group=``) the group metrics are added. A profile
        table (a published pattern table with counts,
        :meth:`ProfileTable.from_counts`, or a log reduced out of core by
        :func:`ecostat.data.scan.scan_profiles`) gives the same result as the
        failure matrix it summarizes: every number here is a function of the
        table (docs/architecture.md §2); none needs instance ids.
    models : sequence of str, optional
        Decision-makers to analyse (default all); with a profile table, names
        in ``data.models``.
    n_boot : int
        Bootstrap replicates (0 = no intervals).
    seed : int or None
        Seed of the bootstrap. None draws a fresh seed from the operating
        system; the seed used is recorded in ``Description.seed`` and a note, so
        the run can be repeated.
    ci : float
        Interval coverage.
    hard_easy : bool
        Add the hard/easy grid search (Toups App. A.3). If no cell of the grid
        is valid for these failure rates (e.g. a decision-maker that fails
        almost always), the grid is left out with a note; the rest is reported.
    rule : {"strict", "paper"}
        Validity rule of the hard/easy grid (``hard_easy_rule`` is its deprecated name).
    pairwise : bool, optional
        Report the k (k - 1) / 2 pairwise measures with intervals (default: when k <= 20).
    bootstrap_by : {"instance", "group"}
        Resample instances from the whole population, or within each group
        with group sizes fixed (stratified bootstrap; groups fixed by design
        or small).
    max_groups : int, "auto" or None
        Refuse a grouping with more groups than this (a grouping by an id
        column is almost certainly a mistake, and its tables would have a row
        per instance). ``"auto"`` (default): ``min(1000, max(10, N // 2))``;
        None: no cap.

    Returns
    -------
    Description

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=5000, groups={"a": 0.5, "b": 0.5}, group_scale={"b": 2.5}, seed=0)
    >>> d = es.describe(fm, n_boot=200, seed=1)
    >>> d.scalars["homogenization"].estimate > 1
    True
    >>> sorted(d.to_dict()["groups"])
    ['h_avg', 'h_unif', 'h_worst', 'unfairness']
    """
    if not isinstance(data, (FailureMatrix, ProfileTable)):
        raise EcostatError(f"describe needs a FailureMatrix (see ecostat.read_wide / read_hapi) or a ProfileTable "
                           f"(ecostat.ProfileTable.from_counts, ecostat.data.scan.scan_profiles), got {type(data).__name__}.")
    n_boot = C.check_count(n_boot, "n_boot", zero="0 means no intervals")
    drawn_seed = seed is None
    seed = C.check_seed(seed)
    ci = C.check_ci(ci)
    hard_easy = check("hard_easy", hard_easy)
    if hard_easy_rule is not None:  # the 0.1 name of ``rule``
        warnings.warn("describe(hard_easy_rule=...) is now rule=... (as --rule and the specs' [options] rule).",
                      DeprecationWarning, stacklevel=2)
        rule = hard_easy_rule
    hard_easy_rule = check("rule", rule, label="hard_easy_rule" if hard_easy_rule is not None else "rule")
    pairwise = check("pairwise", pairwise)
    bootstrap_by = check("bootstrap_by", bootstrap_by)
    fm, table = _ordered_table(data, models, max_groups)
    notes = _data_notes(fm, table, n_boot)
    if drawn_seed and n_boot:
        notes.append(f"seed=None: the bootstrap used the fresh seed {seed}; pass seed={seed} to repeat this run.")
    stats = {"failure_rates": M.failure_rates, "distribution": M.failure_count_distribution,
             **{name: SCALAR_METRICS[name] for name in reported("describe", "scalar")}}
    if table.group_codes is not None:
        stats.update({name: GROUP_METRICS[name] for name in reported("describe_groups")
                      if name != "unfairness" or table.n_groups > 1})
        stats.update(stratified_difference=G.stratified_difference, stratified_ratio=G.stratified_ratio)
    iu = np.triu_indices(fm.n_models, 1)
    if pairwise is None:
        pairwise = fm.n_models <= 20
        if not pairwise:
            notes.append(f"pairwise measures of the {len(iu[0])} pairs left out (k > 20); pass pairwise=True to add them.")
    if pairwise:
        stats.update({name: _upper(fn, iu) for name, fn in PAIRWISE.items()})
    if not table.has_missing:
        stats.update({name: _leader(name) for name in LEADER})
    estimates, undefined = {}, {}
    for name, fn in stats.items():
        try:
            estimates[name] = fn(table, None)
        except UndefinedMetricError as exc:
            undefined[name] = str(exc)
            notes.append(f"{name}: {exc}")
    for name in PAIRWISE:
        if name in estimates and np.isnan(estimates[name]).any():
            bad = [f"{fm.models[i]}-{fm.models[j]}" for i, j, v in zip(*iu, estimates[name]) if np.isnan(v)]
            notes.append(f"{name} is undefined (0/0) for pair(s) {', '.join(bad)}: a decision-maker there never "
                         "(or always) fails on the instances both met.")
    boot = {}
    if n_boot:
        boot = bootstrap_many(table, {k: v for k, v in stats.items() if k in estimates}, n_boot=n_boot, seed=seed,
                              ci=ci, estimates=estimates, by_group=_by_group_flag(bootstrap_by, table))
        for name, r in boot.items():
            if r.n_undefined == n_boot:
                notes.append(f"{name}: undefined in every bootstrap replicate; no interval.")
            elif r.n_undefined:
                notes.append(f"{name}: undefined in {r.n_undefined} of {n_boot} bootstrap replicates (e.g. a small group "
                             "drawn empty); the interval uses the others.")

    def est(name) -> Estimate:
        if name in undefined:
            return Estimate(None, note=undefined[name])
        if name not in boot:
            return Estimate(float(estimates[name]))
        return Estimate(float(estimates[name]), float(boot[name].lo), float(boot[name].hi))

    obs, ind = estimates["distribution"], M.independence_distribution(table)
    rate_df = pd.DataFrame({"model": fm.models, "n_observed": _observed(table),
                            "estimate": estimates["failure_rates"]})
    dist = pd.DataFrame({"failures": np.arange(fm.n_models + 1), "observed": obs, "independence": ind,
                         "difference": obs - ind, "ratio": safe_div(obs, ind)})
    for frame, name, prefix in ((rate_df, "failure_rates", ""), (dist, "distribution", "observed_")):
        frame[prefix + "lo"] = boot[name].lo if boot else np.nan
        frame[prefix + "hi"] = boot[name].hi if boot else np.nan
    scalars = {name: est(name) for name in reported("describe", "scalar")}
    pairs = pd.DataFrame({"model_a": [fm.models[i] for i in iu[0]], "model_b": [fm.models[j] for j in iu[1]]})
    pairwise = _with_intervals(pairs, [n for n in PAIRWISE if n in estimates], estimates, boot) if pairwise else None
    leader = None
    if table.has_missing:
        notes.append("leader following needs complete profiles; skipped because some cells are missing.")
    else:
        leader = _with_intervals(pd.DataFrame({"model": list(fm.models)}), list(LEADER), estimates, boot)
    group_scalars = by_group = stratified = None
    if table.group_codes is not None:
        group_scalars = {name: est(name) if name in stats else Estimate(None, note="UNFAIRNESS needs at least two groups")
                         for name in reported("describe_groups")}
        by_group = _by_group(table)
        stratified = G.stratified_excess(table)
        for name in ("difference", "ratio"):
            key = f"stratified_{name}"
            stratified[f"{name}_lo"] = np.ravel(boot[key].lo) if key in boot else np.nan
            stratified[f"{name}_hi"] = np.ravel(boot[key].hi) if key in boot else np.nan
    he = None
    if hard_easy and table.has_missing:
        notes.append("hard/easy baseline skipped: it needs every instance to meet every decision-maker (missing cells).")
    elif hard_easy:
        he = _hard_easy(table, hard_easy_rule, notes)
    return Description(fm, rate_df, dist, scalars, group_scalars, by_group, he, int(n_boot), int(seed), ci, notes,
                       pairwise, leader, stratified, bootstrap_by)


#: the metric computing each scalar quantity describe reports (ecostat.quantities, "describe")
SCALAR_METRICS = {"homogenization": M.homogenization, "systemic_failure_rate": M.systemic_failure_rate,
                  "independence_systemic_failure_rate": M.expected_systemic_failure_rate,
                  "systemic_excess": M.systemic_excess, "min_exp": A.min_exp, "exp_exp": A.exp_exp}
#: the metric computing each group quantity describe reports (ecostat.quantities, "describe_groups")
GROUP_METRICS = {"h_avg": G.h_avg, "h_unif": G.h_unif, "h_worst": G.h_worst, "unfairness": G.unfairness}
#: pairwise measures reported by describe, by name (Bommasani App. A.4 and agreement measures)
PAIRWISE = dict(zip(PAIRWISE_NAMES, (P.cohens_kappa, P.double_fault, P.yules_q, A.pair_covariance, A.pair_pearson,
                                     A.pair_pmi, A.pair_homogenization)))


def _upper(fn, iu):
    """Pair values a < b; undefined pairs are NaN (never an error) so one bad pair cannot hide the others."""
    def pairs(table, counts=None):
        batch = table.counts[None, :] if counts is None else counts
        out = fn(table, batch)[..., iu[0], iu[1]]
        return out[0] if counts is None else out
    pairs.__name__ = fn.__name__
    return pairs


def _hard_easy(table, rule: str, notes: list[str]):
    """The hard/easy grid (Toups App. A.3), or None with a note saying why it has no valid cell."""
    try:
        return hard_easy_grid(table, rule=rule)
    except EcostatError as exc:
        if "no (alpha, Delta) cell" not in str(exc):
            notes.append(f"hard/easy baseline skipped: {exc}")
            return None
    f = M.failure_rates(table)
    j = int(np.nanargmax(f))
    limit = 1 / (1 + 0.2)
    notes.append(
        f"hard/easy baseline skipped: no cell of the paper's grid (alpha 0.1-0.5, Delta 0.2-5.0, {rule} rule) gives valid "
        f"hard/easy failure rates here. The hard rate (1 + Delta) x f must stay <= 1, so every failure rate must be at most "
        f"{limit:.3f}; {table.models[j]!r} fails {f[j]:.3f} of its instances. The other results do not depend on it.")
    return None


def _check_groups(n_groups: int, n: int, group_name: str, cap: int | None, given) -> None:
    """Refuse groupings with more groups than ``cap`` (an id column taken for a grouping, most often)."""
    if cap is None or n_groups <= cap:
        return
    rule = "the default cap min(1000, max(10, N / 2))" if given == "auto" else "max_groups"
    why = (f"{n_groups} groups for {n} instances ({n / n_groups:.1f} per group on average): group failure rates over so few "
           f"instances are mostly 0 or 1, and H_avg, H_worst, UNFAIRNESS and the per-group tables say nothing. Is "
           f"{group_name!r} an id column rather than a grouping?") if n_groups > n // 2 else (
           f"{n_groups} groups, more than {rule} allows ({cap}).")
    raise EcostatError(
        f"the grouping {group_name!r} has {why} Group by a coarser column, bin a numeric covariate "
        f"(ecostat.bin_covariate), or raise the cap: describe(..., max_groups={n_groups}) or max_groups=None "
        "(--max-groups on the command line).")


def _by_group_flag(bootstrap_by: str, table) -> bool:
    if bootstrap_by not in ("instance", "group"):
        raise EcostatError(f"bootstrap_by must be 'instance' or 'group', not {bootstrap_by!r}.")
    if bootstrap_by == "group" and table.group_codes is None:
        raise EcostatError("bootstrap_by='group' needs a grouping (group=COLUMN; --group on the command line).")
    return bootstrap_by == "group"


def _ordered_table(data, models, max_groups):
    """The data analysed (models selected, columns in ascending failure rate) and its profile table.

    A FailureMatrix and the ProfileTable it summarizes give the same table,
    row for row (the same rows, counts and order), so the bootstrap draws the
    same replicates and every number agrees.
    """
    if isinstance(data, FailureMatrix):
        if data.group is not None:
            _check_groups(len(data.group.categories), data.n_instances, data.group_name,
                          C.check_max_groups(max_groups, data.n_instances), max_groups)
        fm = data.select(models) if models is not None else data
        M.require_two_models(fm.profile_table(), "describe")
        fm = fm.ordered()
        table = fm.profile_table()
        if table.covariates is not None:  # covariates play no part here: aggregate them away
            table = table.columns(range(fm.n_models))
        return fm, table
    if data.group_codes is not None:
        _check_groups(data.n_groups, data.n_instances, data.group_name,
                      C.check_max_groups(max_groups, data.n_instances), max_groups)
    t = data.columns(_table_models(data, models)) if models is not None else data
    M.require_two_models(t, "describe")
    t = t.columns(np.argsort(M.failure_rates(t), kind="stable"))  # re-aggregated: covariates play no part here
    return t, t


def _table_models(t, models) -> list[int]:
    """Column positions of ``models`` in a profile table (its decision-maker names)."""
    names = [models] if isinstance(models, str) else list(models)
    unknown = [m for m in names if m not in t.models]
    if unknown:
        raise DataError(f"unknown decision-maker(s) {preview(unknown)}; the profile table has {preview(list(t.models))}.")
    if len(set(names)) != len(names):
        raise DataError(f"models {names} name a decision-maker twice; name each once.")
    return [t.models.index(m) for m in names]


def _observed(table) -> np.ndarray:
    """Instances that met each decision-maker (its observed cells)."""
    return table.counts @ (table.patterns >= 0).astype(np.int64)


def _data_notes(fm, table, n_boot: int) -> list[str]:
    """Remarks about the data that a reader of the numbers must see."""
    notes = []
    missing = table.n_instances - _observed(table)
    if missing.any():
        per = ", ".join(f"{m} {int(n)}" for m, n in zip(fm.models, missing) if n)
        notes.append(f"{int(missing.sum())} missing cells (instances that never met a decision-maker: {per}); rates use the "
                     "observed cells, systemic failure means failure by every decision-maker met (Bommasani eq. 10), and "
                     "t counts the failures among the decision-makers met, so P(t = k) can be below the systemic rate.")
    if M.systemic_failure_rate(table) == 0:
        notes.append(f"no instance was failed by all {fm.n_models} decision-makers: the systemic failure rate and H are 0 "
                     "and their bootstrap intervals are degenerate ([0, 0]); they say only that systemic failure is rare.")
    if table.group_codes is not None:
        sizes = G.group_sizes(table)
        small = [f"{g} ({int(n)})" for g, n in zip(table.group_levels, sizes) if n < 20]
        if small:
            notes.append(f"small group(s) {', '.join(small)}: their rates are very uncertain and they weigh fully in "
                         "H_unif, H_worst and UNFAIRNESS; consider merging them.")
    if 0 < n_boot < 100:
        notes.append(f"only {n_boot} bootstrap replicates: the intervals are rough; use 1000 or more.")
    return notes


def _leader(key):
    def stat(table, counts=None):
        return L.leader_statistics(table, counts, profiles=False)[key]
    stat.__name__ = key
    return stat


def _with_intervals(frame: pd.DataFrame, names, estimates, boot) -> pd.DataFrame:
    """Add ``name``, ``name_lo``, ``name_hi`` columns for each statistic."""
    frame = frame.copy()
    for name in names:
        frame[name] = estimates[name]
        frame[f"{name}_lo"] = boot[name].lo if boot else np.nan
        frame[f"{name}_hi"] = boot[name].hi if boot else np.nan
    return frame


def _by_group(table) -> pd.DataFrame:
    gr = G.group_failure_rates(table)
    df = pd.DataFrame(gr, columns=list(table.models))
    df.insert(0, "n", G.group_sizes(table).astype(int))
    df.insert(0, "group", [str(g) for g in table.group_levels])
    df["systemic_failure_rate"] = G.group_systemic_failure_rates(table)
    return df


