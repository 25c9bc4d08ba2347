"""Model improvement across versions (Toups 2023, §4, App. B.3-B.5) against per-instance loops."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.descriptive.improvement import (
    ImprovementResult,
    improvement_analysis,
    improvement_arrays,
    improvements,
    threshold_sweep,
    transitions,
)
from ecostat.descriptive.leader import profile_labels
from ecostat.plots.improvement import plot_improvement_scatter, plot_improvements

COLS = ["a_2020", "a_2021", "b_2020", "b_2021", "c_2020"]


def make_fm(F, cols=COLS):
    return es.FailureMatrix(F, models=cols, columns=es.parse_columns(cols))


def simulate(rng, n=600, cols=COLS, shift=None):
    """Shared latent difficulty; later versions get easier (or harder) by `shift`."""
    z = rng.normal(size=(n, 1))
    base = {"a": -0.3, "b": 0.0, "c": 0.3}
    shift = shift or {"2020": 0.0, "2021": -0.4, "2022": 0.3}
    b = np.array([base[c[0]] + shift[c.split("_")[1]] for c in cols])
    p = 1 / (1 + np.exp(-(1.5 * z + b)))
    return make_fm((rng.random((n, len(cols))) < p).astype(int), cols)


def reference(fm, c1, c2, others):
    """Per-instance loop over a DataFrame: counts per profile of the others."""
    df = fm.to_frame().astype(int)
    df.columns = list(fm.columns["column"])
    labels = profile_labels(len(others))
    out = {lab: dict(pot=0, obs=0, pdec=0, dec=0) for lab in labels}
    for _, row in df.iterrows():
        prof = "".join(str(row[o]) for o in others)
        if row[c1] == 1:
            out[prof]["pot"] += 1
            out[prof]["obs"] += row[c2] == 0
        else:
            out[prof]["pdec"] += 1
            out[prof]["dec"] += row[c2] == 1
    ref = pd.DataFrame(out).T.loc[labels]
    ref["net"] = ref["obs"] - ref["dec"]
    return ref


def test_matches_per_instance_loop(rng):
    fm = simulate(rng)
    r = improvement_analysis(fm, "a")
    assert isinstance(r, ImprovementResult)
    assert (r.v1, r.v2, r.column_v1, r.column_v2) == ("2020", "2021", "a_2020", "a_2021")
    assert r.others == ("b_2020", "c_2020")
    ref = reference(fm, "a_2020", "a_2021", ["b_2020", "c_2020"])
    tab = r.table.set_index("others_profile")
    assert list(tab.index) == ["11", "10", "01", "00"]
    assert tab["n_others_failing"].tolist() == [2, 1, 1, 0]
    for mine, theirs in [("n_potential", "pot"), ("n_observed", "obs"), ("n_potential_decline", "pdec"),
                         ("n_decline", "dec"), ("n_net", "net")]:
        assert tab[mine].tolist() == ref[theirs].tolist()
        share = "potential" if mine == "n_potential" else mine[2:]
        np.testing.assert_allclose(tab[share], ref[theirs] / ref[theirs].sum())
    F = fm.failures
    assert r.failure_rate_v1 == pytest.approx(F[:, 0].mean())
    assert r.failure_rate_v2 == pytest.approx(F[:, 1].mean())
    assert r.change == pytest.approx(F[:, 0].mean() - F[:, 1].mean())
    assert r.notes == ()


def test_hand_checked_net_and_declines():
    # columns a_2020, a_2021, b_2020
    F = [[1, 0, 1],  # improvement, b fails
         [1, 0, 0],  # improvement, b succeeds
         [1, 0, 0],  # improvement, b succeeds
         [1, 1, 1],  # potential only, b fails
         [0, 1, 1],  # decline, b fails
         [0, 0, 0]]  # potential decline only, b succeeds
    fm = make_fm(F, ["a_2020", "a_2021", "b_2020"])
    tab = improvement_analysis(fm, "a").table.set_index("others_profile")
    assert tab["n_potential"].tolist() == [2, 2]
    assert tab["n_observed"].tolist() == [1, 2]
    assert tab["potential"].tolist() == [0.5, 0.5]
    assert tab["observed"].tolist() == pytest.approx([1 / 3, 2 / 3])
    # net: (1 - 1, 2 - 0) / (3 - 1) -> no net improvement on systemic failures (cf. WAIMAI, App. B.4)
    assert tab["n_net"].tolist() == [0, 2]
    assert tab["net"].tolist() == [0.0, 1.0]
    assert tab["n_potential_decline"].tolist() == [1, 1]
    assert tab["decline"].tolist() == [1.0, 0.0]


def test_transitions_and_kinds(rng):
    cols = ["a_2020", "a_2021", "a_2022", "b_2020", "b_2021", "b_2022", "c_2020"]
    fm = simulate(rng, cols=cols)
    tr = transitions(fm, threshold=0.005)
    assert list(zip(tr.model, tr.v1, tr.v2)) == [("a", "2020", "2021"), ("a", "2021", "2022"),
                                                  ("b", "2020", "2021"), ("b", "2021", "2022")]
    F = fm.failures
    for row in tr.itertuples():
        j1, j2 = cols.index(row.column_v1), cols.index(row.column_v2)
        assert row.change == pytest.approx(F[:, j1].mean() - F[:, j2].mean())
        expect = "improvement" if row.change >= 0.005 else "decline" if row.change <= -0.005 else "unchanged"
        assert row.kind == expect
    # three versions: defaults are consecutive; v2 alone picks its predecessor
    with pytest.raises(es.DataError, match="'c' has no column at version '2021'"):
        improvement_analysis(fm, "a", v2="2022")
    r = improvement_analysis(fm, "a", v2="2022", others=["b_2021", "c_2020"])
    assert (r.v1, r.column_v2) == ("2021", "a_2022")
    assert improvement_analysis(fm, "a", 2020, 2022).others == ("b_2020", "c_2020")
    assert improvement_analysis(fm, "a").v2 == "2021"
    # a column name fixes v1
    assert improvement_analysis(fm, "a_2021", others=["b"]).others == ("b_2020", "b_2021", "b_2022")
    assert improvement_analysis(fm, "b_2020").column_v2 == "b_2021"


def test_versions_sorted_numerically():
    cols = ["a_v10", "a_v2", "b_v2"]
    fm = make_fm([[1, 0, 1], [0, 1, 0]], cols)
    r = improvement_analysis(fm, "a")
    assert (r.v1, r.v2) == ("v2", "v10")


def test_bad_inputs(rng):
    fm = simulate(rng, n=100)
    with pytest.raises(es.DataError, match=r"unknown decision-maker 'zzz'.*'a', 'b'"):
        improvement_analysis(fm, "zzz")
    with pytest.raises(es.DataError, match=r"'c' has 1 version.*c_2020 and c_2021"):
        improvement_analysis(fm, "c")
    with pytest.raises(es.DataError, match="no version '2019'"):
        improvement_analysis(fm, "a", "2019")
    with pytest.raises(es.DataError, match="last version"):
        improvement_analysis(fm, "a", "2021")
    with pytest.raises(es.DataError, match="both '2020'"):
        improvement_analysis(fm, "a", "2020", "2020")
    with pytest.raises(es.DataError, match="distinct columns"):
        improvement_analysis(fm, "a", others=["a_2021", "b_2020"])
    with pytest.raises(es.DataError, match="needs a FailureMatrix"):
        improvement_analysis(fm.profile_table(), "a")
    with pytest.raises(es.DataError, match="improvement_arrays"):
        improvement_analysis(fm, "a", counts=np.ones((2, fm.profile_table().n_profiles)))
    with pytest.raises(es.DataError, match="unknown model"):
        improvement_analysis(fm, "a", others=["nope"])
    with pytest.raises(es.DataError, match="kind must be"):
        improvements(fm, kind="sideways")


def test_other_without_column_at_v1():
    cols = ["a_2020", "a_2021", "b_2021", "h"]
    fm = make_fm([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], cols)
    with pytest.raises(es.DataError, match=r"'b' has no column at version '2020'.*others="):
        improvement_analysis(fm, "a")
    r = improvement_analysis(fm, "a", others=["b_2021", "h"])
    assert r.others == ("b_2021", "h") and r.table["n_observed"].sum() == 1
    # an unversioned decision-maker ('h') is compared as it is
    fm2 = make_fm([[1, 0, 1], [0, 0, 1], [1, 1, 0]], ["a_2020", "a_2021", "h"])
    assert improvement_analysis(fm2, "a").others == ("h",)
    with pytest.raises(es.DataError, match="at least one other"):
        improvement_analysis(make_fm([[1, 0], [0, 1]], ["a_2020", "a_2021"]), "a")


def test_missing_cells_raise():
    F = np.array([[1, 0, 1, 0, 1], [0, np.nan, 1, 1, 0], [1, 1, 0, 0, 1]], dtype=float)
    fm = make_fm(F)
    with pytest.raises(es.DataError, match=r"missing cells in 'a_2021'"):
        improvement_analysis(fm, "a")
    # b's transition does not involve the missing cell
    assert improvement_analysis(fm, "b").table["n_potential"].sum() == 2


def test_zero_denominators_give_nan_and_notes():
    fm = make_fm([[0, 0, 1], [0, 0, 0]], ["a_2020", "a_2021", "b_2020"])
    r = improvement_analysis(fm, "a")
    assert r.table["potential"].isna().all() and r.table["observed"].isna().all()
    assert any("potential improvements" in n for n in r.notes)
    assert any("declines" in n for n in r.notes)
    assert r.table["potential_decline"].tolist() == [0.5, 0.5]
    assert r.kind() == "unchanged"


def test_counts_batch_equals_separate_calls(rng):
    fm = simulate(rng, n=300)
    t = fm.profile_table()
    batch = rng.multinomial(t.n_instances, t.counts / t.n_instances, size=2)
    arrs = improvement_arrays(fm, "b", counts=batch)
    assert arrs["n_observed"].shape == (2, 4) and arrs["change"].shape == (2,)
    for b in range(2):
        one = improvement_arrays(fm, "b", counts=batch[b])
        for key, arr in one.items():
            np.testing.assert_allclose(arrs[key][b], arr)
        r = improvement_analysis(fm, "b", counts=batch[b])
        np.testing.assert_allclose(r.table["observed"], one["observed"])
        assert r.table["n_observed"].tolist() == one["n_observed"].tolist()
    full = improvement_analysis(fm, "b", counts=t.counts)
    pd.testing.assert_frame_equal(full.table, improvement_analysis(fm, "b").table)


def test_improvements_and_declines_selection(rng):
    cols = ["a_2020", "a_2021", "a_2022", "b_2020", "b_2021", "b_2022", "c_2020", "c_2021", "c_2022"]
    fm = simulate(rng, n=800, cols=cols)
    tr = transitions(fm)
    imp = improvements(fm)
    expect = tr[tr.kind == "improvement"]
    assert set(zip(imp.model, imp.v1)) == set(zip(expect.model, expect.v1))
    assert len(imp) == 4 * len(expect)
    dec = improvements(fm, kind="decline")
    assert (dec["change"] <= -0.005).all() and len(dec) == 4 * (tr.kind == "decline").sum()
    assert len(improvements(fm, kind="both")) == len(imp) + len(dec)
    assert improvements(fm, threshold=1.0).empty
    one = improvement_analysis(fm, expect.model.iloc[0], expect.v1.iloc[0]).to_frame()
    first = imp[(imp.model == expect.model.iloc[0]) & (imp.v1 == expect.v1.iloc[0])].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, one)


def test_threshold_sweep(rng):
    cols = ["a_2020", "a_2021", "a_2022", "b_2020", "b_2021", "b_2022", "c_2020", "c_2021", "c_2022"]
    fm = simulate(rng, n=800, cols=cols, shift={"2020": 0.0, "2021": -0.3, "2022": -0.35})
    tr = transitions(fm)
    thresholds = (0.0, 0.005, 0.02, 0.05)
    long = threshold_sweep(fm, thresholds, aggregate=False)
    agg = threshold_sweep(fm, thresholds)
    for t in thresholds:
        n_tr = int(((tr.change > 0) & (tr.change >= t)).sum())
        assert len(long[long.threshold == t]) == 4 * n_tr
        pts = improvements(fm, threshold=t) if t > 0 else improvements(fm, threshold=1e-15)
        sub = agg[agg.threshold == t].set_index("others_profile")
        if n_tr == 0:
            assert sub.empty
            continue
        assert (sub["n_transitions"] == n_tr).all()
        means = pts.groupby("others_profile")[["potential", "observed", "net"]].mean()
        for c in ["potential", "observed", "net"]:
            np.testing.assert_allclose(sub[c], means.loc[sub.index, c])
        under = (pts.observed < pts.potential).groupby(pts.others_profile).mean()
        np.testing.assert_allclose(sub["share_under_improved"], under.loc[sub.index])


def test_plots_smoke(rng):
    fm = simulate(rng, n=300)
    r = improvement_analysis(fm, "a")
    for kind in ("gross", "net", "decline"):
        ax = plot_improvements(r, kind=kind)
        assert len(ax.patches) == 8
        assert [t.get_text() for t in ax.get_xticklabels()] == ["[✗, ✗]", "[✗, ✓]", "[✓, ✗]", "[✓, ✓]"]
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert plot_improvement_scatter(improvements(fm, threshold=0.0), ax=ax) is ax
    assert plot_improvement_scatter([r, improvement_analysis(fm, "b")], kind="net").get_ylabel() == "share of net improvements"
    with pytest.raises(es.DataError, match="kind must be"):
        plot_improvements(r, kind="bad")
    with pytest.raises(es.DataError, match="no transitions"):
        plot_improvement_scatter(improvements(fm, threshold=1.0))
    plt.close("all")


def test_hapi_simulated_versions(hapi, rng):
    """HAPI holds 2020 only: simulate 2021 by flipping a few of google's decisions."""
    fm = hapi("ferplus")
    F = fm.failures
    flip = rng.random(len(F)) < 0.05
    g2021 = np.where(flip & (F[:, 0] == 1), 0, F[:, 0])
    cols = ["google_2020", "google_2021", "microsoft_2020", "facepp_2020"]
    fm2 = make_fm(np.column_stack([F[:, 0], g2021, F[:, 1], F[:, 2]]), cols)
    r = improvement_analysis(fm2, "google")
    assert r.table["n_decline"].sum() == 0
    assert r.table["n_observed"].sum() == int((flip & (F[:, 0] == 1)).sum())
    # random flips improve where google failed, whatever the others did: observed ~ potential
    np.testing.assert_allclose(r.table["observed"], r.table["potential"], atol=0.05)
