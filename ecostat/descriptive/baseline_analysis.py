"""The baseline analysis (``ecostat baseline``): hard/easy grid, fit and goodness of fit (Toups App. A.3)."""

from __future__ import annotations

import numpy as np

__all__ = ["baseline_analysis"]


def baseline_analysis(fm, *, rule: str = "strict", n_sim: int = 999, seed: int = 0, progress=None) -> dict:
    """Everything ``ecostat baseline`` reports, as a JSON-ready dict.

    The hard/easy grid of Toups App. A.3 (``rule``), the continuous maximum-
    likelihood fit, the three #failures distributions, the whole grid, and
    parametric-bootstrap goodness-of-fit tests of both baselines (``n_sim``
    replicates; 0 skips them).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.baseline_analysis import baseline_analysis
    >>> rep = baseline_analysis(es.simulate(n=3000, family="hard_easy", seed=0), n_sim=49)
    >>> sorted(rep["goodness_of_fit"])
    ['hard_easy', 'independence']
    """
    from .baselines import fit_hard_easy, hard_easy_distribution, hard_easy_grid
    from .gof import goodness_of_fit
    from .metrics import failure_count_distribution, failure_rates, independence_distribution

    fm = fm.ordered()
    grid = hard_easy_grid(fm, rule=rule)
    fit = fit_hard_easy(fm)
    f = failure_rates(fm)
    out = {
        "n_instances": fm.n_instances, "n_models": fm.n_models,
        "models": [{"name": n, "failure_rate": float(r)} for n, r in zip(fm.models, f)],
        "hard_easy": {**grid.to_dict(), "rule": rule},
        "hard_easy_fit": fit.to_dict(),
        "failure_count_distribution": {
            "observed": failure_count_distribution(fm).tolist(),
            "independence": independence_distribution(fm).tolist(),
            "hard_easy": hard_easy_distribution(f, grid.alpha, grid.delta, rule=rule).tolist(),
        },
        "grid": [{"alpha": r.alpha, "delta": r.delta, "l1": None if np.isnan(r.l1) else float(r.l1)}
                 for r in grid.to_frame().itertuples()],
    }
    if n_sim:
        if progress is not None:
            progress(f"goodness of fit: {n_sim} parametric-bootstrap replicates per baseline")
        out["goodness_of_fit"] = {b: goodness_of_fit(fm, b, n_sim=n_sim, seed=seed).to_dict() for b in ("independence", "hard_easy")}
    return out
