"""Side-by-side comparison of Bayesian fits on the same data (``es.compare``, ``ecostat compare``).

Fits are ranked by PSIS-LOO on the profile table (:func:`ecostat.bayes.loo.compare_loo`; pseudo-BMA+ weights)
and shown beside each other with what they imply for the ecosystem: posterior
homogenization H, the systemic failure rate and its value under independence,
the ensemble gap, and the posterior predictive p-value of the systemic-failure
count (docs/architecture.md §6, §7). A family that fits the table better by LOO but cannot
reproduce the observed systemic failures is still wrong about what matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EcostatError
from ..options import default, interval_mass
from ..quantities import quantity, reported
from ..report.format import fmt as _fmt
from ..report.result import Result
from ..report.summary import Summary
from . import posterior as post

__all__ = ["compare", "Comparison", "fit_names"]

_PPC_ROW = "PPC p, systemic-failure count"


def fit_names(fits) -> list[str]:
    """Display names of positional fits: the family, numbered where families repeat.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> fit_names([NS(family="rasch"), NS(family="independence"), NS(family="rasch")])
    ['rasch_1', 'independence', 'rasch_3']
    """
    families = [f.family for f in fits]
    return [fam if families.count(fam) == 1 else f"{fam}_{i + 1}" for i, fam in enumerate(families)]


def _as_mapping(fits) -> dict:
    if len(fits) == 1 and isinstance(fits[0], Mapping):
        named = dict(fits[0])
    else:
        if len(fits) == 1 and isinstance(fits[0], (list, tuple)):
            fits = tuple(fits[0])
        named = dict(zip(fit_names(fits), fits)) if all(hasattr(f, "family") for f in fits) else None
        if named is None:
            bad = next(f for f in fits if not hasattr(f, "family"))
            raise EcostatError(f"compare takes FitResults (from es.fit or es.load_fit) or a mapping name -> FitResult; "
                               f"got {type(bad).__name__}.")
    if not named:
        raise EcostatError("compare needs at least one fit: es.compare(fit_a, fit_b) or es.compare({'a': fit_a, ...}).")
    for name, res in named.items():
        if not (hasattr(res, "profile_loo") and hasattr(res, "digest")):
            hint = (" To compare ELPDData (res.loo()) or InferenceData, use arviz.compare on res.loo() of each fit."
                    if type(res).__name__ in ("ELPDData", "ProfileELPD", "InferenceData") else "")
            raise EcostatError(f"{name!r} is a {type(res).__name__}, not a FitResult (from es.fit or es.load_fit).{hint}")
    return {str(k): v for k, v in named.items()}


def _interval_text(s: dict) -> str:
    return f"{_fmt(float(s['mean']), 4)} [{_fmt(float(s['hdi_low']), 4)}, {_fmt(float(s['hdi_high']), 4)}]"


def _observed(design) -> dict:
    """The quantities of the observed profile frequencies (complete data only)."""
    if not design.complete:
        return {}
    k = design.k
    idx = design.patterns.astype(np.int64) @ (1 << np.arange(k))
    p = np.bincount(idx, weights=design.counts, minlength=2 ** k) / design.counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        q = post.ecosystem_quantities(p, k)
    out = {name: float(q[name]) for name in reported("compare")}
    out["systemic_failure_count"] = int(round(p[-1] * design.counts.sum()))
    return out


def compare(*fits, ci: float = default("ci"), prob: float | None = None) -> Comparison:
    """Compare Bayesian fits of the same data by PSIS-LOO, with their ecosystem quantities side by side.

    Parameters
    ----------
    *fits : FitResult, or one mapping name -> FitResult
        Fits from :func:`ecostat.fit` or :func:`ecostat.load_fit`, all of the
        same instances. Their strata may differ where one refines the other (a
        model with a group against one without, a covariate against none):
        LOO then pairs the instances on the finer rows (:mod:`ecostat.bayes.loo_align`).
        Positional fits are named by their family (numbered where a family repeats).
    ci : float
        Mass of the highest-density intervals (default 0.95).

    Returns
    -------
    Comparison
        A result (``summary()``, ``to_dict()``, ``table``) whose summary has two tables. *Model comparison by PSIS-LOO*: one row per fit, best
        first, with ``rank`` (0 = best), ``elpd_loo``, ``se``, ``p_loo``,
        ``elpd_diff`` and ``dse`` (to the best fit), the pseudo-BMA+ ``weight``
        (:func:`ecostat.bayes.loo.pseudo_bma_plus_weights`: Bayesian bootstrap,
        seed 0, so fits within about 2 dse share the weight) and ``warning``
        (some Pareto k too large). *Ecosystem quantities*: one
        row per quantity (H, systemic failure rate, its value under
        independence, ensemble gap) with ``mean [HDI]`` for each fit in rank
        order beside the value observed in the data, and the posterior
        predictive mid-p-value of the systemic-failure count. Render with
        ``as_text``, ``as_latex``, ``as_html``; ``to_frame`` stacks both tables.

    Raises
    ------
    EcostatError
        When the fits were made on different instances, their designs are not
        nested, or something else than a FitResult is given.

    See Also
    --------
    ecostat.bayes.loo.compare_loo : the LOO table alone, as a DataFrame (``Comparison.table``).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=500, seed=0)
    >>> fits = [es.fit(fm, f, draws=1000, tune=1000, seed=3) for f in ("independence", "rasch")]
    >>> s = es.compare(*fits)
    >>> s.table.index.tolist()            # best first
    ['rasch', 'independence']
    >>> print(s.as_text())  # doctest: +ELLIPSIS
    Model comparison
    ...
    homogenization H ...
    """
    from .loo import compare_loo
    from .loo_align import align_loo

    ci = interval_mass(ci, prob)
    named = _as_mapping(fits)
    table = compare_loo(align_loo(named))
    order = list(table.index)
    loo_frame = table.reset_index(names="model")
    loo_frame.insert(1, "family", [named[n].family for n in order])
    loo_frame = loo_frame[["model", "family", "rank", "elpd_loo", "se", "p_loo", "elpd_diff", "dse", "weight", "warning"]]

    first = named[order[0]]
    d = first.design
    observed = _observed(d)
    rows = []
    for name in reported("compare"):
        row = {"quantity": quantity(name).label, "observed": observed.get(name, np.nan)}
        for n in order:
            row[n] = _interval_text(named[n].quantity(name, ci=ci))
        rows.append(row)
    ppc_row = {"quantity": _PPC_ROW, "observed": observed.get("systemic_failure_count", np.nan)}
    for n in order:
        res = named[n]
        ppc_row[n] = _fmt(float(res.ppc(seed=0).p_values["systemic_failure_count"]), 4) if res.design.complete else "--"
    rows.append(ppc_row)
    quantities = pd.DataFrame(rows)
    quantities["observed"] = pd.Series([r["observed"] for r in rows], dtype=object)  # the count stays an int

    header = [("Instances", str(d.n_instances)), ("Decision-makers", ", ".join(d.models)),
              ("Fits", ", ".join(f"{n} ({named[n].family})" for n in order)),
              ("Best by LOO", order[0]), ("Data digest", d.digest()[:12])]
    if d.n_groups > 1:
        header.insert(2, ("Group", f"{d.group_name}: {', '.join(d.group_levels)}"))
    if d.covariate_names:
        header.insert(2, ("Covariates", ", ".join(d.covariate_names)))
    pct = f"{ci:.0%}"
    notes = ["elpd_diff and dse are the difference in elpd_loo to the best fit (rank 0) and its standard error; "
             "a difference within about 2 dse does not separate the fits. weight is the pseudo-BMA+ weight (Yao et al. "
             "2018; arviz.compare(method='BB-pseudo-BMA')): exp(elpd_loo) weights averaged over a Bayesian bootstrap "
             "of the instances (profile rows weighted by their counts), so it reflects the uncertainty of elpd_diff.",
             f"Quantities are posterior mean [{pct} HDI]; 'observed' is the value in the data. The ensemble gap is "
             "majority-vote accuracy minus its value under independence with the same failure rates.",
             "PPC p is the mid-p posterior predictive p-value P(T_rep > T_obs) + 0.5 P(T_rep = T_obs) of the number "
             "of instances every decision-maker fails ('observed' shows that count); near 0 or 1 the fit does not "
             "reproduce the systemic failures."]
    close = [n for n in order[1:] if table.loc[n, "elpd_diff"] <= 2 * table.loc[n, "dse"]]
    if close:
        notes.append(f"LOO does not separate {order[0]} from {', '.join(close)}: elpd_diff is within 2 dse.")
    for n in order:
        res = named[n]
        problems = res.diagnostics["problems"]
        if problems:
            notes.append(f"{n} did not converge: {'; '.join(problems)}.")
        loo = res.profile_loo()
        if loo.n_bad:
            notes.append(f"{n}: PSIS-LOO is unreliable for {loo.n_bad} instances (Pareto k > {loo.k_threshold:.2f}).")
        saturation = res.saturation_note() if hasattr(res, "saturation_note") else None
        if saturation:
            notes.append(f"{n} is SATURATED: " + saturation)
    report = Summary("Model comparison", header,
                     [("Model comparison by PSIS-LOO", loo_frame), (f"Ecosystem quantities, mean [{pct} HDI]", quantities)],
                     notes)
    return Comparison(table, {n: named[n].family for n in order}, report)


@dataclass(repr=False)
class Comparison(Result):
    """Result of :func:`compare`: the PSIS-LOO table of the fits, best first, and their quantities side by side.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per fit (index: its name), columns ``rank, elpd_loo, p_loo, elpd_diff, weight, se, dse, warning,
        scale`` as :func:`arviz.compare` (``az.plot_compare(comparison.table)`` draws it).
    families : dict
        Fit name -> family.
    report : Summary
        The tables and notes :meth:`summary` returns.
    """

    table: pd.DataFrame
    families: dict
    report: Summary

    def summary(self) -> Summary:
        return self.report

    def to_dict(self) -> dict:
        """The JSON object of ``ecostat compare --json``: one entry per fit, best first."""
        return {"models": [{"name": n, "family": self.families[n], "elpd": float(r["elpd_loo"]), "se": float(r["se"]),
                            "p_loo": float(r["p_loo"]), "elpd_diff": float(r["elpd_diff"]), "dse": float(r["dse"]),
                            "weight": float(r["weight"]), "rank": int(r["rank"])} for n, r in self.table.iterrows()]}

    @property
    def best(self) -> str:
        """Name of the fit ranked first."""
        return str(self.table.index[0])

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.table)} fits; best by LOO: {self.best}>"
