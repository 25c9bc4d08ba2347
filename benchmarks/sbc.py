"""Simulation-based calibration (SBC; Talts, Betancourt, Simpson, Vehtari & Gelman 2018) of every Bayesian family.

For each family and each simulated dataset ``i``:

1. draw the parameters from the family's **prior** (``Model.prior_predictive`` on a k = 3
   design; one batch of :data:`PRIOR_BATCH` draws per family with a fixed seed, dataset ``i``
   takes draw ``i``, so a run can be extended or resumed without changing earlier datasets);
2. simulate ``N`` instances from those parameters with the package's simulator
   (:func:`ecostat.simulate`: instance by instance, independently of the likelihood code);
3. fit the family (NUTS, the fitting path of ``ecostat.fit``) and keep ``L`` posterior draws
   spread evenly over the chains (thinning);
4. record the rank of every true scalar parameter among the ``L`` draws (0..L; ties broken at
   random), and of derived ecosystem quantities (homogenization H, systemic failure rate,
   ensemble gap).

If the sampler computes the posterior the model implies, each rank is uniform on {0, ..., L}
over datasets. Uniformity is tested per parameter (:func:`chi2_uniformity` on binned ranks and
:func:`ecdf_uniformity`, the simultaneous ECDF test of Säilynoja, Bürkner & Vehtari 2022);
the family-wise error over a family's parameters and both tests is held at ``alpha`` by
Bonferroni (:func:`summarize`). ``docs/sbc.md`` states the results.

Usage::

    python benchmarks/sbc.py run                  # every family, the documented design (resumes)
    python benchmarks/sbc.py run --families rasch --datasets 30 --workers 2
    python benchmarks/sbc.py analyze              # table (CSV, JSON, Markdown) and rank histograms (PNG)

Results: one JSON line per dataset in ``benchmarks/results/sbc/<family>.jsonl`` (written as
they come; a rerun skips the datasets already there), ``summary.csv``/``summary.json`` and the
histograms in ``docs/img/sbc/``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker on a shared machine
import argparse
import json
import logging
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "sbc"
IMAGES = ROOT / "docs" / "img" / "sbc"

#: base seed of everything (prior draws, simulated data, NUTS, rank tie-breaking)
SEED = 2018
#: prior draws made per family in one call; dataset i uses draw i (so at most this many datasets)
PRIOR_BATCH = 1000
K = 3
MODELS = ("m1", "m2", "m3")
FAMILY_ORDER = ("independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit")


@dataclass(frozen=True)
class Design:
    """SBC design of one family: instances, NUTS settings, thinned draws and datasets."""

    n: int = 500
    tune: int = 500
    draws: int = 500
    chains: int = 2
    L: int = 99
    datasets: int = 100


#: the documented design (docs/sbc.md). latent_class mixes slowly (bulk ESS ~ 100-400 per 1000 draws):
#: longer chains; mvprobit's GHK likelihood is ~10x dearer per gradient: shorter chains (its ESS is high)
DESIGNS = {
    "independence": Design(datasets=200),
    "hard_easy": Design(),
    "latent_class": Design(tune=1000, draws=1000),
    "rasch": Design(),
    "twopl": Design(),
    "mvprobit": Design(tune=300, draws=200),
}

#: posterior variables whose elements are ranked (share's last element is 1 - the others: left out)
PARAMETERS = {
    "independence": ["f"],
    "hard_easy": ["f", "alpha", "u", "delta"],
    "latent_class": ["share", "m", "class_rate"],
    "rasch": ["b", "sigma"],
    "twopl": ["a", "b"],
    "mvprobit": ["mu", "rho"],
}
#: derived ecosystem quantities ranked as well (H is 1 by construction under independence)
DERIVED = {name: ["homogenization", "systemic_failure_rate", "ensemble_gap"] for name in FAMILY_ORDER}
DERIVED["independence"] = ["systemic_failure_rate", "ensemble_gap"]


def family_index(family: str) -> int:
    return FAMILY_ORDER.index(family)


def seeds(family: str, i: int) -> dict:
    """Seeds of dataset ``i`` of ``family`` (prior batch, simulation, NUTS, tie-breaking)."""
    base = SEED * 1000 + 100 * family_index(family)
    return {"prior": base, "simulate": base * 10_000 + i, "fit": base * 10_000 + i, "ties": base * 10_000 + i}


# -- the true parameters and the data ---------------------------------------------------------------
def _base_design():
    from ecostat.bayes.families.design import Design as FitDesign
    from ecostat.numeric import all_profiles

    pats = all_profiles(K).astype(np.int8)
    return FitDesign(patterns=pats, counts=np.ones(len(pats), dtype=np.int64), strata=np.zeros(len(pats), dtype=np.int64),
                     strata_group=np.zeros(1, dtype=np.int64), strata_x=np.zeros((1, 0)), models=MODELS)


@cache
def prior_batch(family: str) -> dict:
    """:data:`PRIOR_BATCH` prior draws of every variable of ``family`` (name -> (PRIOR_BATCH, ...)).

    ``pymc.sample_prior_predictive`` draws forward and ignores transforms: latent_class's
    ``m`` (ordered transform: the prior is iid Normal restricted to m_1 < m_2, i.e. the order
    statistics of iid normals) comes out unordered, so it is sorted here and ``class_rate`` is
    recomputed (``d`` and ``share`` are exchangeable over classes, so sorting ``m`` alone is
    a draw from the ordered prior).
    """
    from scipy.special import expit

    from ecostat.bayes.model import Model

    pp = Model(_base_design(), family).prior_predictive(draws=PRIOR_BATCH, seed=seeds(family, 0)["prior"])
    out = {n: np.asarray(v.values)[0] for n, v in pp.idata.prior.data_vars.items()}
    if family == "latent_class":
        out["m"] = np.sort(out["m"], axis=-1)
        out["class_rate"] = expit(out["m"][..., :, None] + out["d"])
    return out


def truth(family: str, i: int) -> dict:
    """The true parameters of dataset ``i`` (name -> array of the variable's shape)."""
    return {name: v[i] for name, v in prior_batch(family).items()}


def simulate_data(family: str, t: dict, n: int, seed: int):
    """``n`` instances drawn from ``family`` with parameters ``t``, by :func:`ecostat.simulate`."""
    from scipy.special import expit, ndtr

    import ecostat as es

    kw = {"n": n, "family": family, "models": list(MODELS), "seed": seed}
    if family == "independence":
        kw["failure_rates"] = t["f"]
    elif family == "hard_easy":
        kw.update(failure_rates=t["f"], alpha=float(t["alpha"]), delta=float(t["delta"]))
    elif family == "latent_class":
        kw.update(failure_rates=t["class_rate"].mean(axis=0), class_rates=t["class_rate"], class_shares=t["share"])
    elif family == "rasch":
        kw.update(failure_rates=expit(t["b"]), difficulty_sd=float(t["sigma"]))
    elif family == "twopl":
        kw.update(failure_rates=expit(t["b"]), loadings=t["a"], difficulty_sd=1.0)
    elif family == "mvprobit":
        kw.update(failure_rates=ndtr(t["mu"]), correlation=t["corr"])
    else:  # pragma: no cover
        raise ValueError(family)
    return es.simulate(**kw)


def true_quantities(family: str, t: dict) -> dict:
    """Derived ecosystem quantities implied by the true parameters."""
    from ecostat.bayes import posterior as post
    from ecostat.bayes.families import FitOptions, get_family

    draws = {name: np.asarray(v)[None] for name, v in t.items()}
    P = np.exp(get_family(family).pattern_log_prob(draws, _base_design(), FitOptions()))[:, 0]  # (1, 2^k)
    q = post.ecosystem_quantities(P, K)
    return {name: float(q[name][0]) for name in DERIVED[family]}


# -- ranks --------------------------------------------------------------------------------------------
def thin(n_total: int, L: int) -> np.ndarray:
    """Indices of ``L`` draws spread evenly over ``n_total`` stacked draws.

    Examples
    --------
    >>> thin(1000, 4).tolist()
    [0, 333, 666, 999]
    """
    if L > n_total:
        raise ValueError(f"cannot keep {L} of {n_total} draws")
    return np.round(np.linspace(0, n_total - 1, L)).astype(int)


def rank_of(value: float, draws, rng: np.random.Generator) -> int:
    """Rank of ``value`` among ``draws``: the number of draws below it, ties split at random (0..len(draws)).

    Examples
    --------
    >>> rank_of(0.5, [0.1, 0.7, 0.3], np.random.default_rng(0))
    2
    """
    draws = np.asarray(draws, dtype=float)
    below = int(np.sum(draws < value))
    tied = int(np.sum(draws == value))
    return below + (int(rng.integers(0, tied + 1)) if tied else 0)


def element_names(name: str, da) -> list[str]:
    """``name[coord,...]`` of every element of a posterior variable (DataArray with chain, draw dims)."""
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    if not dims:
        return [name]
    grids = np.meshgrid(*[[str(c) for c in da.coords[d].values] for d in dims], indexing="ij")
    return [f"{name}[{','.join(parts)}]" for parts in zip(*[g.ravel() for g in grids])]


def run_one(family: str, i: int, design: Design) -> dict:
    """Simulate, fit and rank dataset ``i`` of ``family``; one JSON-ready row."""
    import ecostat as es

    s = seeds(family, i)
    t = truth(family, i)
    row = {"family": family, "dataset": i, "design": asdict(design), "seeds": s}
    start = time.perf_counter()
    try:
        fm = simulate_data(family, t, design.n, s["simulate"])
        model = es.Model.from_keywords(fm, family)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(draws=design.draws, tune=design.tune, chains=design.chains, cores=1, seed=s["fit"],
                            sampler="pymc")  # the sampler of the recorded runs: a resumed run continues the same sequence
    except Exception as exc:  # a failed fit is a result: it is reported, not dropped silently
        row.update(error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - start)
        return row
    seconds = time.perf_counter() - start
    rng = np.random.default_rng(s["ties"])
    idx = thin(res.n_draws, design.L)
    ranks, true_values, post_mean = {}, {}, {}
    params = PARAMETERS[family]
    for name in params:
        da = res.idata.posterior[name]
        names = element_names(name, da)
        draws = res.draws[name].reshape(res.n_draws, -1)[idx]
        values = np.ravel(t[name])
        if name == "share":  # the last share is one minus the others
            names, draws, values = names[:-1], draws[:, :-1], values[:-1]
        for j, el in enumerate(names):
            ranks[el] = rank_of(values[j], draws[:, j], rng)
            true_values[el] = float(values[j])
            post_mean[el] = float(draws[:, j].mean())
    tq = true_quantities(family, t)
    for name in DERIVED[family]:
        draws = res.quantity_draws(name)[idx]
        ranks[name] = rank_of(tq[name], draws, rng)
        true_values[name] = tq[name]
        post_mean[name] = float(np.nanmean(draws))
    diag = res.diagnostics
    row.update(ranks=ranks, truth=true_values, posterior_mean=post_mean, seconds=seconds,
               diagnostics={k: diag[k] for k in ("r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences")},
               profiles=int(len(res.design.counts)))
    return row


def _worker_init() -> None:
    logging.getLogger("pymc").setLevel(logging.ERROR)
    logging.getLogger("pytensor").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def load_rows(family: str, out: Path = RESULTS) -> list[dict]:
    path = out / f"{family}.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sorted({r["dataset"]: r for r in rows}.values(), key=lambda r: r["dataset"])


def run(families, datasets: int | None, workers: int, out: Path = RESULTS, designs: dict | None = None,
        progress=print) -> None:
    """Run (or resume) the SBC of ``families``, appending one line per dataset as fits finish."""
    designs = designs or DESIGNS
    out.mkdir(parents=True, exist_ok=True)
    tasks = []
    for family in families:
        d = designs[family]
        n_sets = datasets or d.datasets
        if n_sets > PRIOR_BATCH:
            raise SystemExit(f"at most {PRIOR_BATCH} datasets per family")
        done = {r["dataset"] for r in load_rows(family, out)}
        tasks += [(family, i, d) for i in range(n_sets) if i not in done]
    # round-robin over families (dataset 0 of each, then 1, ...): a run stopped early has every family in it
    tasks.sort(key=lambda t: (t[1], family_index(t[0]) if t[0] in FAMILY_ORDER else len(FAMILY_ORDER)))
    progress(f"{len(tasks)} fits to run with {workers} worker(s)")
    if not tasks:
        return
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        futures = {pool.submit(run_one, *task): task for task in tasks}
        for n_done, fut in enumerate(as_completed(futures), 1):
            family, i, _ = futures[fut]
            row = fut.result()
            with open(out / f"{family}.jsonl", "a") as fh:
                fh.write(json.dumps(_jsonable(row)) + "\n")
            err = f" ERROR {row['error']}" if "error" in row else ""
            progress(f"[{n_done}/{len(tasks)} {time.perf_counter() - start:7.0f}s] {family} #{i} "
                     f"{row['seconds']:.1f}s{err}")


# -- uniformity tests ---------------------------------------------------------------------------------
def n_bins(n: int, L: int, min_expected: float = 5.0, max_bins: int = 10) -> int:
    """Bins for the chi-square test: the most (<= ``max_bins``) that divide the L + 1 ranks evenly and
    expect >= ``min_expected`` ranks each.

    Examples
    --------
    >>> n_bins(100, 99), n_bins(30, 99), n_bins(30, 39)
    (10, 5, 5)
    """
    best = 1
    for b in range(2, max_bins + 1):
        if (L + 1) % b == 0 and n / b >= min_expected:
            best = b
    return best


def bin_counts(ranks, L: int, bins: int) -> np.ndarray:
    """Counts of ranks (0..L) in ``bins`` equal bins."""
    ranks = np.asarray(ranks, dtype=int)
    if np.any((ranks < 0) | (ranks > L)):
        raise ValueError(f"ranks must lie in 0..{L}")
    return np.bincount(ranks * bins // (L + 1), minlength=bins)


def chi2_uniformity(ranks, L: int, bins: int | None = None) -> tuple[float, float, int]:
    """Pearson's chi-square test of uniform ranks on ``bins`` equal bins: (statistic, p-value, bins).

    Examples
    --------
    >>> stat, p, b = chi2_uniformity(np.arange(100), 99)
    >>> float(stat), float(p), b
    (0.0, 1.0, 10)
    """
    ranks = np.asarray(ranks, dtype=int)
    bins = bins or n_bins(len(ranks), L)
    counts = bin_counts(ranks, L, bins)
    res = stats.chisquare(counts)
    return float(res.statistic), float(res.pvalue), bins


def _min_tail(cdf_counts: np.ndarray, n: int, z: np.ndarray) -> np.ndarray:
    """min over evaluation points of the two-sided binomial tail probability of the ECDF counts (..., P)."""
    lower = stats.binom.cdf(cdf_counts, n, z)
    upper = stats.binom.sf(cdf_counts - 1, n, z)
    return np.min(np.minimum(1.0, 2.0 * np.minimum(lower, upper)), axis=-1)


@cache
def _null_min_tail(n: int, L: int, n_sim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ranks = rng.integers(0, L + 1, size=(n_sim, n))
    counts = np.stack([np.bincount(r, minlength=L + 1) for r in ranks])
    cdf = np.cumsum(counts, axis=1)[:, :-1]  # F at ranks 0..L-1 (F(L) = 1 always)
    z = np.arange(1, L + 1) / (L + 1)
    return np.sort(_min_tail(cdf, n, z))


def ecdf_uniformity(ranks, L: int, n_sim: int = 4000, seed: int = 0) -> tuple[float, float]:
    """Simultaneous ECDF test of uniform ranks (Säilynoja, Bürkner & Vehtari 2022): (statistic, p-value).

    The statistic is the smallest two-sided pointwise binomial tail probability of the rank
    ECDF over the L evaluation points ``(r + 1) / (L + 1)``; its null distribution is
    simulated (``n_sim`` uniform rank samples of the same size), which accounts for the
    dependence between points: the p-value is the share of null samples with a statistic at
    least as extreme. The 1 - alpha simultaneous band of the paper is where every pointwise
    tail probability exceeds the alpha quantile of that null distribution.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> float(ecdf_uniformity(rng.integers(0, 100, 200), 99)[1]) > 0.01
    True
    >>> float(ecdf_uniformity(np.full(200, 50), 99)[1])
    0.0
    """
    ranks = np.asarray(ranks, dtype=int)
    n = len(ranks)
    cdf = np.cumsum(np.bincount(ranks, minlength=L + 1))[:-1]
    z = np.arange(1, L + 1) / (L + 1)
    stat = float(_min_tail(cdf[None], n, z)[0])
    null = _null_min_tail(n, L, n_sim, seed)
    p = float(np.searchsorted(null, stat, side="right") / len(null))
    return stat, p


def histogram_band(n: int, bins: int, prob: float = 0.99) -> tuple[float, float]:
    """Pointwise ``prob`` band of one bin's count under uniform ranks (Binomial(n, 1/bins) quantiles)."""
    lo, hi = stats.binom.ppf([(1 - prob) / 2, (1 + prob) / 2], n, 1 / bins)
    return float(lo), float(hi)


def summarize(rows: list[dict], alpha: float = 0.01, n_sim: int = 4000) -> list[dict]:
    """Per parameter: datasets, chi-square and ECDF statistics and p-values, and the decision.

    Multiple comparisons: within a family, m parameters x 2 tests; a parameter *fails* when
    ``min(p_chi2, p_ecdf) < alpha / (2 m)`` (Bonferroni: the chance that a calibrated family
    shows any failure is at most ``alpha``).
    """
    ok = [r for r in rows if "ranks" in r]
    if not ok:
        return []
    L = ok[0]["design"]["L"]
    names = list(ok[0]["ranks"])
    m = len(names)
    out = []
    for name in names:
        ranks = np.array([r["ranks"][name] for r in ok])
        chi, p_chi, bins = chi2_uniformity(ranks, L)
        ecdf, p_ecdf = ecdf_uniformity(ranks, L, n_sim=n_sim)
        out.append({"family": ok[0]["family"], "parameter": name, "datasets": len(ranks), "bins": bins,
                    "chi2": chi, "p_chi2": p_chi, "ecdf_stat": ecdf, "p_ecdf": p_ecdf,
                    "p_bonferroni": min(1.0, 2 * m * min(p_chi, p_ecdf)),
                    "mean_rank": float(ranks.mean() / L), "passed": bool(min(p_chi, p_ecdf) >= alpha / (2 * m))})
    return out


# -- figures and report ---------------------------------------------------------------------------------
def plot_family(family: str, rows: list[dict], path: Path, prob: float = 0.99) -> None:
    """Rank histograms, one panel per parameter, with the pointwise ``prob`` band of uniform ranks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if "ranks" in r]
    L = ok[0]["design"]["L"]
    names = list(ok[0]["ranks"])
    n = len(ok)
    bins = n_bins(n, L)
    lo, hi = histogram_band(n, bins, prob)
    cols = min(5, len(names))
    nrows = -(-len(names) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(2.1 * cols, 1.7 * nrows), squeeze=False)
    for i, (ax, name) in enumerate(zip(axes.ravel(), names)):
        counts = bin_counts([r["ranks"][name] for r in ok], L, bins)
        ax.axhspan(lo, hi, color="0.85", lw=0)
        ax.axhline(n / bins, color="0.5", lw=0.8)
        ax.bar(np.arange(bins), counts, width=0.9, color="tab:blue")
        ax.set_title(name, fontsize=7)
        ax.set_xticks([0, bins - 1], ["low rank", "high rank"])
        ax.tick_params(labelsize=6)
        if i % cols == 0:
            ax.set_ylabel("datasets per bin", fontsize=6)
        ax.set_ylim(0, max(hi, counts.max()) * 1.1)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle(f"{family}: SBC ranks, {n} datasets, L = {L}, {bins} bins (band: {prob:.0%} per bin)", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fit_stats(rows: list[dict]) -> dict:
    ok = [r for r in rows if "ranks" in r]
    secs = np.array([r["seconds"] for r in ok])
    div = np.array([r["diagnostics"]["divergences"] for r in ok])
    rhat = np.array([r["diagnostics"]["r_hat_max"] or np.nan for r in ok])
    ess = np.array([r["diagnostics"]["ess_bulk_min"] or np.nan for r in ok])
    return {"datasets": len(ok), "errors": len(rows) - len(ok), "median_seconds": float(np.median(secs)),
            "total_seconds": float(secs.sum()), "with_divergences": int(np.sum(div > 0)),
            "r_hat_over_1.01": int(np.sum(rhat > 1.01)), "median_ess_bulk_min": float(np.nanmedian(ess))}


def analyze(families, out: Path = RESULTS, images: Path = IMAGES, alpha: float = 0.01) -> list[dict]:
    import csv

    table, per_family = [], {}
    for family in families:
        rows = load_rows(family, out)
        if not any("ranks" in r for r in rows):
            continue
        summary = summarize(rows, alpha)
        table += summary
        per_family[family] = {**fit_stats(rows), "passed": all(s["passed"] for s in summary),
                              "design": rows[0]["design"]}
        plot_family(family, rows, images / f"{family}.png")
    if table:
        with open(out / "summary.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
        (out / "summary.json").write_text(json.dumps(_jsonable({"families": per_family, "parameters": table}),
                                                     indent=1) + "\n")
    return table


def markdown(table: list[dict]) -> str:
    lines = ["| family | parameter | datasets | chi2 (bins) | p chi2 | p ECDF | Bonferroni p | |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for s in table:
        lines.append(f"| {s['family']} | `{s['parameter']}` | {s['datasets']} | {s['chi2']:.1f} ({s['bins']}) | "
                     f"{s['p_chi2']:.3f} | {s['p_ecdf']:.3f} | {s['p_bonferroni']:.3f} | "
                     f"{'pass' if s['passed'] else '**FAIL**'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run or resume the SBC")
    r.add_argument("--families", default=",".join(FAMILY_ORDER))
    r.add_argument("--datasets", type=int, help="datasets per family (default: the documented design)")
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--out", type=Path, default=RESULTS)
    a = sub.add_parser("analyze", help="tests, table and histograms")
    a.add_argument("--families", default=",".join(FAMILY_ORDER))
    a.add_argument("--out", type=Path, default=RESULTS)
    a.add_argument("--images", type=Path, default=IMAGES)
    args = p.parse_args(argv)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    if args.command == "run":
        run(families, args.datasets, args.workers, args.out, progress=lambda m: print(m, flush=True))
    else:
        table = analyze(families, args.out, args.images)
        print(markdown(table))
        for family in families:
            rows = load_rows(family, args.out)
            if rows:
                print(family, json.dumps(fit_stats(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
