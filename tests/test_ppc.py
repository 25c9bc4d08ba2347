"""Posterior predictive checks on ecosystem statistics (docs/architecture.md §7)."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

from ecostat.bayes.ppc import (
    STATISTICS,
    complete_counts,
    ecosystem_statistics,
    posterior_predictive_check,
    replicate_counts,
)
from ecostat.errors import EcostatError
from ecostat.plots import plot_ppc

matplotlib.use("Agg")


def _independence(rates):
    """Pattern probabilities (2^k,) of independent failures with the given rates."""
    rates = np.asarray(rates, float)
    bits = (np.arange(2 ** len(rates))[:, None] >> np.arange(len(rates))) & 1
    return np.prod(np.where(bits == 1, rates, 1 - rates), axis=1)


def test_statistics_by_hand_on_a_tiny_table():
    # k = 3, two strata in two groups; pattern index bit j = model j
    patterns = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 1], [1, 1, 1]])
    counts = np.array([2, 1, 3, 1, 2, 1])
    strata = np.array([0, 0, 0, 1, 1, 1])
    obs = complete_counts(patterns, counts, strata, 2)
    assert obs.shape == (2, 8) and obs.sum() == 10
    assert obs[0, 7] == 2 and obs[0, 3] == 1 and obs[0, 0] == 3 and obs[1, 5] == 1 and obs[1, 4] == 2
    s = ecosystem_statistics(obs, 3, strata_groups=[0, 1])
    # failures per instance: 3,3,2,0,0,0 | 2,1,1,3
    assert s["failure_count_histogram"].tolist() == [3, 2, 2, 3]
    assert int(s["systemic_failure_count"]) == 3
    # pairs (0,1), (0,2), (1,2): both fail
    assert s["pairwise_cofailures"].tolist() == [2 + 1 + 1, 2 + 1 + 1, 2 + 1]
    # group 0: 6 instances, all-fail 2, rates 3/6, 3/6, 2/6 -> H = (2/6) / (1/2 * 1/2 * 1/3)
    # group 1: 4 instances, all-fail 1, rates 2/4, 1/4, 4/4 -> H = (1/4) / (1/2 * 1/4 * 1)
    np.testing.assert_allclose(s["group_homogenization"], [(2 / 6) / (1 / 12), (1 / 4) / (1 / 8)])
    # leading replicate axes broadcast; undefined H (a model never fails) is NaN
    stacked = np.stack([obs, np.array([[5, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0]])])
    s2 = ecosystem_statistics(stacked, 3, strata_groups=[0, 1])
    assert s2["failure_count_histogram"].shape == (2, 4)
    assert np.isnan(s2["group_homogenization"][1]).all()


def test_missing_cells_are_an_error():
    with pytest.raises(EcostatError, match=r"3 instance\(s\) in 1 profile row.*select"):
        complete_counts([[0, 1], [1, -1]], [4, 3])
    # a missing row without instances is harmless
    assert complete_counts([[0, 1], [1, -1]], [4, 0]).tolist() == [[0, 0, 4, 0]]


def test_replicates_keep_stratum_sizes_and_are_reproducible():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(8), size=(50, 3))
    P = P * (1 + 1e-13)  # float error in the sums is renormalized away
    a = replicate_counts(P, [10, 0, 25], np.random.default_rng(7))
    b = replicate_counts(P, [10, 0, 25], np.random.default_rng(7))
    assert a.shape == (50, 3, 8) and a.dtype == np.int64
    assert (a.sum(axis=-1) == [10, 0, 25]).all()
    np.testing.assert_array_equal(a, b)


def test_check_is_bit_reproducible_and_thins_draws():
    rng = np.random.default_rng(1)
    P = rng.dirichlet([5, 2, 2, 1, 2, 1, 1, 3], size=(300, 2))
    obs = np.array([[40, 10, 12, 5, 9, 4, 3, 17], [20, 5, 6, 2, 4, 2, 1, 10]])
    r1 = posterior_predictive_check(P, obs, strata_groups=[0, 1], seed=3, n_draws=100)
    r2 = posterior_predictive_check(P, obs, strata_groups=[0, 1], seed=3, n_draws=100)
    r3 = posterior_predictive_check(P, obs, strata_groups=[0, 1], seed=4, n_draws=100)
    assert r1.draws.tolist() == [3 * i for i in range(100)]
    for name in STATISTICS:
        np.testing.assert_array_equal(r1.replicated[name], r2.replicated[name])
        np.testing.assert_array_equal(r1.p_values[name], r2.p_values[name])
    assert not np.array_equal(r1.replicated["failure_count_histogram"], r3.replicated["failure_count_histogram"])
    assert r1.replicated["pairwise_cofailures"].shape == (100, 3)
    assert r1.replicated["group_homogenization"].shape == (100, 2)
    d = r1.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d) == set(STATISTICS)
    assert isinstance(d["systemic_failure_count"]["observed"], int) and d["systemic_failure_count"]["observed"] == 27
    assert d["failure_count_histogram"]["observed"] == [60, 10 + 12 + 9 + 5 + 6 + 4, 5 + 4 + 3 + 2 + 2 + 1, 27]
    assert len(d["pairwise_cofailures"]["p_values"]) == 3
    df = r1.to_frame()
    assert len(df) == 1 + 4 + 3 + 2
    assert set(df["flag"]) <= {"", "extreme"}
    assert (df["lo"] <= df["hi"]).all()


def test_p_values_are_calibrated_when_data_come_from_the_model():
    # data drawn from the (point-mass) posterior itself: mid-p values are ~uniform
    p_true = 0.7 * _independence([0.2, 0.3, 0.25]) + 0.3 * _independence([0.6, 0.7, 0.5])
    P = np.tile(p_true, (200, 1, 1))
    rng = np.random.default_rng(2024)
    ps = []
    for i in range(200):
        obs = rng.multinomial(150, p_true)[None]
        r = posterior_predictive_check(P, obs, seed=i)
        ps.append([float(r.p_values["systemic_failure_count"]), *r.p_values["failure_count_histogram"],
                   *r.p_values["pairwise_cofailures"]])
    ps = np.asarray(ps)
    assert np.all((ps >= 0) & (ps <= 1))
    assert np.abs(ps.mean(axis=0) - 0.5).max() < 0.06
    extreme = ((ps < 0.025) | (ps > 0.975)).mean(axis=0)
    assert extreme.max() < 0.12
    assert ((ps[:, 0] > 0.25) & (ps[:, 0] < 0.75)).mean() == pytest.approx(0.5, abs=0.12)


def test_independence_model_misses_correlated_failures():
    # strongly correlated data: 30% of instances fail all three models, the rest none
    obs = np.zeros((1, 8), dtype=np.int64)
    obs[0, 0], obs[0, 7] = 700, 300
    P = np.tile(_independence([0.3, 0.3, 0.3]), (500, 1, 1))
    r = posterior_predictive_check(P, obs, seed=0)
    assert float(r.p_values["systemic_failure_count"]) < 0.01  # observed far above every replicate
    assert r.p_values["failure_count_histogram"][1] > 0.99  # far fewer single failures than predicted
    frame = r.to_frame()
    assert frame.loc[frame["statistic"] == "systemic_failure_count", "flag"].item() == "extreme"


def test_bad_inputs():
    P = np.full((10, 1, 4), 0.25)
    with pytest.raises(EcostatError, match="observed"):
        posterior_predictive_check(P, [[1, 2, 3]])
    with pytest.raises(EcostatError, match="integer"):
        posterior_predictive_check(P, [[1.5, 2, 3, 0]])
    with pytest.raises(EcostatError, match="2\\^k"):
        posterior_predictive_check(np.full((10, 1, 6), 1 / 6), [[1, 1, 1, 1, 1, 1]])
    with pytest.raises(EcostatError, match="strata_groups"):
        ecosystem_statistics(np.ones((2, 4), int), 2, strata_groups=[0])


@pytest.mark.parametrize("statistic", STATISTICS)
def test_plot_ppc_returns_axes(statistic):
    from matplotlib.axes import Axes

    P = np.tile(_independence([0.3, 0.4, 0.2]), (100, 2, 1))
    obs = np.array([[30, 10, 10, 5, 8, 3, 2, 6], [20, 9, 9, 4, 5, 2, 2, 4]])
    r = posterior_predictive_check(P, obs, strata_groups=[0, 1], group_levels=["A", "B"], seed=0)
    ax = plot_ppc(r, statistic=statistic)
    assert isinstance(ax, Axes)
    if statistic == "systemic_failure_count":
        from ecostat.plots._axes import format_p

        # the p-value as "p = 0.123", or "p < 0.001" / "p > 0.999" at the ends (never "p = 0.000")
        title = ax.get_title()
        assert format_p(r.p_values[statistic]) in title and "p = 0.000" not in title and len(ax.patches) > 0
        assert ("p = " in title) == (0.001 <= r.p_values[statistic] <= 0.999)
    else:
        assert len(ax.containers) == 1
    with pytest.raises(EcostatError, match="unknown statistic"):
        plot_ppc(r, statistic="nope")
