"""Re-create the pinned reference results of the named analyses (run only when a change is intended).

    .venv/bin/python models/reference/pin.py              # every analysis (the fits take minutes)
    .venv/bin/python models/reference/pin.py NAME ...     # only these (file stems below)

Each JSON holds the command that produced it and its output (``--json``);
tests/test_spec.py re-runs the descriptive commands and requires the same
numbers; tests/test_spec_fit.py re-runs the fits and requires agreement within
Monte Carlo error. A fit's JSON also holds the posterior summary of its
parameters (mean, sd, bulk ESS, from the fit saved with ``--out``) and the
seconds the command took on the machine that pinned it.

A dataset shipped with ecostat appears in a command as ``<dataset:NAME>``: the
path of its file, ``es.datasets.path(NAME)`` (in a shell,
``"$(python -m ecostat.datasets path NAME)"``). Data derived from it appear as
``<FILE>``: :data:`DERIVED` writes them to a temporary folder first.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def dataset(name: str) -> str:
    """The placeholder of a dataset shipped with ecostat (``es.datasets``) in a pinned command."""
    return f"<dataset:{name}>"


RUNS = {
    "toups2023_homogeneous_outcomes__ferplus": ["describe", dataset("ferplus"), "--models", "google,microsoft,facepp",
                                                "--spec", "models/toups2023_homogeneous_outcomes.toml"],
    "toups2023_hard_easy_baseline__waimai": ["baseline", dataset("waimai"), "--models", "google,amazon,baidu",
                                             "--spec", "models/toups2023_hard_easy_baseline.toml"],
    "bommasani2022_group_homogenization__digit_by_label": ["describe", dataset("digit"), "--models",
                                                           "google,ibm,microsoft", "--group", "label",
                                                           "--spec", "models/bommasani2022_group_homogenization.toml"],
}
#: Bayesian fits (kind = "fit"), each on a small HAPI dataset so that a refit takes seconds, not minutes
FIT_RUNS = {
    "toups2023_fit_independence__digit": ["fit", dataset("digit"), "--models", "google,ibm,microsoft",
                                          "--spec", "models/toups2023_fit_independence.toml"],
    "toups2023_fit_hard_easy__waimai": ["fit", dataset("waimai"), "--models", "google,amazon,baidu",
                                        "--spec", "models/toups2023_fit_hard_easy.toml"],
    "toups2023_fit_latent_class__ferplus": ["fit", dataset("ferplus"), "--models", "google,microsoft,facepp",
                                            "--spec", "models/toups2023_fit_latent_class.toml"],
    "toups2023_fit_rasch__ferplus": ["fit", dataset("ferplus"), "--models", "google,microsoft,facepp",
                                     "--spec", "models/toups2023_fit_rasch.toml"],
    "toups2023_fit_twopl__ferplus": ["fit", dataset("ferplus"), "--models", "google,microsoft,facepp",
                                     "--spec", "models/toups2023_fit_twopl.toml"],
    "bommasani2022_fit_mvprobit__ferplus": ["fit", dataset("ferplus"), "--models", "google,microsoft,facepp",
                                            "--spec", "models/bommasani2022_fit_mvprobit.toml"],
    "bommasani2022_fit_rasch_group_disparity__waimai_by_label": [
        "fit", dataset("waimai"), "--models", "google,amazon,baidu", "--group", "label",
        "--spec", "models/bommasani2022_fit_rasch_group_disparity.toml"],
    "toups2023_fit_rasch_agreement__ferplus_agreement": ["fit", "<ferplus_agreement.csv>", "--models",
                                                         "google,microsoft,facepp",
                                                         "--spec", "models/toups2023_fit_rasch_agreement.toml"],
}


def ferplus_agreement(path: Path) -> Path:
    """HAPI FER+ with an ``agreement`` column: votes for the label / all votes (Toups App. A.1)."""
    import ecostat as es

    fer = es.datasets.load("ferplus", raw=True)
    votes = es.datasets.ferplus_votes()  # one row per FER+ instance, in the file's order
    assert votes["instance_id"].tolist() == fer["instance_id"].tolist()
    fer["agreement"] = votes["agreement"].to_numpy()
    fer.to_csv(path, index=False)
    return path


#: placeholders of derived data sets in the commands -> the function writing them
DERIVED = {"<ferplus_agreement.csv>": ferplus_agreement}


def resolve(argv: list[str], folder: Path) -> list[str]:
    """``argv`` with every placeholder replaced by a path: ``<dataset:NAME>`` by the shipped file,
    ``<FILE>`` of :data:`DERIVED` by the file written into ``folder``."""
    out = []
    for arg in argv:
        shipped = re.fullmatch(r"<dataset:(\w+)>", arg)
        if shipped:
            import ecostat as es

            arg = str(es.datasets.path(shipped[1]))
        elif arg in DERIVED:
            target = folder / arg.strip("<>")
            if not target.exists():
                DERIVED[arg](target)
            arg = str(target)
        out.append(arg)
    return out


def run(argv: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="ecostat_pin_") as tmp:
        out = subprocess.run([sys.executable, "-m", "ecostat", *resolve(argv, Path(tmp)), "--json"], check=True,
                             capture_output=True, text=True, cwd=ROOT)
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
        result = run([*argv, "--out", str(fit_path)])
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
