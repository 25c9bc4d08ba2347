"""Every setting a user can give, declared once (``docs/architecture.md``, "The options schema").

An :class:`Option` holds a setting's name (the Python keyword and the TOML spec
key), its type, default, allowed range or choices, its help text and its
command-line flag. From this one table

* the command line builds its flags (:mod:`ecostat.interface.cli`),
* the TOML specs validate their sections (:mod:`ecostat.interface.spec`),
* the Python verbs take their defaults (``def describe(..., n_boot=default("n_boot"))``)
  and check the values they are given (:func:`check`), once, where the analysis or
  the model is built.

Which verb takes which setting is :data:`VERBS`; which spec section holds it is
:attr:`Option.section`. Which Bayesian family reads a model option is declared by
the family (``Family.reads``, :mod:`ecostat.bayes.families`), so a new family
brings its own; ``ecostat.bayes.families.families_reading`` answers the question
from the registry.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import EcostatError

__all__ = ["Option", "OPTIONS", "VERBS", "SECTIONS", "default", "check", "check_all", "parse_text", "flag_of",
           "spec_keys", "describe_options", "interval_mass", "whole_number"]


@dataclass(frozen=True)
class Option:
    """One setting.

    Attributes
    ----------
    name : str
        Python keyword and TOML key.
    type : type
        ``int``, ``float``, ``bool``, ``str``, ``list`` (of text) or ``dict`` (name -> positive number).
    default : object
        Value when the setting is not given (``None``: "not set"; see ``help``).
    help : str
        One sentence for ``--help``, the README and error messages.
    section : str or tuple of str
        Spec section holding it (the first one a kind of spec has): ``data``, ``options``, ``model``, ``priors``, ``sampler``, ``fit``
        (top level of a fit spec), ``cli`` (command line only) or ``python`` (Python only).
    choices : tuple, optional
    low, high : float, optional
        Inclusive bounds (``low_open`` / ``high_open`` make them strict).
    flag : str, optional
        Command-line flag (default ``--name-with-dashes``); ``""`` for none.
    aliases : tuple of str
        Older flags that still work.
    nullable : bool
        ``None`` is an accepted value (it means what ``help`` says).
    metavar : str, optional
        Placeholder in ``--help``.
    why : str, optional
        The reason for the range, added to the error message.
    keywords : tuple of str
        Text values accepted besides the type (e.g. ``"auto"``).
    """

    name: str
    type: type
    default: Any
    help: str
    section: str | tuple
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    flag: str | None = None
    aliases: tuple = ()
    nullable: bool = False
    metavar: str | None = None
    why: str | None = None
    keywords: tuple = ()

    @property
    def cli_flag(self) -> str | None:
        """The command-line flag, or None when the setting has none."""
        if self.flag == "":
            return None
        return self.flag or "--" + self.name.replace("_", "-")


def _o(name, type_, default, help_, section, **kw) -> Option:
    return Option(name, type_, default, help_, section, **kw)


_OPTIONS = [
    # -- reading the data ([data]) -------------------------------------------------------------------
    _o("label", str, "label", "label column", "data"),
    _o("id", str, "instance_id", "instance id column (rows are numbered when the default column is absent)", "data"),
    _o("models", list, None, "prediction columns or decision-makers to analyse (default: every other column; "
       "comma-separated on the command line)", "data", nullable=True),
    _o("years", list, None, "versions/years to keep, e.g. 2020 (comma-separated on the command line)", "data",
       nullable=True),
    _o("group", str, None, "column with each instance's group (adds group metrics and group terms)", "data",
       nullable=True),
    _o("covariates", list, None, "numeric instance columns shifting latent difficulty (rasch, twopl; "
       "comma-separated or repeated on the command line)", "data", nullable=True, aliases=("--covariate",),
       metavar="COL"),
    _o("layout", str, "wide", "wide: one prediction column per decision-maker; long: one row per "
       "(instance, decision-maker)", "data", choices=("wide", "long")),
    _o("model_col", str, "model", "long layout: decision-maker column", "data"),
    _o("prediction_col", str, "prediction", "long layout: prediction column", "data"),
    _o("na_values", list, None, "cell values read as missing besides empty cells (e.g. NA; comma-separated on the "
       "command line); by default a class named NA or None is a class", "data", nullable=True, flag="--na",
       metavar="VALUES"),
    _o("encoding", str, None, "text encoding of the file (default: UTF-8, with or without a BOM; e.g. latin-1)",
       "data", nullable=True),
    _o("engine", str, None, "reduce the file to its profile table (unique failure patterns with counts) with an "
       "out-of-core engine instead of reading it into memory, for logs larger than memory (ecostat.data.scan); "
       "default: read in memory", "data", choices=("duckdb", "pandas", "dask"), nullable=True),
    # -- descriptive analyses ([options]) ------------------------------------------------------------
    _o("n_boot", int, 1000, "bootstrap replicates (0 = no intervals)", "options", low=0, aliases=("--bootstrap",),
       metavar="N", why="0 means no intervals"),
    _o("seed", int, 0, "seed of every random draw (bootstrap, simulation, NUTS): the same seed gives the same "
       "numbers bit for bit; None draws a fresh seed, which the result records", ("options", "sampler"), low=0,
       nullable=True),
    _o("ci", float, 0.95, "mass of every interval (bootstrap percentile interval, posterior HDI)", "options",
       low=0.0, high=1.0, low_open=True, high_open=True),
    _o("bootstrap_by", str, "instance", "resample instances overall, or within each group (group sizes fixed)",
       "options", choices=("instance", "group")),
    _o("hard_easy", bool, False, "add the hard/easy grid of Toups App. A.3", "options"),
    _o("rule", str, "strict", "hard/easy validity rule: strict rejects easy rates < 0 and hard rates > 1; paper "
       "only the first (Toups App. A.3)", "options", choices=("strict", "paper")),
    _o("max_groups", int, "auto", "refuse a grouping with more groups than this ('auto': min(1000, max(10, N/2)); "
       "none: no cap): a grouping by an id column is almost certainly a mistake", "options", low=1, nullable=True,
       keywords=("auto",)),
    _o("pairwise", bool, None, "report the pairwise agreement measures (default: when k <= 20)", "options",
       nullable=True),
    _o("n_sim", int, 999, "parametric-bootstrap replicates of the goodness-of-fit tests (0 = skip)", "options",
       low=0, aliases=("--gof",), metavar="N"),
    # -- what a Bayesian fit fits (top level of a fit spec) ------------------------------------------
    _o("formula", str, None, "R-style model, e.g. \"fail ~ model + (1 | instance)\" (grammar: ecostat.bayes.formula)",
       "fit", nullable=True, metavar="FORMULA"),
    _o("family", str, None, "Bayesian family (default: the one the formula implies; rasch without a formula; the "
       "demo's 'none' skips its fit)",
       "fit", nullable=True, metavar="F"),
    # -- model structure ([model]) -------------------------------------------------------------------
    _o("grouped", bool, None, "model the data's group (default: when the data have one and the family takes "
       "groups; a spec or the command line asks for it by naming the group column)", "python", nullable=True, flag=""),
    _o("link", str, "logit", "link of the latent-trait families", "model", choices=("logit", "probit")),
    _o("n_classes", int, 2, "classes of latent_class", "model", low=2, aliases=("--classes",), metavar="C",
       why="latent_class needs n_classes >= 2"),
    _o("model_by_group", bool, False, "partially pooled model-by-group effects (needs a group)", "model"),
    _o("group_location", bool, True, "with a group: a difficulty location per group (a formula says it by '+ group')",
       "model", flag=""),
    _o("group_scale", bool, True, "with a group: a difficulty scale per group (a formula says it by "
       "'(1 | instance:group)')", "model", flag=""),
    _o("quadrature", int, 128, "grid nodes integrating latent difficulty out (trapezoid rule on +-9 sd)", "model",
       low=2, high=4096, flag=""),
    _o("priors", dict, None, "prior hyperparameters replacing the family's defaults, NAME=SCALE (e.g. sigma_sd=1.5)",
       "priors", nullable=True, flag="--prior", metavar="NAME=SCALE"),
    # -- sampler ([sampler]) --------------------------------------------------------------------------
    _o("draws", int, 1000, "posterior draws per chain", "sampler", low=1, metavar="N"),
    _o("tune", int, 1000, "tuning steps per chain", "sampler", low=0, metavar="N"),
    _o("chains", int, 2, "chains", "sampler", low=1, metavar="C"),
    _o("cores", int, None, "chains run in parallel (default: min(chains, CPUs))", "sampler", low=1, nullable=True,
       flag=""),
    _o("target_accept", float, None, "NUTS target acceptance rate (default 0.95; 0.8 for the pooled logit rasch "
       "model with 100 or more decision-makers, whose posterior is close to Gaussian)", "sampler", low=0.5, high=1.0,
       high_open=True, nullable=True, metavar="X"),
    _o("sampler", str, "nutpie", "NUTS implementation: nutpie (Rust NUTS on a compiled log density; fast) or pymc "
       "(PyMC's NUTS, dense mass matrix)", "sampler", choices=("pymc", "nutpie")),
    _o("backend", str, None, "how nutpie's log density is compiled (default: jax where JAX sees a GPU or TPU, "
       "else PyTensor's numba backend; the pooled logit rasch model uses ecostat's numba kernel)", "sampler",
       choices=("numba", "c", "jax"), nullable=True, flag=""),
    _o("mass_matrix", str, None, "mass-matrix adaptation (default: low_rank for nutpie, dense for pymc)", "sampler",
       choices=("low_rank", "diag", "dense"), nullable=True, flag=""),
    _o("method", str, "nuts", "nuts (exact MCMC) or laplace (a fast normal approximation at the posterior mode, "
       "marked approximate in every result)", "sampler", choices=("nuts", "laplace")),
    _o("progressbar", bool, None, "show the sampler's progress bar (default: when standard error is a terminal)",
       "sampler", flag="", nullable=True),
    # -- the demo ------------------------------------------------------------------------------------
    _o("n", int, 20000, "instances of the simulated demo ecosystem", "cli", low=1),
    # -- the report ---------------------------------------------------------------------------------
    _o("families", list, None, "Bayesian families the report fits and compares (default: rasch, hard_easy, "
       "latent_class; a fit spec's model instead; comma-separated on the command line)", "cli", nullable=True,
       metavar="F,F"),
    _o("title", str, None, "title of the report page (default: 'ecostat report: ' and the data file's name)", "cli",
       nullable=True, metavar="TEXT"),
    # -- command line only ---------------------------------------------------------------------------
    _o("out", str, None, "where to write the result (fit: a netCDF file; demo: a folder of PNG figures; report: "
       "an HTML file)", "cli", nullable=True, metavar="PATH"),
    _o("force", bool, False, "replace an existing output file (--out); the input data are never overwritten", "cli"),
    _o("json", bool, False, "print exactly one JSON object on stdout", "cli"),
    _o("spec", str, None, "named analysis (models/*.toml) whose settings become the defaults", "cli",
       nullable=True, metavar="FILE"),
]

#: every option by name
OPTIONS: dict[str, Option] = {o.name: o for o in _OPTIONS}
if len(OPTIONS) != len(_OPTIONS):  # pragma: no cover
    raise RuntimeError("an option is declared twice in ecostat.options")

_DATA = ("label", "id", "models", "years", "group", "layout", "model_col", "prediction_col", "na_values", "encoding",
         "engine")
_MODEL = ("link", "n_classes", "model_by_group", "group_location", "group_scale", "quadrature", "priors")
_SAMPLER = ("draws", "tune", "chains", "cores", "seed", "target_accept", "sampler", "backend", "mass_matrix", "method",
            "progressbar")

#: the options each verb takes (Python function and command), in --help order
VERBS: dict[str, tuple[str, ...]] = {
    "describe": (*_DATA, "n_boot", "seed", "ci", "bootstrap_by", "hard_easy", "rule", "pairwise", "max_groups", "json",
                 "spec"),
    "baseline": (*_DATA, "rule", "n_sim", "seed", "json", "spec"),
    "fit": (*_DATA, "covariates", "formula", "family", "grouped", *_MODEL, *_SAMPLER, "out", "force", "json", "spec"),
    "demo": ("n", "seed", "n_boot", "family", "draws", "out", "json"),
    "compare": ("ci", "json"),
    "report": (*_DATA, "families", "title", "n_boot", "ci", *_SAMPLER, "out", "force", "json", "spec"),
}

#: the sections of each kind of spec
KIND_SECTIONS = {"describe": ("data", "options"), "baseline": ("data", "options"),
                 "fit": ("data", "fit", "model", "priors", "sampler")}


def _section_in(name: str, kind: str) -> str | None:
    sections = OPTIONS[name].section
    sections = (sections,) if isinstance(sections, str) else sections
    return next((sec for sec in sections if sec in KIND_SECTIONS[kind]), None)


#: spec sections of each kind of spec, and the options each holds
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    kind: {sec: tuple(n for n in VERBS[kind] if _section_in(n, kind) == sec) for sec in secs}
    for kind, secs in KIND_SECTIONS.items()
}


def default(name: str):
    """Default of option ``name`` (what a Python verb's signature uses).

    Examples
    --------
    >>> default("n_boot"), default("ci")
    (1000, 0.95)
    """
    return OPTIONS[name].default


def flag_of(name: str) -> str:
    """How to spell option ``name`` in a message: the keyword, and the flag if it has one.

    Examples
    --------
    >>> flag_of("n_boot")
    'n_boot (--n-boot)'
    """
    flag = OPTIONS[name].cli_flag
    return f"{name} ({flag})" if flag else name


#: kinds of values as spec files say them (TOML words)
_TOML_KIND = {int: "a whole number", float: "a number", bool: "a true/false", str: "a text value", list: "a list",
              dict: "a table"}


def _interval(opt: Option) -> str:
    return f"{'(' if opt.low_open else '['}{opt.low:g}, {opt.high:g}{')' if opt.high_open else ']'}"


def whole_number(value, name: str) -> int:
    """``value`` as an int if it is a whole number (``1e3`` is; ``2.5``, ``"10"`` and ``True`` are not).

    Examples
    --------
    >>> whole_number(1e3, "n_boot")
    1000
    >>> whole_number("10", "n_boot")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: n_boot must be a whole number, got the text '10'. Pass n_boot=10.
    """
    if isinstance(value, (bool, np.bool_)):
        raise EcostatError(f"{name} must be a whole number, not a boolean ({value!r}).")
    if isinstance(value, str):
        hint = f" Pass {name}={value.strip()}" if value.strip().lstrip("+-").isdigit() else ""
        raise EcostatError(f"{name} must be a whole number, got the text {value!r}.{hint}".rstrip() + ("." if hint else ""))
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if math.isfinite(float(value)) and float(value).is_integer():
            return int(value)
        raise EcostatError(f"{name} must be a whole number, got {value!r}; ecostat does not round it for you.")
    raise EcostatError(f"{name} must be a whole number, got {type(value).__name__} {value!r}.")


def _python(opt: Option, value, label: str):
    """Normalized value, or an EcostatError in Python's words (naming ``label`` and the flag)."""
    t, hint = opt.type, _flag_hint(opt)
    if t is int:
        try:
            n = whole_number(value, label)
        except EcostatError as exc:
            extra = " A seed is a non-negative whole number or None (fresh seed)." if opt.name == "seed" else ""
            raise EcostatError(f"{exc}{extra}") from None
        if opt.low is not None and n < opt.low:
            if opt.name == "seed":
                raise EcostatError(f"seed must be a non-negative whole number (or None for a fresh seed); got {n}.")
            what = "a positive number" if opt.low == 1 else f"at least {opt.low:g}: a number"
            why = f" ({opt.why})" if opt.why else ""
            raise EcostatError(f"{label} must be {what}{why}; got {n}{hint}.")
        if opt.high is not None and n > opt.high:
            raise EcostatError(f"{label} must be at most {opt.high:g}; got {n}{hint}.")
        return n
    if t is float:
        ok = not isinstance(value, (bool, str)) and isinstance(value, numbers.Real) and math.isfinite(float(value))
        v = float(value) if ok else None
        if ok and opt.low is not None:
            ok = v > opt.low if opt.low_open else v >= opt.low
        if ok and opt.high is not None:
            ok = v < opt.high if opt.high_open else v <= opt.high
        if not ok:
            if opt.low_open and opt.high_open:
                rng = f"between {opt.low:g} and {opt.high:g}" + (f" (e.g. {opt.default:g})" if opt.default else "")
            else:
                rng = f"in {_interval(opt)}"
            raise EcostatError(f"{label} must be {rng}; got {value!r}{hint}.")
        return v
    if t is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise EcostatError(f"{label} must be True or False{' (or None)' if opt.nullable else ''}; got {value!r}.")
        return bool(value)
    if t is str and not isinstance(value, str):
        raise EcostatError(f"{label} must be a text value; got {value!r}{hint}.")
    if t is list:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",")]
        try:
            value = [str(v).strip() for v in value]
        except TypeError:
            raise EcostatError(f"{label} must be a list of names; got {value!r}.") from None
        if not value or any(not v for v in value):
            raise EcostatError(f"{label} must be a non-empty list of names without empty entries; got {value!r}.")
    if opt.choices is not None and value not in opt.choices:
        raise EcostatError(f"{label} must be one of {', '.join(repr(c) for c in opt.choices)}; got {value!r}.")
    return value


def _spec(opt: Option, value, where: str):
    """Normalized value, or an EcostatError in a spec file's (TOML) words."""
    name, t = opt.name, opt.type
    type_ok = {int: isinstance(value, int) and not isinstance(value, bool),
               float: isinstance(value, (int, float)) and not isinstance(value, bool),
               bool: isinstance(value, bool), str: isinstance(value, str) and bool(value.strip()),
               list: isinstance(value, list)}[t]
    if not type_ok:
        raise EcostatError(f"{where} {name} = {value!r}: expected {_TOML_KIND[t]}.")
    if t is list and any(not isinstance(v, str) or not v.strip() for v in value):
        raise EcostatError(f"{where} {name} = {value!r}: expected a list of column names.")
    if opt.choices is not None and value not in opt.choices:
        raise EcostatError(f"{where} {name} = {value!r}: use one of {', '.join(repr(c) for c in opt.choices)}.")
    low_bad = opt.low is not None and (value < opt.low or (opt.low_open and value == opt.low))
    high_bad = opt.high is not None and (value > opt.high or (opt.high_open and value == opt.high))
    if low_bad or high_bad:
        if t is int and opt.high is None:
            raise EcostatError(f"{where} {name} = {value}: expected {opt.low:g} or more.")
        raise EcostatError(f"{where} {name} = {value}: expected {_TOML_KIND[t]} in {_interval(opt)}.")
    return float(value) if t is float else value


def check(name: str, value, *, where: str | None = None, label: str | None = None):
    """``value`` of option ``name``, checked against its declaration and normalized.

    Integers stay integers (``1e3`` is a whole number; ``2.5``, a bool or a
    string is refused), numbers become floats, lists become lists of text. The
    one rule per option is applied wherever a value enters: a Python verb
    (messages name the keyword, or ``label`` where an older keyword was used,
    and the command-line flag) or a spec file (``where`` names the file and
    section; messages speak TOML).

    Raises
    ------
    EcostatError
        Naming the option, the value and what is expected.

    Examples
    --------
    >>> check("n_boot", 200)
    200
    >>> check("ci", 1.5)
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: ci must be between 0 and 1 (e.g. 0.95); got 1.5 (--ci on the command line).
    >>> check("draws", 0, where="spec 'x.toml' [sampler]")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: spec 'x.toml' [sampler] draws = 0: expected 1 or more.
    """
    opt = OPTIONS[name]
    if opt.type is dict:
        return _check_table(name, value, where)
    if value is None:
        if opt.nullable:
            return None
        if where is None:
            raise EcostatError(f"{label or name} must be given (None is not allowed){_flag_hint(opt)}.")
        raise EcostatError(f"{where} {name}: expected {_TOML_KIND[opt.type]}.")
    if opt.keywords and isinstance(value, str) and value in opt.keywords:
        return value
    return _python(opt, value, label or name) if where is None else _spec(opt, value, where)


def _flag_hint(opt: Option) -> str:
    return f" ({opt.cli_flag} on the command line)" if opt.cli_flag else ""


def _check_table(name: str, value, where: str | None) -> dict | None:
    """A table of name -> positive number (prior hyperparameters)."""
    if value is None:
        return None
    if not hasattr(value, "items"):
        if where is None:
            raise EcostatError(f"{name} must be a mapping of name -> positive number; got {value!r}.")
        raise EcostatError(f"{where} must be a table of prior name = number.")
    clean = {}
    for key, v in dict(value).items():
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)) or v <= 0:
            if where is None:
                raise EcostatError(f"prior {key!r} = {v!r}: expected a positive finite number.")
            raise EcostatError(f"{where} {key} = {v!r}: expected a positive number (the prior's scale).")
        clean[str(key)] = float(v)
    return clean


def interval_mass(ci, prob=None) -> float:
    """The checked interval mass ``ci``; ``prob`` is its 0.1 name in the Bayesian verbs (deprecated).

    Examples
    --------
    >>> interval_mass(0.9)
    0.9
    """
    if prob is not None:
        import warnings

        warnings.warn("prob= is now ci= (one name for the mass of every interval, bootstrap or HDI).",
                      DeprecationWarning, stacklevel=3)
        ci = prob
    return check("ci", ci)


def check_all(values: dict, *, where: str | None = None) -> dict:
    """:func:`check` every ``name -> value`` of a mapping.

    Examples
    --------
    >>> check_all({"draws": 500, "chains": 2})
    {'draws': 500, 'chains': 2}
    """
    return {k: check(k, v, where=where) for k, v in values.items()}


def parse_text(name: str, text: str):
    """Turn command-line text into the option's type (the range is checked where the analysis is built).

    Examples
    --------
    >>> parse_text("n_boot", "200"), parse_text("models", "a, b")
    (200, ['a', 'b'])
    """
    opt = OPTIONS[name]
    t = opt.type
    if text in opt.keywords:
        return text
    if opt.nullable and text.strip().lower() == "none":
        return None
    if t is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
    if t is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
    if t is list:  # empty entries dropped: the reader says when no name is left
        return [v.strip() for v in str(text).split(",") if v.strip()]
    return text


def spec_keys(kind: str, section: str) -> tuple[str, ...]:
    """The keys a spec of ``kind`` accepts in ``section``.

    Examples
    --------
    >>> spec_keys("baseline", "options")
    ('rule', 'n_sim', 'seed')
    """
    return SECTIONS[kind].get(section, ())


def describe_options(names) -> str:
    """The options ``names`` with their defaults, one per line (for docs and errors)."""
    return "\n".join(f"{n}: {OPTIONS[n].help} (default {OPTIONS[n].default!r})" for n in names)

