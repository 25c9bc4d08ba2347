"""Every option is declared once (ecostat.options) and the CLI flags, spec keys and Python defaults agree with it."""

from __future__ import annotations

import argparse
import inspect

import pytest

import ecostat as es
from ecostat.bayes.model import Model
from ecostat.bayes.sampling import sampler_settings
from ecostat.interface.cli import build_parser
from ecostat.interface.demo import run_demo
from ecostat.interface.report import report
from ecostat.interface.spec import load_spec
from ecostat.options import OPTIONS, SECTIONS, VERBS, check, default

#: the Python functions behind each verb
FUNCTIONS = {"describe": [es.describe], "baseline": [es.baseline], "demo": [run_demo],
             "fit": [es.fit, Model.from_keywords, Model.fit, sampler_settings, es.model], "compare": [es.compare],
             "report": [report]}
#: model options a formula decides (es.model reads them from the formula, not from keywords)
FORMULA_DECIDES = {"formula", "model_by_group", "group_location", "group_scale", "grouped", "covariates"}


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_cli_flags_are_the_schema(verb):
    actions = {a.dest: a for a in _subparsers()[verb]._actions if a.dest not in ("help", "data", "fits")}
    for name in VERBS[verb]:
        opt = OPTIONS[name]
        if opt.cli_flag is None:
            assert name not in actions, f"{name} has no flag in the schema but `ecostat {verb}` has one"
            continue
        action = actions.pop(name)
        negated = {"--no-" + f[2:] for f in (opt.cli_flag, *opt.aliases)} if opt.type is bool else set()
        assert action.option_strings[0] == opt.cli_flag
        assert set(action.option_strings[1:]) - negated == set(opt.aliases)
        expected = None if opt.type is dict or name == "covariates" else opt.default
        assert action.default == expected, f"--{name} default {action.default!r} != schema {opt.default!r}"
        if opt.choices:
            assert tuple(action.choices) == opt.choices
    assert not actions, f"`ecostat {verb}` has flags outside the schema: {sorted(actions)}"


@pytest.mark.parametrize("verb", sorted(FUNCTIONS))
def test_python_defaults_are_the_schema(verb):
    checked = 0
    for fn in FUNCTIONS[verb]:
        params = inspect.signature(fn).parameters
        for name in VERBS[verb]:
            if name not in params or (fn is es.model and name in FORMULA_DECIDES):
                continue
            assert params[name].default == OPTIONS[name].default, f"{fn.__qualname__}({name}=) != schema"
            checked += 1
    assert checked


def _value(name):
    opt = OPTIONS[name]
    if opt.choices:
        return opt.choices[0]
    if opt.default is not None and not isinstance(opt.default, str) or (opt.choices and opt.default):
        return opt.default
    samples = {int: 3, float: 0.5, bool: True, str: "x", list: ["a"], dict: {}}
    return opt.default if isinstance(opt.default, str) and opt.default not in opt.keywords else samples[opt.type]


@pytest.mark.parametrize("kind", sorted(SECTIONS))
def test_spec_keys_are_the_schema(kind, tmp_path):
    """Every key of every section loads with a valid value; the same key outside its section is refused."""
    import tomllib  # noqa: F401 (the spec format)

    lines = ['name = "x"', f'kind = "{kind}"'] + (['family = "rasch"'] if kind == "fit" else [])
    for section, keys in SECTIONS[kind].items():
        if section in ("fit", "priors"):
            continue
        lines.append(f"[{section}]")
        for key in keys:
            if key in ("n_classes", "group_location", "group_scale", "covariates"):  # not read by rasch / checked below
                continue
            v = _value(key)
            text = {True: "true", False: "false"}.get(v, None) if isinstance(v, bool) else None
            lines.append(f"{key} = {text if text else repr(v).replace(chr(39), chr(34))}")
    path = tmp_path / "all.toml"
    path.write_text("\n".join(lines) + "\n")
    spec = load_spec(path)
    assert spec.kind == kind
    with pytest.raises(es.EcostatError, match="unknown key"):
        path.write_text(f'name = "x"\nkind = "{kind}"\n' + ('family = "rasch"\n' if kind == "fit" else "")
                        + "[data]\nn_boot_typo = 1\n")
        load_spec(path)


def test_one_declaration_per_option_and_one_check():
    assert len(OPTIONS) == len({o.name for o in OPTIONS.values()})
    flags = [f for o in OPTIONS.values() if o.cli_flag for f in (o.cli_flag, *o.aliases)]
    assert len(flags) == len(set(flags)), "a flag is declared twice"
    # the same rule in Python and in a spec, for every bounded option
    for name, opt in OPTIONS.items():
        if opt.type in (int, float) and opt.low is not None:
            bad = opt.low - 1
            with pytest.raises(es.EcostatError):
                check(name, bad)
            with pytest.raises(es.EcostatError):
                check(name, bad, where="spec 'x.toml' [s]")
    assert default("n_boot") == 1000


def test_family_reads_decide_the_unread_options():
    fm = es.simulate(n=300, seed=0)
    with pytest.raises(es.EcostatError, match="does not take link"):
        es.fit(fm, "latent_class", link="probit", draws=5, tune=5)
    from ecostat.bayes.families import families_reading

    assert families_reading("link") == ["rasch", "twopl"]
