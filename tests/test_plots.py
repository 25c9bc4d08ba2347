"""Plot functions: plot_*(data, *, ax=None) -> Axes, drawing what they claim."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import ecostat as es


@pytest.fixture(scope="module")
def fm():
    return es.simulate(n=3000, groups={"light": 0.5, "dark": 0.5}, group_scale={"dark": 2.5}, seed=0)


def test_uses_given_axes(fm):
    ax = Figure().add_subplot()
    assert es.plot_failure_distribution(fm, ax=ax) is ax


def test_failure_distribution_bar_heights(fm):
    ax = es.plot_failure_distribution(fm)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[:4], es.failure_count_distribution(fm))
    np.testing.assert_allclose(heights[4:], es.independence_distribution(fm))
    he = es.hard_easy_distribution(es.failure_rates(fm), 0.2, 1.0)
    assert len(es.plot_failure_distribution(fm, baseline=he).patches) == 12


def test_observed_vs_baseline_points(hapi):
    data = {name: hapi(name) for name in ["ferplus", "digit", "waimai"]}
    ax = es.plot_observed_vs_baseline(data, annotate=True)
    systemic = ax.collections[3].get_offsets()
    np.testing.assert_allclose(systemic[:, 1], [es.systemic_failure_rate(d) for d in data.values()])
    with pytest.raises(es.EcostatError, match="same number of decision-makers"):
        es.plot_observed_vs_baseline({"a": hapi("digit"), "b": es.simulate(n=100, failure_rates=[0.1, 0.2], seed=0)})


def test_hard_easy_grid_heat_map(hapi):
    grid = es.hard_easy_grid(hapi("digit"))
    ax = es.plot_hard_easy_grid(grid)
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (5 * 25,) or mesh.get_array().shape == (5, 25)
    assert np.ma.count_masked(mesh.get_array()) == int(np.isnan(grid.l1).sum())
    assert "alpha=0.5" in ax.get_legend().get_texts()[0].get_text()


def test_group_excess_bars(fm):
    ax = es.plot_group_excess(fm)
    assert len(ax.patches) == 3 * 4
    ratio = es.plot_group_excess(es.stratified_excess(fm), measure="ratio")
    assert ratio.get_ylabel() == "observed / baseline"
    with pytest.raises(es.EcostatError, match="measure must be"):
        es.plot_group_excess(fm, measure="odds")


def test_improvement_plots():
    from ecostat.improvement import improvement_analysis, improvements

    full = es.simulate(n=3000, versions=["2020", "2021"], seed=1)
    ax = es.plot_improvements(improvement_analysis(full, "m1"))
    assert len(ax.patches) == 8
    ax = es.plot_improvement_scatter(improvements(full, threshold=0.0))
    assert len(ax.collections) >= 1


def test_figures_save(tmp_path, fm):
    ax = es.plot_failure_distribution(fm)
    path = tmp_path / "f.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    assert matplotlib.get_backend().lower() == "agg"
