"""Declarative specs of named analyses (``models/*.toml``).

A spec names an analysis and fixes every setting that changes its numbers
(decision-makers, bootstrap replicates, seeds, validity rule, model, priors,
sampler), so that a published figure can be re-run by name:
``ecostat describe DATA --spec models/toups2023_homogeneous_outcomes.toml``
or ``ecostat fit DATA --spec models/toups2023_fit_rasch.toml``.
Settings given on the command line override the spec's.

Descriptive analyses, kinds ``describe`` and ``baseline`` (TOML)::

    name = "toups2023-homogeneous-outcomes"
    kind = "describe"                 # or "baseline"
    description = "..."

    [data]                            # optional: label, id, models, years, group
    models = ["google", "microsoft", "facepp"]

    [options]                         # per kind, see OPTIONS
    n_boot = 1000
    seed = 0

Bayesian fits, kind ``fit``: what to fit (a ``formula``, a ``family``, or a
formula and the family that reads it), then the data, model, priors and
sampler sections, all optional::

    name = "toups2023-fit-rasch-agreement"
    kind = "fit"
    description = "..."
    formula = "fail ~ model + (1 | instance) + agreement"   # R-style model (ecostat.bayes.formula)
    family = "rasch"                  # optional with a formula: picks among the families the
                                      # formula fits (twopl, latent_class, hard_easy read
                                      # "(1 | instance)" too); required without one

    [data]                            # label, id, models, years, group, covariates
    models = ["google", "microsoft", "facepp"]
    covariates = ["agreement"]        # numeric columns read as instance covariates

    [model]                           # structural options (MODEL_KEYS)
    link = "logit"                    # "logit" or "probit" (rasch, twopl)
    n_classes = 2                     # latent_class
    model_by_group = false            # partially pooled model-by-group effects (rasch, twopl)
    group_location = true             # family specs (a formula says it by its terms): difficulty
    group_scale = true                # location and scale by group (rasch, twopl)
    quadrature = 128                  # grid nodes integrating difficulty out

    [priors]                          # prior hyperparameter -> positive number, replacing the
    sigma_sd = 2.55                   # family's default (ecostat.bayes.families.get_family(F).prior_scales)

    [sampler]                         # NUTS settings (SAMPLER_KEYS)
    draws = 1000                      # per chain, >= 1
    tune = 1000                       # per chain, >= 0
    chains = 2                        # >= 1
    seed = 0                          # the same seed gives the same draws
    target_accept = 0.95              # in [0.5, 1)
    cores = 2                         # parallel chains (default min(chains, CPUs))
    sampler = "pymc"                  # or "nutpie"

Every key is optional except what to fit; a missing one takes the default of
:func:`ecostat.fit` / :func:`ecostat.model` (shown above). In a formula the
literal ``group`` stands for the data's group (``[data] group`` or ``--group``);
every other name besides ``model`` and ``instance`` is a covariate column, read
from the data whether or not ``[data] covariates`` lists it.

Without a formula the family is fitted as ``es.fit(data, family, ...)``: the
data's group (``[data] group`` or ``--group``) is then modelled and the
``[data] covariates`` shift difficulty. With a formula the formula says which
group and covariate terms enter (``es.model(formula, data, ...)``). Every
malformed spec raises :class:`SpecError` naming the file, the key and what is
expected.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EcostatError, preview

__all__ = ["Spec", "SpecError", "load_spec", "OPTIONS", "DATA_KEYS", "MODEL_KEYS", "SAMPLER_KEYS", "fit_with",
           "formula_covariates"]

#: settings of the data section and their types (``covariates``: fit specs only)
DATA_KEYS: dict[str, type | tuple] = {"label": str, "id": str, "models": list, "years": list, "group": str,
                                      "covariates": list}
#: options of each descriptive kind of analysis and their types
OPTIONS: dict[str, dict[str, type | tuple]] = {
    "describe": {"n_boot": int, "seed": int, "ci": float, "bootstrap_by": str, "hard_easy": bool, "rule": str},
    "baseline": {"rule": str, "n_sim": int, "seed": int},
}
#: structural options of a fit spec ([model]) and their types
MODEL_KEYS: dict[str, type] = {"link": str, "n_classes": int, "model_by_group": bool, "group_location": bool,
                               "group_scale": bool, "quadrature": int}
#: sampler settings of a fit spec ([sampler]) and their types
SAMPLER_KEYS: dict[str, type] = {"draws": int, "tune": int, "chains": int, "cores": int, "seed": int,
                                 "target_accept": float, "sampler": str}
#: every kind of spec
KINDS = (*OPTIONS, "fit")
_CHOICES = {"rule": ("strict", "paper"), "bootstrap_by": ("instance", "group"), "link": ("logit", "probit"),
            "sampler": ("pymc", "nutpie")}
#: smallest allowed value of whole-number settings (0 unless listed)
_MINIMUM = {"draws": 1, "chains": 1, "cores": 1, "n_classes": 2, "quadrature": 2}
_TYPE_NAMES = {int: "whole number", float: "number", str: "text value", bool: "true/false", list: "list"}
#: [model] keys and the family capability (Family.supports) each needs
_NEEDS = {"link": "link", "n_classes": "n_classes", "model_by_group": "model_by_group",
          # difficulty location and scale by group: the latent-trait families (those with model-by-group effects)
          "group_location": "model_by_group", "group_scale": "model_by_group"}
#: [model] keys a formula decides (by its group terms)
_FORMULA_DECIDES = {"group_location": "'+ group' gives a difficulty location per group",
                    "group_scale": "'(1 | instance:group)' a difficulty scale per group"}


class SpecError(EcostatError):
    """A spec file is malformed."""


@dataclass(frozen=True)
class Spec:
    """A named analysis: what to run and with which settings.

    Attributes
    ----------
    name, kind, description : str
    data : dict
        Data-reading settings (``label``, ``id``, ``models``, ``years``, ``group``, ``covariates``).
    options : dict
        Settings of a descriptive analysis (see :data:`OPTIONS`).
    path : Path or None
    formula, family : str or None
        What a ``fit`` spec fits (at least one of them).
    model : dict
        Structural options of a ``fit`` spec (see :data:`MODEL_KEYS`).
    priors : dict
        Prior hyperparameter -> value of a ``fit`` spec.
    sampler : dict
        Sampler settings of a ``fit`` spec (see :data:`SAMPLER_KEYS`).

    Examples
    --------
    >>> import ecostat as es
    >>> spec = es.load_spec("models/toups2023_fit_rasch.toml")  # doctest: +SKIP
    >>> spec.kind, spec.formula, spec.sampler["seed"]  # doctest: +SKIP
    ('fit', 'fail ~ model + (1 | instance)', 0)
    >>> es.Spec("demo", "fit", family="rasch", sampler={"draws": 500}).sampler
    {'draws': 500}
    """

    name: str
    kind: str
    description: str = ""
    data: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    path: Path | None = None
    formula: str | None = None
    family: str | None = None
    model: dict = field(default_factory=dict)
    priors: dict = field(default_factory=dict)
    sampler: dict = field(default_factory=dict)

    def read(self, data_path):
        """Read ``data_path`` (wide table) with the spec's data settings."""
        from ..data.readers import read_wide

        d = self.data
        return read_wide(data_path, label=d.get("label", "label"), id=d.get("id", "instance_id"), models=d.get("models"),
                         years=d.get("years"), group=d.get("group"), covariates=self.covariates())

    def covariates(self) -> list[str]:
        """Columns read as instance covariates: ``[data] covariates`` and those the formula names."""
        names = list(self.data.get("covariates", []))
        if self.formula is not None:
            names += formula_covariates(self.formula, self.family, self.data.get("group"))
        return list(dict.fromkeys(names))

    def run(self, data):
        """Run the analysis on a path or FailureMatrix.

        Returns a Description (``describe``), a dict (``baseline``) or a
        :class:`~ecostat.bayes.results.FitResult` (``fit``).

        Examples
        --------
        >>> import ecostat as es
        >>> spec = es.Spec("demo", "describe", options={"n_boot": 100, "seed": 1})
        >>> spec.run(es.simulate(n=1000, seed=0)).n_boot
        100
        >>> fit = es.Spec("demo", "fit", family="independence", sampler={"draws": 100, "tune": 100})
        >>> fit.run(es.simulate(n=500, seed=0)).family  # doctest: +SKIP
        'independence'
        """
        from ..data.failures import FailureMatrix

        fm = data if isinstance(data, FailureMatrix) else self.read(data)
        o = self.options
        if self.kind == "fit":
            return fit_with(fm, formula=self.formula, family=self.family, group=bool(self.data.get("group")) or None,
                            covariates=self.data.get("covariates"), model=self.model, priors=self.priors,
                            sampler=self.sampler)
        if self.kind == "describe":
            from ..descriptive.describe import describe

            return describe(fm, n_boot=o.get("n_boot", 1000), seed=o.get("seed", 0), ci=o.get("ci", 0.95),
                            bootstrap_by=o.get("bootstrap_by", "instance"), hard_easy=o.get("hard_easy", False),
                            hard_easy_rule=o.get("rule", "strict"))
        from ..descriptive.baseline_analysis import baseline_analysis

        return baseline_analysis(fm, rule=o.get("rule", "strict"), n_sim=o.get("n_sim", 999), seed=o.get("seed", 0))


def fit_with(fm, *, formula: str | None = None, family: str | None = None, group: bool | None = None,
             covariates=None, model: dict | None = None, priors: dict | None = None, sampler: dict | None = None,
             progressbar: bool = False):
    """Fit ``fm`` as a fit spec says: ``es.model(formula, ...).fit(...)`` or ``es.fit(fm, family, ...)``.

    ``model`` and ``sampler`` hold only the settings to pass on (anything
    missing takes the library default), so the spec and the command line mean
    the same as the Python calls.
    """
    model, sampler = dict(model or {}), dict(sampler or {})
    if priors:
        model["priors"] = dict(priors)
    if formula is not None:
        from ..bayes.model import model as make_model

        return make_model(formula, fm, family=family, **model).fit(**sampler, progressbar=progressbar)
    if family is None:
        raise SpecError("a fit needs a formula or a family (e.g. family = \"rasch\").")
    from ..bayes.fit import fit

    return fit(fm, family, group=group, covariates=covariates or None, **model, **sampler, progressbar=progressbar)


def load_spec(path) -> Spec:
    """Read and validate a spec file.

    Raises
    ------
    SpecError
        Naming the file, the key and what is expected.

    Examples
    --------
    >>> import ecostat as es, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.toml")
    >>> _ = open(p, "w").write('name = "x"\\nkind = "describe"\\n[options]\\nn_boot = 200\\n')
    >>> es.load_spec(p).options
    {'n_boot': 200}
    >>> _ = open(p, "w").write('name = "x"\\nkind = "fit"\\nfamily = "rasch"\\n[sampler]\\ndraws = 500\\n')
    >>> es.load_spec(p).sampler
    {'draws': 500}
    """
    path = Path(path)
    if not path.exists():
        raise SpecError(f"spec file {str(path)!r} does not exist; the named analyses are in models/.")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec {str(path)!r} is not valid TOML ({exc}).") from None
    where = f"spec {path.name!r}"
    for key in ("name", "kind"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SpecError(f"{where} needs a text value for {key!r} (e.g. {key} = \"...\").")
    kind = raw["kind"]
    if kind not in KINDS:
        raise SpecError(f"{where}: kind {kind!r} is not known; use one of {preview(KINDS)}.")
    if kind == "fit":
        return _load_fit(raw, path, where)
    fit_only = {"formula", "family", "model", "priors", "sampler"} & set(raw)
    _only(raw, {"name", "kind", "description", "data", "options"}, where,
          hint=" (formula, family, [model], [priors] and [sampler] belong to kind = \"fit\")" if fit_only else "")
    data = _section(raw, "data", DATA_KEYS, where)
    if "covariates" in data:
        raise SpecError(f"{where} [data] covariates: only fit specs (kind = \"fit\") read covariates; "
                        f"a {kind!r} analysis does not use them.")
    options = _section(raw, "options", OPTIONS[kind], where)
    return Spec(raw["name"], kind, str(raw.get("description", "")), data, options, path)


def _load_fit(raw: dict, path: Path, where: str) -> Spec:
    _only(raw, {"name", "kind", "description", "formula", "family", "data", "model", "priors", "sampler"}, where,
          hint=" ([options] belongs to describe and baseline specs; a fit spec has [model], [priors] and [sampler])"
          if "options" in raw else "")
    for key in ("formula", "family", "description"):
        if key in raw and (not isinstance(raw[key], str) or (key != "description" and not raw[key].strip())):
            raise SpecError(f"{where} {key} = {raw[key]!r}: expected a text value"
                            + (" such as \"fail ~ model + (1 | instance)\"." if key == "formula" else
                               " such as \"rasch\"." if key == "family" else "."))
    formula, family = raw.get("formula"), raw.get("family")
    if formula is None and family is None:
        raise SpecError(f"{where} needs a formula (e.g. formula = \"fail ~ model + (1 | instance)\") or a family "
                        f"(e.g. family = \"rasch\"), or both.")
    from ..bayes.families import FAMILIES, get_family

    if family is not None and family not in FAMILIES:
        raise SpecError(f"{where} family = {family!r} is not known; use one of {preview(sorted(FAMILIES), 10)}.")
    data = _section(raw, "data", DATA_KEYS, where)
    for key in data.get("covariates", []):
        if not isinstance(key, str) or not key:
            raise SpecError(f"{where} [data] covariates = {data['covariates']!r}: expected a list of column names.")
    model = _section(raw, "model", MODEL_KEYS, where)
    sampler = _section(raw, "sampler", SAMPLER_KEYS, where)
    if "target_accept" in sampler and not 0.5 <= sampler["target_accept"] < 1:
        raise SpecError(f"{where} [sampler] target_accept = {sampler['target_accept']}: expected a number in [0.5, 1).")
    priors = raw.get("priors", {})
    if not isinstance(priors, dict):
        raise SpecError(f"{where}: [priors] must be a table of prior name = number.")
    for key, value in priors.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise SpecError(f"{where} [priors] {key} = {value!r}: expected a positive number (the prior's scale).")
    priors = {k: float(v) for k, v in priors.items()}
    resolved = family
    decided = sorted(set(model) & set(_FORMULA_DECIDES)) if formula is not None else []
    if decided:
        raise SpecError(f"{where} [model] {decided[0]}: with a formula the group terms say it "
                        f"({'; '.join(_FORMULA_DECIDES.values())}); remove the key.")
    if formula is not None:
        parsed = _parse_formula(formula, family, data.get("group"), where)
        resolved = parsed.family
        if "model_by_group" in model and model["model_by_group"] != parsed.model_by_group:
            raise SpecError(f"{where} [model] model_by_group = {str(model['model_by_group']).lower()} disagrees with "
                            f"formula {formula!r}; write 'model * group' in the formula (or leave the key out).")
    fam = get_family(resolved)
    for key in model:
        need = _NEEDS.get(key)
        if need is not None and need not in fam.supports:
            able = sorted(n for n, f in FAMILIES.items() if need in f.supports)
            raise SpecError(f"{where} [model] {key}: family {resolved!r} does not take it; families that do: "
                            f"{preview(able, 10)}.")
    if model.get("link", "logit") not in fam.links:
        raise SpecError(f"{where} [model] link = {model['link']!r}: family {resolved!r} takes {preview(fam.links)}.")
    if "covariates" in data and formula is None and "covariates" not in fam.supports:
        able = sorted(n for n, f in FAMILIES.items() if "covariates" in f.supports)
        raise SpecError(f"{where} [data] covariates: family {resolved!r} does not take covariates; families that "
                        f"do: {preview(able, 10)}.")
    unknown = sorted(set(priors) - set(fam.prior_scales))
    if unknown:
        raise SpecError(f"{where} [priors] {preview(unknown)}: family {resolved!r} has no such prior; it takes "
                        f"{preview(sorted(fam.prior_scales), 10) if fam.prior_scales else 'none'}.")
    return Spec(raw["name"], "fit", str(raw.get("description", "")), data, {}, path, formula=formula, family=family,
                model=model, priors=priors, sampler=sampler)


def formula_covariates(formula: str, family: str | None = None, group: str | None = None) -> list[str]:
    """The instance covariates a formula names (columns to read beside the predictions)."""
    from ..bayes.formula import parse_formula

    return list(parse_formula(formula, family=family, group=group or "group").covariates)


def _parse_formula(formula: str, family: str | None, group: str | None, where: str):
    """The parsed formula (a SpecError naming the formula where it cannot be read)."""
    from ..bayes.formula import parse_formula

    try:
        parsed = parse_formula(formula, family=family, group=group or "group")
    except EcostatError as exc:
        raise SpecError(f"{where} formula = {formula!r}: {exc}") from None
    return parsed


def _only(table: dict, allowed: set, where: str, hint: str = "") -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SpecError(f"{where} has unknown key(s) {preview(unknown)}; allowed: {preview(sorted(allowed), 10)}{hint}.")


def _section(raw: dict, name: str, schema: dict, where: str) -> dict:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [{name}] must be a table of settings.")
    _only(table, set(schema), f"{where} [{name}]")
    for key, value in table.items():
        want = schema[key]
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise SpecError(f"{where} [{name}] {key} = {value!r}: expected a {_TYPE_NAMES[want]}.")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise SpecError(f"{where} [{name}] {key} = {value!r}: use one of {preview(_CHOICES[key])}.")
        low = _MINIMUM.get(key, 0)
        if want is int and value < low:
            raise SpecError(f"{where} [{name}] {key} = {value}: expected {low} or more.")
    return {k: float(v) if schema[k] is float else v for k, v in table.items()}
