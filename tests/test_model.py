"""``ecostat.model``: formulas and the keyword API make identical models; build, graph, prior predictive, fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.bayes.model import Model


@pytest.fixture(scope="module")
def fm():
    out = es.simulate(n=600, family="rasch", groups={"dark": 0.4, "light": 0.6}, covariate_effect=0.5, seed=5)
    return out.with_covariates(out.covariates.rename(columns={"x": "agreement"}))


# formula (+ model() keywords)  <->  keyword API of es.fit / Model.from_keywords
EQUIVALENT = [
    ("fail ~ model", {}, "independence", {"grouped": False}),
    ("fail ~ model * group", {}, "independence", {"grouped": True}),
    ("fail ~ model + (1 | instance)", {}, "rasch", {"grouped": False}),
    ("fail ~ model + (1 | instance)", {"link": "probit"}, "rasch", {"grouped": False, "link": "probit"}),
    ("fail ~ model + (1 | instance) + group", {}, "rasch", {"grouped": True, "group_scale": False}),
    ("fail ~ model + (1 | instance:group)", {}, "rasch", {"grouped": True, "group_location": False}),
    ("fail ~ model + group + (1 | instance:group)", {}, "rasch", {"grouped": True}),
    ("fail ~ model * group + (1 | instance:group)", {}, "rasch", {"grouped": True, "model_by_group": True}),
    ("fail ~ model * group + (1 | instance)", {}, "rasch", {"grouped": True, "model_by_group": True, "group_scale": False}),
    ("fail ~ model + (1 | instance) + agreement", {}, "rasch", {"grouped": False, "covariates": "agreement"}),
    ("fail ~ model + (1 | instance) + agreement", {"family": "twopl"}, "twopl",
     {"grouped": False, "covariates": ["agreement"]}),
    ("fail ~ model + group + (1 | instance:group)", {"family": "twopl", "link": "probit"}, "twopl",
     {"grouped": True, "link": "probit"}),
    ("fail ~ model + (1 | instance)", {"family": "latent_class", "n_classes": 3}, "latent_class",
     {"grouped": False, "n_classes": 3}),
    ("fail ~ model + (1 | instance) + group", {"family": "latent_class"}, "latent_class", {"grouped": True}),
    ("fail ~ model + (1 | instance)", {"family": "hard_easy"}, "hard_easy", {}),
    ("fail ~ model + (0 + model | instance)", {}, "mvprobit", {}),
    ("fail ~ model + (1 | instance)", {"priors": {"sigma_sd": 1.0}}, "rasch",
     {"grouped": False, "priors": {"sigma_sd": 1.0}}),
]


def _points(model, n=2):
    rng = np.random.default_rng(0)
    return [{k: v + rng.normal(0, 0.4, np.shape(v)) for k, v in model.initial_point().items()} for _ in range(n)]


@pytest.mark.parametrize("formula,mkw,family,kw", EQUIVALENT, ids=[f"{f} {m}" for f, m, _, _ in EQUIVALENT])
def test_formula_and_keywords_make_identical_models(fm, formula, mkw, family, kw):
    by_formula = es.model(formula, fm, **mkw)
    by_keywords = Model.from_keywords(fm, family, **kw)
    assert by_formula.family == family
    assert by_formula == by_keywords, (by_formula.spec, by_keywords.spec)
    a, b = by_formula.build(), by_keywords.build()
    assert [v.name for v in a.free_RVs] == [v.name for v in b.free_RVs]
    assert [v.name for v in a.deterministics] == [v.name for v in b.deterministics]
    assert a.coords == b.coords
    logp_a, logp_b = a.compile_logp(), b.compile_logp()
    for point in _points(a):
        la, lb = float(logp_a(point)), float(logp_b(point))
        assert np.isfinite(la) and la == lb


def test_same_seed_gives_bit_identical_fits_through_either_api(fm):
    kw = dict(draws=60, tune=60, chains=2, cores=1, seed=4)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", es.EcostatWarning)  # 60 draws are not meant to converge
        a = es.model("fail ~ model + (1 | instance) + group", fm).fit(**kw)
        b = es.fit(fm, "rasch", grouped=True, group_scale=False, **kw)
    assert a.formula == "fail ~ model + (1 | instance) + group" and b.formula is None
    for name in ("b", "mu_group", "sigma"):
        np.testing.assert_array_equal(a.draws[name], b.draws[name])


def test_long_table_and_failure_matrix_give_the_same_model(fm):
    wide = fm.to_frame().assign(person=[f"p{i}" for i in range(fm.n_instances)], skin=np.asarray(fm.group),
                                agreement=fm.covariates["agreement"].to_numpy())
    long = wide.melt(id_vars=["person", "skin", "agreement"], var_name="api", value_name="fail")
    m_long = es.model("fail ~ api * skin + (1 | person:skin) + agreement", long, decision_maker="api")
    m_fm = es.model("fail ~ model * group + (1 | instance:group) + agreement", fm)
    assert m_long.design.digest() == m_fm.design.digest() and m_long.options == m_fm.options
    # successes as the response
    long_ok = long.assign(correct=1 - long["fail"]).drop(columns="fail")
    m_ok = es.model("1 - correct ~ api * skin + (1 | person:skin) + agreement", long_ok, decision_maker="api")
    assert m_ok.design.digest() == m_fm.design.digest()


def test_long_table_keeps_missing_cells(fm):
    long = fm.to_frame().assign(instance=range(fm.n_instances)).melt(id_vars="instance", var_name="model",
                                                                     value_name="fail")
    long = long.iloc[3:]  # drop three (instance, model) rows: missing cells, marginalized
    m = es.model("fail ~ model + (1 | instance)", long)
    assert m.design.n_instances == fm.n_instances and (m.design.patterns < 0).any()


@pytest.mark.parametrize("formula,kw,exc,match", [
    ("fail ~ model + (1 | instance) + votes", {}, es.DataError, "names 'votes', which is neither the group nor"),
    ("fail ~ model + (1 | instance)", {"model_by_group": True}, es.EcostatError, "disagrees with formula"),
    ("fail ~ model + (1 | instance)", {"priors": {"nope_sd": 1.0}}, es.EcostatError, "no prior hyperparameter"),
    ("fail ~ model + (1 | instance) + x", {"family": "hard_easy"}, es.FormulaError, "latent-trait family"),
])
def test_model_errors_name_the_problem(fm, formula, kw, exc, match):
    with pytest.raises(exc, match=match):
        es.model(formula, fm, **kw)


def test_group_term_without_a_group_and_bad_data():
    plain = es.simulate(n=100, seed=0)
    with pytest.raises(es.DataError, match="the data have no group; attach one"):
        es.model("fail ~ model + (1 | instance) + group", plain)
    with pytest.raises(es.DataError, match="FailureMatrix or a long pandas DataFrame"):
        es.model("fail ~ model", plain.failures)
    long = pd.DataFrame({"instance": [1, 1, 2, 2], "model": ["a", "b", "a", "b"], "fail": [0, 1, 2, 0]})
    with pytest.raises(es.DataError, match="must be 0/1"):
        es.model("fail ~ model + (1 | instance)", long)
    with pytest.raises(es.DataError, match="not in the data"):
        es.model("fail ~ model + (1 | item)", long)


def test_build_graph_priors_and_prior_predictive(fm):
    m = es.model("fail ~ model * group + (1 | instance:group)", fm)
    assert "<ecostat.Model rasch: fail ~ model * group" in repr(m)
    assert set(m.priors()["parameter"]) == {"b", "mu_group", "sigma_group", "gamma", "tau_gamma"}
    assert m.hyperparameters()["b_sd"] == pytest.approx(2.55)
    assert "gamma" in m.graph().source
    pp = m.prior_predictive(draws=40, seed=2)
    pp2 = m.prior_predictive(draws=40, seed=2)
    np.testing.assert_array_equal(pp.quantity_draws("homogenization"), pp2.quantity_draws("homogenization"))
    H = pp.quantity_draws("homogenization", by_group=True)
    assert H.shape == (40, 2) and np.all(H >= 1 - 1e-9)
    text = pp.summary().as_text()
    assert "Prior predictive statistics vs observed" in text and "Implied ecosystem quantities" in text
    from latex_check import assert_valid_latex
    assert_valid_latex(pp.summary().as_latex(standalone=True))
    with pytest.raises(es.EcostatError, match="draws must be an integer"):
        m.prior_predictive(draws=0)


def test_design_rows_are_the_lexicographic_unique_rows():
    """make_design ranks packed patterns instead of sorting a float copy: the same rows, order and counts."""
    from ecostat.bayes.families.design import _unique_rows

    rng = np.random.default_rng(4)
    patterns = rng.integers(-1, 2, size=(3000, 7)).astype(np.int8)
    keys = np.column_stack([rng.integers(0, 3, 3000), rng.normal(size=3000).round(0)])
    rows, inverse = np.unique(np.column_stack([patterns.astype(float), keys]), axis=0, return_inverse=True)
    first, row_of = _unique_rows(patterns, keys)
    np.testing.assert_array_equal(np.column_stack([patterns[first].astype(float), keys[first]]), rows)
    np.testing.assert_array_equal(row_of, inverse.reshape(-1))
