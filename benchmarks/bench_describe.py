"""Benchmark: descriptive analysis of 287k x 3 (the size of HAPI's AFNET) on this machine.

Measures, in one run:
* building the FailureMatrix from predictions and its profile table,
* ``describe`` without intervals (all point estimates, pairwise, leader following),
* ``describe`` with 1,000 bootstrap replicates (all intervals),
* the same 1,000-replicate bootstrap of H done the way research scripts do it
  (resampling rows of the N x k matrix), for the ratio,
* the ``ecostat describe`` command end to end on a CSV.GZ (I/O included).

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_describe.py``).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import ecostat as es

N, K = 287_401, 3


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def row_bootstrap_h(F, n_boot, seed=0):
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for b in range(n_boot):
        s = F[rng.integers(0, len(F), len(F))]
        out[b] = s.all(axis=1).mean() / s.mean(axis=0).prod()
    return out


def main() -> None:
    fm0 = es.simulate(n=N, failure_rates=(0.28, 0.32, 0.36), groups={"a": 0.5, "b": 0.3, "c": 0.2}, seed=0)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 7, N)
    preds = np.where(fm0.failures == 1, (labels[:, None] + 1 + rng.integers(0, 6, (N, K))) % 7, labels[:, None])
    df = pd.DataFrame({"instance_id": np.arange(N), "label": labels,
                       **{f"api{j}_2020": preds[:, j] for j in range(K)}})

    def build():
        fm = es.read_wide(df).with_group(fm0.group)
        fm.profile_table()
        return fm

    t_build, fm = best_of(build)
    t_point, _ = best_of(lambda: es.describe(build(), n_boot=0, hard_easy=True))
    t_boot, d = best_of(lambda: es.describe(build(), n_boot=1000, seed=0, hard_easy=True))
    t_h, _ = best_of(lambda: es.bootstrap(fm, es.homogenization, n_boot=1000, seed=0))
    t_rows, _ = best_of(lambda: row_bootstrap_h(fm.failures.astype(bool), 1000), repeat=1)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "afnet_like.csv.gz")
        df.to_csv(path, index=False)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ecostat", "describe", path, "--json"], check=True, capture_output=True)
        t_cli = time.perf_counter() - t0

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"data: {N} instances x {K} models, 3 groups, {fm.profile_table().n_profiles} distinct (profile, group) rows")
    print(f"build FailureMatrix + profile table from predictions : {t_build:8.3f} s")
    print(f"describe, point estimates (incl. build, hard/easy)    : {t_point:8.3f} s   (target < 0.5 s)")
    print(f"describe with 1,000 bootstrap replicates (incl. build): {t_boot:8.3f} s   (target < 1 s)")
    print(f"bootstrap of H alone, 1,000 replicates (profile table): {t_h:8.3f} s")
    print(f"bootstrap of H, 1,000 replicates by resampling rows   : {t_rows:8.3f} s")
    print(f"speed-up of profile-table bootstrap over row bootstrap: {t_rows / t_h:8.0f} x")
    print(f"`ecostat describe --json` on a CSV.GZ, end to end     : {t_cli:8.3f} s   (includes start-up and reading)")
    print(f"H = {d.scalars['homogenization'].estimate:.3f} [{d.scalars['homogenization'].lo:.3f}, {d.scalars['homogenization'].hi:.3f}]")

    wide = es.simulate(n=5000, failure_rates=np.linspace(0.05, 0.4, 200), seed=0)
    t_wide, _ = best_of(lambda: es.describe(wide, n_boot=1000, seed=0), repeat=1)
    t_pb, _ = best_of(lambda: es.independence_distribution(wide))
    print(f"k = 200 models, N = 5000 ({wide.profile_table().n_profiles} distinct profiles):")
    print(f"  describe with 1,000 bootstrap replicates            : {t_wide:8.3f} s")
    print(f"  Poisson-Binomial of 200 rates                       : {t_pb * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
