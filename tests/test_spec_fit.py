"""Fit specs (``kind = "fit"`` in models/*.toml): loading, validation, the command line, and refits that
agree with the pinned references (models/reference/*.json made by models/reference/pin.py) within Monte
Carlo error.

Every refit runs the pinned command itself (``ecostat fit DATA --spec models/X.toml --json``, in process,
plus ``--out`` to read the parameters back), so each is also an end-to-end test of the command. The
mvprobit fit (GHK likelihood) and the covariate fit take over 40 s on 2 cores and are marked slow.
"""

from __future__ import annotations

import json
import math

import pytest

import ecostat as es
from conftest import PAPER_APIS, ROOT, hapi_path, pin_module
from ecostat.interface.cli import main

MODELS = ROOT / "models"
FIT_SPECS = sorted(p for p in MODELS.glob("*.toml") if es.load_spec(p).kind == "fit")
FIT_PINS = sorted(p for p in (MODELS / "reference").glob("*.json") if json.loads(p.read_text())["command"][1] == "fit")
#: pinned fits whose refit takes more than ~40 s on the 2-core reference machine (their JSON says "seconds")
SLOW = {"bommasani2022_fit_mvprobit__ferplus", "toups2023_fit_rasch_agreement__ferplus_agreement"}

# Tolerance of a refit against its pin. A posterior mean from draws with effective sample size ESS has a Monte
# Carlo standard error sd / sqrt(ESS), so the means of two independent runs differ by a normal variable with
# sd  sqrt(sd^2 / ESS_pin + sd^2 / ESS_refit). We allow K = 5 of those: a false alarm has two-sided probability
# 6e-7 per comparison, under 1e-3 over the ~400 comparisons of the whole catalogue, while a real change of a
# model, a prior or the data (shifts of several posterior sds) still fails. For the parameters sd and ESS are
# their own (pinned); for the ecosystem quantities sd is the 95% HDI width / 3.92 (exact for a normal
# posterior, close for these unimodal ones) and ESS the fit's smallest bulk ESS over its parameters (the
# quantities are smooth functions of the parameters). The floor 1e-6 * max(1, |mean|) covers quantities that
# are constant by construction (H = 1 under independence: HDI width ~1e-15). With the same seed on the same
# platform a refit reproduces the draws exactly; the tolerance is for other platforms and library versions.
K = 5.0


PIN = pin_module()


def tolerance(sd: float, ess_a: float, ess_b: float, value: float) -> float:
    return K * math.sqrt(sd ** 2 / ess_a + sd ** 2 / ess_b) + 1e-6 * max(1.0, abs(value))


def intervals(obj, path=""):
    """Every ``{"mean", "hdi"}`` summary in a fit's JSON, by a readable path."""
    if isinstance(obj, dict):
        if "mean" in obj and "hdi" in obj:
            yield path, obj
        for key, value in obj.items():
            if key not in ("mean", "hdi"):
                yield from intervals(value, f"{path}.{key}" if path else key)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            label = value.get("name", value.get("group", i)) if isinstance(value, dict) else i
            yield from intervals(value, f"{path}[{label}]")


def check_agreement(pinned: dict, result: dict, params: list[dict] | None) -> list[str]:
    """Differences between a refit and its pin beyond Monte Carlo error (empty: they agree)."""
    ref = pinned["result"]
    bad = [f"{key}: {result.get(key)!r} != pinned {ref.get(key)!r}"
           for key in ("family", "formula", "n_instances", "n_models", "models", "options", "digest")
           if result.get(key) != ref.get(key)]
    settings = {k: v for k, v in result["settings"].items() if k != "cores"}
    if settings != {k: v for k, v in ref["settings"].items() if k != "cores"}:
        bad.append(f"settings {result['settings']} != pinned {ref['settings']}")
    if not result["diagnostics"]["converged"]:
        bad.append(f"the refit did not converge: {result['diagnostics']['problems']}")
    ess_ref, ess_new = ref["diagnostics"]["ess_bulk_min"], result["diagnostics"]["ess_bulk_min"]
    new = dict(intervals(result))
    for path, r in intervals(ref):
        if path not in new:
            bad.append(f"{path}: missing from the refit")
            continue
        sd = (r["hdi"][1] - r["hdi"][0]) / 3.92
        tol = tolerance(sd, ess_ref, ess_new, r["mean"])
        if not abs(new[path]["mean"] - r["mean"]) <= tol:
            bad.append(f"{path}: mean {new[path]['mean']:.6g} vs pinned {r['mean']:.6g} (tolerance {tol:.3g})")
    if params is not None:
        mine = {p["parameter"]: p for p in params}
        for p in pinned["parameters"]:
            q = mine.get(p["parameter"])
            if q is None:
                bad.append(f"parameter {p['parameter']}: missing from the refit")
                continue
            tol = tolerance(p["sd"], p["ess_bulk"], q["ess_bulk"], p["mean"])
            if not abs(q["mean"] - p["mean"]) <= tol:
                bad.append(f"parameter {p['parameter']}: mean {q['mean']:.6g} vs pinned {p['mean']:.6g} (tolerance {tol:.3g})")
    return bad


def _params(path) -> list[dict]:
    return PIN.parameters(path)


# -- the catalogue ---------------------------------------------------------------------------------------


def test_catalogue_covers_the_families():
    specs = [es.load_spec(p) for p in FIT_SPECS]
    from ecostat.bayes.formula import parse_formula

    fams = {s.family or parse_formula(s.formula, group=s.data.get("group") or "group").family for s in specs}
    assert fams == set(es.FAMILIES)
    assert any(s.formula and "instance:group" in s.formula for s in specs)  # group disparity
    assert any(s.data.get("covariates") for s in specs)  # an instance covariate


@pytest.mark.parametrize("path", FIT_SPECS, ids=[p.stem for p in FIT_SPECS])
def test_fit_spec_header_cites_paper_and_command(path):
    lines = path.read_text().splitlines()
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert lines[0].startswith(("# Toups et al. 2023", "# Bommasani et al. 2022"))
    assert "ecostat fit " in header and f"--spec models/{path.name}" in header
    spec = es.load_spec(path)
    assert spec.sampler.get("seed") == 0 and spec.formula  # seeded, and written as a formula


@pytest.mark.parametrize("path", FIT_SPECS, ids=[p.stem for p in FIT_SPECS])
def test_every_fit_spec_is_pinned(path):
    pinned = [json.loads(p.read_text())["command"] for p in FIT_PINS]
    assert any(f"models/{path.name}" in command for command in pinned), f"{path.name} has no pinned reference"


# -- refits against the pinned references ----------------------------------------------------------------


def _refit_params():
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else []) for p in FIT_PINS]


@pytest.mark.parametrize("path", _refit_params())
def test_refit_agrees_with_pinned(path, tmp_path, monkeypatch, capsys):
    pinned = json.loads(path.read_text())
    monkeypatch.chdir(ROOT)
    fit_path = tmp_path / "fit.nc"
    argv = PIN.resolve(pinned["command"][1:], tmp_path)
    assert main([*argv, "--out", str(fit_path)]) == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    bad = check_agreement(pinned, result, _params(fit_path))
    assert not bad, "\n".join(bad)


def test_spec_run_agrees_with_pinned():
    """Spec.run from Python (FailureMatrix in, FitResult out) gives the command's result."""
    spec = es.load_spec(MODELS / "toups2023_fit_independence.toml")
    fm = es.datasets.load("digit")
    assert fm.models == tuple(PAPER_APIS["digit"])
    res = spec.run(fm)
    assert isinstance(res, es.FitResult) and res.family == "independence"
    pinned = json.loads((MODELS / "reference" / "toups2023_fit_independence__digit.json").read_text())
    result = json.loads(json.dumps(res.to_dict()))
    params = [{"parameter": r.parameter, "mean": r.mean, "sd": r.sd, "ess_bulk": r.ess_bulk}
              for r in res.parameters().itertuples()]
    bad = check_agreement(pinned, result, params)
    assert not bad, "\n".join(bad)


def test_agreement_check_catches_a_shift():
    """The tolerance is tight enough to see a change of a posterior mean by a few posterior sds."""
    pinned = json.loads(FIT_PINS[0].read_text())
    moved = json.loads(json.dumps(pinned["result"]))
    h = moved["posterior"]["failure_rates"][0]
    h["mean"] += (h["hdi"][1] - h["hdi"][0]) / 3.92  # one posterior sd
    assert check_agreement(pinned, pinned["result"], pinned["parameters"]) == []
    assert any("failure_rates" in b for b in check_agreement(pinned, moved, None))


# -- the command line ------------------------------------------------------------------------------------


@pytest.fixture
def captured(monkeypatch):
    """Replace the fit by a recorder: what the command would fit, without sampling."""
    calls = []

    def record(fm, **kwargs):
        calls.append({"fm": fm, **kwargs})
        raise es.EcostatError("recorded")

    monkeypatch.setattr("ecostat.interface.spec.fit_with", record)
    return calls


def _digit():
    return [str(hapi_path("digit")), "--models", ",".join(PAPER_APIS["digit"])]


def test_command_line_overrides_fit_spec(captured, capsys, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('name = "s"\nkind = "fit"\nformula = "fail ~ model + (1 | instance)"\nfamily = "twopl"\n'
                    '[model]\nlink = "probit"\nquadrature = 64\n[priors]\nb_sd = 2.0\na_sd = 0.7\n'
                    '[sampler]\ndraws = 300\ntune = 400\nchains = 3\nseed = 5\ntarget_accept = 0.9\ncores = 1\n')
    assert main(["fit", *_digit(), "--spec", str(spec), "--draws", "50", "--family", "rasch", "--prior", "b_sd=3"]) == 2
    call = captured[-1]
    assert call["formula"] == "fail ~ model + (1 | instance)" and call["family"] == "rasch"  # --family wins
    assert call["sampler"] == {"draws": 50, "tune": 400, "chains": 3, "seed": 5, "target_accept": 0.9, "cores": 1}
    assert call["model"]["link"] == "probit" and call["model"]["quadrature"] == 64
    assert call["priors"] == {"b_sd": 3.0, "a_sd": 0.7}  # --prior replaces that prior only
    assert "recorded" in capsys.readouterr().err


def test_fit_spec_covariates_are_read(captured, capsys, tmp_path):
    path = PIN.resolve(["<ferplus_agreement.csv>"], tmp_path)[0]
    spec = MODELS / "toups2023_fit_rasch_agreement.toml"
    assert main(["fit", path, "--models", "google,microsoft,facepp", "--spec", str(spec)]) == 2
    fm = captured[-1]["fm"]
    assert list(fm.covariates.columns) == ["agreement"] and fm.covariates["agreement"].between(0, 1).all()
    assert main(["fit", path, "--models", "google,microsoft,facepp", "--formula",
                 "fail ~ model + (1 | instance) + agreement"]) == 2  # a formula's covariates need no --covariate
    assert list(captured[-1]["fm"].covariates.columns) == ["agreement"]


def test_fit_needs_a_model(capsys):
    assert main(["fit", *_digit()]) == 2
    err = capsys.readouterr().err
    assert "needs a model" in err and "--family" in err and "--formula" in err and "--spec" in err


def test_fit_rejects_other_kinds_of_spec(capsys):
    assert main(["fit", *_digit(), "--spec", str(MODELS / "toups2023_homogeneous_outcomes.toml")]) == 2
    assert "run it with `ecostat describe`" in capsys.readouterr().err
    assert main(["describe", *_digit(), "--spec", str(MODELS / "toups2023_fit_rasch.toml")]) == 2
    assert "run it with `ecostat fit`" in capsys.readouterr().err


@pytest.mark.parametrize("prior", ["sigma", "sigma=", "sigma=-1", "=2", "sigma=big"])
def test_bad_prior_flag(prior, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fit", *_digit(), "--family", "rasch", "--prior", prior])
    assert exc.value.code == 2 and "NAME=SCALE" in capsys.readouterr().err


def test_fit_with_a_command_line_formula_and_no_spec(captured):
    assert main(["fit", *_digit(), "--group", "label", "--formula", "fail ~ model + (1 | instance:label)"]) == 2
    call = captured[-1]
    assert call["formula"] == "fail ~ model + (1 | instance:label)" and call["family"] is None
    assert call["fm"].group_name == "label"


# -- broken fit specs ------------------------------------------------------------------------------------

HEAD = 'name = "x"\nkind = "fit"\n'


@pytest.mark.parametrize("text, message", [
    (HEAD, "needs a formula (e.g. formula = \"fail ~ model + (1 | instance)\") or a family"),
    (HEAD + 'family = "probit_mixture"\n', "family = 'probit_mixture' is not known; use one of"),
    (HEAD + 'family = 3\n', "family = 3: expected a text value"),
    (HEAD + 'formula = ""\n', "formula = '': expected a text value"),
    (HEAD + 'formula = "fail ~ model + (1 | instance)"\nfamily = "mvprobit"\n',
     "family 'mvprobit' does not fit formula"),
    (HEAD + 'formula = "fail ~ model + (0 + model | instance)"\nfamily = "rasch"\n', "family 'rasch' does not fit"),
    (HEAD + 'formula = "fail ~ (1 | instance)"\n', "needs the decision-maker term"),
    (HEAD + 'formula = "fail ~ model + model:agreement:x"\n', "is not supported"),
    (HEAD + 'family = "rasch"\n[options]\nseed = 1\n', "[options] belongs to describe and baseline specs"),
    (HEAD + 'family = "rasch"\ncolour = "red"\n', "unknown key(s) 'colour'"),
    (HEAD + 'family = "rasch"\n[sampler]\ndraws = 0\n', "[sampler] draws = 0: expected 1 or more"),
    (HEAD + 'family = "rasch"\n[sampler]\ndraws = -5\n', "[sampler] draws = -5: expected 1 or more"),
    (HEAD + 'family = "rasch"\n[sampler]\nchains = 0\n', "chains = 0: expected 1 or more"),
    (HEAD + 'family = "rasch"\n[sampler]\ntune = -1\n', "tune = -1: expected 0 or more"),
    (HEAD + 'family = "rasch"\n[sampler]\ndraws = 10.5\n', "draws = 10.5: expected a whole number"),
    (HEAD + 'family = "rasch"\n[sampler]\nseed = "zero"\n', "seed = 'zero': expected a whole number"),
    (HEAD + 'family = "rasch"\n[sampler]\ntarget_accept = 1.0\n', "target_accept = 1.0: expected a number in [0.5, 1)"),
    (HEAD + 'family = "rasch"\n[sampler]\ntarget_accept = 0.3\n', "target_accept = 0.3: expected a number in [0.5, 1)"),
    (HEAD + 'family = "rasch"\n[sampler]\nsampler = "stan"\n', "use one of 'pymc', 'nutpie'"),
    (HEAD + 'family = "rasch"\n[sampler]\nthin = 2\n', "[sampler] has unknown key(s) 'thin'"),
    (HEAD + 'family = "rasch"\n[model]\nlink = "cloglog"\n', "link = 'cloglog': use one of 'logit', 'probit'"),
    (HEAD + 'family = "hard_easy"\n[model]\nlink = "probit"\n', "[model] link: family 'hard_easy' does not take it"),
    (HEAD + 'family = "rasch"\n[model]\nn_classes = 3\n', "[model] n_classes: family 'rasch' does not take it"),
    (HEAD + 'family = "latent_class"\n[model]\nn_classes = 1\n', "n_classes = 1: expected 2 or more"),
    (HEAD + 'family = "rasch"\n[model]\nmodel_by_group = "yes"\n', "model_by_group = 'yes': expected a true/false"),
    (HEAD + 'family = "mvprobit"\n[model]\ngroup_scale = false\n', "group_scale: family 'mvprobit' does not take it"),
    (HEAD + 'formula = "fail ~ model + (1 | instance)"\n[model]\ngroup_scale = false\n', "with a formula the group terms"),
    (HEAD + 'formula = "fail ~ model + group + (1 | instance)"\n[model]\ngroup_location = false\n',
     "group_location: with a formula the group terms"),
    (HEAD + 'formula = "fail ~ model + (1 | instance)"\n[model]\nmodel_by_group = true\n',
     "model_by_group = true disagrees with formula"),
    (HEAD + 'family = "rasch"\n[model]\nbins = 3\n', "[model] has unknown key(s) 'bins'"),
    (HEAD + 'family = "rasch"\n[priors]\nsigma_sd = -1.0\n', "[priors] sigma_sd = -1.0: expected a positive number"),
    (HEAD + 'family = "rasch"\n[priors]\nsigma_sd = "wide"\n', "[priors] sigma_sd = 'wide': expected a positive number"),
    (HEAD + 'family = "rasch"\n[priors]\nnu = 2.0\n', "[priors] 'nu': family 'rasch' has no such prior; it takes"),
    (HEAD + 'formula = "fail ~ model"\n[priors]\nsigma_sd = 2.0\n', "family 'independence' has no such prior"),
    (HEAD + 'family = "rasch"\npriors = 3\n', "[priors] must be a table"),
    (HEAD + 'family = "rasch"\n[data]\ncovariates = "agreement"\n', "covariates = 'agreement': expected a list"),
    (HEAD + 'family = "rasch"\n[data]\ncovariates = [1]\n', "expected a list of column names"),
    (HEAD + 'family = "hard_easy"\n[data]\ncovariates = ["agreement"]\n', "family 'hard_easy' does not take covariates"),
])
def test_broken_fit_specs_fail_clearly(tmp_path, text, message):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(es.EcostatError) as exc:
        es.load_spec(path)
    assert message in str(exc.value) and "'broken.toml'" in str(exc.value)


def test_fit_spec_loads_all_sections(tmp_path):
    path = tmp_path / "full.toml"
    path.write_text(HEAD + 'description = "d"\nformula = "fail ~ model * group + (1 | instance:group) + x"\n'
                    '[data]\nmodels = ["a", "b"]\ngroup = "g"\ncovariates = ["x"]\n'
                    '[model]\nlink = "probit"\nmodel_by_group = true\nquadrature = 64\n'
                    '[priors]\nsigma_sd = 2\n[sampler]\ndraws = 500\ntune = 600\nchains = 4\nseed = 7\n'
                    'target_accept = 0.9\n')
    spec = es.load_spec(path)
    assert (spec.kind, spec.formula, spec.family) == ("fit", "fail ~ model * group + (1 | instance:group) + x", None)
    assert spec.data == {"models": ["a", "b"], "group": "g", "covariates": ["x"]}
    assert spec.model == {"link": "probit", "model_by_group": True, "quadrature": 64}
    assert spec.priors == {"sigma_sd": 2.0} and isinstance(spec.priors["sigma_sd"], float)
    assert spec.sampler == {"draws": 500, "tune": 600, "chains": 4, "seed": 7, "target_accept": 0.9}
    assert spec.covariates() == ["x"]
