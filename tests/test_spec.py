"""Named analyses (models/*.toml): loading, validation, and agreement with their pinned results."""

from __future__ import annotations

import json
import math

import pytest

import ecostat as es
from conftest import ROOT, hapi_path, pin_module

SPECS = sorted((ROOT / "models").glob("*.toml"))
#: pinned descriptive analyses (the pinned fits are checked within Monte Carlo error by test_spec_fit.py)
PINNED = sorted(p for p in (ROOT / "models" / "reference").glob("*.json")
                if json.loads(p.read_text())["command"][1] != "fit")


def same(a, b, rel=1e-9) -> bool:
    """Structural equality with floats compared to a relative tolerance (bootstrap runs are seeded)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
    return a == b


def test_there_are_named_analyses():
    assert len(SPECS) >= 3 and len(PINNED) >= 3


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_spec_loads(path):
    spec = es.load_spec(path)
    assert spec.kind in ("describe", "baseline", "fit") and spec.name and spec.description


@pytest.mark.parametrize("path", PINNED, ids=[p.stem for p in PINNED])
def test_pinned_results_reproduce(path, monkeypatch, capsys, tmp_path):
    from ecostat.interface.cli import main

    pinned = json.loads(path.read_text())
    monkeypatch.chdir(ROOT)
    assert main(pin_module().resolve(pinned["command"][1:], tmp_path)) == 0
    assert same(json.loads(capsys.readouterr().out), pinned["result"])


def test_spec_run_equals_command(monkeypatch):
    spec = es.load_spec(ROOT / "models" / "toups2023_homogeneous_outcomes.toml")
    fm = es.datasets.load("ferplus")  # the paper's three APIs, as in the pinned command
    pinned = json.loads((ROOT / "models" / "reference" / "toups2023_homogeneous_outcomes__ferplus.json").read_text())
    assert same(json.loads(json.dumps(spec.run(fm).to_dict())), pinned["result"])


def test_command_line_overrides_spec(capsys):
    from ecostat.interface.cli import main

    spec = str(ROOT / "models" / "toups2023_homogeneous_outcomes.toml")
    assert main(["describe", str(hapi_path("digit")), "--models", "google,ibm,microsoft", "--spec", spec,
                 "--bootstrap", "50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bootstrap"]["n_boot"] == 50 and "hard_easy" in out  # 50 from the command line, hard/easy from the spec


def write(tmp_path, text):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ('kind = "describe"\n', "needs a text value for 'name'"),
    ('name = "x"\nkind = "fitting"\n', "kind 'fitting' is not known"),
    ('name = "x"\nkind = "fit"\n', "needs a formula"),
    ('name = "x"\nkind = "describe"\n[data]\ncovariates = ["a"]\n', "only fit specs"),
    ('name = "x"\nkind = "describe"\nformula = "fail ~ model"\n', "belong to kind = \"fit\""),
    ('name = "x"\nkind = "describe"\ncolour = 1\n', "unknown key"),
    ('name = "x"\nkind = "describe"\n[options]\nn_boot = "many"\n', "n_boot = 'many': expected a whole number"),
    ('name = "x"\nkind = "describe"\n[options]\nn_boot = -3\n', "expected 0 or more"),
    ('name = "x"\nkind = "describe"\n[options]\nrule = "loose"\n', "use one of 'strict', 'paper'"),
    ('name = "x"\nkind = "baseline"\n[options]\nn_boot = 10\n', "unknown key"),
    ('name = "x"\nkind = "describe"\n[data]\nmodels = "a,b"\n', "expected a list"),
    ('name = "x"\nkind = "describe"\n[options\n', "not valid TOML"),
])
def test_broken_specs_fail_clearly(tmp_path, text, message):
    with pytest.raises(es.EcostatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        es.load_spec(write(tmp_path, text))


def test_spec_kind_must_match_command(tmp_path, capsys):
    from ecostat.interface.cli import main

    path = write(tmp_path, 'name = "x"\nkind = "baseline"\n')
    assert main(["describe", str(hapi_path("digit")), "--models", "google,ibm,microsoft", "--spec", str(path)]) == 2
    assert "run it with `ecostat baseline`" in capsys.readouterr().err


def test_missing_spec_file():
    with pytest.raises(es.EcostatError, match="does not exist"):
        es.load_spec("models/nope.toml")
