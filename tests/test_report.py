"""`es.report` / `ecostat report`: one self-contained HTML page, checked as text and, where Chromium is installed,
as a rendered screenshot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import ecostat as es
from ecostat.interface.cli import main
from ecostat.interface.report import Report

FAST = {"draws": 100, "tune": 150, "n_boot": 50, "seed": 2}


@pytest.fixture(scope="module")
def fm():
    return es.simulate(n=400, seed=0, groups={"dark": 0.4, "light": 0.6})


@pytest.fixture(scope="module")
def rep(fm, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    return es.report(fm, families=["rasch", "independence"], out=path, title="A test report", **FAST)


def test_report_writes_one_self_contained_page(rep):
    assert isinstance(rep, Report) and rep.path.exists()
    text = rep.path.read_text(encoding="utf-8")
    assert text == rep.html and text.startswith("<!DOCTYPE html>")
    assert "<script" not in text and not re.search(r"(src|href)=['\"]https?:", text)  # nothing fetched
    assert "<title>A test report</title>" in text
    figures = [w for w in rep.written if w["kind"] == "figure"]
    assert len(re.findall(r"src='data:image/png;base64,", text)) == len(figures) >= 7
    sections = [w["title"] for w in rep.written if w["kind"] == "section"]
    assert sections == ["Data and description", "Bayesian fits", "Comparison of the fits", "Settings and versions"]
    for piece in ("homogenization H", "ecostat fit: rasch", "ecostat fit: independence", "Model comparison by PSIS-LOO",
                  "pseudo-BMA+", "Versions", "arviz", "nutpie"):
        assert piece in text, piece
    assert not rep.errors


def test_report_result_lists_what_was_written(rep):
    d = rep.to_dict()
    assert d["path"] == str(rep.path) and d["bytes"] == len(rep.html.encode())
    assert [f["name"] for f in d["fits"]] == ["rasch", "independence"] and d["best"] in ("rasch", "independence")
    assert d["written"] == rep.written and d["settings"]["n_boot"] == 50 and d["versions"]["ecostat"]
    json.loads(rep.to_json())
    assert "Contents" in rep.as_text() and "Best by LOO" in rep.as_text()


def test_report_without_out_returns_the_page_and_checks_families(fm, tmp_path):
    with pytest.raises(es.EcostatError, match="unknown family|not a known family|family 'nope'"):
        es.report(fm, families=["nope"], **FAST)
    with pytest.raises(es.EcostatError, match="does not exist"):
        es.report(fm, families=["independence"], out=tmp_path / "missing" / "r.html", **FAST)


def test_report_with_a_fit_spec_fits_its_model(fm, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('name = "pooled rasch"\nkind = "fit"\nfamily = "rasch"\n[sampler]\ndraws = 100\ntune = 150\n')
    rep = es.report(fm.select(["m1", "m2"]), spec=spec, n_boot=30)
    assert list(rep.fits) == ["pooled rasch"] and rep.comparison is None and rep.path is None
    assert rep.fits["pooled rasch"].settings["draws"] == 100
    assert "Comparison of the fits" not in rep.html and "pooled rasch (" in rep.html


def test_cli_report(fm, tmp_path, capsys):
    df = fm.to_frame().astype(int)
    df.insert(0, "label", 0)
    df["g"] = np.asarray(fm.group)
    data = tmp_path / "sim.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "r.html"
    code = main(["report", str(data), "--models", "m1,m2,m3", "--group", "g", "--families", "independence",
                 "--draws", "100", "--tune", "150", "--n-boot", "30", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    d = json.loads(captured.out)
    assert d["path"] == str(out) and out.exists() and [f["family"] for f in d["fits"]] == ["independence"]
    assert main(["report", str(data), "--models", "m1,m2,m3"]) == 2
    assert "needs --out" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="headless Chromium is not installed (apt-get install chromium)")
def test_page_renders_in_headless_chromium(rep, tmp_path):
    """The page as a browser draws it: wide enough, long, with figures (not a blank or broken page)."""
    from PIL import Image

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1280,3000", rep.path.resolve().as_uri()], check=True, timeout=120,
                   capture_output=True)
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert pixels.shape[:2] == (3000, 1280)
    grey = pixels.mean(axis=2)
    inked = (grey < 200).mean(axis=1)  # share of dark pixels per row: text and figures
    assert (inked > 0.002).mean() > 0.3  # content over much of the page, not a blank one
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 80)  # the blue section rules and figure colours
    assert blue.sum() > 500


def test_report_out_is_checked_before_anything_is_fitted(tmp_path):
    """--out: a missing folder, the data file itself or an existing file (without force) fail at once."""
    import ecostat as es
    from ecostat.errors import EcostatError

    fm = es.simulate(n=200, seed=0)
    with pytest.raises(EcostatError, match="does not exist"):
        es.report(fm, families=["independence"], out=tmp_path / "no" / "r.html")
    data = tmp_path / "d.csv"
    data.write_text("label,a\n1,1\n")
    with pytest.raises(EcostatError, match="d.csv"):
        es.report(str(data), out=data, force=True)
    assert data.read_text() == "label,a\n1,1\n"
    old = tmp_path / "old.html"
    old.write_text("keep")
    with pytest.raises(EcostatError, match="force"):
        es.report(fm, families=["independence"], out=old)
    assert old.read_text() == "keep"
