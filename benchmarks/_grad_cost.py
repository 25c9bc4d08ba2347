"""Helper of bench_speed.py: seconds per log-density + gradient of each family at several k (one process).

Run with the package under test first on ``sys.path`` (bench_speed.py runs it for the current tree and, with
``--baseline DIR``, for an older checkout) and prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np


def main() -> None:
    ks = [int(x) for x in sys.argv[1].split(",")]
    families = sys.argv[2].split(",")
    n = int(sys.argv[3])
    budget = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    warnings.filterwarnings("ignore")
    import pytensor
    import pytensor.tensor  # noqa: F401  (registers the tensor module before ecostat builds graphs)

    import ecostat as es
    from ecostat.bayes.families import FitOptions, make_design
    from ecostat.bayes.model import build_model

    out = {}
    for k in ks:
        rates = np.linspace(0.1, 0.45, k)
        fm = es.simulate(n=n, family="rasch", failure_rates=rates, difficulty_sd=1.5, seed=k)
        design = make_design(fm)
        for family in families:
            model = build_model(design, family, FitOptions())
            vv = model.value_vars
            logp = model.logp()
            grads = pytensor.gradient.grad(logp, vv)
            t0 = time.perf_counter()
            fn = pytensor.function(vv, [logp, *grads])
            compile_s = time.perf_counter() - t0
            point = [np.asarray(model.initial_point()[v.name]) for v in vv]
            fn(*point)
            reps, t0 = 0, time.perf_counter()
            while reps < 3 or (time.perf_counter() - t0 < min(budget, 2.0) and reps < 200):
                fn(*point)
                reps += 1
            out[f"{family}/{k}"] = {"seconds": (time.perf_counter() - t0) / reps, "rows": int(len(design.counts)),
                                    "compile": compile_s}
            print(json.dumps({f"{family}/{k}": out[f"{family}/{k}"]}), file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
