"""Parameter recovery: fit every family to data simulated from it, check the truth is covered.

``simulate`` draws from a known model and ``simulate_parameters`` (same
arguments) gives the true parameters in the fitted family's names and
identification; the true profile probabilities, and so the true homogenization
H and systemic failure rate, are the family's own ``pattern_log_prob`` at the
true parameters (one "draw") on the fit's design.

Coverage policy. For every fit, the checked scalars are every component of
every reported parameter that has a single true value (all but ``tau_gamma``),
plus H and the systemic failure rate, overall and per group; each is
printed (``-s``) with its 90% HDI, flagged ``MISS90`` when outside it.

* per fit: the sampler converged (R-hat <= 1.02, bulk ESS >= 150, no
  divergences: see ``MAX_RHAT``), and every true
  value is within 4 posterior sd of the posterior mean: a biased or
  mis-parameterized fit (wrong sign, wrong scale, wrong identification) fails
  this at these sample sizes, a calibrated one essentially never does;
* over the whole slow set (``test_overall_coverage``): at least 75% of the
  true values lie inside their 90% HDI. The threshold is below 90% because the
  checks of one fit move together (a sample whose failure rates happen to be
  high shifts every b_j, H and the systemic rate at once), so a per-fit count
  of 90% misses, or a binomial bound on the total, fails by chance far more
  often than its nominal level.

The fast default subset (two small fits) runs unmarked; the full set is
``@pytest.mark.slow`` (``pytest -m slow tests/test_recovery.py``). Each fit runs
once per module (cached fixture).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

import ecostat as es
from ecostat.bayes import posterior as post
from ecostat.bayes.families import FAMILIES
from ecostat.bayes.simulate import simulate_parameters

QUANTITIES = ("homogenization", "systemic_failure_rate")
SAMPLER = dict(draws=400, tune=500, chains=2)  # fast subset; the slow set draws 500 (R-hat <= 1.01 is strict)
SLOW_DRAWS = 500
MAX_Z = 4.0
# Convergence for these short runs (2 chains x 400-500 draws). The library's limit R-hat <= 1.01
# (results.DIAGNOSTIC_LIMITS) is what a user's fit is held to; on chains this short the maximum R-hat over 10-20
# parameters exceeds it by chance alone (seen: 1.011-1.018 on fits whose draws agree), so the tests use 1.02.
MAX_RHAT = 1.02
MIN_ESS = 150
MIN_COVERAGE = 0.75


@dataclass(frozen=True)
class Case:
    sim: dict  # arguments of simulate / simulate_parameters
    n: int
    seed: int = 0
    fit: dict = field(default_factory=dict)  # extra arguments of es.fit
    sampler: dict = field(default_factory=dict)  # overrides SAMPLER
    known_issue: str | None = None  # a non-converged fit xfails with this reason (recovery is still checked)


CASES: dict[str, Case] = {
    # fast default subset
    "independence": Case(dict(family="independence", failure_rates=[0.1, 0.2, 0.3]), n=3000, seed=1),
    "rasch": Case(dict(family="rasch", failure_rates=[0.1, 0.2, 0.3], difficulty_sd=1.5), n=3000, seed=2),
    # full set (slow)
    "hard_easy": Case(dict(family="hard_easy", failure_rates=[0.1, 0.2, 0.3], alpha=0.2, delta=1.5), n=10_000, seed=3),
    "latent_class": Case(dict(family="latent_class", class_shares=[0.75, 0.25],
                              class_rates=[[0.05, 0.1, 0.08, 0.15], [0.6, 0.5, 0.7, 0.4]]),
                         n=8000, seed=4, fit=dict(n_classes=2)),
    "rasch_probit": Case(dict(family="rasch", failure_rates=[0.1, 0.2, 0.3], difficulty_sd=1.0, link="probit"),
                         n=8000, seed=5, fit=dict(link="probit")),
    "twopl": Case(dict(family="twopl", failure_rates=[0.1, 0.2, 0.3, 0.25], loadings=[0.6, 1.0, 1.6, 2.2]),
                  n=10_000, seed=6),
    "mvprobit": Case(dict(family="mvprobit", failure_rates=[0.1, 0.2, 0.3],
                          correlation=[[1.0, 0.6, 0.3], [0.6, 1.0, 0.4], [0.3, 0.4, 1.0]]),
                     n=5000, seed=7, sampler=dict(draws=300, tune=400)),
    "rasch_groups": Case(dict(family="rasch", failure_rates=[0.1, 0.2, 0.3], groups={"light": 0.6, "dark": 0.4},
                              group_location={"light": -0.2, "dark": 0.5},
                              group_scale={"light": 1.0, "dark": 2.2}), n=10_000, seed=8),
    # a discrete covariate (5 levels): a continuous one makes every instance a stratum (~250 ms per gradient at n = 4000)
    "rasch_covariate": Case(dict(family="rasch", failure_rates=[0.1, 0.2, 0.3], difficulty_sd=1.2,
                                 covariate_effect=0.7, covariate_levels=5), n=8000, seed=9, fit=dict(covariates="x")),
    "rasch_model_by_group": Case(dict(family="rasch", failure_rates=[0.1, 0.2, 0.3], groups={"a": 0.5, "b": 0.5},
                                      group_scale={"a": 1.5, "b": 1.5},
                                      model_group_effects={"a": [0.5, 0.0, -0.3], "b": [-0.5, 0.0, 0.3]}),
                                 n=10_000, seed=10, fit=dict(model_by_group=True),
                                 known_issue="model_by_group's non-centered gamma = tau_gamma * gamma_raw mixes poorly "
                                             "when the data inform gamma (bulk ESS 100-220, divergences at n = 4000-10000)"),
}
FAST = ("independence", "rasch")
SLOW = tuple(name for name in CASES if name not in FAST)


@dataclass
class Recovery:
    name: str
    result: object
    truth: dict  # parameter -> true array
    true_quantities: dict  # (quantity, group or None) -> true value
    seconds: float
    checks: list  # (label, truth, lo90, hi90, posterior mean, posterior sd)


def _true_quantities(case: Case, truth: dict, design, options) -> dict:
    """True H and systemic failure rate (overall and per group) on the fit's own design."""
    fam = FAMILIES[case.sim["family"]]
    P = np.exp(fam.pattern_log_prob({k: np.asarray(v)[None] for k, v in truth.items()}, design, options))
    overall = post.ecosystem_quantities(post.overall_probabilities(P, design.strata_counts), design.k)
    out = {(q, None): float(overall[q][0]) for q in QUANTITIES}
    if design.n_groups > 1:
        by = post.ecosystem_quantities(post.group_probabilities(P, design.strata_group, design.strata_counts,
                                                                 design.n_groups), design.k)
        out.update({(q, g): float(by[q][0, i]) for q in QUANTITIES for i, g in enumerate(design.group_levels)})
    return out


def _run(name: str) -> Recovery:
    case = CASES[name]
    fm = es.simulate(n=case.n, seed=case.seed, **case.sim)
    truth = simulate_parameters(n=case.n, seed=case.seed, **case.sim)
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # convergence is asserted by the tests, with the diagnostics in the message
        warnings.simplefilter("ignore", es.EcostatWarning)
        sampler = {**SAMPLER, **({} if name in FAST else {"draws": SLOW_DRAWS}), **case.sampler}
        res = es.fit(fm, case.sim["family"], seed=case.seed, **case.fit, **sampler)
    seconds = time.perf_counter() - t0
    design, options = res.design, res.options
    tq = _true_quantities(case, truth, design, options)
    checks = []
    reported = FAMILIES[case.sim["family"]].parameters(design, options)
    for p in reported:
        if p not in truth:
            continue  # hyperparameters without a single true value (tau_gamma)
        x = res.draws[p].reshape(res.n_draws, -1)
        t = np.ravel(truth[p])
        assert x.shape[1] == t.size, (p, x.shape, t.shape)
        lo90, hi90 = post.hdi(x, 0.9)
        mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
        for i, ix in enumerate(np.ndindex(np.shape(truth[p]))):
            label = f"{p}[{','.join(map(str, ix))}]" if ix else p
            checks.append((label, t[i], lo90[i], hi90[i], mean[i], sd[i]))
    for (q, g), t in tq.items():
        x = res.quantity_draws(q, by_group=g is not None)
        if g is not None:
            x = x[:, list(design.group_levels).index(g)]
        lo90, hi90 = post.hdi(x, 0.9)
        checks.append((q if g is None else f"{q}[{g}]", t, float(lo90), float(hi90), float(x.mean()), float(x.std(ddof=1))))
    return Recovery(name, res, truth, tq, seconds, checks)


@pytest.fixture(scope="module")
def recovered():
    """name -> Recovery, each fit run once per module."""
    cache: dict[str, Recovery] = {}

    def get(name: str) -> Recovery:
        if name not in cache:
            cache[name] = _run(name)
        return cache[name]

    return get


def _inside(t, lo, hi) -> bool:
    eps = 1e-9 * max(1.0, abs(t))  # a quantity fixed by the family (H = 1 under independence) is its own HDI
    return lo - eps <= t <= hi + eps


def _z(t, mean, sd) -> float:
    """Standardized error of the posterior mean (0 when the family fixes the value, e.g. H = 1 under independence)."""
    return 0.0 if sd <= 1e-12 * max(1.0, abs(t)) and abs(mean - t) <= 1e-9 * max(1.0, abs(t)) else (mean - t) / sd


def _report(r: Recovery) -> str:
    lines = [f"{r.name}: fit {r.seconds:.1f} s, {r.result.diagnostics['draws']} draws, "
             f"R-hat {r.result.diagnostics['r_hat_max']:.3f}, ESS {r.result.diagnostics['ess_bulk_min']:.0f}"]
    for label, t, lo, hi, mean, sd in r.checks:
        flag = "" if _inside(t, lo, hi) else "  MISS90"
        lines.append(f"  {label:30s} true {t: .4f}  90% HDI [{lo: .4f}, {hi: .4f}]  z {_z(t, mean, sd): .2f}{flag}")
    return "\n".join(lines)


def _check(r: Recovery) -> None:
    print(_report(r))
    far = [c[0] for c in r.checks if not abs(_z(c[1], c[4], c[5])) <= MAX_Z]
    assert not far, f"true value more than {MAX_Z} posterior sd from the posterior mean: {far}\n{_report(r)}"
    d = r.result.diagnostics
    ok = d["r_hat_max"] <= MAX_RHAT and d["ess_bulk_min"] >= MIN_ESS and d["divergences"] == 0
    if not ok and CASES[r.name].known_issue:
        pytest.xfail(f"{CASES[r.name].known_issue}: {d['problems']}")
    assert ok, f"{r.name}: {d['problems']}"


@pytest.mark.parametrize("name", FAST)
def test_recovery_fast(recovered, name):
    _check(recovered(name))


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_recovery(recovered, name):
    _check(recovered(name))


@pytest.mark.slow
def test_overall_coverage(recovered):
    """Across all fits, enough true values lie inside their 90% HDI (see the module docstring)."""
    rows = [(name, c) for name in CASES for c in recovered(name).checks]
    inside = sum(_inside(c[1], c[2], c[3]) for _, c in rows)
    per_fit = {name: f"{sum(_inside(c[1], c[2], c[3]) for c in recovered(name).checks)}/{len(recovered(name).checks)}"
               for name in CASES}
    print(f"90% HDI coverage: {inside}/{len(rows)} = {inside / len(rows):.3f}; per fit {per_fit}")
    assert inside >= MIN_COVERAGE * len(rows), per_fit
