"""Model formulas in the explanatory-IRT tradition (``docs/architecture.md``, "Formulas").

Failures are a GLMM with crossed instance and decision-maker terms
(De Boeck & Wilson 2004; lme4/brms syntax): one row per (instance,
decision-maker), response ``fail`` (1 = failure), a fixed effect per
decision-maker and a random effect per instance, the latent difficulty.
:func:`parse_formula` turns a formula into the family and structural options of
the keyword API (:func:`ecostat.fit`); it is pure and needs no data.

Grammar (``NAME`` is a column, ``A + B`` adds terms)::

    fail ~ model                                  independence
    fail ~ model * group                          independence, rates by group
    fail ~ model + (1 | instance)                 rasch (or twopl / latent_class / hard_easy via family=)
    fail ~ model + (1 | instance) + group         + difficulty location by group
    fail ~ model + (1 | instance:group)           + difficulty scale by group
    fail ~ model * group + (1 | instance:group)   + model-by-group effects, location and scale by group
    fail ~ model + model:group + (1 | instance)   model-by-group effects only
    fail ~ model + (1 | instance) + agreement     + instance covariate on difficulty (per sd)
    fail ~ model + (0 + model | instance)         mvprobit: correlated per-model latent terms
    1 - correct ~ ...                             the response given as successes

``1``, ``0`` and ``-1`` are accepted and ignored: the per-decision-maker effects
absorb the intercept. Roles: ``model`` is the decision-maker factor, the
grouping factor of the ``( ... | ...)`` term is the instance, a name equal to
the data's group (or the literal ``group``) is the group, and every other name
is an instance covariate.

Which family a formula fits is decided by the family registry
(:mod:`ecostat.bayes.families`): each family declares its latent term and the
group and covariate terms it fits, so a registered family is a valid
``family=`` here without editing this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

from ..errors import FormulaError

__all__ = ["ParsedFormula", "parse_formula", "FormulaError", "GRAMMAR"]

GRAMMAR = """supported terms:
  model                     one effect per decision-maker (required)
  (1 | instance)            latent instance difficulty (rasch, twopl, latent_class, hard_easy)
  (1 | instance:group)      latent difficulty with a scale per group
  (0 + model | instance)    correlated per-model latent terms (mvprobit)
  group                     difficulty location by group (class shares for latent_class)
  model:group, model*group  model-by-group effects (rasch, twopl) or rates by group (independence)
  NAME                      any other column: an instance covariate on difficulty (rasch, twopl)"""

#: family names of GLMM software, accepted as "the family the formula implies"
_GLM_FAMILIES = {"bernoulli", "binomial"}
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"


@dataclass(frozen=True)
class ParsedFormula:
    """A formula read into roles (see the module docstring).

    Attributes
    ----------
    formula : str
        The formula as given.
    response : str
        Name of the response column.
    flip : bool
        The response was written ``1 - NAME`` (successes).
    model : str
        Name of the decision-maker factor.
    instance : str or None
        Grouping factor of the latent term.
    latent : {None, "intercept", "model"}
        No latent term, ``(1 | instance)`` or ``(0 + model | instance)``.
    group : str or None
        Name of the group variable, where one is used.
    group_location, group_scale, model_by_group : bool
    covariates : tuple of str
    family : str
        The family the formula resolves to.
    """

    formula: str
    response: str
    flip: bool
    model: str
    instance: str | None
    latent: str | None
    group: str | None
    group_location: bool
    group_scale: bool
    model_by_group: bool
    covariates: tuple[str, ...] = field(default_factory=tuple)
    family: str = "rasch"

    @property
    def grouped(self) -> bool:
        return self.group is not None


def parse_formula(formula: str, family: str | None = None, *, group: str | None = "group",
                  model: str = "model") -> ParsedFormula:
    """Read a formula into the family and options it stands for.

    Parameters
    ----------
    formula : str
        See the module docstring for the grammar.
    family : str, optional
        A family compatible with the formula's latent term (default: the
        family the registry marks ``formula_default``); ``"bernoulli"``/``"binomial"``
        mean the default.
    group : str, optional
        Name of the data's group variable; the literal ``group`` is accepted too.
    model : str
        Name of the decision-maker factor.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    FormulaError
        Naming the term that is not supported and listing what is.

    Examples
    --------
    >>> p = parse_formula("fail ~ model * group + (1 | instance:group)")
    >>> p.family, p.group_location, p.group_scale, p.model_by_group
    ('rasch', True, True, True)
    >>> parse_formula("fail ~ model + (0 + model | instance)").family
    'mvprobit'
    >>> parse_formula("fail ~ model + (1 | instance) + agreement", family="twopl").covariates
    ('agreement',)
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"a formula is a string 'response ~ terms', e.g. 'fail ~ model + (1 | instance)'; got {formula!r}.")
    lhs, _, rhs = formula.partition("~")
    if "~" in rhs:
        raise FormulaError(f"formula {formula!r} has more than one '~'.")
    response, flip = _response(lhs.strip(), formula)
    fixed, latent_terms = _split_terms(rhs, formula)
    if len(latent_terms) > 1:
        raise FormulaError(f"formula {formula!r} has {len(latent_terms)} latent terms ({', '.join(latent_terms)}); "
                           "one '( ... | instance)' term describes the latent difficulty.\n" + GRAMMAR)
    latent, instance, scale_group = (None, None, None) if not latent_terms else _latent(latent_terms[0], model, formula)

    group_names = {n for n in (group, "group") if n}
    has_model, location, by_group, covariates, group_used = False, False, False, [], set()
    for term in fixed:
        names = term.split(":")
        if names == [model]:
            has_model = True
        elif len(names) == 1 and names[0] in group_names:
            location = True
            group_used.add(names[0])
        elif len(names) == 1:
            covariates.append(names[0])
        elif len(names) == 2 and model in names and (set(names) - {model}) <= group_names:
            by_group = True
            group_used |= set(names) - {model}
        else:
            raise FormulaError(f"term {term!r} in {formula!r} is not supported: interactions are model:group only "
                               f"(group = {group!r}).\n" + GRAMMAR)
    if scale_group is not None:
        if scale_group not in group_names:
            raise FormulaError(f"term '(1 | {instance}:{scale_group})' in {formula!r}: {scale_group!r} is not the "
                               f"group ({group!r}); attach it as the group first.")
        group_used.add(scale_group)
    if len(group_used) > 1:
        raise FormulaError(f"formula {formula!r} names the group as both {' and '.join(sorted(group_used))}; use one name.")
    if not has_model:
        raise FormulaError(f"formula {formula!r} needs the decision-maker term {model!r} (every family has one "
                           f"effect per decision-maker): e.g. 'fail ~ {model} + (1 | instance)'.")
    if len(set(covariates)) < len(covariates):
        raise FormulaError(f"formula {formula!r} repeats a covariate.")
    fam = _family(family, latent, formula)
    parsed = ParsedFormula(formula=formula, response=response, flip=flip, model=model, instance=instance, latent=latent,
                           group=next(iter(group_used), None), group_location=location,
                           group_scale=scale_group is not None, model_by_group=by_group,
                           covariates=tuple(covariates), family=fam)
    _check_family_terms(parsed)
    return parsed


def _response(lhs: str, formula: str) -> tuple[str, bool]:
    m = re.fullmatch(rf"(?:1\s*-\s*)?({_NAME})", lhs)
    if not m:
        raise FormulaError(f"response {lhs!r} of {formula!r} is not supported; write a 0/1 failure column "
                           "('fail ~ ...') or successes as '1 - correct ~ ...'.")
    return m.group(1), lhs.startswith("1")


def _split_terms(rhs: str, formula: str) -> tuple[list[str], list[str]]:
    """Fixed terms (``*`` expanded, ``1``/``0``/``-1`` dropped) and the ``( ... | ... )`` terms."""
    parts, depth, cur = [], 0, ""
    for ch in rhs:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            raise FormulaError(f"formula {formula!r} has an unbalanced ')'.")
        if ch in "+-" and depth == 0:
            parts.append(cur)
            cur = "-" if ch == "-" else ""
        else:
            cur += ch
    if depth:
        raise FormulaError(f"formula {formula!r} has an unbalanced '('.")
    parts.append(cur)
    fixed, latent = [], []
    for raw in parts:
        t = re.sub(r"\s+", "", raw)
        if not t:
            continue
        if t in ("1", "0", "-1"):
            continue
        if t.startswith("-"):
            raise FormulaError(f"removing the term {t[1:]!r} in {formula!r} is not supported (only '- 1').\n" + GRAMMAR)
        if t.startswith("("):
            if not t.endswith(")") or "|" not in t:
                raise FormulaError(f"term {raw.strip()!r} in {formula!r} is not supported.\n" + GRAMMAR)
            latent.append(t)
            continue
        if not re.fullmatch(rf"{_NAME}([:*]{_NAME})*", t):
            raise FormulaError(f"term {raw.strip()!r} in {formula!r} is not supported.\n" + GRAMMAR)
        fixed += _expand(t)
    return list(dict.fromkeys(fixed)), latent


def _expand(term: str) -> list[str]:
    """``a*b`` -> ``a, b, a:b`` (R's crossing); ``a:b`` stays."""
    factors = term.split("*")
    return [":".join(c) for size in range(1, len(factors) + 1) for c in combinations(factors, size)]


def _latent(term: str, model: str, formula: str) -> tuple[str, str, str | None]:
    inner = term[1:-1]
    if "||" in inner:
        raise FormulaError(f"term {term!r}: uncorrelated latent terms '||' are not supported; write "
                           f"'(0 + {model} | instance)' for correlated per-model terms.\n" + GRAMMAR)
    left, _, right = inner.partition("|")
    m = re.fullmatch(rf"({_NAME})(?::({_NAME}))?", right)
    if not m:
        raise FormulaError(f"term {term!r} in {formula!r}: the grouping factor must be 'instance' or "
                           "'instance:group'.\n" + GRAMMAR)
    instance, scale_group = m.group(1), m.group(2)
    if left == "1":
        return "intercept", instance, scale_group
    if left in (model, f"0+{model}", f"-1+{model}", f"1+{model}", f"{model}+0", f"{model}-1"):
        if scale_group:
            raise FormulaError(f"term {term!r}: correlated per-model terms take no group scale (mvprobit has no "
                               "group terms).\n" + GRAMMAR)
        return "model", instance, None
    raise FormulaError(f"term {term!r} in {formula!r} is not supported: the latent term is '(1 | instance)' or "
                       f"'(0 + {model} | instance)'.\n" + GRAMMAR)


def _family(family: str | None, latent: str | None, formula: str) -> str:
    from .families.registry import FAMILIES, formula_families

    allowed = formula_families(latent)
    if family is None or family in _GLM_FAMILIES:
        if not allowed:
            raise FormulaError(f"no registered family fits formula {formula!r}.")
        return allowed[0]
    if family not in allowed:
        if family not in FAMILIES:
            raise FormulaError(f"unknown family {family!r}; choose one of {sorted(FAMILIES)}.")
        want = {None: "no latent term, e.g. 'fail ~ model'", "model": "'(0 + model | instance)'",
                "intercept": "'(1 | instance)'"}[FAMILIES[family].latent_term]
        raise FormulaError(f"family {family!r} does not fit formula {formula!r}: it needs {want}. With this formula "
                           f"use {' or '.join(repr(a) for a in allowed)}.")
    return family


def _check_family_terms(p: ParsedFormula) -> None:
    """Terms the resolved family cannot express, named with the alternative (the family says which)."""
    from .families.registry import get_family

    get_family(p.family).check_terms(p)
