"""simulate(): seeded, known structure, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import ecostat as es


def test_bit_reproducible():
    a = es.simulate(n=500, groups={"x": 1, "y": 1}, covariate_effect=0.5, seed=3)
    b = es.simulate(n=500, groups={"x": 1, "y": 1}, covariate_effect=0.5, seed=3)
    assert np.array_equal(a.failures, b.failures)
    assert list(a.group) == list(b.group)
    assert a.covariates.equals(b.covariates)


def test_independence_is_not_homogeneous():
    fm = es.simulate(n=200_000, family="independence", failure_rates=[0.1, 0.2, 0.3], seed=0)
    np.testing.assert_allclose(fm.failure_rates, [0.1, 0.2, 0.3], atol=3e-3)
    assert es.homogenization(fm) == pytest.approx(1.0, abs=0.05)


def test_hard_easy_matches_its_distribution():
    fm = es.simulate(n=200_000, family="hard_easy", failure_rates=[0.1, 0.2, 0.3], alpha=0.25, delta=2.0, seed=1)
    expected = es.hard_easy_distribution([0.1, 0.2, 0.3], 0.25, 2.0)
    np.testing.assert_allclose(es.failure_count_distribution(fm), expected, atol=4e-3)


def test_rasch_groups_and_versions():
    fm = es.simulate(n=20_000, groups={"light": 0.5, "dark": 0.5}, group_scale={"light": 0.5, "dark": 3.0},
                     versions=["2020", "2021"], seed=2)
    assert fm.models == ("m1_2020", "m1_2021", "m2_2020", "m2_2021", "m3_2020", "m3_2021")
    assert fm.columns["version"].tolist() == ["2020", "2021"] * 3
    first = fm.select(["m1_2020", "m2_2020", "m3_2020"])
    sub = {g: first.failures[np.asarray(first.group) == g] for g in ("light", "dark")}
    h = {g: es.homogenization(es.FailureMatrix(F)) for g, F in sub.items()}
    assert h["dark"] > h["light"] > 1
    rates = fm.failure_rates.reshape(3, 2)
    assert (rates[:, 1] < rates[:, 0]).all()  # later versions improve (version_shift < 0)


def test_errors():
    with pytest.raises(es.EcostatError, match="unknown family"):
        es.simulate(family="probit")
    with pytest.raises(es.EcostatError, match="strictly between 0 and 1"):
        es.simulate(failure_rates=[0.0, 0.5])
    with pytest.raises(es.EcostatError, match="hard rates > 1"):
        es.simulate(family="hard_easy", failure_rates=[0.5, 0.6], delta=3.0)
    with pytest.raises(es.EcostatError, match="versions"):
        es.simulate(family="independence", versions=["a", "b"])
