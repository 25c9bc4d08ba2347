"""PSIS-LOO on the profile table equals arviz on the expanded instances (docs/architecture.md §7)."""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest
from loo_helpers import row_loglik

from ecostat.bayes.loo import compare_loo as compare
from ecostat.bayes.loo import profile_loo
from ecostat.errors import EcostatError, EcostatWarning

PATTERNS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
COUNTS = np.array([5, 3, 2, 7])


def _draws(seed, alpha=(6.0, 4.0, 3.0, 8.0), S=400, U=1):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(alpha, size=(S, U))


def _arviz_loo(ll, counts):
    """arviz.loo on the per-instance log-likelihood (row r repeated n_r times)."""
    expanded = np.repeat(ll, counts, axis=1)  # (S, N)
    idata = az.from_dict(log_likelihood={"y": expanded[None]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return az.loo(idata, pointwise=True, reff=1.0)


def test_profile_loo_equals_arviz_on_expanded_instances():
    P = _draws(0)
    ll = row_loglik(P, np.zeros(4, int), PATTERNS)
    ours = profile_loo(ll, COUNTS)
    ref = _arviz_loo(ll, COUNTS)
    assert ours.elpd == pytest.approx(ref["elpd_loo"], abs=1e-8)
    assert ours.se == pytest.approx(ref["se"], abs=1e-8)
    assert ours.p_loo == pytest.approx(ref["p_loo"], abs=1e-8)
    np.testing.assert_allclose(np.repeat(ours.pointwise, COUNTS), ref["loo_i"].values, atol=1e-10)
    np.testing.assert_allclose(np.repeat(ours.pareto_k, COUNTS), ref["pareto_k"].values, atol=1e-10)
    assert ours.n_instances == COUNTS.sum() and ours.n_draws == 400


def test_profile_loo_with_strata_and_missing_cells_matches_arviz():
    P = _draws(3, S=500, U=2)
    pats = np.array([[0, 0], [1, -1], [-1, 1], [1, 1], [0, 1]])
    strata = np.array([0, 0, 1, 1, 1])
    counts = np.array([4, 2, 6, 1, 3])
    ll = row_loglik(P, strata, pats)
    ours, ref = profile_loo(ll, counts, reff=0.8), None
    expanded = np.repeat(ll, counts, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = az.loo(az.from_dict(log_likelihood={"y": expanded[None]}), reff=0.8)
    assert ours.elpd == pytest.approx(ref["elpd_loo"], abs=1e-8)
    assert ours.se == pytest.approx(ref["se"], abs=1e-8)
    assert ours.p_loo == pytest.approx(ref["p_loo"], abs=1e-8)


def test_row_loglik_marginalizes_missing_cells_by_hand():
    # bit j of the pattern index is model j: index 0=(0,0), 1=(1,0), 2=(0,1), 3=(1,1)
    P = np.array([[[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]],
                  [[0.4, 0.3, 0.2, 0.1], [0.7, 0.1, 0.1, 0.1]]])
    pats = np.array([[1, 0], [1, -1], [-1, 0], [-1, -1], [0, 1]])
    ll = row_loglik(P, [0, 0, 1, 0, 1], pats)
    expected = np.array([[0.2, 0.2 + 0.4, 0.25 + 0.25, 1.0, 0.25],
                         [0.3, 0.3 + 0.1, 0.7 + 0.1, 1.0, 0.1]])
    np.testing.assert_allclose(np.exp(ll), expected)


def test_row_loglik_checks_shapes():
    with pytest.raises(EcostatError, match="2\\^3"):
        row_loglik(np.ones((2, 1, 4)) / 4, [0], [[0, 1, 1]])
    with pytest.raises(EcostatError, match="strata"):
        row_loglik(np.ones((2, 1, 4)) / 4, [1], [[0, 1]])


def test_profile_loo_rejects_impossible_observed_rows():
    P = np.tile([0.5, 0.5, 0.0, 0.0], (50, 1, 1))
    ll = row_loglik(P, [0, 0], [[0, 0], [0, 1]])
    with pytest.raises(EcostatError, match="probability 0"):
        profile_loo(ll, [3, 2])
    # a row without instances may be impossible: it adds nothing
    rng = np.random.default_rng(0)
    P = np.concatenate([rng.dirichlet([30, 30], size=(200, 1)), np.zeros((200, 1, 2))], axis=-1)
    r = profile_loo(row_loglik(P, [0, 0, 0], [[0, 0], [1, 0], [0, 1]]), [10, 12, 0])
    assert np.isfinite(r.elpd) and np.isnan(r.pointwise[2])


def test_bad_pareto_k_warns_and_counts_instances():
    rng = np.random.default_rng(5)
    ll = rng.normal(size=(100, 3))
    ll[:, 1] = rng.standard_cauchy(100) * 5 - 30  # heavy-tailed importance ratios
    with pytest.warns(EcostatWarning, match="instance"):
        r = profile_loo(ll, [4, 9, 2])
    assert r.n_bad == int(np.asarray([4, 9, 2])[r.pareto_k > r.k_threshold].sum()) > 0
    d = r.to_dict()
    assert d["n_bad_pareto_k"] == r.n_bad and d["n_instances"] == 15


def test_compare_orders_best_first_and_matches_arviz():
    pats, counts = PATTERNS, COUNTS
    loos, refs = {}, {}
    for name, alpha in {"good": (50, 30, 20, 70), "flat": (20, 20, 20, 20), "bad": (70, 20, 30, 5)}.items():
        ll = row_loglik(_draws(1, alpha=alpha, S=1000), np.zeros(4, int), pats)
        loos[name] = profile_loo(ll, counts)
        refs[name] = _arviz_loo(ll, counts)
    df = compare(loos)
    assert df.index[0] == "good"
    assert df["elpd_loo"].is_monotonic_decreasing
    assert df["rank"].tolist() == [0, 1, 2]
    assert df["elpd_diff"].iloc[0] == 0 and (df["elpd_diff"] >= 0).all()
    assert df["weight"].sum() == pytest.approx(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's own pandas deprecation notices
        ref = az.compare(refs, method="stacking")
        bb = az.compare(refs, method="BB-pseudo-BMA", seed=0)
    assert df.index.tolist() == ref.index.tolist()
    for col in ["elpd_loo", "p_loo", "elpd_diff", "se", "dse"]:
        np.testing.assert_allclose(df[col].to_numpy(float), ref[col].to_numpy(float), atol=1e-8, err_msg=col)
    # pseudo-BMA+ (the default): the same Bayesian bootstrap drawn on rows; equal within Monte Carlo error
    np.testing.assert_allclose(df["weight"].to_numpy(float), bb["weight"].to_numpy(float), atol=0.03)
    # stacking: the same optimum (arviz stops SLSQP at its default tolerance)
    stacked = compare(loos, method="stacking")
    np.testing.assert_allclose(stacked["weight"].to_numpy(float), ref["weight"].to_numpy(float), atol=2e-3)


def test_compare_rejects_results_on_different_data():
    ll = row_loglik(_draws(2), np.zeros(4, int), PATTERNS)
    a = profile_loo(ll, COUNTS)
    b = profile_loo(ll, COUNTS + np.array([0, 1, 0, 0]))
    with pytest.raises(EcostatError, match="'a' and 'b'.*rows 1"):
        compare({"a": a, "b": b})
    c = profile_loo(ll[:, :3], COUNTS[:3])
    with pytest.raises(EcostatError, match="4 vs 3 profile rows"):
        compare({"a": a, "c": c})
    with pytest.raises(EcostatError):
        compare({})
