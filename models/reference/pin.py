"""Re-create the pinned reference results of the named analyses (run only when a change is intended).

    .venv/bin/python models/reference/pin.py              # every analysis (the fits take minutes)
    .venv/bin/python models/reference/pin.py NAME ...     # only these (file stems below)

Each JSON holds the command that produced it and its output (``--json``);
tests/test_spec.py re-runs the descriptive commands and requires the same
numbers; tests/test_spec_fit.py re-runs the fits and requires agreement within
Monte Carlo error. A fit's JSON also holds the posterior summary of its
parameters (mean, sd, bulk ESS, from the fit saved with ``--out``) and the
seconds the command took on the machine that pinned it.

Data derived from HAPI (never copied into the repository) appear in a command
as ``<NAME>``: :data:`DERIVED` writes them to a temporary folder first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HAPI = "../shared/data/hapi"
RUNS = {
    "toups2023_homogeneous_outcomes__ferplus": ["describe", f"{HAPI}/ferplus.csv.gz", "--models", "google,microsoft,facepp",
                                                "--spec", "models/toups2023_homogeneous_outcomes.toml"],
    "toups2023_hard_easy_baseline__waimai": ["baseline", f"{HAPI}/waimai.csv.gz", "--models", "google,amazon,baidu",
                                             "--spec", "models/toups2023_hard_easy_baseline.toml"],
    "bommasani2022_group_homogenization__digit_by_label": ["describe", f"{HAPI}/digit.csv.gz", "--models",
                                                           "google,ibm,microsoft", "--group", "label",
                                                           "--spec", "models/bommasani2022_group_homogenization.toml"],
}
#: Bayesian fits (kind = "fit"), each on a small HAPI dataset so that a refit takes seconds, not minutes
FIT_RUNS = {
    "toups2023_fit_independence__digit": ["fit", f"{HAPI}/digit.csv.gz", "--models", "google,ibm,microsoft",
                                          "--spec", "models/toups2023_fit_independence.toml"],
    "toups2023_fit_hard_easy__waimai": ["fit", f"{HAPI}/waimai.csv.gz", "--models", "google,amazon,baidu",
                                        "--spec", "models/toups2023_fit_hard_easy.toml"],
    "toups2023_fit_latent_class__ferplus": ["fit", f"{HAPI}/ferplus.csv.gz", "--models", "google,microsoft,facepp",
                                            "--spec", "models/toups2023_fit_latent_class.toml"],
    "toups2023_fit_rasch__ferplus": ["fit", f"{HAPI}/ferplus.csv.gz", "--models", "google,microsoft,facepp",
                                     "--spec", "models/toups2023_fit_rasch.toml"],
    "toups2023_fit_twopl__ferplus": ["fit", f"{HAPI}/ferplus.csv.gz", "--models", "google,microsoft,facepp",
                                     "--spec", "models/toups2023_fit_twopl.toml"],
    "bommasani2022_fit_mvprobit__ferplus": ["fit", f"{HAPI}/ferplus.csv.gz", "--models", "google,microsoft,facepp",
                                            "--spec", "models/bommasani2022_fit_mvprobit.toml"],
    "bommasani2022_fit_rasch_group_disparity__waimai_by_label": [
        "fit", f"{HAPI}/waimai.csv.gz", "--models", "google,amazon,baidu", "--group", "label",
        "--spec", "models/bommasani2022_fit_rasch_group_disparity.toml"],
    "toups2023_fit_rasch_agreement__ferplus_agreement": ["fit", "<ferplus_agreement.csv>", "--models",
                                                         "google,microsoft,facepp",
                                                         "--spec", "models/toups2023_fit_rasch_agreement.toml"],
}


def ferplus_agreement(path: Path) -> Path:
    """HAPI FER+ with an ``agreement`` column: votes for the label / all votes (Toups App. A.1)."""
    import numpy as np
    import pandas as pd

    fer = pd.read_csv(ROOT / HAPI / "ferplus.csv.gz")
    votes = pd.read_csv(ROOT / HAPI / "ferplus_votes.csv.gz").set_index("instance_id").loc[fer.instance_id]
    emotions = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]  # label codes 0-6
    fer["agreement"] = (votes[emotions].to_numpy()[np.arange(len(fer)), fer.label]
                        / votes.iloc[:, 1:].sum(axis=1).to_numpy())  # every column after `usage` is a vote count
    fer.to_csv(path, index=False)
    return path


#: placeholders of derived data sets in the commands -> the function writing them
DERIVED = {"<ferplus_agreement.csv>": ferplus_agreement}


def resolve(argv: list[str], folder: Path) -> list[str]:
    """``argv`` with every ``<NAME>`` placeholder written into ``folder`` and replaced by its path."""
    out = []
    for arg in argv:
        if arg in DERIVED:
            target = folder / arg.strip("<>")
            if not target.exists():
                DERIVED[arg](target)
            arg = str(target)
        out.append(arg)
    return out


def run(argv: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "ecostat", *argv, "--json"], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout)


def parameters(fit_path: Path) -> list[dict]:
    """Posterior mean, sd and bulk ESS of every parameter of a saved fit."""
    import ecostat as es

    table = es.load_fit(fit_path).parameters()
    return [{"parameter": r.parameter, "mean": float(r.mean), "sd": float(r.sd), "ess_bulk": float(r.ess_bulk)}
            for r in table.itertuples()]


def pin_fit(name: str, argv: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="ecostat_pin_") as tmp:
        folder = Path(tmp)
        fit_path = folder / "fit.nc"
        start = time.perf_counter()
        result = run([*resolve(argv, folder), "--out", str(fit_path)])
        seconds = time.perf_counter() - start
        params = parameters(fit_path)
    derived = {a: f"written by models/reference/pin.py:{DERIVED[a].__name__}" for a in argv if a in DERIVED}
    return {"command": ["ecostat", *argv, "--json"], **({"derived_data": derived} if derived else {}),
            "result": result, "parameters": params, "seconds": round(seconds, 1)}


if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    unknown = wanted - set(RUNS) - set(FIT_RUNS)
    if unknown:
        sys.exit(f"unknown analyses {sorted(unknown)}; known: {sorted(RUNS) + sorted(FIT_RUNS)}")
    for name, argv in RUNS.items():
        if not wanted or name in wanted:
            (HERE / f"{name}.json").write_text(json.dumps({"command": ["ecostat", *argv, "--json"], "result": run(argv)},
                                                          indent=1))
            print("pinned", name)
    for name, argv in FIT_RUNS.items():
        if not wanted or name in wanted:
            pinned = pin_fit(name, argv)
            (HERE / f"{name}.json").write_text(json.dumps(pinned, indent=1))
            print("pinned", name, f"({pinned['seconds']} s)")
