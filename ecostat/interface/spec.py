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

    [options]                         # per kind (ecostat.options.spec_keys(kind, "options"))
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

    [model]                           # structural options (ecostat.options, section "model")
    link = "logit"                    # "logit" or "probit" (rasch, twopl)
    n_classes = 2                     # latent_class
    model_by_group = false            # partially pooled model-by-group effects (rasch, twopl)
    group_location = true             # family specs (a formula says it by its terms): difficulty
    group_scale = true                # location and scale by group (rasch, twopl)
    quadrature = 128                  # grid nodes integrating difficulty out

    [priors]                          # prior hyperparameter -> positive number, replacing the
    sigma_sd = 2.55                   # family's default (ecostat.bayes.families.get_family(F).prior_scales)

    [sampler]                         # NUTS settings (ecostat.options, section "sampler")
    draws = 1000                      # per chain, >= 1
    tune = 1000                       # per chain, >= 0
    chains = 2                        # >= 1
    seed = 0                          # the same seed gives the same draws
    target_accept = 0.95              # in [0.5, 1) (default 0.95; 0.8 for pooled logit rasch, k >= 100)
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

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EcostatError, preview
from ..options import check, spec_keys

__all__ = ["Spec", "SpecError", "load_spec", "fit_with", "formula_covariates", "KINDS"]

#: every kind of spec (the verbs a spec can run)
KINDS = ("describe", "baseline", "fit")
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
    #: the formula as read at load time (a ParsedFormula), reused when the spec runs
    parsed: object = field(default=None, compare=False)

    def read(self, data_path):
        """Read ``data_path`` with the spec's data settings (the one reader, :func:`ecostat.data.readers.read_data`;
        with ``engine``, a profile table reduced out of core: :func:`read_path`)."""
        settings = {k: v for k, v in self.data.items() if k != "covariates"}
        return read_path(data_path, **settings, covariates=self.covariates())

    def covariates(self) -> list[str]:
        """Columns read as instance covariates: ``[data] covariates`` and those the formula names."""
        names = list(self.data.get("covariates", []))
        if self.formula is not None:
            parsed = self.parsed if self.parsed is not None else _parse_formula(self.formula, self.family,
                                                                                self.data.get("group"), "spec")
            names += list(parsed.covariates)
        return list(dict.fromkeys(names))

    def run(self, data):
        """Run the analysis on a path or FailureMatrix.

        Returns the verb's result: a Description (``describe``), a
        BaselineResult (``baseline``) or a :class:`~ecostat.bayes.results.FitResult` (``fit``).

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
        from ..data.profiles import ProfileTable

        fm = data if isinstance(data, (FailureMatrix, ProfileTable)) else self.read(data)
        o = self.options
        if self.kind == "fit":
            return fit_with(fm, formula=self.formula, family=self.family, parsed=self.parsed,
                            grouped=bool(self.data.get("group")) or None, covariates=self.data.get("covariates"),
                            model=self.model, priors=self.priors, sampler=self.sampler)
        if self.kind == "describe":
            from ..descriptive.describe import describe

            return describe(fm, **o)
        from ..descriptive.baseline import baseline

        return baseline(fm, **o)


def read_path(path, *, engine=None, layout="wide", label="label", id="instance_id", models=None, years=None,
              group=None, covariates=(), model_col="model", prediction_col="prediction", na_values=None,
              encoding=None):
    """Read a prediction file as the command line (``_read``) and the specs (:meth:`Spec.read`) do.

    Without ``engine``: the one reader, :func:`ecostat.data.readers.read_data`, into a
    FailureMatrix in memory. With ``engine`` (``duckdb``, ``pandas``, ``dask``):
    :func:`ecostat.data.scan.scan_profiles` reduces the file to its profile table
    inside the engine, so a log larger than memory never becomes a matrix; every
    descriptive analysis and every fit gives the same result on it
    (docs/architecture.md §2). The data options mean the same in both paths.
    """
    if engine is None:
        from ..data.readers import read_data

        return read_data(path, layout=layout, label=label, id=id, models=models, years=years, group=group,
                         covariates=covariates, model_col=model_col, prediction_col=prediction_col,
                         na_values=na_values, encoding=encoding)
    given = [flag for flag, value in (("--na", na_values), ("--encoding", encoding)) if value]
    if given:
        raise EcostatError(f"{' and '.join(given)} apply to reading a file in memory; with --engine {engine} the engine "
                           "reads the file as it is (UTF-8 text, empty cells missing). Convert the file first, or "
                           "leave --engine out.")
    from ..data.scan import scan_profiles

    return scan_profiles(path, layout=layout, engine=engine, instance=id, model=model_col, prediction=prediction_col,
                         label=label, group=group, covariates=list(covariates or ()), models=models, years=years)


def fit_with(fm, *, formula: str | None = None, family: str | None = None, parsed=None, grouped: bool | None = None,
             covariates=None, model: dict | None = None, priors: dict | None = None, sampler: dict | None = None,
             progressbar: bool | None = None):
    """Fit ``fm`` as a fit spec or the command line says: ``es.model(formula, ...).fit(...)`` or ``es.fit(fm, family, ...)``.

    ``model`` and ``sampler`` hold only the settings to pass on (anything
    missing takes the library default), so the spec and the command line mean
    the same as the Python calls. ``parsed`` is the formula already read (it is
    not read again).
    """
    model, sampler = dict(model or {}), dict(sampler or {})
    if priors:
        model["priors"] = dict(priors)
    if progressbar is not None:
        sampler["progressbar"] = progressbar
    if formula is not None:
        from ..bayes.model import model as make_model

        return make_model(parsed if parsed is not None else formula, fm, family=family, **model).fit(**sampler)
    if family is None:
        raise SpecError("a fit needs a formula or a family (e.g. family = \"rasch\").")
    from ..bayes.fit import fit

    return fit(fm, family, grouped=grouped, covariates=covariates or None, **model, **sampler)


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
    if path.is_dir():
        raise SpecError(f"spec {str(path)!r} is a directory, not a TOML file; give the file (e.g. models/NAME.toml).")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read spec {str(path)!r} ({exc.strerror or exc}).") from None
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark (Windows editors): not part of the TOML
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"spec {str(path)!r} is not UTF-8 text (byte {exc.start} is {data[exc.start:exc.start + 1]!r}); "
                        "a spec is a TOML text file: save it as UTF-8.") from None
    if "\x00" in text:
        raise SpecError(f"spec {str(path)!r} holds NUL bytes: it is not a text file; a spec is a TOML text file.")
    try:
        raw = tomllib.loads(text)
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
    if "covariates" in raw.get("data", {}) if isinstance(raw.get("data"), dict) else False:
        raise SpecError(f"{where} [data] covariates: only fit specs (kind = \"fit\") read covariates; "
                        f"a {kind!r} analysis does not use them.")
    data = _section(raw, "data", spec_keys(kind, "data"), where)
    options = _section(raw, "options", spec_keys(kind, "options"), where)
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
    data = _section(raw, "data", spec_keys("fit", "data"), where)
    model = _section(raw, "model", spec_keys("fit", "model"), where)
    sampler = _section(raw, "sampler", spec_keys("fit", "sampler"), where)
    try:
        priors = check("priors", raw.get("priors", {}), where=f"{where} [priors]") or {}
    except EcostatError as exc:
        raise SpecError(str(exc).replace(f"{where} [priors] must be", f"{where}: [priors] must be")) from None
    resolved, parsed = family, None
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
    for key in model:  # the family declares the model options it reads
        if key not in fam.reads:
            able = sorted(n for n, f in FAMILIES.items() if key in f.reads)
            raise SpecError(f"{where} [model] {key}: family {resolved!r} does not take it; families that do: "
                            f"{preview(able, 10)}.")
    if model.get("link", fam.links[0]) not in fam.links:
        raise SpecError(f"{where} [model] link = {model['link']!r}: family {resolved!r} takes {preview(fam.links)}.")
    if "covariates" in data and formula is None and "covariates" not in fam.terms:
        able = sorted(n for n, f in FAMILIES.items() if "covariates" in f.terms)
        raise SpecError(f"{where} [data] covariates: family {resolved!r} does not take covariates; families that "
                        f"do: {preview(able, 10)}.")
    unknown = sorted(set(priors) - set(fam.prior_scales))
    if unknown:
        raise SpecError(f"{where} [priors] {preview(unknown)}: family {resolved!r} has no such prior; it takes "
                        f"{preview(sorted(fam.prior_scales), 10) if fam.prior_scales else 'none'}.")
    return Spec(raw["name"], "fit", str(raw.get("description", "")), data, {}, path, formula=formula, family=family,
                model=model, priors=priors, sampler=sampler, parsed=parsed)


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


def _section(raw: dict, name: str, keys: tuple, where: str) -> dict:
    """The ``[name]`` table of a spec, every key known and every value checked by the options schema."""
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [{name}] must be a table of settings.")
    _only(table, set(keys), f"{where} [{name}]")
    try:
        return {k: check(k, v, where=f"{where} [{name}]") for k, v in table.items()}
    except SpecError:
        raise
    except EcostatError as exc:
        raise SpecError(str(exc)) from None
