"""Benchmark: the profile table of a prediction log larger than memory (``ecostat.data.scan``).

Generates a long-format prediction log (one row per (instance, decision-maker): instance id, decision-maker,
prediction, label, group) as a Parquet dataset on disk, one file per block of instances, written block by block
so that generation itself stays within memory. Then, each measurement in a fresh child process (peak RSS: the
child's ``VmHWM``, its resident-set high-water mark):

* ``scan_profiles`` with DuckDB (the default engine) under a stated memory limit (``--memory-limit``, default
  2 GB): 10^6, 10^7 and 10^8 rows (10^8 = 10^7 instances x 10 decision-makers, about 5% of cells missing);
* the in-memory path (``pandas.read_parquet`` + ``ecostat.read_long`` + ``profile_table``) at 10^6 and 10^7
  rows, to show how its memory grows with the log;
* optionally (``--dask``) ``scan_profiles`` on a Dask ``LocalCluster`` at 10^7 rows.

The tables of both paths are compared where both run. Memory bound: the DuckDB engine is given
``memory_limit`` (its buffer pool: hash tables, spilled to a temporary directory beyond it); the peak RSS of the
process also counts the Python interpreter, numpy/pandas/ecostat and DuckDB's code (about 0.2 GB).

Run: ``.venv/bin/python benchmarks/bench_scan.py`` (about 4 GB of disk in a temporary directory, removed at the
end unless ``--keep``); ``--instances 1000000`` for a quick run. Check ``df -h /tmp`` first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

N_CLASSES = 10
RATES = np.linspace(-1.4, -0.6, 10)  # decision-maker logits of failure (about 20-35% failure rates)


def generate(folder: Path, n_instances: int, k: int, block: int, seed: int = 0, missing: float = 0.05) -> int:
    """Write ``n_instances`` x ``k`` decisions (minus missing cells) as one Parquet file per block of instances."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    names = np.array([f"model_{j:02d}" for j in range(k)])
    groups = np.array(["a", "b", "c"])
    total = 0
    for b, start in enumerate(range(0, n_instances, block)):
        rng = np.random.default_rng([seed, b])
        n = min(block, n_instances - start)
        ids = np.arange(start, start + n, dtype=np.int64)
        g = rng.choice(3, n, p=[0.5, 0.3, 0.2])
        difficulty = rng.normal(0.0, 1.5, n) + 0.3 * g
        label = rng.integers(0, N_CLASSES, n).astype(np.int16)
        cols = {"instance_id": [], "model": [], "prediction": [], "label": [], "group": []}
        for j in range(k):  # model-major, as logs written decision-maker by decision-maker
            keep = np.ones(n, dtype=bool) if j == 0 else rng.random(n) >= missing
            fail = rng.random(keep.sum()) < 1.0 / (1.0 + np.exp(-(RATES[j % len(RATES)] + difficulty[keep])))
            y = label[keep]
            wrong = (y + 1 + rng.integers(0, N_CLASSES - 1, y.size)) % N_CLASSES
            cols["instance_id"].append(ids[keep])
            cols["model"].append(np.full(keep.sum(), j, dtype=np.int32))
            cols["prediction"].append(np.where(fail, wrong, y).astype(np.int16))
            cols["label"].append(y)
            cols["group"].append(g[keep].astype(np.int32))
        table = pa.table({
            "instance_id": np.concatenate(cols["instance_id"]),
            "model": pa.DictionaryArray.from_arrays(np.concatenate(cols["model"]), pa.array(names)),
            "prediction": np.concatenate(cols["prediction"]),
            "label": np.concatenate(cols["label"]),
            "group": pa.DictionaryArray.from_arrays(np.concatenate(cols["group"]), pa.array(groups)),
        })
        pq.write_table(table, folder / f"part-{b:04d}.parquet", row_group_size=1_000_000)
        total += table.num_rows
        del table, cols
    return total


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# A child process runs one measurement and prints a JSON line with its peak RSS: VmHWM from /proc (Linux), the
# high-water mark of the child's own address space. (Not ru_maxrss: a fork()ed child's counts the pages of the
# parent it held before exec, here the generator's.)
CHILD = r"""
import json, sys, time, warnings
args = json.loads(sys.argv[1])
import numpy as np, pandas as pd
import ecostat as es
from ecostat.data.scan import scan_profiles
t0 = time.perf_counter()
if args["path"] == "duckdb":
    t = scan_profiles(args["source"], group="group", memory_limit=args["memory_limit"], threads=args["threads"],
                      temp_directory=args["spill"])
elif args["path"] == "dask":
    import distributed
    with distributed.LocalCluster(n_workers=args["threads"] or 2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        t0 = time.perf_counter()
        t = scan_profiles(args["source"], engine="dask", group="group")
else:
    import glob
    files = sorted(glob.glob(args["source"]))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    t = es.read_long(df, group="group").profile_table()
seconds = time.perf_counter() - t0
np.savez(args["out"], patterns=t.patterns, counts=t.counts, codes=t.group_codes)
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(json.dumps({"seconds": seconds, "profiles": t.n_profiles, "instances": t.n_instances, "models": list(t.models),
                  "hwm_kb": int(hwm[0]) if hwm else None}))
"""


def measure(path: str, source: str, out: Path, *, memory_limit: str, threads: int | None) -> dict:
    spill = out.with_suffix(".spill")
    spill.mkdir(exist_ok=True)
    arg = json.dumps({"path": path, "source": source, "memory_limit": memory_limit, "threads": threads, "out": str(out),
                      "spill": str(spill)})
    peak_spill = [0]
    done = threading.Event()

    def watch():  # DuckDB's spill files: the peak size of its temporary directory
        while not done.wait(0.2):
            try:
                peak_spill[0] = max(peak_spill[0], disk_bytes(spill))
            except OSError:
                pass

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    done.set()
    watcher.join()
    shutil.rmtree(spill, ignore_errors=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"path": path, "error": stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {proc.returncode}",
                "peak_rss_gb": float("nan"), "wall_s": wall}
    result = json.loads(stdout.strip().splitlines()[-1])
    peak = result.pop("hwm_kb")
    result.update(path=path, peak_rss_gb=peak / 2**20 if peak else float("nan"), wall_s=wall,
                  spill_gb=peak_spill[0] / 2**30)
    return result


def baseline_rss() -> float:
    code = ("import ecostat, ecostat.data.scan, duckdb, pandas; "
            "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return int(out.stdout.strip()) / 2**20 if out.returncode == 0 else float("nan")


def same(a: Path, b: Path) -> bool:
    x, y = np.load(a, allow_pickle=True), np.load(b, allow_pickle=True)
    return all(np.array_equal(x[key], y[key]) for key in ("patterns", "counts", "codes"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=10_000_000, help="instances of the largest log (x --models rows)")
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
    ap.add_argument("--also-limit", action="append", default=[],
                    help="also reduce the largest log under this DuckDB memory_limit (repeatable), e.g. 512MB")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    ap.add_argument("--pandas-max-rows", type=int, default=10_000_000, help="largest log for the in-memory path")
    ap.add_argument("--dask", action="store_true", help="also Dask (LocalCluster) at 10^7 rows")
    ap.add_argument("--dir", default=None, help="where to write the logs (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the generated logs")
    args = ap.parse_args()

    root = Path(args.dir or tempfile.mkdtemp(prefix="ecostat-bench-scan-"))
    k = args.models
    need = int(args.instances * k * 4)  # ~0.6 bytes per row on disk, the smaller logs, and room for spilling
    free = shutil.disk_usage(root).free
    print(f"disk: {free / 2**30:.1f} GiB free at {root}; the logs need about {need / 2**30:.1f} GiB")
    if free < 2 * need:
        sys.exit("not enough free disk space for the logs and DuckDB's spill files; use --dir or fewer --instances")
    load = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start; DuckDB memory_limit={args.memory_limit}, "
          f"threads={args.threads or os.cpu_count()}")

    sizes = [n for n in (100_000, 1_000_000, 10_000_000) if n < args.instances] + [args.instances]
    block = min(1_000_000, args.instances)
    logs = {}
    for n in sizes:
        folder = root / f"log_{n * k}"
        t0 = time.perf_counter()
        rows = generate(folder, n, k, block=min(block, n), seed=n)
        logs[n] = (folder, rows)
        print(f"generated {rows:,} rows ({n:,} instances x {k}) in {time.perf_counter() - t0:.0f} s: "
              f"{len(list(folder.glob('*.parquet')))} file(s), {disk_bytes(folder) / 2**30:.2f} GiB")

    base = baseline_rss()
    print(f"\nbaseline: a process that imports ecostat, pandas and duckdb peaks at {base:.2f} GiB RSS\n")
    rows_out = []
    header = (f"{'path':<34} {'rows':>13} {'wall s':>8} {'rows/s':>12} {'peak RSS GiB':>13} {'spill GiB':>10} "
              f"{'profiles':>9} {'same':>5}")
    print(header)
    for n in sizes:
        folder, rows = logs[n]
        source = str(folder / "*.parquet")
        duck_out, pandas_out = root / f"duck_{n}.npz", root / f"pandas_{n}.npz"
        plans = [("duckdb", duck_out, args.memory_limit)]
        if n == sizes[-1]:
            plans += [("duckdb", root / f"duck_{n}_{lim}.npz", lim) for lim in args.also_limit]
        if args.dask and n == 1_000_000:
            plans.append(("dask", root / f"dask_{n}.npz", None))
        if rows <= args.pandas_max_rows:
            plans.append(("pandas", pandas_out, None))
        for path, out, limit in plans:
            r = measure(path, source, out, memory_limit=limit, threads=args.threads)
            r["memory_limit"] = limit
            r["rows"] = rows
            if "error" in r:
                print(f"{path:<34} {rows:>13,} failed: {r['error']} (peak RSS {r['peak_rss_gb']:.2f} GiB)")
                rows_out.append(r)
                continue
            agree = ""
            if out != duck_out and duck_out.exists():
                agree = "yes" if same(out, duck_out) else "NO"
            r["same"] = agree
            label = {"duckdb": f"scan_profiles, DuckDB ({limit})", "dask": "scan_profiles, Dask LocalCluster",
                     "pandas": "read_parquet + read_long (pandas)"}[path]
            print(f"{label:<34} {rows:>13,} {r['seconds']:>8.1f} {rows / r['seconds']:>12,.0f} {r['peak_rss_gb']:>13.2f} "
                  f"{r['spill_gb']:>10.2f} {r['profiles']:>9} {agree:>5}")
            rows_out.append(r)
    if args.keep:
        (root / "results.json").write_text(json.dumps(rows_out, indent=1, default=str))
        print(f"\nlogs and results.json kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
