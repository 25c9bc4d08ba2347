"""Tables and the JSON object of a fit (``FitResult.summary`` / ``to_dict``).

Every ecosystem quantity is shown beside its value under independence with the
same failure rates, with an HDI and the posterior probability that it exceeds
the independence value; sampler diagnostics are in every summary. Which
quantities appear, with which label and reference, is the registry
:mod:`ecostat.quantities` (``reports`` "summary" and "posterior").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..quantities import quantity, reported
from ..report.summary import Summary
from . import posterior as post

__all__ = ["quantities_frame", "disparity_frames", "fit_summary", "fit_dict"]

def _interval(s: dict, i=()) -> dict:
    return {"mean": float(np.asarray(s["mean"])[i]), "hdi": [float(np.asarray(s["hdi_low"])[i]),
                                                             float(np.asarray(s["hdi_high"])[i])]}


def _reference_mean(res, name, by_group=False):
    ref = quantity(name).independence
    if isinstance(ref, str):
        return np.nanmean(res.quantity_draws(ref, by_group), axis=0)
    return ref


def quantities_frame(res, ci: float = 0.95) -> pd.DataFrame:
    """Ecosystem quantities against independence (one row per quantity)."""
    rows = []
    f = res.quantity("failure_rates", ci=ci)
    for j, m in enumerate(res.design.models):
        rows.append({"quantity": f"failure rate {m}", "mean": f["mean"][j], "hdi_low": f["hdi_low"][j],
                     "hdi_high": f["hdi_high"][j], "independence": np.nan, "P(> indep)": np.nan})
    for name in reported("summary", "scalar"):
        label = quantity(name).label
        s = res.quantity(name, ci=ci)
        ref = _reference_mean(res, name)
        rows.append({"quantity": label, "mean": float(s["mean"]), "hdi_low": float(s["hdi_low"]),
                     "hdi_high": float(s["hdi_high"]), "independence": np.nan if ref is None else float(ref),
                     "P(> indep)": float(s["p_greater"]) if "p_greater" in s else np.nan})
    lf = res.quantity("leader_following", ci=ci)
    ind = res.quantity_draws("independence_leader_following")
    for j, m in enumerate(res.design.models):
        x = res.quantity_draws("leader_following")[:, j]
        rows.append({"quantity": f"P(all others fail | {m} fails)", "mean": lf["mean"][j], "hdi_low": lf["hdi_low"][j],
                     "hdi_high": lf["hdi_high"][j], "independence": float(np.mean(ind[:, j])),
                     "P(> indep)": float(np.mean(x > ind[:, j]))})
    return pd.DataFrame(rows)


def disparity_frames(res, ci: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-group H, systemic excess, difficulty scale and ensemble accuracy; pairwise contrasts."""
    d = res.design
    levels = d.group_levels
    draws = {"H": res.quantity_draws("homogenization", True), "excess": res.quantity_draws("systemic_excess", True),
             "majority": res.quantity_draws("ensemble_majority_accuracy", True),
             "gap": res.quantity_draws("ensemble_gap", True)}
    scale = res._family.group_scale(res.draws, d, res.options)
    if scale is not None:
        draws["scale"] = scale
    rows = []
    for g, level in enumerate(levels):
        row = {"group": level}
        for key, x in draws.items():
            s = post.summarize_draws(x[:, g], ci=ci)
            row |= {f"{key}": float(s["mean"]), f"{key}_low": float(s["hdi_low"]), f"{key}_high": float(s["hdi_high"])}
        rows.append(row)
    contrasts = []
    for key in ("H", "excess", "scale", "gap"):
        if key not in draws:
            continue
        for (a, b), diff in post.group_contrasts(draws[key], levels).items():
            s = post.summarize_draws(diff, reference=0.0, ci=ci)
            contrasts.append({"quantity": key, "contrast": f"{a} - {b}", "mean": float(s["mean"]),
                              "hdi_low": float(s["hdi_low"]), "hdi_high": float(s["hdi_high"]),
                              "P(> 0)": float(s["p_greater"])})
    return pd.DataFrame(rows), pd.DataFrame(contrasts)


def _diagnostics_frame(diag: dict) -> pd.DataFrame:
    keys = ["r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences", "chains", "draws"]
    return pd.DataFrame({"diagnostic": keys, "value": [float(diag[k]) for k in keys]})


def _information_line(ic) -> str:
    """The header line of the maximised likelihood (priors off) and the criteria."""
    return f"{ic.loglik:.3f} at the MLE ({ic.n_parameters} parameters; AIC {ic.aic:.1f}, BIC {ic.bic:.1f}, N = {ic.n_instances})"


def fit_summary(res, ci: float = 0.95, classical: bool = True) -> Summary:
    """Summary of a :class:`~ecostat.bayes.results.FitResult` (see :meth:`FitResult.summary`)."""
    d = res.design
    diag = res.diagnostics
    loo = res.profile_loo() if res.loo_affordable else None
    header = [("Family", f"{res.family} ({res._family.summary})"), ("Instances", str(d.n_instances)),
              ("Decision-makers", ", ".join(d.models)), ("Profile rows", str(len(d.counts))),
              ("Draws", f"{res.n_draws} ({diag['chains']} chains, seed {res.settings.get('seed')})"),
              ("LOO elpd", f"{loo.elpd:.1f} (se {loo.se:.1f})" if loo is not None else
               "not computed here (one term per draw, profile row, latent value and decision-maker: minutes); "
               "res.loo() computes it"),
              ("Max log-lik", _information_line(res.information_criteria())),
              ("Converged", "yes" if diag["converged"] else "NO")]
    if res.formula:
        header.insert(1, ("Formula", res.formula))
    if d.n_groups > 1:
        header.insert(3, ("Group", f"{d.group_name}: {', '.join(d.group_levels)}"))
    if d.covariate_names:
        header.insert(3, ("Covariates", ", ".join(d.covariate_names) + " (effects per sd)"))
    pct = f"{ci:.0%}"
    tables = [(f"Parameters ({pct} HDI)", res.parameters(ci)),
              (f"Ecosystem quantities vs independence ({pct} HDI)", quantities_frame(res, ci))]
    if d.n_groups > 1:
        per_group, contrasts = disparity_frames(res, ci)
        tables += [(f"Disparity by group ({pct} HDI)", per_group), ("Group contrasts", contrasts)]
    if classical:
        from .fit_classical import MAX_PAIRS_K, classical_tables
        tables += classical_tables(res, ci)
    tables.append(("Sampler diagnostics", _diagnostics_frame(diag)))
    notes = [f"Not converged: {p}." for p in diag["problems"]]
    if classical and d.k > MAX_PAIRS_K:
        notes.append(f"Pairwise McNemar tests of the {d.k * (d.k - 1) // 2} pairs left out (k > {MAX_PAIRS_K}); "
                     "ecostat.frequentist.mcnemar_pairs gives them.")
    attrs = res._sampled.posterior.attrs
    if "approximation" in attrs:
        notes.insert(0, "APPROXIMATE: " + str(attrs["approximation"]) + ".")
    saturation = res.saturation_note() if hasattr(res, "saturation_note") else None
    if saturation:
        notes.append("SATURATED: " + saturation)
    if not getattr(res, "enumerates_profiles", True):
        notes.append(f"k = {d.k} > 14: quantities computed from the mixture components (exact), on "
                     f"{len(res.quantity_draw_index)} of {res.n_draws} draws; no posterior predictive check on profiles.")
    notes.append("P(> indep) is the posterior probability that the quantity exceeds its value under "
                 "independence with the same failure rates (for H: 1; excess and gap: 0).")
    if not res.information_criteria().converged:
        notes.append("Max log-lik: the optimizer did not report convergence; logLik, AIC and BIC may be slightly low.")
    if loo is not None and loo.n_bad:
        notes.append(f"LOO: {loo.n_bad} instances in profile rows with Pareto k > 0.7; the estimate is unreliable.")
    return Summary(f"ecostat fit: {res.family}", header, tables, notes)


def fit_dict(res, ci: float = 0.95, ppc_seed: int = 0) -> dict:
    """The JSON object of ``ecostat fit --json`` (keys documented in the README)."""
    d = res.design
    posterior = {name: _interval(res.quantity(name, ci=ci)) for name in reported("posterior", "scalar")}
    f = res.quantity("failure_rates", ci=ci)
    posterior["failure_rates"] = [{"name": m, **_interval(f, j)} for j, m in enumerate(d.models)]
    lf = res.quantity("leader_following", ci=ci)
    posterior["leader_following"] = [{"name": m, **_interval(lf, j)} for j, m in enumerate(d.models)]
    diag = res.diagnostics
    loo = res.profile_loo() if res.loo_affordable else None
    out = {"family": res.family, "formula": res.formula, "n_instances": d.n_instances, "n_models": d.k, "models": list(d.models),
           "options": res.options.to_dict(), "settings": res.settings, "posterior": posterior,
           "diagnostics": {"r_hat_max": diag["r_hat_max"], "ess_bulk_min": diag["ess_bulk_min"],
                           "ess_tail_min": diag["ess_tail_min"], "divergences": diag["divergences"],
                           "converged": diag["converged"], "problems": diag["problems"]},
           "loo": {"elpd": loo.elpd, "se": loo.se, "p_loo": loo.p_loo} if loo is not None else None,
           "information_criteria": res.information_criteria().to_dict(),
           "digest": res.digest, "versions": res.versions}
    out["failure_rates"] = posterior["failure_rates"]  # also at the top level, as the contract lists it
    attrs = res._sampled.posterior.attrs
    if "approximation" in attrs:
        out["approximation"] = {"method": attrs.get("method"), "pareto_k": float(attrs.get("pareto_k", float("nan"))),
                                "note": str(attrs["approximation"])}
    out["saturation"] = {"parameters": res.n_parameters, "free_cells": res.free_cells, "saturated": res.saturated,
                         "note": res.saturation_note()}
    if d.complete and getattr(res, "enumerates_profiles", True):
        out["ppc"] = res.ppc(seed=ppc_seed).to_dict()
    elif d.complete:
        out["ppc"] = None
        out["ppc_skipped"] = f"the posterior predictive check enumerates 2^k profiles; k = {d.k} > 14"
    if d.n_groups > 1:
        out["group"] = d.group_name
        H = res.quantity("homogenization", True, ci)
        ex = res.quantity("systemic_excess", True, ci)
        gap = res.quantity("ensemble_gap", True, ci)
        out["disparity"] = [{"group": g, "homogenization": _interval(H, i), "systemic_excess": _interval(ex, i),
                             "ensemble_gap": _interval(gap, i)} for i, g in enumerate(d.group_levels)]
    if "corr" in res.draws:
        c = res.draws["corr"]
        out["correlation"] = []
        for a in range(d.k):
            for b in range(a + 1, d.k):
                s = post.summarize_draws(c[:, a, b], ci=ci)
                out["correlation"].append({"models": [d.models[a], d.models[b]], **_interval(s)})
    return out
