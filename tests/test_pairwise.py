"""Pairwise agreement measures (ecostat.descriptive.pairwise) against independent computations.

References: statsmodels (cohens_kappa on the 2x2 table; Table2x2 odds ratio for
Yule's Q = (OR - 1) / (OR + 1)), numpy counts on the raw failure matrix, and
hand-computed tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

import ecostat as es
from conftest import random_fm
from ecostat.descriptive.alternatives import alternative_metrics_frame
from ecostat.descriptive.pairwise import cohens_kappa, disagreement, double_fault, pair_tables, pairwise_agreement_frame, yules_q


def raw_table(F, a, b):
    """2x2 table [[n11, n10], [n01, n00]] of columns a, b on rows where both are observed."""
    m = (F[:, a] >= 0) & (F[:, b] >= 0)
    x, y = F[m, a], F[m, b]
    return np.array([[np.sum((x == 1) & (y == 1)), np.sum((x == 1) & (y == 0))],
                     [np.sum((x == 0) & (y == 1)), np.sum((x == 0) & (y == 0))]])


def check_against_raw(fm):
    F = fm.failures
    tab, kap, q = pair_tables(fm), cohens_kappa(fm), yules_q(fm)
    df, dis = double_fault(fm), disagreement(fm)
    for a in range(fm.n_models):
        for b in range(fm.n_models):
            if a == b:
                continue
            t2 = raw_table(F, a, b)
            n = t2.sum()
            assert [tab.n11[a, b], tab.n10[a, b], tab.n01[a, b], tab.n00[a, b]] == t2.ravel().tolist()
            assert kap[a, b] == pytest.approx(sm_kappa(t2, return_results=False), abs=1e-12)
            assert q[a, b] == pytest.approx((Table2x2(t2).oddsratio - 1) / (Table2x2(t2).oddsratio + 1), abs=1e-12)
            assert df[a, b] == pytest.approx(t2[0, 0] / n)
            assert dis[a, b] == pytest.approx((t2[0, 1] + t2[1, 0]) / n)


def test_hand_table(small_fm):
    # m1 fails rows {0,1,4,7}, m2 fails {0,1,2,4}: n11 = 3, n10 = 1 (row 7), n01 = 1 (row 2), n00 = 3
    tab = pair_tables(small_fm)
    assert [x[0, 1] for x in tab] == [3, 1, 1, 3]
    assert [x[1, 0] for x in tab] == [3, 1, 1, 3]
    # kappa: p_o = 6/8 = 0.75, p_e = 0.5*0.5 + 0.5*0.5 = 0.5 -> (0.75 - 0.5) / 0.5 = 0.5
    assert cohens_kappa(small_fm)[0, 1] == pytest.approx(0.5)
    # Q = (3*3 - 1*1) / (3*3 + 1*1) = 0.8; double fault 3/8; disagreement 2/8
    assert yules_q(small_fm)[0, 1] == pytest.approx(0.8)
    assert double_fault(small_fm)[0, 1] == pytest.approx(0.375)
    assert disagreement(small_fm)[0, 1] == pytest.approx(0.25)
    # m1 vs m3 (fails {0,2,4,5}): n11 = n10 = n01 = n00 = 2 -> kappa 0, Q (4-4)/8 = 0
    assert cohens_kappa(small_fm)[0, 2] == pytest.approx(0.0)
    assert yules_q(small_fm)[0, 2] == pytest.approx(0.0)
    # diagonal: kappa 1, disagreement 0, double fault = failure rate
    assert np.diag(cohens_kappa(small_fm)) == pytest.approx([1, 1, 1])
    assert np.diag(disagreement(small_fm)) == pytest.approx([0, 0, 0])
    assert np.diag(double_fault(small_fm)) == pytest.approx(small_fm.failure_rates)


def test_random_against_statsmodels(rng):
    check_against_raw(random_fm(rng))


def test_missing_cells_use_pairwise_overlap(rng):
    fm = random_fm(rng, n=400, k=4, missing=0.25)
    assert fm.has_missing
    check_against_raw(fm)


def test_counts_batch_equals_separate_calls(rng):
    t = random_fm(rng, n=200, k=3).profile_table()
    other = rng.multinomial(t.n_instances, t.counts / t.n_instances)
    batch = np.stack([t.counts, other])
    for f in (cohens_kappa, yules_q, double_fault, disagreement):
        out = f(t, counts=batch)
        assert out.shape == (2, 3, 3)
        for r in range(2):
            single = f(es.ProfileTable.from_counts(t.patterns, batch[r], models=t.models))
            np.testing.assert_allclose(out[r], single, rtol=1e-12)


def test_frame_columns_and_values(small_fm):
    df = pairwise_agreement_frame(small_fm)
    assert list(df.columns) == ["model_a", "model_b", "n", "n11", "n10", "n01", "n00",
                                "kappa", "double_fault", "yules_q", "disagreement"]
    assert df[["model_a", "model_b"]].values.tolist() == [["m1", "m2"], ["m1", "m3"], ["m2", "m3"]]
    assert df["n"].tolist() == [8, 8, 8]
    assert df["kappa"].tolist() == pytest.approx([0.5, 0.0, 0.5])
    assert pd.api.types.is_integer_dtype(df["n11"])


def test_undefined_raise_and_nan_in_batch():
    # "a" never fails, "b" never fails: kappa p_e = 1 and Q = 0/0 for (a, b)
    fm = es.FailureMatrix([[0, 0, 1], [0, 0, 0], [0, 0, 1]], models=["a", "b", "c"])
    with pytest.raises(es.UndefinedMetricError, match=r"\('a', 'b'\).*never fail"):
        cohens_kappa(fm)
    with pytest.raises(es.UndefinedMetricError, match=r"Yule's Q.*\('a', 'b'\)"):
        yules_q(fm)
    with pytest.raises(es.UndefinedMetricError):
        pairwise_agreement_frame(fm)
    t = fm.profile_table()
    k = cohens_kappa(t, counts=t.counts[None, :])
    assert np.isnan(k[0, 0, 1]) and k[0, 0, 2] == pytest.approx(0.0)  # (a, c): p_e = 1 - 2/3, p_o = 1/3
    assert double_fault(fm)[0, 1] == 0.0  # still defined


def test_no_overlap_and_single_model():
    fm = es.FailureMatrix([[1, -1], [-1, 0]], models=["a", "b"])
    with pytest.raises(es.UndefinedMetricError, match="no instance was met by both"):
        double_fault(fm)
    with pytest.raises(es.UndefinedMetricError, match="at least two"):
        cohens_kappa(es.FailureMatrix([[1], [0]]))


def test_hapi_ferplus(hapi):
    fm = hapi("ferplus")
    agree = pairwise_agreement_frame(fm)
    alt = alternative_metrics_frame(fm)
    assert len(agree) == len(alt) == 3
    for row in agree.itertuples():
        a, b = fm.models.index(row.model_a), fm.models.index(row.model_b)
        t2 = raw_table(fm.failures, a, b)
        assert [row.n11, row.n10, row.n01, row.n00] == t2.ravel().tolist()
        assert row.kappa == pytest.approx(sm_kappa(t2, return_results=False), abs=1e-12)
    assert np.isfinite(alt[["covariance", "pmi", "pearson", "h_pair"]].to_numpy()).all()
