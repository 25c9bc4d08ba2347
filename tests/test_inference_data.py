"""The ArviZ-complete InferenceData of a fit, count-weighted ELPDData, and the ArviZ functions that apply to them.

Each ArviZ function the documentation lists (ecostat.bayes.inference_data) is run here on a real fit; every
number ecostat puts into the InferenceData is checked against an independent computation.
"""

from __future__ import annotations

import warnings

import arviz as az
import matplotlib
import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.inference_data import PP_DRAWS, PP_SEED, derived_names, is_complete, per_instance, pp_draw_index
from ecostat.bayes.ppc import complete_counts, ecosystem_statistics, replicate_counts
from ecostat.bayes.results import FitResult

matplotlib.use("Agg")


def _quiet_fit(fm, family, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)
        return es.fit(fm, family, **kw)


@pytest.fixture(scope="module")
def fm():
    return es.simulate(n=500, family="rasch", groups={"dark": 0.4, "light": 0.6}, group_scale={"dark": 2.0, "light": 1.0},
                       seed=11)


@pytest.fixture(scope="module")
def res(fm):
    return _quiet_fit(fm, "rasch", draws=200, tune=300, seed=3)


@pytest.fixture(scope="module")
def lc(fm):
    return _quiet_fit(fm, "latent_class", grouped=False, draws=200, tune=300, seed=3)


@pytest.fixture(scope="module")
def pooled(fm):
    return _quiet_fit(fm, "rasch", grouped=False, draws=200, tune=300, seed=3)


# -- the groups ----------------------------------------------------------------------------------------
def test_groups_and_derived_quantities_equal_the_fits_draws(res):
    idata = res.idata
    assert sorted(idata.groups()) == ["log_likelihood", "observed_data", "posterior", "posterior_predictive",
                                      "sample_stats"]
    assert is_complete(idata) and res.idata is idata  # completed once, in place
    C, D = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
    for name in ("homogenization", "systemic_excess", "ensemble_gap", "failure_rates", "leader_following"):
        np.testing.assert_array_equal(idata.posterior[name].values.reshape(C * D, -1),
                                      res.quantity_draws(name).reshape(C * D, -1), err_msg=name)
    H_g = idata.posterior["homogenization_by_group"]
    assert H_g.dims == ("chain", "draw", "group") and list(H_g.group.values) == ["dark", "light"]
    np.testing.assert_array_equal(H_g.values.reshape(C * D, 2), res.quantity_draws("homogenization", True))
    contrast = idata.posterior["homogenization_contrast"]
    assert list(contrast.contrast.values) == ["dark - light"]
    np.testing.assert_allclose(contrast.values.ravel(), H_g.values[..., 0].ravel() - H_g.values[..., 1].ravel())
    assert idata.posterior["failure_count_distribution"].dims == ("chain", "draw", "failures")
    assert "difficulty_scale_contrast" in idata.posterior  # rasch has a difficulty scale per group
    # the derived quantities are not parameters: draws, diagnostics and the parameter table leave them out
    assert set(res.draws) == {"b", "mu_group", "sigma_group"}
    assert set(derived_names(idata)) >= {"homogenization", "homogenization_by_group"}


def test_observed_data_is_the_profile_table_and_each_instances_row(res, fm):
    obs = res.idata.observed_data
    d = res.design
    np.testing.assert_array_equal(obs["pattern"].values, d.patterns)
    np.testing.assert_array_equal(obs["count"].values, d.counts)
    rows = obs["instance_profile"].values
    np.testing.assert_array_equal(obs["instance"].values, np.asarray(fm.instance_ids))
    np.testing.assert_array_equal(obs["pattern"].values[rows], fm.failures)  # each instance's row has its pattern
    np.testing.assert_array_equal(obs["profile_group"].values[rows], np.asarray(fm.group.astype(str)))
    # observed statistics of the check, computed directly from the failure matrix
    t = fm.failures.sum(axis=1)
    np.testing.assert_array_equal(obs["failure_count_histogram"].values, np.bincount(t, minlength=4))
    assert int(obs["systemic_failure_count"]) == int((t == 3).sum())
    np.testing.assert_array_equal(obs["n_failures"].values, np.sort(t))


def test_log_likelihood_is_one_value_per_profile_row(res):
    ll = res.idata.log_likelihood["pattern"]
    assert ll.dims == ("chain", "draw", "profile")
    np.testing.assert_array_equal(ll.values.reshape(res.n_draws, -1), res._family.row_log_lik(res.draws, res.design,
                                                                                              res.options))


def test_posterior_predictive_replicates_with_the_documented_draws_and_seed(res):
    pp = res.idata.posterior_predictive
    d = res.design
    C, D = res.idata.posterior.sizes["chain"], res.idata.posterior.sizes["draw"]
    within, flat = pp_draw_index(C, D)
    assert pp.sizes["chain"] * pp.sizes["draw"] == len(flat) == PP_DRAWS
    np.testing.assert_array_equal(pp.draw.values, res.idata.posterior.draw.values[within])
    # independent recomputation: the full posterior's profile probabilities at those draws, the same seed
    P = res.pattern_probabilities[flat]
    rep = replicate_counts(P, d.strata_counts, np.random.default_rng(PP_SEED))
    stats = ecosystem_statistics(rep, d.k, d.strata_group, d.n_groups)
    np.testing.assert_array_equal(pp["systemic_failure_count"].values.ravel(), stats["systemic_failure_count"])
    np.testing.assert_array_equal(pp["failure_count_histogram"].values.reshape(len(flat), -1),
                                  stats["failure_count_histogram"])
    # n_failures is the histogram spread over the N instances
    n_fail = pp["n_failures"].values.reshape(len(flat), -1)
    hist = np.stack([np.bincount(row, minlength=d.k + 1) for row in n_fail])
    np.testing.assert_array_equal(hist, stats["failure_count_histogram"])
    obs = complete_counts(d.patterns, d.counts, d.strata, d.n_strata)
    np.testing.assert_array_equal(res.idata.observed_data["pattern_count"].values,
                                  np.stack([obs[d.strata_group == g].sum(axis=0) for g in range(d.n_groups)]))


# -- LOO, WAIC and ArviZ -------------------------------------------------------------------------------
def test_loo_is_a_count_weighted_elpddata_equal_to_arviz_on_the_instances(res, fm):
    loo = res.loo()
    assert isinstance(loo, az.ELPDData)
    old = res.profile_loo()
    assert loo["elpd_loo"] == old.elpd and loo["se"] == old.se and loo["p_loo"] == old.p_loo
    assert loo.elpd == old.elpd and loo.n_bad == old.n_bad and loo.k_threshold == old.k_threshold
    assert int(loo["n_data_points"]) == fm.n_instances and loo["loo_i"].shape == (fm.n_instances,)
    rows = res.idata.observed_data["instance_profile"].values
    np.testing.assert_array_equal(loo["loo_i"].values, old.pointwise[rows])  # in the instances' order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = az.loo(per_instance(res), pointwise=True, reff=1.0)
        waic_ref = az.waic(per_instance(res), pointwise=True)
    for key in ("elpd_loo", "se", "p_loo"):
        assert loo[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-8), key
    np.testing.assert_allclose(loo["loo_i"].values, ref["loo_i"].values, atol=1e-10)
    np.testing.assert_allclose(loo["pareto_k"].values, ref["pareto_k"].values, atol=1e-10)
    waic = res.waic()
    for key in ("elpd_waic", "se", "p_waic"):
        assert waic[key] == pytest.approx(waic_ref[key], rel=1e-10, abs=1e-8), key
    np.testing.assert_allclose(waic["waic_i"].values, waic_ref["waic_i"].values, atol=1e-10)
    # ArviZ on the per-row log-likelihood as it is counts each row once: the documented mistake
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        naive = az.loo(res.idata, reff=1.0)
    assert int(naive["n_data_points"]) == len(res.design.counts) != fm.n_instances


def test_az_compare_of_elpddata_equals_es_compare_and_plots(res, pooled, lc):
    fits = {"rasch": res, "pooled": pooled, "latent_class": lc}
    ours = es.compare({"pooled": pooled, "latent_class": lc}).table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = az.compare({"pooled": pooled.loo(), "latent_class": lc.loo()})
        bb = az.compare({"pooled": pooled.loo(), "latent_class": lc.loo()}, method="BB-pseudo-BMA", seed=0)
        with pytest.raises(Exception, match="ELPD computation"):  # a FitResult is no ArviZ input: pass res.loo()
            az.compare({"rasch": fits["rasch"], "pooled": pooled})
    assert ours.index.tolist() == ref.index.tolist()
    for col in ("elpd_loo", "p_loo", "elpd_diff", "se", "dse"):
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-9, atol=1e-8,
                                   err_msg=col)
    np.testing.assert_allclose(ours["weight"].to_numpy(float), bb["weight"].to_numpy(float), atol=0.05)
    assert (ours["scale"] == "log").all()
    for table in (ours, ref):
        ax = az.plot_compare(table)
        assert ax.get_xlabel()
        matplotlib.pyplot.close("all")


def test_arviz_plots_and_summary_on_the_inference_data(res):
    import matplotlib.pyplot as plt

    idata = res.idata
    s = az.summary(idata, var_names=["homogenization", "homogenization_by_group", "ensemble_gap_contrast"])
    assert s.index.tolist() == ["homogenization", "homogenization_by_group[dark]", "homogenization_by_group[light]",
                                "ensemble_gap_contrast[dark - light]"]
    assert s.loc["homogenization", "mean"] == pytest.approx(res.quantity("homogenization")["mean"], abs=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib deprecation notices from inside arviz
        assert az.plot_posterior(idata, var_names=["homogenization", "ensemble_gap"]).size == 2
        assert len(az.plot_forest(idata, var_names=["homogenization_by_group"], combined=True)) == 1
        assert az.plot_trace(idata, var_names=["b", "homogenization"]).shape == (2, 2)
        ax = az.plot_ppc(idata, var_names=["n_failures"], num_pp_samples=30, random_seed=0)
        assert "n_failures" in np.ravel(ax)[0].get_xlabel().replace(" ", "_")
        observed = int(idata.observed_data["systemic_failure_count"])
        az.plot_posterior(idata, group="posterior_predictive", var_names=["systemic_failure_count"], ref_val=observed)
        az.plot_bpv(idata, var_names=["n_failures"], kind="t_stat", t_stat="mean")
        az.plot_khat(res.loo())
        az.plot_elpd({"rasch": res.loo(), "rasch again": res.loo()})
    plt.close("all")


def test_saved_fit_round_trips_every_group(res, tmp_path):
    path = res.save(tmp_path / "fit.nc")
    back = es.load_fit(path)
    assert is_complete(back._sampled)  # loading recomputes nothing
    for group in res.idata.groups():
        a, b = getattr(res.idata, group), getattr(back.idata, group)
        if group == "constant_data":
            continue
        assert sorted(a.data_vars) == sorted(b.data_vars), group
        for name in a.data_vars:
            np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=f"{group}.{name}")
            assert a[name].dims == b[name].dims
    assert set(back.draws) == set(res.draws)
    assert back.loo()["elpd_loo"] == res.loo()["elpd_loo"]
    pd.testing.assert_frame_equal(back.instance_difficulty(), res.instance_difficulty())


# -- instance difficulty -------------------------------------------------------------------------------
def test_instance_difficulty_joins_profile_rows_back_to_instances(res, fm):
    inst = res.instance_difficulty(ci=0.9)
    prof = res.profile_difficulty(ci=0.9)
    assert len(inst) == fm.n_instances and inst.index.name == "instance"
    assert inst.index.tolist() == list(fm.instance_ids)
    rows = inst["profile"].to_numpy()
    np.testing.assert_array_equal(inst[list(fm.models)].to_numpy(), fm.failures)
    np.testing.assert_array_equal(inst["difficulty"].to_numpy(), prof["difficulty"].to_numpy()[rows])
    assert (inst["group"].to_numpy() == np.asarray(fm.group.astype(str))).all()
    # harder profiles: more failures, higher difficulty (rasch: theta on the logit scale)
    by_t = inst.groupby(fm.failures.sum(axis=1))["difficulty"].mean()
    assert by_t.is_monotonic_increasing


def _mock(family, design, post, draws=50):
    idata = az.from_dict(posterior={k: v for k, v in post.items()}, coords={"model": list(design.models)})
    return FitResult(family, FitOptions(), design, idata, {"draws": draws, "chains": 1, "seed": 0}, check=False)


def test_instance_difficulty_says_when_there_is_none():
    fm = es.simulate(n=200, seed=0)
    design = make_design(fm)
    rng = np.random.default_rng(0)
    mv = _mock("mvprobit", design, {"mu": rng.normal(size=(1, 50, 3)), "cpc": rng.uniform(-.2, .2, (1, 50, 3))})
    with pytest.raises(es.EcostatError, match="mvprobit.*k-vector of correlated latent propensities"):
        mv.instance_difficulty()
    ind = _mock("independence", design, {"f": rng.uniform(.1, .3, (1, 50, 3))})
    with pytest.raises(es.EcostatError, match="'independence' has no latent difficulty"):
        ind.instance_difficulty()
    table = es.ProfileTable.from_counts(design.patterns, design.counts, models=design.models)
    r = _mock("rasch", make_design(table), {"b": rng.normal(-1, .1, (1, 50, 3)), "sigma": rng.uniform(1, 2, (1, 50))})
    with pytest.raises(es.EcostatError, match="profile table, which keeps no instances"):
        r.instance_difficulty()
    assert len(r.profile_difficulty()) == len(design.counts)


# -- saturation ----------------------------------------------------------------------------------------
def test_latent_class_with_two_classes_saturates_three_models(lc, pooled):
    assert (lc.n_parameters, lc.free_cells, lc.saturated) == (7, 7, True)  # 1 share + 2 m + 2 x 2 d; 8 cells - 1
    assert (pooled.n_parameters, pooled.saturated) == (4, False)  # 3 b + sigma
    assert any(n.startswith("SATURATED: latent_class has 7 free parameters") for n in lc.summary().notes)
    assert not any("SATURATED" in n for n in pooled.summary().notes)
    d = lc.to_dict()
    assert d["saturation"] == {"parameters": 7, "free_cells": 7, "saturated": True, "note": lc.saturation_note()}
    notes = es.compare({"pooled": pooled, "latent_class": lc}).summary().notes
    assert any(n.startswith("latent_class is SATURATED") for n in notes)


def test_compare_says_when_loo_does_not_separate_the_fits(pooled, lc):
    c = es.compare({"pooled": pooled, "latent_class": lc})
    second = c.table.index[1]
    assert c.table.loc[second, "elpd_diff"] <= 2 * c.table.loc[second, "dse"]  # seeded fits: about 2.0 vs 1.4
    assert any(n.startswith(f"LOO does not separate {c.best} from {second}") for n in c.summary().notes)
    assert 0.05 < c.table["weight"].min() and c.table["weight"].max() < 0.95  # pseudo-BMA+: shared, not 0.9999
    assert any("pseudo-BMA+ weight" in n for n in c.summary().notes)


# -- prediction ----------------------------------------------------------------------------------------
def test_predict_new_instances_of_seen_groups_by_hand(res):
    F = np.array([[1, 1, -1], [0, 0, 0], [1, 0, 1]])
    new = es.FailureMatrix(F, models=["m1", "m2", "m3"], instance_ids=["x", "y", "z"], group=["dark", "light", "light"])
    p = res.predict(new)
    assert p.new_groups == [] and p.instances.index.tolist() == ["x", "y", "z"]
    P = res.pattern_probabilities  # (S, U, 8); without covariates the strata are the groups
    stratum = {g: int(np.flatnonzero(res.design.strata_group == i)[0]) for i, g in enumerate(res.design.group_levels)}

    def prob(pattern, g):  # posterior predictive probability of a pattern with missing cells (-1), by hand
        bits = ((np.arange(8)[:, None] >> np.arange(3)) & 1)
        ok = np.all((np.asarray(pattern) < 0) | (bits == pattern), axis=1)
        return P[:, stratum[g], ok].sum(axis=1).mean()

    for row, g, name in zip(F, ["dark", "light", "light"], ["x", "y", "z"]):
        assert p.instances.loc[name, "log_p"] == pytest.approx(np.log(prob(row, g)), rel=1e-9)
        for j, m in enumerate(["m1", "m2", "m3"]):
            plus, minus = row.copy(), row.copy()
            plus[j], minus[j] = 1, -1
            assert p.instances.loc[name, f"p_fail_{m}"] == pytest.approx(prob(plus, g) / prob(minus, g), rel=1e-9)
    assert p.elpd == pytest.approx(p.instances["log_p"].sum())
    # the population of the fit itself: the fit's own quantities
    own = res.predict()
    H = own.quantities.set_index("quantity").loc["homogenization H", "mean"]
    assert H == pytest.approx(res.quantity("homogenization")["mean"], rel=1e-9)


def test_predict_new_group_uses_the_hierarchical_prior(res):
    new = es.simulate(n=30, groups={"dark": 0.5, "unseen": 0.5}, seed=4)
    p = res.predict(new, seed=1)
    assert p.new_groups == ["unseen"] and bool(p.strata.set_index("group").loc["unseen", "new_group"])
    seen = res.predict(group="dark").failure_probability
    unseen = res.predict(group="unseen", seed=1).failure_probability
    assert ((unseen["hdi_high"] - unseen["hdi_low"]) > (seen["hdi_high"] - seen["hdi_low"])).all()  # wider
    again = res.predict(group="unseen", seed=1).failure_probability
    pd.testing.assert_frame_equal(unseen, again)  # seeded
    assert "hierarchical prior" in res.predict(group="unseen").as_text()


def test_predict_rejects_data_it_cannot_place(res, pooled):
    with pytest.raises(es.DataError, match=r"missing \['m3'\]"):
        res.predict(es.FailureMatrix([[1, 0]], models=["m1", "m2"], group=["dark"]))
    with pytest.raises(es.DataError, match="attach the new instances' group"):
        res.predict(es.FailureMatrix([[1, 0, 1]], models=["m1", "m2", "m3"]))
    with pytest.raises(es.EcostatError, match="does not model a group"):
        pooled.predict(group="dark")
    p = pooled.predict(es.FailureMatrix([[1, 0, 1]], models=["m3", "m2", "m1"]))  # columns matched by name
    assert p.instances[["m1", "m2", "m3"]].iloc[0].tolist() == [1, 0, 1]
    assert sorted(p.to_dict()) == ["elpd", "failure_probability", "family", "instances", "new_groups", "profiles",
                                   "quantities", "strata"]
