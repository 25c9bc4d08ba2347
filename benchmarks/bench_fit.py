"""Benchmark: Bayesian fits on the collapsed profile table, 287k x 3 (the size of HAPI's AFNET).

Measures, in one run:

(a) ``es.fit(fm, "rasch")`` of 287,401 instances x 3 models, 2 chains x 1,000 draws
    (1,000 tuning steps), with a warm PyTensor compile cache (a short fit of the
    same model runs first): the fit inside this process, and a fresh
    ``python -c "import ecostat as es; ... es.fit(...)"`` process end to end
    (interpreter start, imports, loading the matrix, building, sampling);
(b) at N = 30,000 (a seeded subsample of the same data) the collapsed fit against
    the textbook per-instance PyMC model (one theta per instance, non-centered,
    Bernoulli likelihood) with the same draws, tuning, chains and cores: sampling
    time, total time, bulk ESS per CPU second, and both posterior means;
(c) the other families' collapsed fits of the 287k data, 2 x 1,000 draws, each
    after a short warm-up fit.

There is no HAPI file with 287k instances in ``es.datasets`` (AFNET is not
part of the 2020 slice), so the data are simulated from the rasch family with
AFNET-like failure rates, as in ``bench_describe.py``.

(b) uses 500 draws after 1,000 tuning steps for BOTH models by default (``--b-draws``,
``--b-tune``): the per-instance model alone then takes about 15 minutes on 2 cores
(1,000 + 1,000 would take about 20); 200 + 200 is too short for it to converge.

Run: ``.venv/bin/python benchmarks/bench_fit.py`` (about 25 minutes on 2 cores;
``--parts ab`` runs a subset, ``--quick`` leaves out the per-instance model).
"""

from __future__ import annotations

import argparse
import os

# One BLAS thread per process. PyMC's NUTS updates the position and momentum with BLAS
# (axpy, dot); with numpy's default two OpenBLAS threads on a busy 2-core machine a dot of
# 30,000 numbers took 7.8 ms instead of 3 us and the per-instance model ran 20x slower.
# The collapsed fits (vectors of length 4) are not affected either way.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

N, K = 287_401, 3
RATES = (0.28, 0.32, 0.36)
N_SUB = 30_000
DRAWS = TUNE = 1000
#: draws and tuning steps of BOTH fits of (b). The per-instance model (30,003 parameters,
#: about 4 ms per gradient, 60-250 leapfrog steps per draw) needs about 15 min for 1,000 + 500
#: on 2 quiet cores; with 200 + 200 it had not converged (sigma 1.25 against 1.51, ESS 3).
DRAWS_B, TUNE_B = 500, 1000
CHAINS = 2
OTHER_FAMILIES = ("independence", "hard_easy", "latent_class", "twopl", "mvprobit")

CHILD = """
import time
t0 = time.perf_counter()
import numpy as np
import ecostat as es
fm = es.FailureMatrix(np.load({path!r}), models={models!r})
res = es.fit(fm, "rasch", draws={draws}, tune={tune}, chains={chains}, seed=0)
print(f"{{time.perf_counter() - t0:.3f}}", float(res.draws["sigma"].mean()))
"""


def quiet():
    warnings.filterwarnings("ignore")
    import logging
    logging.getLogger("pymc").setLevel(logging.ERROR)


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the reference model is test code
from per_instance import per_instance_rasch as per_instance_model  # noqa: E402


def summary(idata):
    import arviz as az

    post = idata.posterior
    b = post["b"].mean(("chain", "draw")).values
    sigma = float(post["sigma"].mean())
    ess = az.ess(idata, var_names=["b", "sigma"])
    min_ess = min(float(ess["b"].min()), float(ess["sigma"]))
    rhat = az.rhat(idata, var_names=["b", "sigma"])
    max_rhat = max(float(rhat["b"].max()), float(rhat["sigma"]))
    return b, sigma, min_ess, float(post.attrs.get("sampling_time", np.nan)), max_rhat


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (PyMC's chain workers, subprocesses)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn):
    """(wall s, CPU s, result): CPU time is robust to other jobs on a shared machine, wall time is not."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    out = fn()
    return time.perf_counter() - t0, cpu_seconds() - c0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="abc", help="which of (a), (b), (c) to run (default abc)")
    ap.add_argument("--quick", action="store_true", help="(b) without the per-instance model")
    ap.add_argument("--b-draws", type=int, default=DRAWS_B, help=f"draws of BOTH fits of (b) (default {DRAWS_B})")
    ap.add_argument("--b-tune", type=int, default=TUNE_B, help=f"tuning steps of BOTH fits of (b) (default {TUNE_B})")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes timed in (a); the best is reported")
    args = ap.parse_args()
    quiet()

    load0 = os.getloadavg()[0]
    startup = [timed(lambda: subprocess.run([sys.executable, "-c", "import ecostat as es; es.fit"], check=True))
               for _ in range(3)]
    t_import, c_import, _ = min(startup, key=lambda r: r[0])
    import pymc as pm

    import ecostat as es

    fm = es.simulate(n=N, family="rasch", failure_rates=RATES, seed=0)
    kw = dict(draws=DRAWS, tune=TUNE, chains=CHAINS, seed=0)
    short = dict(kw, draws=10, tune=10)  # same graph, so it fills the compile cache
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, pymc {pm.__version__}; load average (1 min) at start {load0:.1f}")
    print(f"data: {N} instances x {K} models (rasch, rates {RATES}, difficulty sd 1.5), "
          f"{fm.profile_table().n_profiles} distinct profiles; {CHAINS} chains x {DRAWS} draws, {TUNE} tune")
    print("times: wall s / CPU s (CPU = this process + its chain workers and subprocesses)")
    print(f"fresh process importing ecostat + PyMC, best of 3 : {t_import:7.2f} / {c_import:7.2f}")

    if "a" in args.parts or "c" in args.parts:
        t_fit, c_fit, res = part_a(es, fm, kw, short, args.repeat)
    if "b" in args.parts:
        part_b(es, pm, fm, args)
    if "c" in args.parts:
        part_c(es, fm, kw, short, t_fit, c_fit, res)


def part_a(es, fm, kw, short, repeat):
    models = list(fm.models)
    t_first, c_first, _ = timed(lambda: es.fit(fm, "rasch", **short))
    t_fit, c_fit, res = timed(lambda: es.fit(fm, "rasch", **kw))
    b_a, s_a, ess_a, samp_a, _ = summary(res.idata)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "afnet_like.npy")
        np.save(path, fm.failures)
        code = CHILD.format(path=path, models=models, draws=DRAWS, tune=TUNE, chains=CHAINS)
        runs = [timed(lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                             text=True)) for _ in range(repeat)]
    best = min(runs, key=lambda r: r[0])
    print("(a) rasch, 287k x 3, collapsed")
    print(f"  warm-up fit (10 + 10 draws)                    : {t_first:7.2f} / {c_first:7.2f}")
    print(f"  es.fit in this process, warm cache             : {t_fit:7.2f} / {c_fit:7.2f}   "
          f"(sampling loop {samp_a:.2f} s wall)")
    print(f"  fresh process end to end, best of {repeat}           : {best[0]:7.2f} / {best[1]:7.2f}   "
          f"(target < 15 s wall; all walls: {', '.join(f'{r[0]:.1f}' for r in runs)})")
    true_b = np.log(np.array(RATES) / (1 - np.array(RATES)))
    print(f"  posterior means: b = {np.round(b_a, 3).tolist()} (true {np.round(true_b, 3).tolist()}), "
          f"sigma = {s_a:.3f} (true 1.5); min bulk ESS {ess_a:.0f}")
    return t_fit, c_fit, res


def part_b(es, pm, fm, args):
    models = list(fm.models)
    idx = np.sort(np.random.default_rng(0).choice(N, N_SUB, replace=False))
    F = fm.failures[idx].astype(np.int64)
    sub = es.FailureMatrix(F, models=models)
    d, tn = args.b_draws, args.b_tune
    kw_b = dict(draws=d, tune=tn, chains=CHAINS, seed=0)
    es.fit(sub, "rasch", **dict(kw_b, draws=10, tune=10))
    t_col, c_col, res_col = timed(lambda: es.fit(sub, "rasch", **kw_b))
    rows = [("collapsed (es.fit)", t_col, c_col, *summary(res_col.idata))]
    if not args.quick:
        def per_instance():
            with per_instance_model(F):
                return pm.sample(draws=d, tune=tn, chains=CHAINS, cores=CHAINS, random_seed=0, target_accept=0.9,
                                 var_names=["b", "sigma"], progressbar=False, compute_convergence_checks=False)
        t_pi, c_pi, idata_pi = timed(per_instance)
        rows.append(("per-instance PyMC", t_pi, c_pi, *summary(idata_pi)))
        steps = float(idata_pi.sample_stats["n_steps"].mean())
    print(f"(b) rasch, N = {N_SUB} (seeded subsample of the same data), {CHAINS} chains x {d} draws, {tn} tune, "
          f"{CHAINS} cores; target_accept {res_col.settings['target_accept']} collapsed (es.fit default), "
          f"0.9 per-instance (easier for it)")
    print(f"  {'model':<19} {'total wall':>10} {'total CPU':>10} {'sampling':>9} {'min ESS':>8} {'max R-hat':>9}"
          f" {'ESS/CPU s':>10}   posterior means b; sigma")
    for name, wall, cpu, b, sig, ess, samp, rhat in rows:
        print(f"  {name:<19} {wall:10.2f} {cpu:10.2f} {samp:9.2f} {ess:8.0f} {rhat:9.3f} {ess / cpu:10.2f}   "
              f"{np.round(b, 3).tolist()}; {sig:.3f}")
    if len(rows) == 2:
        (_, w1, c1, b1, g1, e1, s1, _), (_, w2, c2, b2, g2, e2, s2, _) = rows
        print(f"  per-instance / collapsed: total wall {w2 / w1:.0f}x, total CPU {c2 / c1:.0f}x, "
              f"sampling wall {s2 / s1:.0f}x, ESS per CPU second {(e1 / c1) / (e2 / c2):.0f}x (target >= 100x); "
              f"per-instance NUTS took {steps:.0f} leapfrog steps per draw")
        sd_b = res_col.idata.posterior["b"].std(("chain", "draw")).values
        print(f"  largest |difference| of posterior means: b {np.max(np.abs(b1 - b2)):.4f} "
              f"(posterior sd {sd_b.min():.3f}-{sd_b.max():.3f}), sigma {abs(g1 - g2):.4f} "
              f"(posterior sd {float(res_col.idata.posterior['sigma'].std()):.3f})")


def part_c(es, fm, kw, short, t_fit, c_fit, res):
    print(f"(c) every family, 287k x 3, collapsed, {CHAINS} chains x {DRAWS} draws, {TUNE} tune, warm cache")
    print(f"  {'family':<14} {'fit wall':>9} {'fit CPU':>8} {'sampling':>9} {'divergent':>10} {'min ESS':>8}")

    def row(family, wall, cpu, r):
        import arviz as az
        ess = az.ess(r.idata)
        min_ess = min(float(ess[v].min()) for v in ess.data_vars)
        samp = float(r.idata.posterior.attrs.get("sampling_time", np.nan))
        div = int(r.idata.sample_stats["diverging"].sum())
        print(f"  {family:<14} {wall:9.2f} {cpu:8.2f} {samp:9.2f} {div:10d} {min_ess:8.0f}", flush=True)

    row("rasch", t_fit, c_fit, res)
    for family in OTHER_FAMILIES:
        try:
            es.fit(fm, family, **short)
            wall, cpu, r = timed(lambda f=family: es.fit(fm, f, **kw))
        except Exception as e:  # report and go on: one family must not hide the others' numbers
            print(f"  {family:<14} failed: {type(e).__name__}: {e}")
            continue
        row(family, wall, cpu, r)


if __name__ == "__main__":
    main()
