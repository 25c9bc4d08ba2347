"""The formula grammar: every supported form reads into the right family and options; others fail clearly."""

from __future__ import annotations

import pytest

from ecostat.bayes.formula import FormulaError, parse_formula

# formula, family=, expected (family, group, location, scale, model_by_group, covariates)
FORMS = [
    ("fail ~ model", None, ("independence", None, False, False, False, ())),
    ("fail ~ model * group", None, ("independence", "group", True, False, True, ())),
    ("fail ~ model + model:group", None, ("independence", "group", False, False, True, ())),
    ("fail ~ model + (1 | instance)", None, ("rasch", None, False, False, False, ())),
    ("fail ~ 1 + model + (1|instance)", None, ("rasch", None, False, False, False, ())),
    ("fail ~ 0 + model + (1 | instance)", "twopl", ("twopl", None, False, False, False, ())),
    ("fail ~ model + (1 | instance)", "bernoulli", ("rasch", None, False, False, False, ())),
    ("fail ~ model + (1 | instance)", "latent_class", ("latent_class", None, False, False, False, ())),
    ("fail ~ model + (1 | instance)", "hard_easy", ("hard_easy", None, False, False, False, ())),
    ("fail ~ model + (1 | instance) + group", None, ("rasch", "group", True, False, False, ())),
    ("fail ~ model + (1 | instance) + group", "latent_class", ("latent_class", "group", True, False, False, ())),
    ("fail ~ model + (1 | instance:group)", None, ("rasch", "group", False, True, False, ())),
    ("fail ~ model * group + (1 | instance:group)", None, ("rasch", "group", True, True, True, ())),
    ("fail ~ model + model:group + (1 | instance)", "twopl", ("twopl", "group", False, False, True, ())),
    ("fail ~ model + (1 | instance) + agreement", None, ("rasch", None, False, False, False, ("agreement",))),
    ("fail ~ model + (1 | instance) + a + b", None, ("rasch", None, False, False, False, ("a", "b"))),
    ("fail ~ model + (0 + model | instance)", None, ("mvprobit", None, False, False, False, ())),
    ("fail ~ model + (model | instance)", "mvprobit", ("mvprobit", None, False, False, False, ())),
]


@pytest.mark.parametrize("formula,family,expected", FORMS, ids=[f"{f} [{fam}]" for f, fam, _ in FORMS])
def test_supported_forms(formula, family, expected):
    p = parse_formula(formula, family)
    assert (p.family, p.group, p.group_location, p.group_scale, p.model_by_group, p.covariates) == expected
    assert p.response == "fail" and not p.flip


def test_group_by_its_own_name_and_names_of_roles():
    p = parse_formula("fail ~ api * skin + (1 | person:skin)", group="skin", model="api")
    assert (p.model, p.instance, p.group, p.model_by_group, p.group_scale) == ("api", "person", "skin", True, True)
    p = parse_formula("1 - correct ~ model + (1 | instance)")
    assert p.response == "correct" and p.flip


@pytest.mark.parametrize("formula,family,match", [
    ("fail model", None, "a formula is a string 'response ~ terms'"),
    ("fail ~ model ~ x", None, "more than one '~'"),
    ("log(fail) ~ model", None, "response 'log\\(fail\\)'"),
    ("fail ~ (1 | instance)", None, "needs the decision-maker term 'model'"),
    ("fail ~ model + log(x)", None, "term 'log\\(x\\)'"),
    ("fail ~ model + x:y + (1 | instance)", None, "term 'x:y'.*model:group only"),
    ("fail ~ model + (1 | instance) + (0 + model | instance)", None, "2 latent terms"),
    ("fail ~ model + (x | instance)", None, "term '\\(x\\|instance\\)'"),
    ("fail ~ model + (1 || instance)", None, "uncorrelated latent terms"),
    ("fail ~ model + (1 | instance:x)", None, "'x' is not the group"),
    ("fail ~ model + (0 + model | instance:group)", None, "correlated per-model terms take no group scale"),
    ("fail ~ model - group", None, "removing the term 'group'"),
    ("fail ~ model + (1 | instance", None, "unbalanced '\\('"),
    ("fail ~ model + group", None, "not supported by family 'independence'.*write 'model \\* group'"),
    ("fail ~ model + x", None, "term 'x'.*covariates on difficulty need a latent-trait family"),
    ("fail ~ model + (1 | instance)", "mvprobit", "family 'mvprobit' does not fit.*'\\(0 \\+ model \\| instance\\)'"),
    ("fail ~ model + (0 + model | instance)", "rasch", "family 'rasch' does not fit"),
    ("fail ~ model", "rasch", "family 'rasch' does not fit.*'\\(1 \\| instance\\)'"),
    ("fail ~ model + (1 | instance)", "nope", "unknown family 'nope'"),
    ("fail ~ model * group + (1 | instance)", "latent_class", "class shares by group"),
    ("fail ~ model + (1 | instance:group)", "latent_class", "class shares by group"),
    ("fail ~ model + (1 | instance) + group", "hard_easy", "no group terms"),
    ("fail ~ model + (1 | instance) + x", "latent_class", "latent-trait family"),
])
def test_unsupported_terms_name_the_term_and_what_is_supported(formula, family, match):
    with pytest.raises(FormulaError, match=match):
        parse_formula(formula, family)


def test_unsupported_term_lists_the_grammar():
    with pytest.raises(FormulaError) as err:
        parse_formula("fail ~ model + poly(x, 2) + (1 | instance)")
    assert "supported terms:" in str(err.value) and "(0 + model | instance)" in str(err.value)
