"""simulate(): seeded, known structure, clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ecostat as es


def test_bit_reproducible():
    a = es.simulate(n=500, groups={"x": 1, "y": 1}, covariate_effect=0.5, seed=3)
    b = es.simulate(n=500, groups={"x": 1, "y": 1}, covariate_effect=0.5, seed=3)
    assert np.array_equal(a.failures, b.failures)
    assert list(a.group) == list(b.group)
    assert a.covariates.equals(b.covariates)


def test_independence_is_not_homogeneous():
    fm = es.simulate(n=200_000, family="independence", failure_rates=[0.1, 0.2, 0.3], seed=0)
    np.testing.assert_allclose(fm.failure_rates, [0.1, 0.2, 0.3], atol=3e-3)
    assert es.homogenization(fm) == pytest.approx(1.0, abs=0.05)


def test_hard_easy_matches_its_distribution():
    fm = es.simulate(n=200_000, family="hard_easy", failure_rates=[0.1, 0.2, 0.3], alpha=0.25, delta=2.0, seed=1)
    expected = es.hard_easy_distribution([0.1, 0.2, 0.3], 0.25, 2.0)
    np.testing.assert_allclose(es.failure_count_distribution(fm), expected, atol=4e-3)


def test_rasch_groups_and_versions():
    fm = es.simulate(n=20_000, groups={"light": 0.5, "dark": 0.5}, group_scale={"light": 0.5, "dark": 3.0},
                     versions=["2020", "2021"], seed=2)
    assert fm.models == ("m1_2020", "m1_2021", "m2_2020", "m2_2021", "m3_2020", "m3_2021")
    assert fm.columns["version"].tolist() == ["2020", "2021"] * 3
    first = fm.select(["m1_2020", "m2_2020", "m3_2020"])
    sub = {g: first.failures[np.asarray(first.group) == g] for g in ("light", "dark")}
    h = {g: es.homogenization(es.FailureMatrix(F)) for g, F in sub.items()}
    assert h["dark"] > h["light"] > 1
    rates = fm.failure_rates.reshape(3, 2)
    assert (rates[:, 1] < rates[:, 0]).all()  # later versions improve (version_shift < 0)


def test_errors():
    with pytest.raises(es.EcostatError, match="unknown family"):
        es.simulate(family="probit")
    with pytest.raises(es.EcostatError, match="strictly between 0 and 1"):
        es.simulate(failure_rates=[0.0, 0.5])
    with pytest.raises(es.EcostatError, match="hard rates > 1"):
        es.simulate(family="hard_easy", failure_rates=[0.5, 0.6], delta=3.0)
    with pytest.raises(es.EcostatError, match="versions"):
        es.simulate(family="independence", versions=["a", "b"])


# -- every family, with its true parameters ------------------------------------------------------
MAPPING_CASES = {
    "independence_groups": dict(family="independence", failure_rates=[0.1, 0.2, 0.3], groups={"a": 1, "b": 1}),
    "hard_easy": dict(family="hard_easy", failure_rates=[0.1, 0.2, 0.3], alpha=0.2, delta=1.5),
    "latent_class": dict(family="latent_class", class_shares=[0.3, 0.7],
                         class_rates=[[0.6, 0.5, 0.7, 0.4], [0.05, 0.1, 0.08, 0.15]]),
    "latent_class_groups": dict(family="latent_class", class_shares=[0.3, 0.7],
                                class_rates=[[0.6, 0.5, 0.7], [0.05, 0.1, 0.08]], groups={"a": 1, "b": 1},
                                group_class_shares={"b": [0.5, 0.5]}),
    "rasch_probit": dict(family="rasch", link="probit", difficulty_sd=1.0),
    "rasch_groups_versions": dict(family="rasch", groups={"a": 0.6, "b": 0.4}, group_location={"a": 0.3, "b": 1.0},
                                  group_scale={"a": 1.0, "b": 2.0}, versions=["v1", "v2"]),
    "rasch_model_by_group": dict(family="rasch", groups={"a": 1, "b": 1},
                                 model_group_effects={"a": [0.5, 0.0, -0.2], "b": [0.0, 0.3, 0.0]}),
    "rasch_covariate": dict(family="rasch", covariate_effect=0.8, groups={"a": 1, "b": 1},
                            group_location={"a": 0.4}),
    "twopl_discrete_covariate": dict(family="twopl", loadings=[0.5, 1, 2], covariate_effect=-0.6, covariate_levels=4),
    "twopl": dict(family="twopl", failure_rates=[0.1, 0.2, 0.3, 0.25], loadings=[0.5, 1, 1.5, 2], difficulty_sd=1.3),
    "twopl_probit_groups_covariate": dict(family="twopl", link="probit", loadings=[0.5, 1, 2], groups={"a": 1, "b": 1},
                                          group_location={"a": 0.5}, group_scale={"a": 0.7, "b": 1.8},
                                          covariate_effect=0.5, covariate_levels=3),
    "twopl_model_by_group": dict(family="twopl", loadings=[0.5, 1, 2], groups={"a": 1, "b": 1},
                                 model_group_effects={"a": [0.5, -0.5, 0.0]}),
    "mvprobit": dict(family="mvprobit", failure_rates=[0.1, 0.2, 0.3],
                     correlation=[[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1]]),
}


@pytest.mark.parametrize("name", list(MAPPING_CASES))
def test_true_parameters_imply_the_simulated_profiles(name):
    """pattern_log_prob at simulate_parameters reproduces the simulated profile frequencies (chi-square)."""
    from scipy.stats import chi2

    from ecostat.bayes.families import FAMILIES, FitOptions, make_design
    from ecostat.bayes.simulate import simulate_parameters
    from ecostat.numeric import all_profiles

    kw = MAPPING_CASES[name]
    continuous = kw.get("covariate_effect") and not kw.get("covariate_levels")
    n = 5_000 if continuous else 100_000  # a continuous covariate: one stratum per instance
    fm = es.simulate(n=n, seed=5, **kw)
    truth = simulate_parameters(n=n, seed=5, **kw)
    opts = FitOptions(link=kw.get("link", "logit"), n_classes=len(kw.get("class_shares", (0, 0))),
                      model_by_group="model_group_effects" in kw)
    with warnings.catch_warnings():  # a continuous covariate on purpose: make_design warns about many strata
        warnings.simplefilter("ignore", es.EcostatWarning)
        d = make_design(fm, covariates="x" if kw.get("covariate_effect") else None)
    P = np.exp(FAMILIES[kw["family"]].pattern_log_prob({p: np.asarray(v)[None] for p, v in truth.items()}, d, opts)[0])
    # cells: (stratum, profile) when strata are few (groups, a discrete covariate: this separates the covariate's
    # effect from the difficulty sd), else (group, profile)
    cell = d.strata if d.n_strata <= 50 else d.strata_group[d.strata]
    U = d.n_strata if d.n_strata <= 50 else d.n_groups
    index = {tuple(r): i for i, r in enumerate(all_profiles(d.k))}
    observed = np.zeros((U, 2 ** d.k))
    expected = np.zeros_like(observed)
    np.add.at(observed, (cell, [index[tuple(r)] for r in d.patterns]), d.counts)
    np.add.at(expected, np.arange(d.n_strata) if d.n_strata <= 50 else d.strata_group, P * d.strata_counts[:, None])
    stat = np.sum((observed - expected) ** 2 / expected)
    assert chi2.sf(stat, observed.size - U) > 1e-3, (name, stat)


def test_new_families_bit_reproducible():
    for kw in MAPPING_CASES.values():
        a, b = es.simulate(n=300, seed=9, **kw), es.simulate(n=300, seed=9, **kw)
        assert np.array_equal(a.failures, b.failures)


def test_simulate_parameters_identification():
    from scipy.special import logit, ndtri

    from ecostat.bayes.simulate import simulate_parameters

    p = simulate_parameters(family="rasch", groups={"a": 1, "b": 2},
                            model_group_effects={"a": [0.6, 0.0, 0.0], "b": [0.0, 0.0, 0.3]})
    assert p["gamma"].shape == (2, 3)
    np.testing.assert_allclose(p["gamma"].sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(p["gamma"].sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(p["mu_group"].sum(), 0, atol=1e-12)
    # model means go to b, group means to mu_group
    np.testing.assert_allclose(p["b"], logit([0.1, 0.15, 0.2]) + [0.3, 0.0, 0.15])
    np.testing.assert_allclose(p["mu_group"], [0.05, -0.05])

    q = simulate_parameters(family="twopl", loadings=[1.0, 2.0, 4.0], groups={"a": 1, "b": 1},
                            group_scale={"a": 0.5, "b": 2.0}, covariate_effect=0.5, link="probit")
    np.testing.assert_allclose(np.exp(np.log(q["sigma_group"]).mean()), 1.0)  # geometric mean 1
    np.testing.assert_allclose(q["a"], [1.0, 2.0, 4.0])  # gm of scales is 1 here
    np.testing.assert_allclose(q["b"], ndtri([0.1, 0.15, 0.2]))
    np.testing.assert_allclose(q["beta"], [0.5])  # population truth without n and seed
    single = simulate_parameters(family="twopl", loadings=[1.0, 2.0, 4.0], difficulty_sd=2.0)
    assert sorted(single) == ["a", "b"]
    np.testing.assert_allclose(single["a"], [2.0, 4.0, 8.0])  # sd fixed to 1 in the fit

    # the covariate's truth uses the sample simulate draws when n and seed are given
    kw = dict(family="rasch", covariate_effect=0.7, n=500, seed=3)
    x = es.simulate(**kw).covariates["x"].to_numpy()
    r = simulate_parameters(**kw)
    np.testing.assert_allclose(r["beta"], [0.7 * x.std()])
    np.testing.assert_allclose(r["b"], logit([0.1, 0.15, 0.2]) + 0.7 * x.mean())

    lc = simulate_parameters(family="latent_class", class_shares=[0.2, 0.8], class_rates=[[0.5, 0.6], [0.1, 0.05]])
    np.testing.assert_allclose(lc["share"], [0.8, 0.2])  # ordered by m: easiest class first
    assert lc["m"][0] < lc["m"][1]
    np.testing.assert_allclose(lc["d"].sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(lc["class_rate"], [[0.1, 0.05], [0.5, 0.6]])

    mv = simulate_parameters(family="mvprobit", failure_rates=[0.5, 0.2], correlation=0.4)
    np.testing.assert_allclose(mv["rho"], [0.4])
    np.testing.assert_allclose(mv["mu"], ndtri([0.5, 0.2]))
    he = simulate_parameters(family="hard_easy", failure_rates=[0.1, 0.2], alpha=0.25, delta=2.0)
    assert float(he["u"]) == pytest.approx(2.0 / 3.0)  # Delta_max = min(3, 4)


def test_discrete_covariate():
    fm = es.simulate(n=5000, covariate_effect=0.5, covariate_levels=3, seed=1)
    x = fm.covariates["x"].to_numpy()
    np.testing.assert_allclose(np.unique(x), [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05


def test_latent_class_defaults_are_hard_easy():
    a = es.simulate(n=2000, family="latent_class", alpha=0.25, delta=1.0, seed=4)
    assert a.n_models == 3
    from ecostat.bayes.simulate import simulate_parameters
    p = simulate_parameters(family="latent_class", alpha=0.25, delta=1.0)
    np.testing.assert_allclose(p["share"], [0.75, 0.25])
    hard, easy = es.hard_easy_rates([0.1, 0.15, 0.2], 0.25, 1.0)
    np.testing.assert_allclose(p["class_rate"], [easy, hard], atol=1e-12)


def test_new_argument_errors():
    from ecostat.bayes.simulate import simulate_parameters

    with pytest.raises(es.EcostatError, match="loadings applies to family 'twopl'"):
        es.simulate(family="rasch", loadings=[1, 1, 1])
    with pytest.raises(es.EcostatError, match="correlation applies"):
        es.simulate(family="rasch", correlation=0.3)
    with pytest.raises(es.EcostatError, match="covariate_effect applies"):
        es.simulate(family="independence", covariate_effect=0.5)
    with pytest.raises(es.EcostatError, match="link must be one of"):
        es.simulate(family="rasch", link="cloglog")
    with pytest.raises(es.EcostatError, match="positive definite"):
        es.simulate(family="mvprobit", failure_rates=[0.1, 0.2, 0.3], correlation=-0.9)
    with pytest.raises(es.EcostatError, match="unit diagonal"):
        es.simulate(family="mvprobit", failure_rates=[0.1, 0.2], correlation=[[1, 0.2], [0.3, 1]])
    with pytest.raises(es.EcostatError, match="shape \\(C, k\\)"):
        es.simulate(family="latent_class", class_rates=[0.1, 0.2])
    with pytest.raises(es.EcostatError, match="strictly between 0 and 1"):
        es.simulate(family="latent_class", class_rates=[[0.1, 0.2], [1.0, 0.5]])
    with pytest.raises(es.EcostatError, match="class shares"):
        es.simulate(family="latent_class", class_shares=[1.0], class_rates=[[0.1, 0.2], [0.5, 0.5]])
    with pytest.raises(es.EcostatError, match="at least two levels"):
        es.simulate(family="rasch", groups={"a": 1}, model_group_effects={"a": [0, 0, 0]})
    with pytest.raises(es.EcostatError, match="not in groups"):
        es.simulate(family="rasch", groups={"a": 1, "b": 1}, group_scale={"c": 2.0})
    with pytest.raises(es.EcostatError, match="one shift per model"):
        es.simulate(family="rasch", groups={"a": 1, "b": 1}, model_group_effects={"a": [0.5]})
    with pytest.raises(es.EcostatError, match="positive numbers"):
        es.simulate(family="twopl", loadings=[1.0, -1.0, 1.0])
    with pytest.raises(es.EcostatError, match="integer >= 2"):
        es.simulate(family="rasch", covariate_effect=0.5, covariate_levels=1)
    with pytest.raises(es.EcostatError, match="non-zero effect"):
        es.simulate(family="rasch", covariate_levels=3)
    with pytest.raises(es.EcostatError, match="same mean over models"):
        simulate_parameters(family="twopl", loadings=[0.5, 1, 2], groups={"a": 1, "b": 1},
                            model_group_effects={"a": [0.5, 0.5, 0.5]})


def test_groups_as_a_list_of_levels_and_a_clear_error_otherwise():
    fm = es.simulate(n=400, groups=["a", "b"], seed=2)
    assert list(fm.group.categories) == ["a", "b"]
    same = es.simulate(n=400, groups={"a": 1, "b": 1}, seed=2)
    np.testing.assert_array_equal(fm.failures, same.failures)
    for bad, match in [(3, "groups must map each group level"), (["a", "a"], "lists a level twice")]:
        with pytest.raises(es.EcostatError, match=match):
            es.simulate(n=10, groups=bad)
