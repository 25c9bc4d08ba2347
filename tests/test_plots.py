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


# -- figures for papers: layout, palette, sizes ----------------------------------------------------------------
from matplotlib.colors import to_rgb  # noqa: E402

from ecostat.plots._axes import INDEPENDENCE, MISFIT, MODEL, OKABE_ITO, PALETTE  # noqa: E402


def layout_problems(fig) -> list[str]:
    """What a reader would see as broken: text outside the figure, a legend on the data, overlapping text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    W, H = canvas.get_width_height()
    problems = []

    def inside(bb, what):
        if bb.width > 0 and (bb.x0 < -1 or bb.y0 < -1 or bb.x1 > W + 1 or bb.y1 > H + 1):
            problems.append(f"{what} is cut off at the figure's edge")

    legends = [leg for leg in [*(ax.get_legend() for ax in fig.axes), *fig.legends] if leg is not None]
    for leg in legends:
        bb = leg.get_window_extent(r)
        inside(bb, "a legend")
        for ax in fig.axes:
            if ax.get_visible() and ax.get_window_extent(r).overlaps(bb) and ax.get_label() != "<colorbar>":
                problems.append(f"a legend ({[t.get_text() for t in leg.get_texts()][:2]}) lies on the data")
    for ax in fig.axes:
        titles = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        for t in titles + [ax.xaxis.label, ax.yaxis.label]:
            if t.get_text():
                inside(Text.get_window_extent(t, r), f"text {t.get_text()!r}")
        for t in titles:
            for leg in legends:
                if Text.get_window_extent(t, r).overlaps(leg.get_window_extent(r)):
                    problems.append(f"the title {t.get_text()!r} overlaps a legend")
        ticks = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        boxes = [Text.get_window_extent(t, r) for t in ticks]
        xmin, xmax = ax.get_window_extent(r).x0 - 2, ax.get_window_extent(r).x1 + 2
        boxes = [b for b in boxes if b.x1 > xmin and b.x0 < xmax]
        if any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
            problems.append(f"x tick labels overlap: {[t.get_text() for t in ticks]}")
        texts = [t for t in ax.texts if t.get_text() and t.get_visible()]
        tb = [Text.get_window_extent(t, r) for t in texts]
        for t, b in zip(texts, tb):
            inside(b, f"text {t.get_text()!r}")
        if any(a.overlaps(b) for i, a in enumerate(tb) for b in tb[i + 1:]):
            problems.append("annotations overlap")
    if fig._suptitle is not None:
        inside(Text.get_window_extent(fig._suptitle, r), "the figure title")
    return problems


@pytest.fixture(scope="module")
def ppc_result():
    from ecostat.bayes.ppc import posterior_predictive_check

    rates = [0.3, 0.4, 0.2]
    pats = np.array([[(y >> j) & 1 for j in range(3)] for y in range(8)])
    P = np.prod(np.where(pats == 1, rates, 1 - np.array(rates)), axis=1)
    obs = np.array([[300, 100, 100, 50, 80, 30, 20, 160], [200, 90, 90, 40, 50, 20, 20, 90]])
    return posterior_predictive_check(np.tile(P, (200, 2, 1)), obs, strata_groups=[0, 1], group_levels=["light", "dark"],
                                      models=["a", "b", "c"], seed=0)


@pytest.fixture(scope="module")
def small_fits():
    import warnings

    fm = es.simulate(n=800, groups={"light": 0.5, "dark": 0.5}, group_scale={"dark": 2.5}, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)  # few draws: R-hat may be 1.02
        return {"rasch": es.fit(fm, "rasch", draws=150, tune=150, seed=1),
                "hard_easy": es.fit(fm, "hard_easy", draws=150, tune=150, seed=1)}


def test_ppc_difference_makes_misfit_visible(ppc_result):
    ax = es.plot_ppc(ppc_result, label="independence")
    seg = _errorbar_segments(ax)
    obs = ppc_result.observed["failure_count_histogram"]
    rep = ppc_result.replicated["failure_count_histogram"]
    lo, hi = np.quantile(rep, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(seg[:, 1], obs - hi)
    np.testing.assert_allclose(seg[:, 2], obs - lo)
    assert ax.get_title() == "independence posterior predictive: number of failures"
    assert ax.get_ylabel() == "observed − replicated (instances)" and ax.get_xticklabels()[0].get_text() == "0"
    # counts far outside their interval are drawn as vermillion diamonds, and the intervals are drawn over them
    misfit = [c for c in ax.collections if np.allclose(c.get_edgecolor()[:, :3], to_rgb(MISFIT))]
    assert misfit and len(misfit[0].get_offsets()) == int(((seg[:, 1] > 0) | (seg[:, 2] < 0)).sum())
    assert ax.containers[0].lines[2][0].get_zorder() > misfit[0].get_zorder()
    assert not layout_problems(ax.figure)


def test_ppc_rootogram_counts_and_systemic(ppc_result):
    ax = es.plot_ppc(ppc_result, kind="rootogram")
    bars = ax.containers[0]
    obs = ppc_result.observed["failure_count_histogram"]
    np.testing.assert_allclose([b.get_height() for b in bars], np.sqrt(obs))
    assert ax.get_ylabel() == "√(instances)"
    ax = es.plot_ppc(ppc_result, statistic="systemic_failure_count", label="rasch")
    assert ax.get_title().endswith("p < 0.001") and "rasch" in ax.get_title()
    assert not layout_problems(ax.figure)
    with pytest.raises(es.EcostatError, match="kind must be"):
        es.plot_ppc(ppc_result, kind="bars")


def test_ppc_group_panel_has_group_names_and_label(ppc_result):
    ax = es.plot_ppc(ppc_result, statistic="group_homogenization", group_name="skin tone")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["light", "dark"]
    assert ax.get_xlabel() == "skin tone" and ax.get_ylabel() == "homogenization H"
    assert es.plot_ppc(ppc_result, statistic="group_homogenization").get_xlabel() == "group"
    ax = es.plot_ppc(ppc_result, statistic="pairwise_cofailures")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a & b", "a & c", "b & c"]
    assert not layout_problems(ax.figure)


@pytest.mark.parametrize("size", ["page", "column"])
def test_ppc_panels(ppc_result, size):
    fig = es.plot_ppc_panels(ppc_result, label="independence", size=size)
    assert len(fig.axes) == 4 and fig.get_suptitle() == "independence: posterior predictive checks"
    assert fig.get_size_inches()[0] == {"page": 7.0, "column": 3.4}[size]
    assert not layout_problems(fig)


def test_plots_of_fits_name_the_family(small_fits):
    res = small_fits["rasch"]
    ax = es.plot_ppc(res, statistic="group_homogenization")
    assert ax.get_title().startswith("rasch posterior predictive") and ax.get_xlabel() == res.design.group_name
    assert [t.get_text() for t in ax.get_xticklabels()] == list(res.design.group_levels)
    pp = es.model("fail ~ model * group + (1 | instance:group)", es.simulate(n=300, groups={"a": .5, "b": .5},
                                                                             seed=0)).prior_predictive(draws=40)
    assert es.plot_ppc(pp).get_title() == "rasch prior predictive: number of failures"
    assert es.plot_ppc_panels(pp).get_suptitle() == "rasch: prior predictive checks"


def test_forest_plot(small_fits):
    fig = es.plot_forest(small_fits)
    axes = fig.axes
    assert [ax.get_xlabel() for ax in axes] == ["homogenization H", "systemic excess", "ensemble gap"]
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels == ["rasch: light", "rasch: dark", "rasch: all", "hard_easy"]
    # the independence reference lines, and the posterior mean of H drawn where it is
    refs = [line.get_xdata()[0] for ax in axes for line in ax.lines if line.get_linestyle() == "--"]
    assert refs == [1.0, 0.0, 0.0]
    H = small_fits["rasch"].quantity_draws("homogenization", by_group=True)
    means = [line.get_xdata()[0] for line in axes[0].lines if line.get_marker() == "o"]
    np.testing.assert_allclose(means[:2], H.mean(axis=0))
    # groups in the palette, the whole population in grey
    colours = [line.get_color() for line in axes[0].lines if line.get_marker() == "o"]
    assert colours[:2] == [PALETTE[0], PALETTE[1]] and INDEPENDENCE not in colours
    assert not layout_problems(fig)
    single = es.plot_forest(small_fits["hard_easy"], size="column")
    assert single.get_suptitle().startswith("hard_easy") and single.get_size_inches()[0] == 3.4
    assert not layout_problems(single)
    with pytest.raises(es.EcostatError, match="not a FitResult"):
        es.plot_forest({"x": 1})


def test_difficulty_by_group(small_fits):
    res = small_fits["rasch"]
    ax = es.plot_difficulty(res)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [*res.design.group_levels, "95% band"]
    curves = [line for line in ax.lines]
    xs = curves[0].get_xdata()
    for line in curves:  # each a density: integrates to about 1 over the plotted range
        assert abs(np.trapezoid(line.get_ydata(), xs) - 1) < 0.03
    # the dark group (scale 2.5 in the simulation) has the wider difficulty distribution
    light, dark = (line.get_ydata() for line in curves)
    assert light.max() > dark.max()
    assert ax.get_title() == "rasch: posterior latent difficulty by group"
    assert not layout_problems(ax.figure)
    ax = es.plot_difficulty(small_fits["hard_easy"], size="column")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["easy", "hard"]
    share = [p.get_height() for p in ax.patches]
    assert share[1] == pytest.approx(float(small_fits["hard_easy"].draws["alpha"].mean()), abs=1e-9)
    assert not layout_problems(ax.figure)


@pytest.mark.parametrize("family", ["rasch", "twopl", "latent_class"])
def test_difficulty_of_an_ungrouped_fit(family):
    """A fit without groups has no group parameters in its draws: the figure completes them (one curve)."""
    import warnings

    fm = es.simulate(n=400, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)
        res = es.fit(fm, family, draws=100, tune=100, seed=0)
    ax = es.plot_difficulty(res)
    assert ax.get_title().startswith(family) and ax.get_xlabel()
    assert not layout_problems(ax.figure)


def test_correlation_matrix():
    from types import SimpleNamespace

    rng = np.random.default_rng(0)
    corr = np.tile(np.eye(3), (400, 1, 1))
    for (i, j), r in {(1, 0): 0.6, (2, 0): 0.3, (2, 1): -0.2}.items():
        corr[:, i, j] = corr[:, j, i] = r + 0.05 * rng.standard_normal(400)
    fake = SimpleNamespace(family="mvprobit", draws={"corr": corr}, design=SimpleNamespace(models=["a", "b", "c"]))
    ax = es.plot_correlation(fake)
    texts = {t.get_text().split("\n")[0] for t in ax.texts}
    assert texts == {f"{corr[:, 1, 0].mean():.2f}", f"{corr[:, 2, 0].mean():.2f}", f"{corr[:, 2, 1].mean():.2f}"}
    assert all("[" in t.get_text() for t in ax.texts) and ax.get_title().startswith("mvprobit")
    assert not layout_problems(ax.figure)
    fm = es.simulate(n=1500, family="mvprobit", seed=0)
    ax = es.plot_correlation(fm, n_boot=30, size="column")
    tet = es.descriptive.tetrachoric.tetrachoric_matrix(fm)
    assert f"{tet.iloc[1, 0]:.2f}" in [t.get_text().split("\n")[0] for t in ax.texts]
    assert not layout_problems(ax.figure)
    with pytest.raises(es.EcostatError, match="no latent correlation"):
        es.plot_correlation(SimpleNamespace(family="rasch", draws={}, design=None))


def test_observed_vs_baseline_eight_labels(hapi):
    from matplotlib.text import Text

    data = {name: hapi(name) for name in ["ferplus", "fluent", "digit", "amnist", "shop", "yelp", "imdb", "waimai"]}
    for log in (False, True):
        ax = es.plot_observed_vs_baseline(data, annotate=True, log=log)
        assert not layout_problems(ax.figure)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(ax.figure)
        canvas.draw()
        r = canvas.get_renderer()
        labels = [Text.get_window_extent(t, r) for t in ax.texts if t.get_text() in data]
        assert len(labels) == 8
        # no label on a data point
        pts = ax.transData.transform(np.concatenate([c.get_offsets() for c in ax.collections]))
        for b in labels:
            assert not any(b.x0 - 1 < x < b.x1 + 1 and b.y0 - 1 < y < b.y1 + 1 for x, y in pts)


def test_existing_figures_have_no_layout_problems(fm, hapi):
    from ecostat.descriptive.improvement import improvement_analysis, improvements

    full = es.simulate(n=2000, versions=["2020", "2021"], seed=1)
    figures = [es.plot_failure_distribution(fm, n_boot=50, title="simulated"),
               es.plot_failure_distribution(fm, size="column"),
               es.plot_group_excess(fm, n_boot=30, title="excess by group"),
               es.plot_group_excess(es.stratified_excess(fm), measure="ratio", size="column"),
               es.plot_hard_easy_grid(es.hard_easy_grid(hapi("digit")), title="DIGIT"),
               es.plot_improvements(improvement_analysis(full, "m1")),
               es.plot_improvement_scatter(improvements(full, threshold=0.0))]
    for ax in figures:
        assert not layout_problems(ax.figure), ax.get_title()


def test_group_excess_legend_title_and_units(fm):
    ax = es.plot_group_excess(es.stratified_excess(fm))
    assert ax.get_legend().get_title().get_text() == "group"
    assert ax.get_ylabel() == "observed − baseline (share of instances)"
    frame = es.stratified_excess(fm)
    frame.attrs["group_name"] = "skin tone"
    assert es.plot_group_excess(frame).get_legend().get_title().get_text() == "skin tone"


def test_palette_roles_and_sizes(fm):
    from matplotlib.colors import to_rgba

    ax = es.plot_failure_distribution(fm)
    assert ax.patches[0].get_facecolor() == to_rgba("#000000") and ax.patches[4].get_facecolor() == to_rgba(INDEPENDENCE)
    assert set(PALETTE) <= set(OKABE_ITO.values()) and INDEPENDENCE not in PALETTE
    assert es.plots.figsize("column") == (3.4, 2.108) and es.plots.figsize("page", aspect=0.5) == (7.0, 3.5)
    assert tuple(es.plot_failure_distribution(fm, size="page").figure.get_size_inches()) == pytest.approx((7.0, 4.667))
    with pytest.raises(es.EcostatError, match="size must be"):
        es.plots.figsize("wide")
    assert MODEL == "#0072B2"


@pytest.mark.parametrize("fmt, magic", [("pdf", b"%PDF"), ("svg", b"<?xml")])
def test_vector_output(ppc_result, tmp_path, fmt, magic):
    fig = es.plot_ppc_panels(ppc_result, label="independence")
    path = tmp_path / f"ppc.{fmt}"
    fig.savefig(path)
    assert path.read_bytes()[:5].startswith(magic)
