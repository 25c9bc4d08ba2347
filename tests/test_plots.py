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
    from ecostat.descriptive.improvement import improvement_analysis, improvements

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


def _errorbar_segments(ax):
    """(x, lo, hi) of the vertical error bars drawn on ``ax``."""
    from matplotlib.container import ErrorbarContainer

    out = []
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            for seg in c.lines[2][0].get_segments():
                out.append((seg[0, 0], min(seg[:, 1]), max(seg[:, 1])))
    return np.array(out).reshape(-1, 3)


def test_failure_distribution_bootstrap_error_bars(fm):
    ax = es.plot_failure_distribution(fm, n_boot=100, seed=3, ci=0.9, title="sim")
    r = es.bootstrap(fm, es.failure_count_distribution, n_boot=100, seed=3, ci=0.9)
    seg = _errorbar_segments(ax)
    assert len(seg) == 4
    np.testing.assert_allclose(seg[:, 1], r.lo)
    np.testing.assert_allclose(seg[:, 2], r.hi)
    observed_x = [p.get_x() + p.get_width() / 2 for p in ax.patches[:4]]
    np.testing.assert_allclose(seg[:, 0], observed_x)
    assert ax.get_title() == "sim"
    assert "90% bootstrap interval" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(_errorbar_segments(es.plot_failure_distribution(fm))) == 0


def test_failure_distribution_many_models_ticks():
    big = es.simulate(n=500, failure_rates=np.linspace(0.05, 0.5, 60), seed=0)
    ax = es.plot_failure_distribution(big)
    ticks = [t for t in ax.get_xticks() if 0 <= t <= 60]
    assert 4 <= len(ticks) <= 14
    assert all(float(t).is_integer() for t in ticks)


def test_observed_vs_baseline_log_and_labels():
    data = {"a": es.simulate(n=300, seed=0), "b": es.simulate(n=300, failure_rates=[0.01, 0.02, 0.03], seed=1)}
    assert es.systemic_failure_rate(data["b"]) == 0  # a zero share, which a log axis cannot show as such
    ax = es.plot_observed_vs_baseline(data, log=True, annotate=True)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    systemic = ax.collections[3].get_offsets()
    assert (systemic > 0).all() and ax.get_ylim()[0] < systemic[:, 1].min()
    assert ax.get_legend().get_title().get_text() == "number of failures"
    assert sorted(t.get_text() for t in ax.texts if t.get_text() in data) == ["a", "b"]
    assert es.plot_observed_vs_baseline(data).get_xscale() == "linear"


def test_observed_vs_baseline_labels_do_not_overlap(hapi):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    data = {name: hapi(name) for name in ["ferplus", "digit", "waimai", "yelp"]}
    for log in (False, True):
        ax = es.plot_observed_vs_baseline(data, annotate=True, log=log)
        canvas = FigureCanvasAgg(ax.figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        # the Text's own box (an Annotation's extent would include its leader line)
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts if t.get_text() in data]
        assert len(boxes) == 4
        assert not any(b1.overlaps(b2) for i, b1 in enumerate(boxes) for b2 in boxes[i + 1:])


def test_group_excess_error_bars_colors_and_legend(fm):
    df = es.stratified_excess(fm, n_boot=50, seed=2)
    ax = es.plot_group_excess(df, legend_title="skin tone", title="Fig. 5")
    seg = _errorbar_segments(ax)
    assert len(seg) == 3 * 4
    np.testing.assert_allclose(np.sort(seg[:, 1]), np.sort(df["difference_lo"]))
    np.testing.assert_allclose(np.sort(seg[:, 2]), np.sort(df["difference_hi"]))
    assert ax.get_legend().get_title().get_text() == "skin tone"
    assert ax.get_title() == "Fig. 5"
    # a FailureMatrix with n_boot computes the same intervals; legend titled by the group column
    ax = es.plot_group_excess(fm, n_boot=50, seed=2, measure="ratio")
    np.testing.assert_allclose(np.sort(_errorbar_segments(ax)[:, 2]), np.sort(df["ratio_hi"]))
    assert ax.get_legend().get_title().get_text() == fm.group_name
    assert len(_errorbar_segments(es.plot_group_excess(fm))) == 0


def test_group_excess_palette(fm):
    from matplotlib.colors import to_rgba

    def bar_colors(ax):
        return {h.get_label(): h.patches[0].get_facecolor() for h in ax.containers if hasattr(h, "patches")}

    default = bar_colors(es.plot_group_excess(fm))
    assert default["All"] == to_rgba("#4d4d4d")
    assert len(set(default.values())) == 3
    listed = bar_colors(es.plot_group_excess(fm, colors=["tan", "sienna"]))
    assert listed["light"] == to_rgba("tan") and listed["dark"] == to_rgba("sienna")
    mapped = bar_colors(es.plot_group_excess(fm, colors={"dark": "black", "All": "blue"}))
    assert mapped["dark"] == to_rgba("black") and mapped["All"] == to_rgba("blue")
    assert mapped["light"] == default["light"]


def test_hard_easy_grid_invalid_cells(hapi):
    grid = es.hard_easy_grid(hapi("digit"))
    ax = es.plot_hard_easy_grid(grid, title="DIGIT")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "invalid cell (easy rate < 0 or hard rate > 1)"
    assert any(p.get_hatch() for p in ax.patches)
    assert ax.get_title() == "DIGIT"
    with pytest.warns(UserWarning):
        paper = es.hard_easy_grid(hapi("digit"), rule="paper")
    texts = [t.get_text() for t in es.plot_hard_easy_grid(paper, mark_best=False).get_legend().get_texts()]
    assert texts == ["invalid cell (easy rate < 0)"]


def test_improvement_plots_readable():
    from ecostat.descriptive.improvement import improvement_analysis, improvements

    full = es.simulate(n=2000, failure_rates=[0.2, 0.25, 0.3, 0.35, 0.3], versions=["2020", "2021"], seed=1)
    ax = es.plot_improvements(improvement_analysis(full, "m1"))
    assert len(ax.get_xticklabels()) == 16 and ax.get_xticklabels()[0].get_rotation() == 90
    ax = es.plot_improvement_scatter(improvements(full, threshold=0.0))
    lo, hi = ax.get_xlim()
    assert ax.get_ylim() == (lo, hi) and hi < 1.0
    offsets = ax.collections[0].get_offsets()
    assert (offsets <= hi).all()
