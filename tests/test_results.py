"""FitResult plumbing on mocked posterior draws (no sampling) and one small real fit."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pytest

import ecostat as es
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.results import FitResult


def _mock(design, b, sigma, rng, spread=0.02, shift=0.0, draws=400):
    post = {"b": b + spread * rng.standard_normal((2, draws, design.k)) + shift * np.array([0, 1])[:, None, None],
            "sigma": sigma + spread * rng.standard_normal((2, draws))}
    idata = az.from_dict(posterior=post, sample_stats={"diverging": np.zeros((2, draws), dtype=bool)},
                         coords={"model": list(design.models)}, dims={"b": ["model"]})
    return FitResult("rasch", FitOptions(), design, idata, {"draws": draws, "chains": 2, "seed": 0})


@pytest.fixture(scope="module")
def design():
    fm = es.simulate(n=2000, family="rasch", groups={"light": 0.6, "dark": 0.4}, seed=2)
    return make_design(fm, group=False)


def test_mocked_fit_reports_quantities(design):
    res = _mock(design, np.array([-2.0, -1.5, -1.2]), 1.5, np.random.default_rng(0))
    assert res.diagnostics["converged"]
    H = res.quantity("homogenization")
    assert H["hdi_low"] < H["mean"] < H["hdi_high"] and H["p_greater"] == 1.0
    s = res.summary()
    text = s.as_text()
    for piece in ("homogenization H", "ensemble gap", "Sampler diagnostics", "P(all others fail | m1 fails)"):
        assert piece in text
    assert "\\begin{tabular}" in s.as_latex() and "<table" in s.as_html()
    from latex_check import assert_valid_latex
    assert_valid_latex(s.as_latex(standalone=True))
    assert s._repr_html_() == s.as_html() and set(s.to_frame()["table"]) == {name for name, _ in s.tables}
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["posterior"]) >= {"homogenization", "systemic_failure_rate", "independence_systemic_failure_rate",
                                   "ensemble_gap", "failure_rates"}
    assert d["ppc"]["systemic_failure_count"]["observed"] == int(design.counts[np.all(design.patterns == 1, 1)].sum())


def test_bad_chains_warn_and_say_so(design):
    with pytest.warns(es.EcostatWarning, match="did not converge: R-hat"):
        res = _mock(design, np.array([-2.0, -1.5, -1.2]), 1.5, np.random.default_rng(1), shift=0.5)
    assert not res.diagnostics["converged"]
    assert "Converged        NO" in res.summary().as_text()
    assert res.to_dict()["diagnostics"]["converged"] is False


def test_save_load_round_trip_is_exact(design, tmp_path):
    res = _mock(design, np.array([-2.0, -1.5, -1.2]), 1.5, np.random.default_rng(3))
    path = res.save(tmp_path / "fit.nc")
    back = es.load_fit(path)
    for name, v in res.draws.items():
        np.testing.assert_array_equal(back.draws[name], v)
    assert back.digest == res.digest and back.settings == res.settings and back.family == "rasch"
    assert back.summary().as_text() == res.summary().as_text()


def test_load_rejects_other_files(tmp_path):
    p = tmp_path / "x.nc"
    az.from_dict(posterior={"a": np.zeros((1, 5))}).to_netcdf(str(p), engine="h5netcdf")
    with pytest.raises(es.EcostatError, match="not an ecostat fit"):
        es.load_fit(p)


@pytest.fixture(scope="module")
def grouped_fit():
    fm = es.simulate(n=3000, family="rasch", groups={"light": 0.6, "dark": 0.4},
                     group_scale={"light": 1.0, "dark": 2.0}, seed=4)
    return es.fit(fm, "rasch", draws=500, tune=500, chains=2, seed=1)


def test_small_grouped_fit(grouped_fit, tmp_path):
    res = grouped_fit
    assert res.diagnostics["converged"]
    scale = res.draws["sigma_group"].mean(0)
    assert scale[list(res.design.group_levels).index("dark")] > scale[list(res.design.group_levels).index("light")]
    d = res.to_dict()
    assert [g["group"] for g in d["disparity"]] == list(res.design.group_levels)
    assert "Group contrasts" in res.summary().as_text()
    back = es.load_fit(res.save(tmp_path / "g.nc"))
    np.testing.assert_array_equal(back.pattern_probabilities, res.pattern_probabilities)
    table = res.profile_difficulty()
    assert len(table) == len(res.design.counts) and table["count"].sum() == 3000
    pats = table[list(res.design.models)].to_numpy()
    n_fail = (pats == 1).sum(1)
    # more failures -> harder; P(all fail) rises with difficulty
    for g in res.design.group_levels:
        sub = table[table["group"] == g]
        order = np.argsort((sub[list(res.design.models)].to_numpy() == 1).sum(1), kind="stable")
        assert np.all(np.diff(sub["difficulty"].to_numpy()[order][[0, -1]]) > 0)
    assert table.loc[n_fail == 3, "p_all_fail"].min() > table.loc[n_fail == 0, "p_all_fail"].max()


def test_summary_puts_the_classical_tests_beside_the_posterior(grouped_fit):
    from ecostat import frequentist

    res = grouped_fit
    tables = dict(res.summary().tables)
    tests = tables["Classical tests beside the posterior"]
    expanded = es.FailureMatrix(np.repeat(res.design.patterns, res.design.counts, axis=0), models=res.design.models)
    q = frequentist.cochrans_q(expanded)
    assert tests["estimate or statistic"].iloc[0] == pytest.approx(q.statistic)
    assert tests["p_value"].iloc[0] == pytest.approx(q.p_value)
    levels = np.asarray(res.design.group_levels)[res.design.strata_group[res.design.strata]]
    gee = frequentist.gee_exchangeable(expanded.with_group(np.repeat(levels, res.design.counts)), group=True)
    assert tests["estimate or statistic"].iloc[1] == pytest.approx(gee.correlation)
    assert tests["question"].tolist()[2] == "do failure rates differ between groups?"
    H = res.quantity("homogenization")
    assert tests["posterior"].iloc[1].startswith(f"H {H['mean']:.4g} [")
    pairs = tables["Pairwise McNemar tests beside the posterior"]
    assert pairs["pair"].tolist() == ["m1 vs m2", "m1 vs m3", "m2 vs m3"]
    mc = frequentist.mcnemar_pairs(expanded)
    np.testing.assert_allclose(pairs["McNemar p (Holm)"], mc["p_adjusted"])
    assert "Classical tests beside the posterior" not in dict(res.summary(classical=False).tables)


def test_r_hat_just_above_the_limit_with_many_parameters_says_it_can_be_chance():
    d = {"r_hat_max": 1.014, "ess_bulk_min": 2000, "ess_tail_min": 1000, "divergences": 0, "draws": 1000, "chains": 2}
    few = FitResult._problems({**d, "parameters": 4})
    many = FitResult._problems({**d, "parameters": 1001})
    assert len(few) == len(many) == 1  # still flagged: the limit does not move
    assert "chance" not in few[0] and "largest of 1,001 parameters" in many[0] and "4 chains" in many[0]
    assert "chance" not in FitResult._problems({**d, "r_hat_max": 1.05, "parameters": 1001})[0]  # far off: no excuse


def test_one_chain_has_no_r_hat_and_arviz_logs_nothing(capfd):
    """method="laplace" gives one chain: R-hat is not defined (NaN, no problem) and ArviZ's shape warning is not shown."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)  # "approximate posterior"
        res = es.fit(es.simulate(n=500, seed=0), "rasch", method="laplace", draws=200, seed=0)
    d = res.diagnostics
    assert d["chains"] == 1 and np.isnan(d["r_hat_max"]) and d["parameters"] == 4 and d["converged"]
    assert "Shape validation failed" not in capfd.readouterr().err
