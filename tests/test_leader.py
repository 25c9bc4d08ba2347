"""Leader following (Toups 2023, App. B.2) against per-instance pandas computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.descriptive.leader import leader_following, leader_following_systemic, leader_statistics, profile_labels


def simulate(rng, n=400, k=4):
    """Failures that share a latent difficulty (so leader following is present)."""
    z = rng.normal(size=(n, 1))
    b = np.linspace(-1.5, 0.5, k)
    p = 1 / (1 + np.exp(-(1.5 * z + b)))
    return es.FailureMatrix((rng.random((n, k)) < p).astype(int), models=[f"m{j}" for j in range(k)])


def reference(fm: es.FailureMatrix) -> pd.DataFrame:
    """Per-instance loop: P(others = y) and P(others = y | F_j = 1) for every j and y."""
    F = fm.failures
    n, k = F.shape
    rows = []
    for j in range(k):
        others = [o for o in range(k) if o != j]
        prof = ["".join(str(F[i, o]) for o in others) for i in range(n)]
        fails_j = [i for i in range(n) if F[i, j] == 1]
        for y in profile_labels(k - 1):
            marg = sum(p == y for p in prof) / n
            cond = sum(prof[i] == y for i in fails_j) / len(fails_j) if fails_j else np.nan
            rows.append((fm.models[j], y, y.count("1"), marg, cond))
    return pd.DataFrame(rows, columns=["model", "others_profile", "n_others_failing", "p_marginal", "p_given_fail"])


def test_profile_labels_order_and_limit():
    assert profile_labels(1) == ["1", "0"]
    assert profile_labels(3) == ["111", "110", "101", "100", "011", "010", "001", "000"]
    with pytest.raises(es.DataError, match="at most"):
        profile_labels(13)


def test_matches_per_instance_loop(rng):
    fm = simulate(rng)
    got = leader_following(fm)
    ref = reference(fm)
    assert got["model"].tolist() == ref["model"].tolist()
    assert got["others_profile"].tolist() == ref["others_profile"].tolist()
    assert got["n_others_failing"].tolist() == ref["n_others_failing"].tolist()
    np.testing.assert_allclose(got["p_marginal"], ref["p_marginal"], atol=1e-12)
    np.testing.assert_allclose(got["p_given_fail"], ref["p_given_fail"], atol=1e-12)
    np.testing.assert_allclose(got["difference"], ref["p_given_fail"] - ref["p_marginal"], atol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ref["p_marginal"] > 0, ref["p_given_fail"] / ref["p_marginal"], np.nan)
    np.testing.assert_allclose(got["ratio"], ratio, atol=1e-12)
    # each distribution sums to one per model
    np.testing.assert_allclose(got.groupby("model")["p_marginal"].sum(), 1.0)
    np.testing.assert_allclose(got.groupby("model")["p_given_fail"].sum(), 1.0)


def test_systemic_matches_per_instance_loop(rng):
    fm = simulate(rng, n=300, k=3)
    F = fm.failures
    got = leader_following_systemic(fm)
    for j, m in enumerate(fm.models):
        others = [o for o in range(3) if o != j]
        all_others = np.array([all(F[i, o] == 1 for o in others) for i in range(len(F))])
        fails_j = F[:, j] == 1
        row = got[got.model == m].iloc[0]
        assert row.failure_rate == pytest.approx(fails_j.mean())
        assert row.p_all_others_fail_given_fail == pytest.approx(all_others[fails_j].mean())
        assert row.p_all_others_fail == pytest.approx(all_others.mean())
        assert row.p_independent == pytest.approx(np.prod([F[:, o].mean() for o in others]))
        assert row.lift == pytest.approx(all_others[fails_j].mean() / all_others.mean())
        assert row.lift_vs_independence == pytest.approx(row.p_all_others_fail_given_fail / row.p_independent)


def test_hand_checked_case():
    # rows: a b c
    fm = es.FailureMatrix([[1, 1, 1], [1, 0, 0], [0, 0, 0], [0, 1, 1], [1, 1, 0]], models=["a", "b", "c"])
    df = leader_following(fm).set_index(["model", "others_profile"])
    # others of a = (b, c): profiles over 5 rows: 11, 00, 00, 11, 10
    assert df.loc[("a", "11"), "p_marginal"] == pytest.approx(2 / 5)
    assert df.loc[("a", "10"), "p_marginal"] == pytest.approx(1 / 5)
    # a fails on rows 0, 1, 4 -> profiles 11, 00, 10
    assert df.loc[("a", "11"), "p_given_fail"] == pytest.approx(1 / 3)
    assert df.loc[("a", "00"), "p_given_fail"] == pytest.approx(1 / 3)
    assert df.loc[("a", "01"), "p_given_fail"] == 0.0
    assert np.isnan(df.loc[("a", "01"), "ratio"])  # 0 / 0
    sys = leader_following_systemic(fm).set_index("model")
    # c fails on rows 0, 3; (a, b) both fail only on row 0
    assert sys.loc["c", "p_all_others_fail_given_fail"] == pytest.approx(1 / 2)
    assert sys.loc["c", "p_all_others_fail"] == pytest.approx(2 / 5)
    assert sys.loc["c", "p_independent"] == pytest.approx(3 / 5 * 3 / 5)


def test_profile_table_input_and_default_counts(rng):
    fm = simulate(rng, n=200, k=3)
    t = fm.profile_table()
    pd.testing.assert_frame_equal(leader_following(t), leader_following(fm))
    pd.testing.assert_frame_equal(leader_following(fm, counts=t.counts), leader_following(fm))


def test_counts_batch_equals_separate_calls(rng):
    fm = simulate(rng, n=300, k=3)
    t = fm.profile_table()
    batch = rng.multinomial(t.n_instances, t.counts / t.n_instances, size=2)
    s = leader_statistics(fm, batch)
    assert s["p_given_fail"].shape == (2, 3, 4)
    assert s["p_all_others_fail"].shape == (2, 3)
    for b in range(2):
        one = leader_statistics(fm, batch[b])
        for key, arr in one.items():
            np.testing.assert_allclose(s[key][b], arr, atol=1e-12)
    long = leader_following(fm, batch)
    assert long["replicate"].tolist() == [0] * 12 + [1] * 12
    for b in range(2):
        sep = leader_following(fm, batch[b])
        part = long[long.replicate == b].drop(columns="replicate").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, sep)
    sysb = leader_following_systemic(fm, batch)
    np.testing.assert_allclose(sysb[sysb.replicate == 1]["lift"].to_numpy(),
                               leader_following_systemic(fm, batch[1])["lift"].to_numpy())
    # a (1, 2, P) batch keeps the leading axes in the arrays
    assert leader_statistics(fm, batch[None])["p_marginal"].shape == (1, 2, 3, 4)


def test_model_that_never_fails_gives_nan():
    fm = es.FailureMatrix([[0, 1], [0, 0], [0, 1]], models=["a", "b"])
    s = leader_following_systemic(fm).set_index("model")
    assert np.isnan(s.loc["a", "p_all_others_fail_given_fail"])
    assert s.loc["b", "p_all_others_fail_given_fail"] == 0.0
    assert s.loc["b", "p_independent"] == 0.0
    assert s.loc["a", "p_independent"] == pytest.approx(2 / 3)


def test_missing_cells_raise_with_fix():
    fm = es.FailureMatrix([[1, np.nan, 1], [0, 1, 1], [1, 1, 0]], models=["a", "b", "c"])
    with pytest.raises(es.DataError, match=r"missing cells in 'b'.*fm.select"):
        leader_following(fm)
    complete = es.FailureMatrix(fm.failures[(fm.failures >= 0).all(axis=1)], models=fm.models)
    assert len(leader_following(complete)) == 3 * 4


def test_one_model_raises():
    fm = es.FailureMatrix([[1], [0]], models=["a"])
    with pytest.raises(es.UndefinedMetricError, match="at least two"):
        leader_following(fm)


def test_bad_input_type():
    with pytest.raises(es.DataError, match="FailureMatrix or ProfileTable"):
        leader_following(np.zeros((3, 2)))


def test_hapi_ferplus_leader_following(hapi):
    fm = hapi("ferplus")
    long = leader_following(fm)
    assert len(long) == 3 * 4
    sys = leader_following_systemic(fm)
    assert (sys["p_all_others_fail_given_fail"] > sys["p_all_others_fail"]).all()
    assert (sys["p_all_others_fail"] > sys["p_independent"]).all()
    # the conditional all-fail probability is the '11' row of the long frame
    sys_rows = long[long.others_profile == "11"].set_index("model")["p_given_fail"]
    np.testing.assert_allclose(sys_rows.loc[list(sys.model)].to_numpy(), sys["p_all_others_fail_given_fail"].to_numpy())
