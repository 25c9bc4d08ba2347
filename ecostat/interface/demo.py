"""The main job on a built-in simulated ecosystem (``ecostat demo``).

Three commercial "APIs" judge the same 20,000 people in two yearly versions.
People differ in latent difficulty, more so in one group (as in Toups et al.
2023, §5, where models are most homogeneous for the darkest skin tones), and
an annotator-agreement-like covariate shifts difficulty. The demo runs the
full descriptive analysis on the first year (with pairwise agreement and
leader following), the hard/easy baseline with goodness-of-fit tests,
stratified excess by group and by binned covariate, and the year-over-year
improvement analysis. No files, no network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..bayes.simulate import simulate
from ..descriptive.baselines import fit_hard_easy, hard_easy_grid
from ..descriptive.describe import describe
from ..descriptive.gof import goodness_of_fit
from ..descriptive.groups import bin_covariate, stratified_excess
from ..descriptive.improvement import improvements, transitions
from ..numeric import jsonable
from ..options import default
from ..report.result import Result
from ..report.summary import Summary

__all__ = ["run_demo", "demo_ecosystem", "DemoResult"]

MODELS = ("acme", "globex", "initech")
YEARS = ("2021", "2022")


def demo_ecosystem(n: int = 20000, seed: int = 0):
    """The demo's simulated ecosystem: 3 models x 2 versions, a skin-tone-like group and a covariate.

    Examples
    --------
    >>> from ecostat.interface.demo import demo_ecosystem
    >>> demo_ecosystem(n=500).models[:2]
    ('acme_2021', 'acme_2022')
    """
    return simulate(n=n, family="rasch", failure_rates=(0.08, 0.12, 0.2), models=MODELS, versions=YEARS,
                    groups={"light": 0.5, "medium": 0.3, "dark": 0.2},
                    group_location={"light": -0.2, "medium": 0.0, "dark": 0.4},
                    group_scale={"light": 1.0, "medium": 1.4, "dark": 2.2},
                    covariate_effect=0.7, version_shift=-0.35, seed=seed)


@dataclass(repr=False)
class DemoResult(Result):
    """What the demo computed: its summary (every table) and its JSON.

    Attributes
    ----------
    report : Summary
        Every table of the demo.
    payload : dict
        The JSON object of ``ecostat demo --json``.
    figures : list of str
        Paths of the figures written (with ``out``).
    fit : FitResult or None
        The Bayesian fit at the end.
    """

    report: Summary
    payload: dict
    figures: list
    fit: object = None

    def summary(self) -> Summary:
        return self.report

    def to_dict(self) -> dict:
        return self.payload

    def __repr__(self) -> str:
        return f"<DemoResult: {len(self.report.tables)} tables, {len(self.figures)} figures>"


def run_demo(n: int = default("n"), seed: int = default("seed"), n_boot: int = default("n_boot"),
             out: str | None = default("out"), progress: Callable[[str], None] = lambda msg: None,
             family: str | None = default("family"), draws: int = default("draws")) -> DemoResult:
    """Run the demo; returns a :class:`DemoResult` (``summary()``, ``to_dict()``, ``figures``).

    It ends with a Bayesian fit of ``family`` (default, None: ``rasch``)
    with group-specific difficulty (2 chains x ``draws``), its ecosystem
    quantities against independence, group disparity and posterior predictive
    check; ``family="none"`` skips it.

    Examples
    --------
    >>> from ecostat.interface.demo import run_demo
    >>> report = run_demo(n=2000, n_boot=50, family="none")
    >>> report.to_dict()["n_models"], "homogenization" in report.as_text()
    (3, True)
    """
    progress(f"simulating {n} instances x {len(MODELS)} models x {len(YEARS)} versions (seed {seed})")
    full = demo_ecosystem(n, seed)
    first = full.select([f"{m}_{YEARS[0]}" for m in MODELS])
    progress(f"describing with {n_boot} bootstrap replicates")
    desc = describe(first, n_boot=n_boot, seed=seed, hard_easy=True)
    summary = desc.summary()
    summary.title = f"ecostat demo: simulated ecosystem ({n} people, 3 APIs, year {YEARS[0]})"
    progress("hard/easy fit and goodness of fit")
    fit = fit_hard_easy(first)
    gof = {b: goodness_of_fit(first, b, n_sim=199, seed=seed) for b in ("independence", "hard_easy")}
    summary.tables.append(("Baselines: goodness of fit (parametric bootstrap, 199 replicates)", pd.DataFrame(
        [{"baseline": b, "g2": g.statistic, "l1": g.l1, "p_value": g.p_value} for b, g in gof.items()])))
    summary.tables.append(("Hard/easy continuous ML fit", pd.DataFrame([{"alpha": fit.alpha, "delta": fit.delta, "l1": fit.l1}])))
    strat = desc.stratified
    by_cov = stratified_excess(bin_covariate(first, "x", 4))
    summary.tables.append(("Systemic failure by quartile of the difficulty covariate x (Toups Fig. 6, 8)",
                           by_cov[by_cov.failures == first.n_models][["stratum", "n", "observed", "baseline", "difference", "ratio"]]))
    trans = transitions(full)
    imp = improvements(full, kind="both")
    systemic_rows = imp[imp["n_others_failing"] == len(MODELS) - 1]
    summary.tables.append((f"Year-over-year changes {YEARS[0]} -> {YEARS[1]}", trans[["model", "failure_rate_v1", "failure_rate_v2", "change", "kind"]]))
    summary.tables.append(("Share of improvements on people the other models both fail (Toups §4)",
                           systemic_rows[["model", "potential", "observed", "net"]]))
    figures = _figures(first, full, desc, strat, out, progress) if out else []
    family = "rasch" if family is None else family
    bayes = _bayesian(first, family, draws, seed, summary, progress) if family != "none" else None
    payload = desc.to_dict()
    if bayes is not None:
        payload["fit"] = bayes.to_dict()
    payload.update({
        "hard_easy_fit": fit.to_dict(),
        "goodness_of_fit": {b: g.to_dict() for b, g in gof.items()},
        "transitions": trans.to_dict(orient="records"),
        "figures": figures,
    })
    return DemoResult(summary, jsonable(payload), figures, bayes)


def _bayesian(first, family, draws, seed, summary, progress):
    """Fit ``family`` by group and add its tables to the demo summary."""
    from ..bayes.fit import fit

    progress(f"Bayesian {family} fit by group (2 chains x {draws} draws; the first run compiles for a minute)")
    res = fit(first, family, draws=draws, tune=draws, chains=2, seed=seed)
    fs = res.summary()
    for name, table in fs.tables:
        summary.tables.append((f"Bayesian {family}: {name}", table))
    ppc = res.ppc(seed=seed).to_frame()
    summary.tables.append((f"Bayesian {family}: posterior predictive checks (mid-p values)", ppc))
    summary.notes.extend(fs.notes)
    return res


def _figures(first, full, desc, strat, out, progress) -> list[str]:
    from ..descriptive.improvement import improvement_analysis
    from ..plots import plot_failure_distribution, plot_group_excess, plot_hard_easy_grid, plot_improvements

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in [("failure_distribution.png", lambda: plot_failure_distribution(first, title="Observed vs independence")),
                       ("hard_easy_grid.png", lambda: plot_hard_easy_grid(hard_easy_grid(first))),
                       ("group_excess.png", lambda: plot_group_excess(strat)),
                       ("improvement.png", lambda: plot_improvements(improvement_analysis(full, MODELS[0])))]:
        ax = draw()
        path = folder / name
        ax.figure.savefig(path, dpi=120)
        paths.append(str(path))
    progress(f"wrote {len(paths)} figures to {folder}")
    return paths
