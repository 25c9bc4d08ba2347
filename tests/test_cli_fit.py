"""`ecostat fit` and `ecostat compare`: the JSON contract of the README, saved fits, errors.

Real NUTS fits are tiny (N = 1000, 2 chains x (200 tune + 150 draws)) and made once
per module. Where a test checks only what the command does around the sampler
(mvprobit's keys, reading covariates, text output), ``prior_sampler`` replaces NUTS
by draws from the prior: the rest of the command runs unchanged, in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

import ecostat as es
from ecostat.interface.cli import main

FAST = ["--draws", "150", "--tune", "200", "--chains", "2"]


@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory):
    """A rasch ecosystem (k = 3) with a group ``g``, covariates ``x`` and ``xb`` (binned) and a text column, as CSV."""
    fm = es.simulate(n=1000, seed=0, groups={"a": 0.5, "b": 0.5}, covariate_effect=0.5)
    df = fm.to_frame().astype(int)
    df.insert(0, "label", 0)  # label 0: a prediction of 1 is a failure
    df.insert(0, "instance_id", np.arange(fm.n_instances))
    df["g"] = np.asarray(fm.group)
    df["x"] = fm.covariates["x"].to_numpy()
    df["xb"] = np.clip(np.round(df["x"]), -2, 2).astype(int)  # 5 levels: 5 strata, where x makes one per instance
    df["colour"] = np.where(df["x"] > 0, "red", "blue")
    path = tmp_path_factory.mktemp("cli_fit") / "sim.csv"
    df.to_csv(path, index=False)
    return path


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def fits(sim_csv, tmp_path_factory):
    """rasch and independence fitted once through the command (--group g --json --out)."""
    folder = tmp_path_factory.mktemp("fits")
    out = {}
    for family in ("rasch", "independence"):
        path = folder / f"{family}.nc"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["fit", str(sim_csv), "--models", "m1,m2,m3", "--group", "g", "--family", family, *FAST,
                         "--seed", "1", "--out", str(path), "--json"])
        assert code == 0, stderr.getvalue()
        out[family] = {"json": json.loads(stdout.getvalue()), "err": stderr.getvalue(), "path": path}
    return out


def _interval(x):
    assert set(x) >= {"mean", "hdi"}
    assert isinstance(x["mean"], float)
    lo, hi = x["hdi"]
    assert isinstance(lo, float) and isinstance(hi, float) and lo <= hi
    return x


def _check_common(d, family):
    assert d["family"] == family
    assert d["n_instances"] == 1000 and isinstance(d["n_instances"], int)
    assert d["n_models"] == 3 and isinstance(d["n_models"], int)
    post = d["posterior"]
    for key in ("homogenization", "systemic_failure_rate", "independence_systemic_failure_rate", "ensemble_gap"):
        _interval(post[key])
    rates = post["failure_rates"]
    assert [r["name"] for r in rates] == ["m1", "m2", "m3"]
    for r in rates:
        _interval(r)
    ppc = d["ppc"]
    sys_count = ppc["systemic_failure_count"]
    assert isinstance(sys_count["observed"], int) and isinstance(sys_count["p_value"], float)
    assert 0 <= sys_count["p_value"] <= 1
    hist = ppc["failure_count_histogram"]
    assert len(hist["observed"]) == len(hist["p_values"]) == 4
    assert sum(hist["observed"]) == 1000
    diag = d["diagnostics"]
    assert isinstance(diag["r_hat_max"], float) and isinstance(diag["ess_bulk_min"], float)
    assert isinstance(diag["divergences"], int) and isinstance(diag["converged"], bool)
    assert isinstance(d["loo"]["elpd"], float) and isinstance(d["loo"]["se"], float)
    assert d["loo"]["elpd"] < 0 < d["loo"]["se"]


@pytest.mark.parametrize("family", ["rasch", "independence"])
def test_fit_json_contract(fits, family):
    d = fits[family]["json"]
    _check_common(d, family)
    assert [g["group"] for g in d["disparity"]] == ["a", "b"]
    for g in d["disparity"]:
        _interval(g["homogenization"])
        _interval(g["systemic_excess"])
    assert "correlation" not in d


def test_fit_json_quantities(fits):
    rasch, indep = fits["rasch"]["json"]["posterior"], fits["independence"]["json"]["posterior"]
    assert rasch["homogenization"]["hdi"][0] > 2  # simulated with shared difficulty (sd 1.5)
    # independence within each group: H = 1 there by construction (overall, mixing the groups' rates gives H >= 1)
    for g in fits["independence"]["json"]["disparity"]:
        assert g["homogenization"]["mean"] == pytest.approx(1.0, abs=1e-9)
    assert indep["homogenization"]["mean"] >= 1 - 1e-9
    assert rasch["ensemble_gap"]["hdi"][1] < 0  # shared failures cost the majority vote


def test_fit_progress_goes_to_stderr(fits):
    err = fits["rasch"]["err"]
    for step in ("reading", "building", "sampling", "computing"):
        assert step in err
    assert fits["rasch"]["path"].exists()


def test_saved_fit_round_trips(fits):
    res = es.load_fit(fits["rasch"]["path"])
    assert res.family == "rasch" and res.digest == fits["rasch"]["json"]["digest"]


def test_compare_ranks_rasch_first(fits, capsys):
    paths = [fits["independence"]["path"], fits["rasch"]["path"]]
    code, out, err = _run(["compare", *paths, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    models = d["models"]
    assert [m["name"] for m in models] == ["rasch", "independence"]
    assert [m["rank"] for m in models] == [0, 1]
    for m in models:
        assert set(m) == {"name", "family", "elpd", "se", "p_loo", "elpd_diff", "dse", "weight", "rank"}
        assert all(isinstance(m[k], float) for k in ("elpd", "se", "p_loo", "elpd_diff", "dse", "weight"))
    assert models[0]["elpd_diff"] == 0 and models[1]["elpd_diff"] > 0
    assert models[0]["elpd"] == pytest.approx(fits["rasch"]["json"]["loo"]["elpd"])
    assert sum(m["weight"] for m in models) == pytest.approx(1.0)

    code, out, err = _run(["compare", *paths], capsys)
    assert code == 0
    assert "Model comparison by PSIS-LOO" in out and "homogenization H" in out
    assert out.index("rasch") < out.index("independence (independence)")


def test_compare_nested_designs_and_different_data(fits, sim_csv, tmp_path, capsys, prior_sampler):
    # the same instances without the group: nested strata, so LOO pairs the instances
    pooled = tmp_path / "nogroup.nc"
    code, _, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "rasch", *FAST, "--out", pooled], capsys)
    assert code == 0, err
    code, out, err = _run(["compare", fits["rasch"]["path"], pooled, "--json"], capsys)
    assert code == 0, err
    assert {m["name"] for m in json.loads(out)["models"]} == {"rasch", "nogroup"}
    # other decision-makers: different data
    other = tmp_path / "two.nc"
    code, _, err = _run(["fit", sim_csv, "--models", "m1,m2", "--family", "rasch", *FAST, "--out", other], capsys)
    assert code == 0, err
    code, out, err = _run(["compare", fits["rasch"]["path"], other], capsys)
    assert code == 2 and out == ""
    assert "different data" in err and "'rasch'" in err and "'two'" in err


def test_compare_missing_file(tmp_path, capsys):
    code, _, err = _run(["compare", tmp_path / "absent.nc"], capsys)
    assert code == 2 and "no fit file" in err


def test_unknown_family_exits_2(sim_csv, capsys):
    code, out, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "probit_mixture"], capsys)
    assert code == 2 and out == ""
    assert "unknown family 'probit_mixture'" in err and "rasch" in err


@pytest.mark.parametrize("covariate, message", [
    ("nope", "nope"),
    ("colour", "not numeric"),
])
def test_bad_covariate_exits_2(sim_csv, capsys, covariate, message):
    code, out, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "rasch", "--covariate", covariate],
                          capsys)
    assert code == 2 and out == ""
    assert message in err


def test_family_without_group_support_exits_2(sim_csv, capsys):
    code, _, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--group", "g", "--family", "mvprobit", *FAST],
                        capsys)
    assert code == 2 and "does not take group" in err


# -- the command around the sampler: NUTS replaced by prior draws ------------------------------------------

@pytest.fixture
def prior_sampler(monkeypatch):
    """``pymc.sample`` -> independent prior draws in (chain, draw) form: no NUTS, same InferenceData shape."""
    import arviz as az
    import pymc as pm
    import xarray as xr

    def sample(draws=1000, tune=1000, chains=2, random_seed=0, **kwargs):
        parts = [pm.sample_prior_predictive(draws=draws, random_seed=random_seed + c).prior for c in range(chains)]
        posterior = xr.concat(parts, dim="chain").assign_coords(chain=np.arange(chains))
        stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))},
                           coords={"chain": np.arange(chains), "draw": posterior["draw"].values})
        return az.InferenceData(posterior=posterior, sample_stats=stats)

    monkeypatch.setattr(pm, "sample", sample)


def test_fit_mvprobit_json_has_correlations(sim_csv, capsys, prior_sampler):
    code, out, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "mvprobit", *FAST, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    _check_common(d, "mvprobit")
    assert "disparity" not in d
    pairs = d["correlation"]
    assert [p["models"] for p in pairs] == [["m1", "m2"], ["m1", "m3"], ["m2", "m3"]]
    for p in pairs:
        _interval(p)
        assert -1 <= p["hdi"][0] <= p["hdi"][1] <= 1


def test_fit_text_with_covariates(sim_csv, capsys, prior_sampler):
    code, out, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "rasch", "--covariate", "xb",
                           "--link", "probit", *FAST], capsys)
    assert code == 0, err
    assert out.startswith("ecostat fit: rasch") and "Covariates" in out and "xb (effects per sd)" in out
    assert "covariates xb" in err


def test_covariates_repeat_or_comma_separate(sim_csv, capsys):
    from ecostat.interface.cli import _covariates, build_parser

    args = build_parser().parse_args(["fit", str(sim_csv), "--family", "rasch", "--covariate", "x,y", "--covariate",
                                      "z", "--covariate", "x"])
    assert _covariates(args) == ["x", "y", "z"]


# -- a fit that does not converge: warning on stderr, status 0, converged false ----------------------------

def test_unconverged_fit_warns_and_exits_0(sim_csv, capsys):
    code, out, err = _run(["fit", sim_csv, "--models", "m1,m2,m3", "--family", "rasch", "--draws", "8", "--tune", "0",
                           "--chains", "2", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["diagnostics"]["converged"] is False and d["diagnostics"]["problems"]
    assert "ecostat: warning: rasch fit did not converge" in err
