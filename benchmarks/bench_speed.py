"""Benchmark: sampling at the speed of the model, and many decision-makers (one run, side by side).

Parts (``--parts`` selects; default ``abcd``):

(a) AFNET-like data (287,401 x 3, rasch-simulated, rates 0.28/0.32/0.36, 8 distinct profiles), rasch and
    twopl, 2 chains x 1,000 draws + 1,000 tune, each in a fresh process: import (ecostat + PyMC), build,
    compile, sampling and total wall time, with cold compile caches (new, empty PyTensor, numba and ecostat
    cache directories) and warm (the same directories again); before (``sampler="pymc"``) and after (the
    default, nutpie) in the same run, plus the in-process refit of the same model (compiled model reused);
    with ``--baseline DIR`` also PyMC's and nutpie's NUTS on the code before this change.
(b) one log-density + gradient of each family at k = 10, 30, 100 (N = 20,000): seconds and profile rows;
    with ``--baseline DIR`` (a checkout of the code before this change) the same numbers from it, side by side.
(c) rasch, full NUTS (nutpie), 2 chains x 500 draws + 500 tune at N = 20,000 for k = 3, 10, 30, 100, 300,
    1,000, and N = 5,000 / 100,000 at k = 30: wall time of the fit (warm cache), gradient evaluations, and
    the growth exponents d log(time) / d log(k) and d log(time) / d log(N); then the target case k = 1,000,
    N = 100,000, 2 chains x 1,000 draws + 1,000 tune (``--skip-target`` leaves it out).
(d) twopl and latent_class at k = 10 and 100, N = 20,000 through ``method="laplace"``: wall time, gradient
    evaluations, Pareto k-hat; at k = 10 NUTS (2 x (1,000 + 1,000)) and the agreement: largest |difference of
    posterior means| / posterior sd and of the ratio of posterior sds; at k = 100 NUTS's time estimated from
    the measured gradient cost and the steps per iteration at k = 10 (a lower bound: more parameters need
    more steps; a short NUTS run spends its early tuning at the maximum tree depth and says nothing).

(e) the user's view at the default settings, each in a fresh process: rasch with k = 1,000 and N = 100,000 by
    ``es.fit(fm, "rasch", seed=0)`` (the target acceptance rate it chose, steps per draw, diagnostics), the
    first ``res.idata`` (derived quantities), import + data and the whole process; and one log density +
    gradient of twopl at k = 100, N = 20,000: the compiled kernel (the default), and the PyTensor graph on the
    numba and the JAX backend (CPU here; skipped without JAX).

(f) full NUTS at k = 100, N = 20,000 (the data of (d)), latent_class then twopl (``--f-families``), 2 chains x
    (1,000 + 1,000), on the backend given by ``--f-backend`` (default numba: twopl's compiled kernel, 260 s;
    jax: the PyTensor graph through XLA, latent_class 157 s, and the GPU where JAX sees one): wall time, steps
    per iteration, diagnostics, and the agreement with the Laplace approximation as in (d). Not in the default
    parts (latent_class on numba: 20 minutes or more).

Run: ``.venv/bin/python benchmarks/bench_speed.py [--parts abcde] [--baseline DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see bench_fit.py: BLAS threads oversubscribe 2 cores
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N, RATES = 287_401, (0.28, 0.32, 0.36)

CHILD_A = r"""
import json, time, warnings
warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import numpy as np
import ecostat as es
import pymc
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.model import Model
t_import = time.perf_counter() - t0
fm = es.simulate(n={n}, family="rasch", failure_rates={rates}, seed=0)
design = make_design(fm)
t1 = time.perf_counter()
m = Model(design, {family!r})
res = m.fit(draws=1000, tune=1000, chains=2, seed=0, sampler={sampler!r})
t_fit = time.perf_counter() - t1
t_total = time.perf_counter() - t0
samp = float(res.idata.posterior.attrs.get("sampling_time", float("nan")))
t_refit = float("nan")
if {sampler!r} == "nutpie":
    t2 = time.perf_counter()
    m.fit(draws=1000, tune=1000, chains=2, seed=1, sampler={sampler!r})
    t_refit = time.perf_counter() - t2
print(json.dumps({{"import": t_import, "fit": t_fit, "sampling": samp, "total": t_total, "refit": t_refit, "ess": res.diagnostics["ess_bulk_min"],
    "means": {{k: np.asarray(v.mean(0)).round(4).tolist() for k, v in res.draws.items()}}}}))
"""


def quiet():
    warnings.filterwarnings("ignore")
    import logging
    logging.getLogger("pymc").setLevel(logging.ERROR)


def child(code: str, env: dict | None = None, pythonpath: str | None = None, timeout: int = 3000) -> dict:
    e = dict(os.environ, **(env or {}))
    if pythonpath:
        e["PYTHONPATH"] = pythonpath
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=timeout,
                         cwd=pythonpath or str(ROOT))
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    d = json.loads(out.stdout.strip().splitlines()[-1])
    d["wall"] = wall
    return d


def part_a(baseline: str | None = None, only_baseline: bool = False) -> None:
    print("(a) AFNET-like 287,401 x 3, 2 chains x (1000 + 1000), fresh process each; seconds wall")
    print(f"  {'family':<6} {'sampler':<7} {'cache':<5} {'to result':>9} {'import':>7} {'compile*':>9} {'sampling':>9} "
          f"{'refit':>6} {'min ESS':>8}   posterior means")
    runs = [] if only_baseline else [("pymc", None, "pymc"), ("nutpie", None, "nutpie")]
    if baseline:  # the code before with PyMC's sampler, and with nutpie where it has it
        runs[:0] = [("pymc", baseline, "pymc, code before"), ("nutpie", baseline, "nutpie, code before")]
    for family in ("rasch", "twopl"):
        for sampler, path, label in runs:
            with tempfile.TemporaryDirectory() as tmp:
                # cold: empty compile caches (PyTensor's, numba's, ecostat's); warm: the same again
                env = {"PYTENSOR_FLAGS": f"base_compiledir={tmp}", "NUMBA_CACHE_DIR": f"{tmp}/numba",
                       "ECOSTAT_CACHE_DIR": f"{tmp}/ecostat"}
                for cache in ("cold", "warm"):
                    code = CHILD_A.format(n=N, rates=RATES, family=family, sampler=sampler)
                    try:
                        r = child(code, env, pythonpath=path)
                    except RuntimeError as exc:  # e.g. a baseline from before nutpie
                        print(f"  {family:<6} {label:<7} {cache:<5} failed: {str(exc).strip().splitlines()[-1]}")
                        break
                    compile_s = r["fit"] - r["sampling"]
                    means = {k: v for k, v in r["means"].items() if k in ("b", "sigma", "a")}
                    print(f"  {family:<6} {label:<7} {cache:<5} {r['total']:9.2f} {r['import']:7.2f} {compile_s:9.2f} "
                          f"{r['sampling']:9.2f} {r['refit']:6.2f} {r['ess']:8.0f}   {means}", flush=True)
    print("  to result = fresh process from its first line to the FitResult (imports, simulating the data, fit; "
          "interpreter start-up not included); compile* = fit time "
          "minus the sampling loop (building, compiling, initial points, result); refit = the same model again in "
          "the same process (nutpie: the compiled model is reused)")


def part_b(baseline: str | None) -> None:
    ks, fams = "10,30,100", "rasch,twopl,latent_class,hard_easy,independence"
    print("(b) one log-density + gradient (PyTensor C function, warm), N = 20,000; seconds")
    runs = {"after": child(f"import runpy, sys; sys.argv = ['x', '{ks}', '{fams}', '20000']; "
                           f"runpy.run_path({str(ROOT / 'benchmarks' / '_grad_cost.py')!r}, run_name='__main__')")}
    if baseline:
        runs["before"] = child(f"import runpy, sys; sys.argv = ['x', '{ks}', '{fams}', '20000', '3']; "
                               f"runpy.run_path({str(ROOT / 'benchmarks' / '_grad_cost.py')!r}, run_name='__main__')",
                               pythonpath=baseline)
    print(f"  {'family':<13} {'k':>4} {'rows':>6} " + " ".join(f"{n:>10}" for n in runs) +
          ("   before/after" if baseline else ""))
    for key in runs["after"]:
        if key == "wall":
            continue
        fam, k = key.split("/")
        vals = [runs[n][key]["seconds"] for n in runs]
        ratio = f"   {vals[1] / vals[0]:8.1f}x" if baseline else ""
        print(f"  {fam:<13} {k:>4} {runs['after'][key]['rows']:>6} " + " ".join(f"{v:10.2e}" for v in vals) + ratio)


def _rasch_fit(k: int, n: int, draws: int, tune: int, **kw):
    import ecostat as es
    from ecostat.bayes.families import make_design
    from ecostat.bayes.model import Model

    fm = es.simulate(n=n, family="rasch", failure_rates=np.linspace(0.1, 0.45, k), difficulty_sd=1.5, seed=k)
    m = Model(make_design(fm), "rasch")
    m.fit(draws=5, tune=5, chains=2, seed=0, **kw)  # compile (and cache) first: time the fit of a warm process
    t0 = time.perf_counter()
    res = m.fit(draws=draws, tune=tune, chains=2, seed=0, **kw)
    wall = time.perf_counter() - t0
    steps = int(res.idata.sample_stats["n_steps"].sum()) if "n_steps" in res.idata.sample_stats else -1
    return wall, steps, res


def part_c(skip_target: bool) -> None:
    quiet()
    print("(c) rasch, full NUTS (nutpie, sufficient statistics), 2 chains x (500 + 500), warm process; wall s")
    print(f"  {'k':>5} {'N':>7} {'fit':>8} {'grad evals (draws)':>19} {'min ESS':>8} {'R-hat':>6}")
    times = {}
    for k, n in [(3, 20000), (10, 20000), (30, 20000), (100, 20000), (300, 20000), (1000, 20000), (30, 5000),
                 (30, 100000)]:
        wall, steps, res = _rasch_fit(k, n, 500, 500)
        times[(k, n)] = wall
        d = res.diagnostics
        print(f"  {k:5d} {n:7d} {wall:8.2f} {steps:19d} {d['ess_bulk_min']:8.0f} {d['r_hat_max']:6.3f}", flush=True)
    kk = np.array([3, 10, 30, 100, 300, 1000])
    tk = np.array([times[(k, 20000)] for k in kk])
    slope_k = np.polyfit(np.log(kk[2:]), np.log(tk[2:]), 1)[0]
    slope_n = np.polyfit(np.log([5000, 20000, 100000]), np.log([times[(30, n)] for n in (5000, 20000, 100000)]), 1)[0]
    print(f"  growth: time ~ k^{slope_k:.2f} (k = 30..1000), ~ N^{slope_n:.2f} (k = 30, N = 5k..100k)")
    if not skip_target:
        wall, steps, res = _rasch_fit(1000, 100_000, 1000, 1000)
        d = res.diagnostics
        print(f"  target k = 1000, N = 100,000, 2 x (1000 + 1000): {wall:.1f} s (target < 60 s), {steps} gradient "
              f"evaluations in the draws, min ESS {d['ess_bulk_min']:.0f}, R-hat {d['r_hat_max']:.3f}", flush=True)


def _agreement(a: dict, b: dict, names) -> tuple[float, float]:
    worst_mean, worst_sd = 0.0, 0.0
    for n in names:
        sd = b[n].std(0)
        worst_mean = max(worst_mean, float(np.max(np.abs(a[n].mean(0) - b[n].mean(0)) / sd)))
        worst_sd = max(worst_sd, float(np.max(np.abs(a[n].std(0) / sd - 1))))
    return worst_mean, worst_sd


def part_d() -> None:
    quiet()
    import ecostat as es
    from ecostat.bayes.families import make_design
    from ecostat.bayes.model import Model
    from ecostat.bayes.nutpie_pyfunc import FlatModel

    print("(d) twopl and latent_class, many distinct profiles: Laplace (method='laplace') vs NUTS")
    for family, names in (("twopl", ("b", "a")), ("latent_class", ("share", "class_rate"))):
        steps_per_iteration = None
        for k in (10, 100):
            fm = es.simulate(n=20000, family="rasch", failure_rates=np.linspace(0.1, 0.45, k), difficulty_sd=1.5,
                             seed=k)
            m = Model(make_design(fm), family)
            t0 = time.perf_counter()
            lap = m.fit(draws=1000, seed=0, method="laplace")
            t_lap = time.perf_counter() - t0
            at = lap.idata.posterior.attrs
            line = (f"  {family:<12} k = {k:3d}, {len(m.design.counts)} rows: Laplace {t_lap:6.1f} s "
                    f"({at['gradient_evaluations']} gradients, Pareto k-hat {at['pareto_k']:.2f})")
            if k == 10:
                t0 = time.perf_counter()
                nuts = m.fit(draws=1000, tune=1000, chains=2, seed=0)
                t_nuts = time.perf_counter() - t0
                steps_per_iteration = float(nuts.idata.sample_stats["n_steps"].mean())
                dm, ds = _agreement(lap.draws, nuts.draws, names)
                line += (f"; NUTS 2 x (1000 + 1000) {t_nuts:.1f} s ({steps_per_iteration:.0f} steps/iteration); "
                         f"Laplace vs NUTS: largest |mean difference| {dm:.2f} posterior sd, largest |sd ratio - 1| "
                         f"{ds:.2f}")
            else:  # NUTS: the measured gradient cost x 4,000 iterations x the steps per iteration at k = 10
                flat = FlatModel(m.build(), mode=None)
                x = flat.point_fn(0)
                flat.logp_dlogp(x)
                t0, reps = time.perf_counter(), 0
                while reps < 5:
                    flat.logp_dlogp(x)
                    reps += 1
                per = (time.perf_counter() - t0) / reps
                line += (f"; NUTS 2 x (1000 + 1000): one gradient {per * 1e3:.0f} ms x 4,000 iterations x "
                         f">= {steps_per_iteration:.0f} steps = at least {per * 4000 * steps_per_iteration / 3600:.1f} h "
                         "(estimated, not run)")
            print(line, flush=True)


CHILD_E = r"""
import json, time, warnings
warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import numpy as np
import ecostat as es
fm = es.simulate(n=100_000, family="rasch", failure_rates=np.linspace(0.1, 0.45, 1000), difficulty_sd=1.5, seed=1000)
t1 = time.perf_counter()
res = es.fit(fm, "rasch", seed=0)
t2 = time.perf_counter()
idata = res.idata
t3 = time.perf_counter()
d = res.diagnostics
print(json.dumps({"data": t1 - t0, "fit": t2 - t1, "idata": t3 - t2, "target_accept": res.settings["target_accept"],
                  "steps": float(idata.sample_stats["n_steps"].mean()), "r_hat": d["r_hat_max"],
                  "ess": d["ess_bulk_min"], "divergences": d["divergences"]}))
"""

CHILD_E_GRAD = r"""
import json, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
import ecostat as es
from ecostat.bayes.families import make_design
from ecostat.bayes.families.rasch_stats import expression_graph
from ecostat.bayes.model import Model
from ecostat.bayes.nutpie_pyfunc import FlatModel
fm = es.simulate(n=20000, family="rasch", failure_rates=np.linspace(0.1, 0.45, 100), difficulty_sd=1.5, seed=100)
m = Model(make_design(fm), "twopl")
if {mode!r} == "JAX":
    import tempfile
    from ecostat.bayes.jax_backend import configure_jax
    configure_jax(tempfile.mkdtemp())
if {mode!r} == "KERNEL":
    from ecostat.bayes.cfunc_model import CallbackFlat
    from ecostat.bayes.kernels import kernel_callbacks
    flat = CallbackFlat(kernel_callbacks(m.design, m.family, m.options))
else:
    with expression_graph():
        flat = FlatModel(m.build(), mode={mode!r})
x = np.zeros(flat.n)  # b = 0, log a = 0: the same point for every backend
v, g = flat.logp_dlogp(x)
t0 = time.perf_counter()
for _ in range(10):
    v, g = flat.logp_dlogp(x)
    v, g = float(np.asarray(v)), np.asarray(g)  # JAX returns before it has computed
print(json.dumps({"seconds": (time.perf_counter() - t0) / 10, "value": v}))
"""


def part_e() -> None:
    print("(e) default settings, fresh process: rasch k = 1,000, N = 100,000, es.fit(fm, 'rasch', seed=0)")
    r = child(CHILD_E)
    print(f"  data {r['data']:.1f} s, fit {r['fit']:.1f} s (target_accept {r['target_accept']}, "
          f"{r['steps']:.1f} steps per draw), first res.idata {r['idata']:.1f} s, whole process {r['wall']:.1f} s; "
          f"max R-hat {r['r_hat']:.4f}, min bulk ESS {r['ess']:.0f}, {r['divergences']} divergences", flush=True)
    print("  one log density + gradient, twopl, k = 100, N = 20,000 (19,568 profile rows), by backend:")
    for mode in ("KERNEL", "NUMBA", "JAX"):  # the compiled twopl kernel (default), PyTensor's numba and JAX graphs
        if mode == "JAX":
            import importlib.util
            if importlib.util.find_spec("jax") is None:
                print("    JAX: not installed (pip install jax)")
                continue
        g = child(CHILD_E_GRAD.replace("{mode!r}", repr(mode)))  # (the code has dict braces: no str.format)
        print(f"    {mode.lower():<5} {g['seconds'] * 1e3:7.1f} ms (log density {g['value']:.6f})", flush=True)


def part_f(backend: str, families: str = "latent_class,twopl") -> None:
    quiet()
    import ecostat as es
    from ecostat.bayes.families import make_design
    from ecostat.bayes.model import Model

    print(f"(f) full NUTS at k = 100, N = 20,000, 2 chains x (1000 + 1000), backend {backend}")
    fm = es.simulate(n=20000, family="rasch", failure_rates=np.linspace(0.1, 0.45, 100), difficulty_sd=1.5, seed=100)
    names_of = {"latent_class": ("share", "class_rate"), "twopl": ("b", "a")}
    for family in families.split(","):
        names = names_of[family]
        m = Model(make_design(fm), family)
        t0 = time.perf_counter()
        nuts = m.fit(draws=1000, tune=1000, chains=2, seed=0, backend=backend)
        wall = time.perf_counter() - t0
        lap = m.fit(draws=1000, seed=0, method="laplace")
        dm, ds = _agreement(lap.draws, nuts.draws, names)
        d = nuts.diagnostics
        steps = float(nuts.idata.sample_stats["n_steps"].mean())
        print(f"  {family:<12} NUTS {wall:8.1f} s ({steps:.1f} steps per draw; max R-hat {d['r_hat_max']:.4f}, min bulk "
              f"ESS {d['ess_bulk_min']:.0f}, {d['divergences']} divergences); Laplace vs NUTS: largest |mean "
              f"difference| {dm:.2f} posterior sd, largest |sd ratio - 1| {ds:.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="abcde")
    ap.add_argument("--baseline", default=None, help="checkout of the code before (for part b)")
    ap.add_argument("--a-only-baseline", action="store_true", help="(a) only the code before (with --baseline)")
    ap.add_argument("--skip-target", action="store_true", help="(c) without the k = 1000, N = 100,000 fit")
    ap.add_argument("--f-backend", default="numba", choices=("jax", "numba"),
                    help="backend of part (f) (numba: the default on a CPU, with twopl's compiled kernel)")
    ap.add_argument("--f-families", default="latent_class,twopl", help="families of part (f), comma-separated")
    args = ap.parse_args()
    quiet()
    import pymc

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, pymc {pymc.__version__}; load average (1 min) at start {os.getloadavg()[0]:.1f}")
    if "a" in args.parts:
        part_a(args.baseline, args.a_only_baseline)
    if "b" in args.parts:
        part_b(args.baseline)
    if "c" in args.parts:
        part_c(args.skip_target)
    if "d" in args.parts:
        part_d()
    if "e" in args.parts:
        part_e()
    if "f" in args.parts:
        part_f(args.f_backend, args.f_families)
    print(f"load average (1 min) at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
