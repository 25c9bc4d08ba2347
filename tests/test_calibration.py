"""Calibration of bootstrap intervals and goodness-of-fit p-values over many simulated data sets."""

from __future__ import annotations

import numpy as np

import ecostat as es


def test_homogenization_interval_coverage():
    # Truth: H of the generating population, from one very large simulated sample.
    truth = es.homogenization(es.simulate(n=2_000_000, failure_rates=(0.15, 0.2, 0.25), seed=999))
    hits = 0
    n_sets = 150
    for s in range(n_sets):
        fm = es.simulate(n=3000, failure_rates=(0.15, 0.2, 0.25), seed=s)
        r = es.bootstrap(fm, es.homogenization, n_boot=1000, seed=s)
        hits += r.lo <= truth <= r.hi
    assert 0.89 <= hits / n_sets <= 0.99


def test_goodness_of_fit_is_calibrated_under_independence():
    p = np.array([es.goodness_of_fit(es.simulate(n=2000, family="independence", seed=s), n_sim=199, seed=s).p_value
                  for s in range(100)])
    assert 0.01 <= np.mean(p < 0.05) <= 0.12
    assert 0.35 <= np.mean(p) <= 0.65


def test_hard_easy_goodness_of_fit_is_calibrated_under_hard_easy():
    p = np.array([es.goodness_of_fit(es.simulate(n=3000, family="hard_easy", alpha=0.2, delta=2.0, seed=s), "hard_easy",
                                     n_sim=199, seed=s).p_value for s in range(60)])
    assert np.mean(p < 0.05) <= 0.15
