"""A family defined here, outside the package, works end to end: simulate, formula, fit, spec and CLI.

docs/architecture.md §5: a family declares its formula terms, the options it reads, its priors and its
simulator; everything else dispatches through the registry. This test touches no ecostat module.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import ecostat as es
from ecostat.bayes.families import FitOptions, MixtureFamily, register_family, unregister_family
from ecostat.bayes.families.simulation import Simulated


class Shock(MixtureFamily):
    """A share ``pi`` of instances hit by a shock that every decision-maker fails; the rest fail independently."""

    name = "shock"
    summary = "a share pi of instances is failed by everyone; the others fail independently with rates f_j"
    priors = {"f": "Beta(f_a, f_b): failure rate of each model outside the shock",
              "pi": "Beta(pi_a, pi_b): share of shocked instances"}
    prior_scales = {"f_a": 1.0, "f_b": 1.0, "pi_a": 1.0, "pi_b": 9.0}
    latent_term = "intercept"  # fail ~ model + (1 | instance), family="shock"
    terms = frozenset()
    reads = frozenset()
    simulate_args = {"shock": 0.1}

    def graph_parameters(self, design, options: FitOptions) -> dict:
        import pymc as pm

        return {"f": pm.Beta("f", self.prior(options, "f_a"), self.prior(options, "f_b"), dims="model"),
                "pi": pm.Beta("pi", self.prior(options, "pi_a"), self.prior(options, "pi_b"))}

    def components(self, params, design, options, xp):
        f, pi = params["f"], params["pi"]
        rates = xp.stack([f, xp.zeros_like(f) + (1 - 1e-9)], axis=-2)[..., None, :, :] + design.stratum_zeros[:, :, None]
        log_w = xp.stack([xp.log1p(-pi), xp.log(pi)], axis=-1)[..., None, :] + design.stratum_zeros
        return log_w, xp.log(rates), xp.log1p(-rates), log_w * 0.0 + xp.stack([0.0 * pi, 1.0 + 0 * pi], axis=-1)[..., None, :]

    def draw(self, spec, setup, gidx, rng) -> Simulated:
        shocked = rng.random(setup.n) < spec["shock"]
        return Simulated((rng.random((setup.n, setup.k)) < setup.rates) | shocked[:, None])

    def true_parameters(self, spec, setup, n, seed) -> dict:
        return {"f": setup.rates.copy(), "pi": np.asarray(spec["shock"])}


@pytest.fixture(scope="module")
def shock():
    family = register_family(Shock())
    yield family
    unregister_family("shock")


@pytest.fixture(scope="module")
def data(shock):
    return es.simulate(n=3000, family="shock", failure_rates=[0.1, 0.2, 0.3], shock=0.1, seed=4)


SAMPLER = dict(draws=1000, tune=1000, chains=2, seed=1)


def test_simulate_and_true_parameters(data):
    assert data.n_models == 3
    assert abs(es.systemic_failure_rate(data) - (0.1 + 0.9 * 0.006)) < 0.02
    assert float(es.simulate_parameters(family="shock", shock=0.25)["pi"]) == 0.25
    with pytest.raises(es.EcostatError, match="shock applies to family 'shock', not 'rasch'"):
        es.simulate(family="rasch", shock=0.2)


def test_formula_and_keywords_fit_the_toy_family(data):
    m = es.model("fail ~ model + (1 | instance)", data, family="shock")
    from ecostat.bayes.model import Model

    assert m == Model.from_keywords(data, "shock")
    res = m.fit(**SAMPLER)
    pi = res.draws["pi"]
    assert abs(pi.mean() - 0.1) < 3 * pi.std() + 0.01
    assert res.quantity("homogenization")["mean"] > 5  # shocks make everyone fail the same instances
    assert "shock" in res.summary().as_text()
    with pytest.raises(es.FormulaError, match="not supported by family 'shock'"):
        es.model("fail ~ model + (1 | instance) + group", data.with_group(np.repeat(["a", "b"], 1500)), family="shock")
    with pytest.raises(es.EcostatError, match="does not take link"):
        es.fit(data, "shock", link="probit", **SAMPLER)


def test_spec_and_command_line_run_the_toy_family(data, tmp_path, capsys):
    spec = tmp_path / "shock.toml"
    spec.write_text('name = "shock"\nkind = "fit"\nformula = "fail ~ model + (1 | instance)"\nfamily = "shock"\n'
                    '[priors]\npi_b = 4.0\n[sampler]\ndraws = 200\ntune = 200\nseed = 2\n')
    loaded = es.load_spec(spec)
    assert loaded.family == "shock" and loaded.priors == {"pi_b": 4.0}
    res = loaded.run(data)
    assert res.family == "shock" and res.options.prior_dict == {"pi_b": 4.0}
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\nkind = "fit"\nfamily = "shock"\n[model]\nlink = "probit"\n')
    with pytest.raises(es.EcostatError, match="family 'shock' does not take it"):
        es.load_spec(bad)
    # the command line: label 0, a prediction of 1 is a failure
    frame = data.to_frame().astype(int).reset_index(names="instance_id").assign(label=0)
    csv = tmp_path / "shock.csv"
    frame.to_csv(csv, index=False)
    from ecostat.interface.cli import main

    assert main(["fit", str(csv), "--family", "shock", "--draws", "200", "--tune", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["family"] == "shock" and out["n_instances"] == 3000
