"""Benchmark: ecostat's fits beside the peer packages girth (IRT) and StepMix (latent classes), one run, side by side.

On the same simulated failure matrices (rasch family, N = 20,000 instances, k = 3, 10, 30, 100, 300, 1,000
decision-makers, failure rates 0.10 to 0.45 at theta = 0, difficulty sd 1; simulated once by the parent
process with ``ecostat.simulate`` and handed to every fit as the same ``.npy`` file):

(rasch) ecostat ``rasch``, full NUTS (default sampler nutpie, 2 chains x (500 draws + 500 tuning steps)),
    against girth's ``rasch_mml`` (marginal maximum likelihood with the discrimination fixed at 1, which is
    the truth here: the difficulty sd is 1) and ``onepl_mml`` (one common discrimination estimated: the same
    model as ecostat's rasch, whose sigma is the common IRT discrimination). ecostat's posterior means are
    converted to IRT difficulty by ``FitResult.irt_parameters()`` (difficulty_j = (b_j + mu) / sigma; high =
    hard item: ecostat models failures, IRT correct answers, see ``ecostat.bayes.irt``). Reported: wall and
    CPU time of each fit, the largest |difference| and the correlation of the difficulties (ecostat vs
    girth), and the RMSE of each against the true difficulties.
(twopl) at k = 10 and 100: ecostat ``twopl`` with ``method="laplace"`` (the fast approximate path) and, at
    k = 10, full NUTS, against girth's ``twopl_mml``: difficulty and discrimination agreement, RMSE against
    the truth (the data are rasch, a twopl with every discrimination 1), and the log-likelihood.
(latent_class) at k = 10 and 100: ecostat ``latent_class`` (2 classes; Laplace, and NUTS at k = 10) against
    StepMix (``measurement="binary"``, 2 components, its defaults otherwise: one random start, EM to 1e-10):
    the class-conditional failure rates and class shares after matching the classes, and the log-likelihood.

Log-likelihoods: ecostat's maximised one (``FitResult.information_criteria()``: the collapsed likelihood
maximised from the posterior mean), StepMix's (``score(X) * N``), and, as an independent check, the
log-likelihood of every package's point estimates computed here with numpy on the table of distinct
failure patterns (latent classes exactly; IRT models by a 721-node trapezoid rule on [-9, 9] for the
standard-normal ability). The time of ``information_criteria()`` is reported apart from the fit's.

Every fit runs in its own fresh Python process (one process per (package, model, k)), so no fit profits from
another's imports, JIT compilation or memory; a fit's "wall" is ``time.perf_counter()`` around the fitting
call alone (the data are already loaded; ecostat's compile caches on disk are warm after the first run), its
"CPU" is the process's CPU time over the same call (both cores of 2 parallel chains count), and "process"
is the parent's wall clock around the whole child (interpreter start, imports, loading the data, the fit,
the conversions). The one-minute load average (``uptime``) is recorded at the start and before every fit.
NUTS runs up to k = 100 for latent_class (``--nuts-max-k``; about 2.5 minutes there) and twopl
(``--twopl-nuts-max-k``; its compiled kernel takes about 2.5 minutes there, where the PyTensor graph took
hours); a fit above them is reported as not run.

girth and StepMix are imported from the running interpreter (``pip install -e ".[bench]"``) or, with
``--peer-python PATH``, run in another interpreter that has numpy and them (a separate virtual environment);
a package that cannot be imported is reported as not run.

Run: ``make bench-peers`` or ``.venv/bin/python benchmarks/bench_peers.py`` (about 10 minutes on 2 cores; writes
``benchmarks/results/peers.json`` and prints Markdown tables); ``--quick`` for a small run (N = 2,000,
k = 3, 10, 30; twopl and latent_class at k = 10; 2 x (200 + 200); about 3 minutes, written to
``benchmarks/results/peers-quick.json``); ``--ks 3,10`` to choose the rasch k; ``--parts rasch,twopl``; ``--update``
to rerun some parts into the JSON of an earlier run; ``--table FILE`` prints the tables of a JSON again.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see bench_fit.py: BLAS threads oversubscribe 2 cores
import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DIFFICULTY_SD = 1.0
#: NUTS fits not run, with the reason printed in the table
NOT_RUN = {
    ("twopl", "nuts"): "not run (--twopl-nuts-max-k)",
    ("latent_class", "nuts"): "not run (--nuts-max-k)",
}


# ------------------------------------------------------------------------------------------------ children
# A child runs one fit and prints one JSON line. Peer children import numpy and the peer package only
# (they may run in another interpreter without ecostat).

def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def child_ecostat(spec: dict, F: np.ndarray) -> dict:
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("pymc").setLevel(logging.ERROR)
    logging.getLogger("arviz").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    import ecostat as es

    steps = {"import": time.perf_counter() - t0}
    fm = es.FailureMatrix(F)
    family, method = spec["model"], spec["method"]
    kw = dict(seed=0, progressbar=False)
    if method == "nuts":
        kw.update(draws=spec["draws"], tune=spec["tune"], chains=spec["chains"])
    else:
        kw.update(method="laplace")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res, wall, cpu = _timed(lambda: es.fit(fm, family, **kw))
    out = {"wall": wall, "cpu": cpu, "warnings": sorted({str(w.message)[:160] for w in caught
                                                         if not issubclass(w.category, (DeprecationWarning, FutureWarning))})}
    t0 = time.perf_counter()
    d = res.diagnostics
    steps["diagnostics"] = time.perf_counter() - t0
    out["diagnostics"] = {key: d.get(key) for key in ("r_hat_max", "ess_bulk_min", "divergences", "converged")}
    # the sampler's InferenceData: ``res.idata`` would first complete it with the pointwise log-likelihood of
    # every draw and profile row (for LOO): minutes at k = 300, more at k = 1,000; not part of this comparison
    at = res._sampled.posterior.attrs
    if "pareto_k" in at:
        out["diagnostics"]["pareto_k"] = float(at["pareto_k"])
    t0 = time.perf_counter()
    if family in ("rasch", "twopl"):
        irt = res.irt_parameters()
        out["difficulty"] = irt.loc[irt.parameter == "difficulty", "mean"].to_numpy().tolist()
        out["discrimination"] = irt.loc[irt.parameter == "discrimination", "mean"].to_numpy().tolist()
    else:
        out["class_rate"] = res.draws["class_rate"].mean(0).tolist()
        out["share"] = res.draws["share"].mean(0).tolist()
    steps["estimates"] = time.perf_counter() - t0
    out["steps"] = steps
    if spec.get("ic"):
        ic, ic_wall, _ = _timed(res.information_criteria)
        out["ic"] = {"loglik": float(ic.loglik), "n_parameters": int(ic.n_parameters), "converged": bool(ic.converged),
                     "wall": ic_wall}
    return out


def child_girth(spec: dict, F: np.ndarray) -> dict:
    import girth

    correct = (1 - F).T.astype(int)  # girth: items x persons, 1 = correct answer
    fn = {"rasch_mml": girth.rasch_mml, "onepl_mml": girth.onepl_mml, "twopl_mml": girth.twopl_mml}[spec["method"]]
    res, wall, cpu = _timed(lambda: fn(correct))
    k = F.shape[1]
    return {"wall": wall, "cpu": cpu, "difficulty": np.asarray(res["Difficulty"], float).reshape(k).tolist(),
            "discrimination": np.broadcast_to(np.asarray(res["Discrimination"], float), (k,)).tolist()}


def child_stepmix(spec: dict, F: np.ndarray) -> dict:
    from stepmix.stepmix import StepMix

    X = F.astype(int)
    model = StepMix(n_components=2, measurement="binary", random_state=0, verbose=0, progress_bar=0)
    _, wall, cpu = _timed(lambda: model.fit(X))
    p = model.get_parameters()
    return {"wall": wall, "cpu": cpu, "class_rate": np.asarray(p["measurement"]["pis"]).tolist(),
            "share": np.asarray(p["weights"]).tolist(), "loglik": float(model.score(X) * len(X)),
            "converged": bool(model.converged_), "iterations": int(model.n_iter_)}


def child_main(spec: dict) -> None:
    from importlib import metadata

    t0 = time.perf_counter()
    F = np.load(spec["data"])
    runner = {"ecostat": child_ecostat, "girth": child_girth, "stepmix": child_stepmix}[spec["package"]]
    out = runner(spec, F)
    out["version"] = metadata.version(spec["package"])
    out["to_result"] = time.perf_counter() - t0
    print(json.dumps(out))


# ------------------------------------------------------------------------------------------------ checks
# Independent log-likelihoods of point estimates, on the table of distinct failure patterns.

def patterns(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, counts = np.unique(F, axis=0, return_counts=True)
    return rows.astype(float), counts.astype(float)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def loglik_irt(rows, counts, difficulty, discrimination, nodes: int = 721, bound: float = 9.0) -> float:
    """sum_r n_r log int prod_j P(F_rj | z) phi(z) dz, P(correct) = logistic(alpha_j (z - beta_j)), trapezoid rule."""
    z = np.linspace(-bound, bound, nodes)
    logw = -0.5 * z**2 - 0.5 * np.log(2 * np.pi) + np.log(np.full(nodes, z[1] - z[0]))
    logw[[0, -1]] -= np.log(2.0)
    eta = np.asarray(discrimination)[None, :] * (z[:, None] - np.asarray(difficulty)[None, :])  # (Q, k), correct
    log_fail, log_ok = -np.logaddexp(0.0, eta), -np.logaddexp(0.0, -eta)
    total = 0.0
    for s in range(0, len(rows), 4096):
        y = rows[s:s + 4096]
        ll = y @ log_fail.T + (1.0 - y) @ log_ok.T + logw[None, :]  # (R, Q)
        total += float(counts[s:s + 4096] @ _logsumexp(ll, axis=1))
    return total


def loglik_classes(rows, counts, class_rate, share) -> float:
    """sum_r n_r log sum_c pi_c prod_j p_cj^y (1 - p_cj)^(1 - y) (exact)."""
    p = np.clip(np.asarray(class_rate, float), 1e-300, 1 - 1e-16)
    ll = rows @ np.log(p).T + (1.0 - rows) @ np.log1p(-p).T + np.log(np.asarray(share, float))[None, :]
    return float(counts @ _logsumexp(ll, axis=1))


def match_classes(ref: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The permutation of ``other``'s classes closest to ``ref``'s (class-conditional failure rates)."""
    from itertools import permutations

    perms = list(permutations(range(len(ref))))
    return np.array(min(perms, key=lambda p: np.abs(ref - other[list(p)]).sum()))


def agreement(a, b) -> dict:
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    corr = float(np.corrcoef(a, b)[0, 1]) if a.size > 2 and a.std() > 0 and b.std() > 0 else float("nan")
    return {"max_abs_diff": float(np.max(np.abs(a - b))), "corr": corr}


def rmse(est, truth) -> float:
    return float(np.sqrt(np.mean((np.asarray(est, float) - np.asarray(truth, float)) ** 2)))


# ------------------------------------------------------------------------------------------------ parent

def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_child(spec: dict, python: str, timeout: float) -> dict:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        out = subprocess.run([python, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                             capture_output=True, text=True, timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s (not finished)", "load": load}
    process = time.perf_counter() - t0
    if out.returncode != 0:
        lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
        return {"error": (lines[-1] if lines else f"exit status {out.returncode}")[:300], "load": load,
                "process": process}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(process=process, load=load)
    return res


def peer_available(python: str, module: str) -> str | None:
    """None when ``module`` imports in ``python``, else the reason it does not."""
    out = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)
    if out.returncode == 0:
        return None
    lines = out.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {out.returncode}"


def simulate(n: int, k: int, folder: Path) -> tuple[str, dict]:
    import ecostat as es

    kw = dict(family="rasch", failure_rates=np.linspace(0.1, 0.45, k), difficulty_sd=DIFFICULTY_SD)
    fm = es.simulate(n=n, seed=k, **kw)
    truth = es.simulate_parameters(**kw)
    b, sigma = np.asarray(truth["b"], float), float(truth["sigma"])
    path = folder / f"rasch_n{n}_k{k}.npy"
    np.save(path, fm.failures.astype(np.int8))
    # IRT truth (mu = 0): difficulty b_j / sigma, discrimination sigma (ecostat.bayes.irt)
    return str(path), {"difficulty": (b / sigma).tolist(), "discrimination": [sigma] * k}


def fmt(x, spec=".3f", none="") -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return none
    return format(x, spec)


def fmt_time(r: dict) -> str:
    if "error" in r:
        return r["error"]
    if "not_run" in r:
        return r["not_run"]
    return f"{r['wall']:.2f} s (CPU {r['cpu']:.1f} s; process {r['process']:.1f} s)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=None, help="instances (default 20,000; --quick 2,000)")
    ap.add_argument("--ks", default=None, help="k of the rasch comparison (default 3,10,30,100,300,1000)")
    ap.add_argument("--ks2", default=None, help="k of the twopl and latent_class comparisons (default 10,100)")
    ap.add_argument("--nuts-max-k", type=int, default=100, help="largest k of the latent_class NUTS fits (about "
                    "2.5 minutes at k = 100)")
    ap.add_argument("--twopl-nuts-max-k", type=int, default=100, help="largest k of the twopl NUTS fits (its "
                    "compiled kernel: about 5 minutes at k = 100)")
    ap.add_argument("--ic-max-k", type=int, default=1000, help="largest k at which ecostat's maximised "
                    "log-likelihood (information_criteria) is computed")
    ap.add_argument("--draws", type=int, default=None, help="NUTS draws per chain (default 500; --quick 200)")
    ap.add_argument("--tune", type=int, default=None, help="NUTS tuning steps per chain (default 500; --quick 200)")
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--parts", default="rasch,twopl,latent_class")
    ap.add_argument("--quick", action="store_true", help="a small run (N = 2,000, k = 3, 10, 30; k2 = 10)")
    ap.add_argument("--peer-python", default=sys.executable,
                    help="interpreter with girth and stepmix (default: this one)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to one fit")
    ap.add_argument("--update", action="store_true", help="keep the parts not run (--parts) from the "
                    "existing JSON of an earlier run with the same settings")
    ap.add_argument("--out", default=None, help="JSON of the results (default benchmarks/results/peers.json; "
                    "--quick: peers-quick.json)")
    args = ap.parse_args()
    if args.child is not None:
        child_main(json.loads(args.child))
        return
    q = args.quick
    n = args.n or (2_000 if q else 20_000)
    ks = [int(x) for x in (args.ks or ("3,10,30" if q else "3,10,30,100,300,1000")).split(",")]
    ks2 = [int(x) for x in (args.ks2 or ("10" if q else "10,100")).split(",")]
    draws = args.draws or (200 if q else 500)
    tune = args.tune or (200 if q else 500)
    parts = args.parts.split(",")
    out_path = Path(args.out) if args.out else RESULTS / ("peers-quick.json" if q else "peers.json")
    nuts = dict(draws=draws, tune=tune, chains=args.chains)

    from importlib import metadata

    import ecostat

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    missing = {m: peer_available(args.peer_python, m) for m in ("girth", "stepmix")}
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"numpy {np.__version__}, ecostat {ecostat.__version__}, pymc {version('pymc')}, nutpie {version('nutpie')}",
        "uptime_start": uptime(), "n": n, "difficulty_sd": DIFFICULTY_SD, "nuts": nuts,
        "process_per_fit": True, "peer_python": "this interpreter" if args.peer_python == sys.executable
        else "a separate interpreter", "peers_missing": {m: r for m, r in missing.items() if r},
        "peer_versions": {m: version(m) for m in ("girth", "stepmix", "scikit-learn")} if args.peer_python == sys.executable
        else "see each fit's 'version'", "rasch": [], "twopl": [], "latent_class": [], "runs": {},
    }
    if args.update and out_path.exists():  # keep the other parts of an earlier run with the same settings
        old = json.loads(out_path.read_text())
        same = all(old.get(key) == report[key] for key in ("n", "difficulty_sd", "nuts"))
        if not same:
            sys.exit(f"--update: {out_path} was made with other settings (n, difficulty_sd, nuts); use --out")
        for part in ("rasch", "twopl", "latent_class"):
            if part not in parts:
                report[part] = old.get(part, [])
                run = old.get("runs", {}).get(part) or {key: old[key] for key in ("date", "uptime_start", "uptime_end")
                                                         if key in old}
                if report[part]:
                    report["runs"][part] = run
    print(f"{report['date']}; {report['machine']}\nuptime at start: {report['uptime_start']}", flush=True)
    for m, why in missing.items():
        if why:
            print(f"  {m} cannot be imported ({why}): its fits are reported as not run", flush=True)

    def save():
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(report, indent=1) + "\n")

    def fit(package, model, method, data, k, **extra):
        if package != "ecostat" and missing[package]:
            return {"error": f"not run: {package} cannot be imported ({missing[package]})"}
        most = args.twopl_nuts_max_k if model == "twopl" else args.nuts_max_k
        if package == "ecostat" and method == "nuts" and model != "rasch" and k > most:
            return {"not_run": NOT_RUN[(model, "nuts")]}
        spec = dict(package=package, model=model, method=method, data=data, **extra)
        python = sys.executable if package == "ecostat" else args.peer_python
        r = run_child(spec, python, args.timeout)
        print(f"    k = {k:4d} {package:<7} {model:<12} {method:<9} {fmt_time(r)}  [load {r['load']:.1f}]", flush=True)
        return r

    with tempfile.TemporaryDirectory(prefix="ecostat-peers-") as tmp:
        data = {}
        for k in sorted(set(ks) | set(ks2)):
            data[k] = simulate(n, k, Path(tmp))
        if "rasch" in parts:
            print("rasch", flush=True)
            report["runs"]["rasch"] = {"date": report["date"], "uptime_start": uptime()}
            for k in ks:
                path, truth = data[k]
                rows, counts = patterns(np.load(path))
                es_r = fit("ecostat", "rasch", "nuts", path, k, ic=k <= args.ic_max_k, **nuts)
                peers = {m: fit("girth", "rasch", m, path, k) for m in ("rasch_mml", "onepl_mml")}
                entry = {"k": k, "profiles": int(len(rows)), "truth": truth, "ecostat": es_r, **peers}
                for name, r in (("ecostat", es_r), *peers.items()):
                    if "difficulty" in r:
                        r["rmse_truth"] = rmse(r["difficulty"], truth["difficulty"])
                        r["loglik_check"] = loglik_irt(rows, counts, r["difficulty"], r["discrimination"])
                        if name != "ecostat" and "difficulty" in es_r:
                            r["vs_ecostat"] = agreement(es_r["difficulty"], r["difficulty"])
                report["rasch"].append(entry)
                save()
            report["runs"]["rasch"]["uptime_end"] = uptime()
        for model in ("twopl", "latent_class"):
            if model not in parts:
                continue
            print(model, flush=True)
            report["runs"][model] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                                     "uptime_start": uptime()}
            for k in ks2:
                path, truth = data[k]
                rows, counts = patterns(np.load(path))
                fits = {f"ecostat {m}": fit("ecostat", model, m, path, k, ic=k <= args.ic_max_k, **nuts)
                        for m in ("laplace", "nuts")}
                peer = ("girth twopl_mml", fit("girth", model, "twopl_mml", path, k)) if model == "twopl" else \
                    ("stepmix", fit("stepmix", model, "binary", path, k))
                fits[peer[0]] = peer[1]
                ref = peer[1]
                for r in fits.values():
                    if model == "twopl" and "difficulty" in r:
                        r["rmse_truth"] = rmse(r["difficulty"], truth["difficulty"])
                        r["rmse_truth_discrimination"] = rmse(r["discrimination"], truth["discrimination"])
                        r["loglik_check"] = loglik_irt(rows, counts, r["difficulty"], r["discrimination"])
                        if r is not ref and "difficulty" in ref:
                            r["vs_peer"] = {"difficulty": agreement(r["difficulty"], ref["difficulty"]),
                                            "discrimination": agreement(r["discrimination"], ref["discrimination"])}
                    if model == "latent_class" and "class_rate" in r:
                        r["loglik_check"] = loglik_classes(rows, counts, r["class_rate"], r["share"])
                        if r is not ref and "class_rate" in ref:
                            perm = match_classes(np.asarray(r["class_rate"]), np.asarray(ref["class_rate"]))
                            rate_ref = np.asarray(ref["class_rate"])[perm]
                            share_ref = np.asarray(ref["share"])[perm]
                            r["vs_peer"] = {"class_rate": agreement(r["class_rate"], rate_ref),
                                            "share": agreement(r["share"], share_ref)}
                report[model].append({"k": k, "profiles": int(len(rows)), **fits})
                save()
            report["runs"][model]["uptime_end"] = uptime()
    report["uptime_end"] = uptime()
    save()
    print(f"uptime at end: {report['uptime_end']}\nresults: {out_path}\n")
    print(markdown(report))


def _ll(r: dict) -> str:
    parts = []
    if "ic" in r:
        parts.append(f"max {r['ic']['loglik']:.1f} ({r['ic']['wall']:.1f} s)")
    if "loglik" in r:
        parts.append(f"own {r['loglik']:.1f}")
    if "loglik_check" in r:
        parts.append(f"at estimate {r['loglik_check']:.1f}")
    return "; ".join(parts)


def markdown(report: dict) -> str:
    """The Markdown tables of a results JSON (``--table FILE`` prints them again)."""
    lines = []
    if report["rasch"]:
        d = report["nuts"]
        lines += [f"rasch, N = {report['n']:,}: ecostat full NUTS (nutpie, {d['chains']} chains x ({d['draws']} + "
                  f"{d['tune']})) vs girth; difficulty agreement with ecostat's posterior mean (IRT scale)", "",
                  "| k | profiles | ecostat wall (CPU; process) | girth rasch_mml wall | girth onepl_mml wall | "
                  "max \\|diff\\| rasch_mml | corr | max \\|diff\\| onepl_mml | corr | RMSE vs truth: ecostat / "
                  "rasch_mml / onepl_mml | discrimination: ecostat / onepl_mml (truth 1) | ecostat R-hat, min ESS | "
                  "load |", "|" + "---|" * 13]
        for e in report["rasch"]:
            es_r, g1, g2 = e["ecostat"], e["rasch_mml"], e["onepl_mml"]

            def t(r):
                return r.get("error", r.get("not_run", "")) if "wall" not in r else f"{r['wall']:.2f} s"

            lines.append(
                f"| {e['k']} | {e['profiles']:,} | "
                + (f"{es_r['wall']:.2f} s ({es_r['cpu']:.1f} s; {es_r['process']:.0f} s)" if "wall" in es_r else t(es_r))
                + f" | {t(g1)} | {t(g2)} | "
                + f"{fmt(g1.get('vs_ecostat', {}).get('max_abs_diff'), '.4f')} | {fmt(g1.get('vs_ecostat', {}).get('corr'), '.5f')} | "
                + f"{fmt(g2.get('vs_ecostat', {}).get('max_abs_diff'), '.4f')} | {fmt(g2.get('vs_ecostat', {}).get('corr'), '.5f')} | "
                + " / ".join(fmt(r.get("rmse_truth"), ".4f", "-") for r in (es_r, g1, g2)) + " | "
                + " / ".join(fmt((r.get("discrimination") or [None])[0], ".4f", "-") for r in (es_r, g2)) + " | "
                + (f"{fmt(es_r['diagnostics'].get('r_hat_max'))}, {fmt(es_r['diagnostics'].get('ess_bulk_min'), '.0f')}"
                   if "diagnostics" in es_r else "") + f" | {es_r.get('load', float('nan')):.1f} |")
        lines.append("")
    for model, peer in (("twopl", "girth twopl_mml"), ("latent_class", "stepmix")):
        if not report[model]:
            continue
        what = ("difficulty / discrimination" if model == "twopl"
                else "class-conditional failure rates / class shares (classes matched)")
        lines += [f"{model}, N = {report['n']:,}: ecostat vs {peer}; agreement = max \\|diff\\| (corr) of the "
                  f"{what} against {peer}", "",
                  "| k | profiles | fit | wall (CPU; process) | agreement with the peer | "
                  + ("RMSE vs truth (difficulty / discrimination) | " if model == "twopl" else "")
                  + "log-likelihood | diagnostics | load |",
                  "|" + "---|" * (9 if model == "twopl" else 8)]
        for e in report[model]:
            for name in ("ecostat laplace", "ecostat nuts", peer):
                r = e[name]
                agree = ""
                if "vs_peer" in r:
                    a, b = list(r["vs_peer"].values())
                    agree = " / ".join(f"{x['max_abs_diff']:.4f}" + (f" ({x['corr']:.4f})" if np.isfinite(x["corr"]) else "")
                                       for x in (a, b))
                diag = ""
                if "diagnostics" in r:
                    dd = r["diagnostics"]
                    diag = (f"Pareto k-hat {dd['pareto_k']:.2f}" if "pareto_k" in dd else
                            f"R-hat {fmt(dd.get('r_hat_max'))}, min ESS {fmt(dd.get('ess_bulk_min'), '.0f')}")
                elif "iterations" in r:
                    diag = f"EM {r['iterations']} iterations, converged {r['converged']}"
                cells = [str(e["k"]), f"{e['profiles']:,}", name, fmt_time(r), agree]
                if model == "twopl":
                    cells.append(" / ".join(fmt(r.get(x), ".4f", "-") for x in ("rmse_truth", "rmse_truth_discrimination"))
                                 if "rmse_truth" in r else "")
                cells += [_ll(r), diag, fmt(r.get("load"), ".1f")]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append(f"{report['machine']}.")
    for part, run in report.get("runs", {}).items():
        lines.append(f"{part}: run {run['date']}; uptime at its start: {run['uptime_start']}"
                     + (f"; at its end: {run['uptime_end']}" if "uptime_end" in run else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        print(markdown(json.loads(Path(sys.argv[2]).read_text())))
    else:
        main()
