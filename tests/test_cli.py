"""The `ecostat` command: describe, baseline, demo; the JSON contract of the README."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import hapi_path
from ecostat.interface.cli import main


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_describe_json_contract_on_hapi(capsys):
    d = run_json(capsys, "describe", str(hapi_path("ferplus")), "--models", "google,microsoft,facepp",
                 "--bootstrap", "200", "--seed", "3", "--hard-easy", "--json")
    assert d["n_instances"] == 6358 and d["n_models"] == 3
    assert [m["name"] for m in d["models"]] == ["microsoft", "facepp", "google"]
    rates = [m["failure_rate"] for m in d["models"]]
    assert rates == sorted(rates)
    for key in ("systemic_failure_rate", "homogenization"):
        lo, hi = d[key]["ci"]
        assert lo < d[key]["estimate"] < hi
    assert d["homogenization"]["estimate"] == pytest.approx(3.627, abs=1e-3)
    dist = d["failure_count_distribution"]
    assert len(dist["observed"]) == len(dist["independence"]) == 4
    assert d["hard_easy"] == {"alpha": 0.2, "delta": 1.6, "l1": pytest.approx(0.0066, abs=1e-4)}
    assert "groups" not in d


def test_describe_groups(tmp_path, capsys):
    df = pd.read_csv(hapi_path("waimai"))
    df["length"] = pd.Series(range(len(df))) % 3
    path = tmp_path / "waimai_grouped.csv"
    df.to_csv(path, index=False)
    d = run_json(capsys, "describe", str(path), "--models", "google,amazon,baidu", "--group", "length",
                 "--bootstrap", "100", "--json")
    assert set(d["groups"]) == {"h_avg", "h_unif", "h_worst", "unfairness"}
    for v in d["groups"].values():
        assert set(v) >= {"estimate", "ci"}
    assert [g["group"] for g in d["by_group"]] == ["0", "1", "2"]
    assert sum(g["n"] for g in d["by_group"]) == d["n_instances"]
    assert all(len(g["failure_rates"]) == 3 for g in d["by_group"])


def test_describe_is_reproducible(capsys):
    args = ["describe", str(hapi_path("digit")), "--models", "google,ibm,microsoft", "--bootstrap", "300", "--seed", "7", "--json"]
    assert run_json(capsys, *args) == run_json(capsys, *args)


def test_describe_text(capsys):
    assert main(["describe", str(hapi_path("digit")), "--models", "google,ibm,microsoft", "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "Failure rates (ascending)" in out and "homogenization" in out


def test_baseline_json(capsys):
    d = run_json(capsys, "baseline", str(hapi_path("yelp")), "--models", "google,amazon,baidu", "--gof", "49", "--json")
    assert d["hard_easy"]["alpha"] == 0.4 and d["hard_easy"]["delta"] == 1.0
    assert len(d["grid"]) == 125
    assert any(cell["l1"] is None for cell in d["grid"])
    assert d["goodness_of_fit"]["independence"]["p_value"] == pytest.approx(0.02)


def test_long_layout(tmp_path, capsys):
    rows = [{"instance_id": i, "model": m, "prediction": (i + j) % 3 == 0, "label": True}
            for i in range(60) for j, m in enumerate(["a", "b", "c"])]
    path = tmp_path / "long.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    d = run_json(capsys, "describe", str(path), "--layout", "long", "--bootstrap", "0", "--json")
    assert d["n_instances"] == 60 and d["n_models"] == 3


def test_bad_input_exits_2_with_message(capsys):
    assert main(["describe", str(hapi_path("digit")), "--models", "google,nope"]) == 2
    err = capsys.readouterr().err
    assert "ecostat: error: unknown model 'nope'" in err


def test_installed_command_prints_one_json_object():
    proc = subprocess.run([sys.executable, "-m", "ecostat", "describe", str(hapi_path("digit")), "--models",
                           "google,ibm,microsoft", "--bootstrap", "20", "--json"], capture_output=True, text=True, check=True)
    obj = json.loads(proc.stdout)
    assert obj["n_instances"] == 2000
    assert "reading" in proc.stderr


def test_demo_json(capsys):
    d = run_json(capsys, "demo", "--n", "3000", "--bootstrap", "100", "--family", "none", "--json")
    assert d["n_models"] == 3 and d["homogenization"]["estimate"] > 1
    assert d["goodness_of_fit"]["independence"]["p_value"] < 0.05
    assert {t["kind"] for t in d["transitions"]} <= {"improvement", "decline", "unchanged"}


def test_demo_figures(tmp_path, capsys):
    assert main(["demo", "--n", "2000", "--bootstrap", "50", "--family", "none", "--out", str(tmp_path)]) == 0
    assert "ecostat demo" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failure_distribution.png", "group_excess.png",
                                                          "hard_easy_grid.png", "improvement.png"]


def test_demo_ends_with_a_bayesian_fit(capsys):
    d = run_json(capsys, "demo", "--n", "3000", "--bootstrap", "50", "--draws", "300", "--json")
    fit = d["fit"]
    assert fit["family"] == "rasch" and [g["group"] for g in fit["disparity"]] == ["light", "medium", "dark"]
    assert fit["posterior"]["homogenization"]["mean"] > 1
