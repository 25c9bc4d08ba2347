"""Re-create the pinned reference results of the named analyses (run only when a change is intended).

    .venv/bin/python models/reference/pin.py

Each JSON holds the command that produced it and its output; tests/test_spec.py re-runs
the command and requires the same numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
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


def run(argv: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "ecostat", *argv, "--json"], check=True, capture_output=True, text=True,
                         cwd=HERE.parent.parent)
    return json.loads(out.stdout)


if __name__ == "__main__":
    for name, argv in RUNS.items():
        (HERE / f"{name}.json").write_text(json.dumps({"command": ["ecostat", *argv, "--json"], "result": run(argv)}, indent=1))
        print("pinned", name)
