"""Every figure of the independent HAPI reference table (tests/results/hapi_2020_reference.json)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ecostat as es
from conftest import PAPER_APIS, RESULTS

REF = json.loads((RESULTS / "hapi_2020_reference.json").read_text())["datasets"]
# Tolerances per attribute: the table rounds rates and shares to 4 decimals and H to 3.
TOL = {"rate": 1e-4, "h": 1e-3}


@pytest.fixture(scope="module", params=sorted(REF))
def case(request, hapi):
    return request.param, hapi(request.param), REF[request.param]


def test_size_and_failure_rates(case):
    name, fm, ref = case
    assert fm.n_instances == ref["n"]
    rates = dict(zip(fm.models, es.failure_rates(fm)))
    for model, value in ref["failure_rates"].items():
        assert rates[model] == pytest.approx(value, abs=TOL["rate"]), (name, model)


def test_ascending_order(case):
    name, fm, ref = case
    expected = sorted(ref["failure_rates"], key=ref["failure_rates"].get)
    assert list(fm.ordered().models) == expected


def test_systemic_and_homogenization(case):
    name, fm, ref = case
    assert es.systemic_failure_rate(fm) == pytest.approx(ref["systemic_failure_rate"], abs=TOL["rate"])
    assert es.homogenization(fm) == pytest.approx(ref["homogenization"], abs=TOL["h"])


def test_distributions(case):
    name, fm, ref = case
    np.testing.assert_allclose(es.failure_count_distribution(fm), ref["observed"], atol=TOL["rate"])
    np.testing.assert_allclose(es.independence_distribution(fm), ref["independence"], atol=TOL["rate"])


def test_hard_easy_grid_strict(case):
    name, fm, ref = case
    grid = es.hard_easy_grid(fm)
    assert (grid.alpha, grid.delta) == (ref["hard_easy"]["alpha"], ref["hard_easy"]["delta"])
    assert grid.best_l1 == pytest.approx(ref["hard_easy"]["l1"], abs=TOL["rate"])


def test_describe_json_matches(case):
    name, fm, ref = case
    d = es.describe(fm, n_boot=0, hard_easy=True).to_dict()
    assert d["systemic_failure_rate"]["estimate"] == pytest.approx(ref["systemic_failure_rate"], abs=TOL["rate"])
    assert d["homogenization"]["estimate"] == pytest.approx(ref["homogenization"], abs=TOL["h"])
    assert [m["name"] for m in d["models"]] == sorted(ref["failure_rates"], key=ref["failure_rates"].get)
    assert d["hard_easy"]["alpha"] == ref["hard_easy"]["alpha"]


def test_independence_rejected_by_goodness_of_fit(hapi):
    gof = es.goodness_of_fit(hapi("ferplus"), n_sim=99, seed=0)
    assert gof.p_value == pytest.approx(0.01)


def test_command_dataset_reads_with_unique_ids():
    from conftest import hapi_path

    fm = es.read_hapi(hapi_path("command"), models=PAPER_APIS["amnist"])
    assert fm.n_instances == 64727
