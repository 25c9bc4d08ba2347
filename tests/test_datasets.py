"""The datasets shipped in the package (``es.datasets``): integrity, catalogue, loading, votes, references.

The files are the data curators' HAPI 2020 slice and FER+ votes, byte for byte: every file's size and sha256
must match ``manifest.json``. Reference values: ``tests/results/hapi_2020_reference.json`` (the curators'
table, kept apart from the package's own ``reference.json`` so that a typo in either shows).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from conftest import PAPER_APIS, RESULTS, ROOT
from ecostat.datasets import catalog

NAMES = ("ferplus", "fluent", "digit", "amnist", "command", "shop", "yelp", "imdb", "waimai")
REF = json.loads((RESULTS / "hapi_2020_reference.json").read_text())["datasets"]


# -- the files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*NAMES, "ferplus_votes"])
def test_file_matches_manifest(name):
    m = es.datasets.manifest()
    entry = m[name] if name == "ferplus_votes" else m["datasets"][name]
    data = es.datasets.path(name).read_bytes()
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_data_stay_small():
    """The package data are a few gzip'd files; adding one should be a decision, not an accident."""
    folder = es.datasets.path("ferplus").parent
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert files == sorted([f"{n}.csv.gz" for n in NAMES] + ["ferplus_votes.csv.gz", "manifest.json", "reference.json"])
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1.5e6


def test_provenance_and_licences_ship():
    text = es.datasets.provenance()
    for needle in ("Apache License 2.0", "MIT", "96712f670e219236e2a193f644cf501153f8179d", "Toups et al. 2023",
                   "Chen", "Zaharia", "Zou", "no images, audio or"):
        assert needle in text, needle
    licences = es.datasets.path("ferplus").parent.parent / "licenses"
    assert "Apache License" in (licences / "Apache-2.0.txt").read_text()
    assert "Copyright (c) Microsoft Corporation" in (licences / "FERPlus-MIT.txt").read_text()


def test_no_file_points_outside_the_repository():
    """Nothing in the repository reads or cites the workspace folder that the data came from."""
    needle = "/".join(["..", "shared"])
    roots = [ROOT / d for d in ("ecostat", "tests", "vignettes", "models", "benchmarks", "docs")]
    files = [p for r in roots if r.exists() for p in r.rglob("*") if p.suffix in (".py", ".md", ".toml", ".json", ".txt")]
    files += [ROOT / f for f in ("README.md", "BENCHMARKS.md", "pyproject.toml", "Makefile") if (ROOT / f).exists()]
    bad = [str(p.relative_to(ROOT)) for p in files if needle in p.read_text(encoding="utf-8", errors="replace")]
    assert not bad


# -- the catalogue -----------------------------------------------------------------------------------------


def test_list_describes_every_dataset():
    table = es.datasets.list()
    assert tuple(table["name"]) == NAMES == es.datasets.names()
    assert {"name", "task", "n_instances", "n_classes", "models", "columns", "years", "label", "in_papers", "source",
            "licence"} <= set(table.columns)
    assert table.set_index("name")["in_papers"].to_dict() == {n: n != "command" for n in NAMES}
    assert (table["years"] == "2020").all() and (table["label"] == "label").all()
    for row in table.itertuples():
        assert row.models.split(", ") == (PAPER_APIS.get(row.name) or PAPER_APIS["amnist"])
        assert len(row.columns.split(", ")) == 4


@pytest.mark.parametrize("name", NAMES)
def test_load_defaults_to_the_papers_apis(name):
    fm = es.datasets.load(name)
    entry = es.datasets.manifest()["datasets"][name]
    assert fm.models == tuple(entry["paper_apis"]) == tuple(PAPER_APIS.get(name, PAPER_APIS["amnist"]))
    assert fm.n_instances == entry["n"]
    raw = es.datasets.load(name, raw=True)
    assert raw.columns.tolist() == ["instance_id", "label", *entry["columns"]] and len(raw) == entry["n"]
    # independent computation of the failures from the raw table
    expected = np.stack([(raw[f"{m}_2020"] != raw["label"]).to_numpy() for m in entry["paper_apis"]], axis=1)
    np.testing.assert_array_equal(fm.failures, expected.astype(fm.failures.dtype))


def test_load_options():
    every = es.datasets.load("ferplus", models="all")
    assert every.models == ("google", "microsoft", "facepp", "vgg19")
    assert es.datasets.load("FERPLUS", models="google,facepp").models == ("google", "facepp")  # as on the command line
    same = es.datasets.load("ferplus", years=[2020])
    np.testing.assert_array_equal(same.failures, es.datasets.load("ferplus").failures)
    by_label = es.datasets.load("waimai", group="label")
    assert sorted(map(str, pd.unique(by_label.group))) == ["0", "1"]


@pytest.mark.parametrize("call, error, message", [
    (lambda: es.datasets.load("mnist"), es.DataError, "unknown dataset 'mnist'; available: ferplus, fluent, digit"),
    (lambda: es.datasets.load(3), es.DataError, "a dataset name is a string"),
    (lambda: es.datasets.load("ferplus_votes"), es.DataError, r"es.datasets.ferplus_votes\(\)"),
    (lambda: es.datasets.load("ferplus", models=["ibm"]), es.DataError, "ibm"),
    (lambda: es.datasets.load("ferplus", years=[2021]), es.DataError, "2021"),
    (lambda: es.datasets.load("ferplus", raw=True, models=["google"]), es.EcostatError, "raw=True returns the whole file"),
    (lambda: es.datasets.info("nope"), es.DataError, "available: ferplus"),
    (lambda: es.datasets.path("nope"), es.DataError, "available: ferplus"),
    (lambda: es.datasets.reference("command"), es.DataError, "no reference figures for 'command'"),
])
def test_bad_names_and_options_fail_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("name", NAMES)
def test_info(name):
    text = es.datasets.info(name)
    entry = es.datasets.manifest()["datasets"][name]
    assert text.startswith(f"{name}: ") and f"{entry['n']} instances" in text
    assert ", ".join(entry["columns"]) in text and "Apache-2.0" in text and "HAPI" in text
    assert ("not analysed by the papers" in text) == (name == "command")
    assert ("es.datasets.ferplus_votes()" in text) == (name == "ferplus")


# -- reference figures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REF))
def test_reference_matches_the_curators_table(name):
    ref = es.datasets.reference(name)
    assert {k: v for k, v in ref.items() if k not in ("paper_table1", "systemic_by_votes_for_label")} == REF[name]
    table1 = ref["paper_table1"]
    assert table1["n_thousands"] == pytest.approx(REF[name]["n"] / 1000, abs=0.05)
    assert table1["failure_rates_ascending"] == sorted(table1["failure_rates_ascending"])


def test_reference_is_a_copy():
    es.datasets.reference("digit")["n"] = -1
    assert es.datasets.reference("digit")["n"] == 2000


def test_shipped_data_reproduce_their_reference():
    fm = es.datasets.load("ferplus")
    ref = es.datasets.reference("ferplus")
    np.testing.assert_allclose(fm.failure_rates, [ref["failure_rates"][m] for m in fm.models], atol=1e-4)
    assert float(es.homogenization(fm)) == pytest.approx(ref["homogenization"], abs=1e-3)


# -- FER+ votes --------------------------------------------------------------------------------------------


def test_ferplus_votes_align_and_count():
    votes = es.datasets.ferplus_votes()
    fm = es.datasets.load("ferplus")
    assert votes["instance_id"].tolist() == list(fm.instance_ids)
    raw = pd.read_csv(es.datasets.path("ferplus_votes")).set_index("instance_id")
    labels = es.datasets.load("ferplus", raw=True).set_index("instance_id")["label"]
    # independent lookup through the manifest's label names (happy -> happiness, sad -> sadness)
    names = es.datasets.manifest()["datasets"]["ferplus"]["label_names"]
    column = {"happy": "happiness", "sad": "sadness"}
    expected = [raw.at[i, column.get(names[c], names[c])] for i, c in labels.items()]
    assert votes["votes_for_label"].tolist() == expected
    assert (votes["n_votes"] == raw.drop(columns="usage").sum(axis=1).loc[votes.instance_id].to_numpy()).all()
    assert votes["agreement"].between(0, 1).all() and (votes["n_votes"] == 10).mean() > 0.99


def test_ferplus_votes_reproduce_appendix_a1():
    """Systemic failure rate by the votes for the label (Toups App. A.1; curators' figures)."""
    fm = es.datasets.load("ferplus").attach(es.datasets.ferplus_votes(), on="instance_id", covariates=["votes_for_label"])
    grouped = es.bin_covariate(fm, "votes_for_label", [-0.5, 5.5, 7.5, 9.5, 10.5], labels=["<=5", "6-7", "8-9", "10"])
    rates = es.groups.group_systemic_failure_rates(grouped)
    expected = es.datasets.reference("ferplus")["systemic_by_votes_for_label"]
    np.testing.assert_allclose(rates, [expected[k] for k in ["<=5", "6-7", "8-9", "10"]], atol=5e-4)


# -- packaging details -------------------------------------------------------------------------------------


def test_import_reads_nothing():
    """`import ecostat` reads no data file, loads no PyMC; the manifest is read on first use."""
    code = ("import sys, pandas as pd\n"
            "calls = []\n"
            "real = pd.read_csv\n"
            "pd.read_csv = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
            "import ecostat as es\n"
            "from ecostat.datasets import catalog\n"
            "assert not calls, calls\n"
            "assert catalog._manifest.cache_info().currsize == 0\n"
            "assert 'pymc' not in sys.modules\n"
            "es.datasets.load('digit')\n"
            "assert len(calls) == 1 and catalog._manifest.cache_info().currsize == 1\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_path_works_from_a_zipped_installation(tmp_path, monkeypatch):
    """If the package lives in a zip archive, path() extracts the file once and returns a real path."""
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("data/digit.csv.gz", es.datasets.path("digit").read_bytes())
    monkeypatch.setattr(catalog, "_resource", lambda filename: zipfile.Path(archive, f"data/{filename}"))
    monkeypatch.setattr(catalog, "_extracted_folder", lambda: tmp_path)
    p = catalog._file("digit.csv.gz")
    assert p == tmp_path / "digit.csv.gz" and p.read_bytes()[:2] == b"\x1f\x8b"
    assert es.read_hapi(p, models=PAPER_APIS["digit"]).n_instances == 2000


def test_module_command():
    run = [sys.executable, "-m", "ecostat.datasets"]
    out = subprocess.run([*run, "path", "waimai"], capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(es.datasets.path("waimai"))
    listing = subprocess.run([*run, "list"], capture_output=True, text=True, check=True).stdout
    assert all(name in listing for name in NAMES)
    bad = subprocess.run([*run, "info", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown dataset 'nope'" in bad.stderr
