"""Multinomial bootstrap of the profile table: reproducibility, chunking, and calibration."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import ecostat as es


def test_bit_reproducible():
    fm = es.simulate(n=4000, seed=1)
    a = es.bootstrap(fm, es.homogenization, n_boot=300, seed=11)
    b = es.bootstrap(fm, es.homogenization, n_boot=300, seed=11)
    assert np.array_equal(a.replicates, b.replicates)
    c = es.bootstrap(fm, es.homogenization, n_boot=300, seed=12)
    assert not np.array_equal(a.replicates, c.replicates)


def test_chunked_evaluation_equals_one_shot(monkeypatch):
    module = sys.modules["ecostat.descriptive.bootstrap"]
    fm = es.simulate(n=3000, seed=2)
    counts = es.resample_counts(fm, 97, seed=5)
    whole = es.bootstrap(fm, es.failure_rates, counts=counts)
    monkeypatch.setattr(module, "_CHUNK_CELLS", 10)
    chunked = es.bootstrap(fm, es.failure_rates, counts=counts)
    assert np.array_equal(whole.replicates, chunked.replicates)
    # fresh draws in chunks are reproducible too
    a = es.bootstrap(fm, es.failure_rates, n_boot=50, seed=1)
    b = es.bootstrap(fm, es.failure_rates, n_boot=50, seed=1)
    assert np.array_equal(a.replicates, b.replicates)


def test_counts_preserve_n_and_support():
    fm = es.simulate(n=1000, seed=3)
    c = es.resample_counts(fm, 50, seed=0)
    t = fm.profile_table()
    assert c.shape == (50, t.n_profiles)
    assert (c.sum(axis=1) == 1000).all()


def test_standard_error_matches_binomial_formula():
    # Independent check: the bootstrap SD of a proportion is sqrt(p (1 - p) / N).
    fm = es.simulate(n=5000, seed=4)
    r = es.bootstrap(fm, es.systemic_failure_rate, n_boot=4000, seed=0)
    p = r.estimate
    assert np.std(r.replicates) == pytest.approx(np.sqrt(p * (1 - p) / 5000), rel=0.05)


def test_row_resampling_agrees_in_distribution():
    # Resampling rows and resampling profile counts give the same distribution.
    fm = es.simulate(n=2000, seed=5)
    rng = np.random.default_rng(0)
    F = fm.failures
    rows = np.array([float(es.homogenization(es.FailureMatrix(F[rng.integers(0, 2000, 2000)]))) for _ in range(400)])
    counts = es.bootstrap(fm, es.homogenization, n_boot=4000, seed=1).replicates
    assert np.mean(rows) == pytest.approx(np.mean(counts), rel=0.02)
    assert np.std(rows) == pytest.approx(np.std(counts), rel=0.15)


def test_interval_coverage_of_failure_rate():
    # 95% percentile intervals of f_1 cover the true rate in about 95% of simulated data sets.
    hits = 0
    n_sets = 200
    for s in range(n_sets):
        fm = es.simulate(n=400, family="independence", failure_rates=[0.2, 0.3], seed=s)
        r = es.bootstrap(fm, es.failure_rates, n_boot=300, seed=s)
        hits += r.lo[0] <= 0.2 <= r.hi[0]
    assert 0.9 <= hits / n_sets <= 0.99


def test_undefined_replicates_warn_and_are_counted():
    F = np.zeros((40, 2), dtype=int)
    F[0] = [1, 1]
    F[1:4, 0] = 1
    fm = es.FailureMatrix(F)
    with pytest.warns(es.EcostatWarning, match="undefined"):
        r = es.bootstrap(fm, es.homogenization, n_boot=200, seed=0)
    assert r.n_undefined > 0
    assert np.isfinite(r.lo)


def test_bootstrap_frame_matches_vectorized_bootstrap():
    # The generic per-replicate route and the vectorized route give the same intervals on the same replicates.
    fm = es.simulate(n=3000, seed=6)
    out = es.bootstrap_frame(fm, es.pairwise_agreement_frame, keys=["model_a", "model_b"], n_boot=200, seed=9)
    direct = es.bootstrap(fm, es.cohens_kappa, n_boot=200, seed=9)
    np.testing.assert_allclose(out["kappa_lo"], [direct.lo[0, 1], direct.lo[0, 2], direct.lo[1, 2]])
    np.testing.assert_allclose(out["kappa_hi"], [direct.hi[0, 1], direct.hi[0, 2], direct.hi[1, 2]])
    assert "n11_lo" not in out.columns  # integer counts get no interval


def test_bootstrap_frame_for_improvement():
    from ecostat.descriptive.improvement import improvement_analysis

    full = es.simulate(n=2000, versions=["2020", "2021"], seed=2)
    out = es.bootstrap_frame(full, lambda d, counts=None: improvement_analysis(d, "m2", counts=counts).table,
                             keys=["others_profile"], n_boot=100)
    assert ((out["observed_lo"] <= out["observed"]) & (out["observed"] <= out["observed_hi"])).all()


def test_resampling_within_groups_keeps_group_sizes():
    fm = es.simulate(n=3000, groups={"a": 0.9, "b": 0.1}, seed=3)
    t = fm.profile_table()
    c = es.resample_counts(t, 200, seed=0, by_group=True)
    sizes = c @ t.group_onehot()
    assert (sizes == [[int(t.counts[t.group_codes == g].sum()) for g in range(2)]]).all()
    d = es.describe(fm, n_boot=200, bootstrap_by="group")
    assert d.to_dict()["bootstrap"]["by"] == "group"
    with pytest.raises(es.EcostatError, match="needs a grouping"):
        es.describe(es.simulate(n=100, seed=0), n_boot=10, bootstrap_by="group")
