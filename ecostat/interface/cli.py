"""The ``ecostat`` command: ``describe``, ``baseline``, ``fit``, ``compare``, ``report`` and ``demo``.

A thin layer over the library. Every flag is generated from the options schema
(:mod:`ecostat.options`: name, type, default, choices, help); a ``--spec`` file's
settings become the defaults (flags given on the command line still win). Each
command reads the data with the one reader (:func:`ecostat.data.readers.read_data`),
calls the verb and prints the result: its summary, or exactly one JSON object
(``result.to_json()``) with ``--json``. The checks of every value run where the
analysis is built, so the command line, the specs and Python share their rules
and messages. Progress goes to stderr; bad input exits with status 2 and a
message naming the problem and the fix.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Sequence

from ..errors import EcostatError, EcostatWarning
from ..options import OPTIONS, VERBS, parse_text
from ..report.provenance import package_version

__all__ = ["main", "build_parser"]

#: one line of --help per command
COMMANDS = {
    "describe": "descriptive ecosystem-level analysis with bootstrap intervals",
    "baseline": "hard/easy baseline: paper grid, continuous fit, goodness of fit",
    "fit": "Bayesian latent-difficulty model (rasch, twopl, mvprobit, ...) with posterior checks",
    "compare": "rank saved fits (ecostat fit --out) by PSIS-LOO, side by side",
    "report": "describe, fit, compare and check in one self-contained HTML page (--out report.html)",
    "demo": "run the main analysis on a built-in simulated ecosystem (no files, no network)",
}


def _converter(name: str):
    """argparse type turning text into option ``name``'s type (its range is checked by the analysis)."""
    def convert(text: str):
        try:
            return parse_text(name, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = name
    return convert


def _prior(text: str) -> tuple[str, float]:
    """argparse type: ``NAME=SCALE`` with a positive number."""
    name, sep, value = text.partition("=")
    try:
        scale = float(value)
    except ValueError:
        scale = float("nan")
    if not sep or not name.strip() or not math.isfinite(scale) or scale <= 0:
        raise argparse.ArgumentTypeError(f"expected NAME=SCALE with a positive number (e.g. sigma_sd=1.5), got {text!r}")
    return name.strip(), scale


def _add_option(parser: argparse.ArgumentParser, name: str) -> None:
    """One flag of the schema (an option without a flag is a spec/Python setting only)."""
    opt = OPTIONS[name]
    if opt.cli_flag is None:
        return
    flags = [opt.cli_flag, *opt.aliases]
    shown = "none" if opt.default is None else opt.default
    kw: dict = {"dest": name, "default": opt.default, "help": f"{opt.help} (default: {shown})"}
    if opt.type is bool:
        kw["action"] = argparse.BooleanOptionalAction if opt.default is None else "store_true"
        if opt.default is not None:
            kw["help"] = opt.help
    elif opt.type is dict:
        kw.update(action="append", type=_prior, metavar=opt.metavar, default=None)
    elif name == "covariates":
        kw.update(action="append", metavar=opt.metavar, default=None)
    else:
        kw.update(type=_converter(name), metavar=opt.metavar or name.upper())
        if opt.choices:
            kw.update(choices=opt.choices, metavar=None)
    parser.add_argument(*flags, **kw)


def build_parser(spec_defaults: dict | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``ecostat`` command (``spec_defaults`` replace the built-in defaults)."""
    parser = argparse.ArgumentParser(prog="ecostat", description="Ecosystem-level analysis of ML decision-makers: "
                                     "do they fail the same people?")
    parser.add_argument("--version", action="version", version=f"ecostat {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command, help_text in COMMANDS.items():
        p = sub.add_parser(command, help=help_text)
        if command in ("describe", "baseline", "fit", "report"):
            p.add_argument("data", metavar="DATA", help="CSV, CSV.GZ, TSV or Parquet file of predictions")
        if command == "compare":
            p.add_argument("fits", metavar="FIT", nargs="+", help="fit files written by `ecostat fit --out`")
        for name in VERBS[command]:
            _add_option(p, name)
        if spec_defaults and command in ("describe", "baseline", "fit", "report"):
            known = {a.dest for a in p._actions}
            p.set_defaults(**{k: v for k, v in spec_defaults.items() if k in known})
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"ecostat: warning: {message}", file=sys.stderr if file is None else file)


def _progress(msg: str) -> None:
    print(f"[ecostat {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _names(values) -> list[str] | None:
    """Repeatable, comma-separated names (``--covariates a,b --covariates c``), in order, without duplicates."""
    if not values:
        return None
    names = [c.strip() for value in ([values] if isinstance(values, str) else values) for c in str(value).split(",")]
    return list(dict.fromkeys(c for c in names if c)) or None


def _covariates(args) -> list[str]:
    """``--covariates`` values (repeatable, comma-separated), in order, without duplicates."""
    return _names(args.covariates) or []


def _read(args, covariates=None):
    """The data of a command, read with the command's data options (``--engine``: reduced to a profile table)."""
    engine = getattr(args, "engine", None)
    _progress(f"reading {args.data}" + (f" with {engine} into a profile table" if engine else ""))
    from .spec import read_path

    return read_path(args.data, engine=engine, layout=args.layout, label=args.label, id=args.id, models=args.models,
                     years=args.years, group=args.group, covariates=covariates or (), model_col=args.model_col,
                     prediction_col=args.prediction_col, na_values=args.na_values, encoding=args.encoding)


def _data_line(data) -> str:
    """What a command analyses: instances, decision-makers, group (a FailureMatrix or a ProfileTable)."""
    what = f"{data.n_instances} instances x {data.n_models} decision-makers"
    levels = data.group.categories if getattr(data, "group", None) is not None else getattr(data, "group_levels", ())
    if len(levels):
        what += f", group {data.group_name!r} ({len(levels)} levels)"
    return what


def _emit(result, as_json: bool) -> None:
    print(result.to_json() if as_json else result.as_text())


def cmd_describe(args) -> int:
    from ..descriptive.describe import describe

    fm = _read(args)
    _progress(f"{fm.n_instances} instances x {fm.n_models} decision-makers; bootstrapping {args.n_boot} replicates")
    _emit(describe(fm, n_boot=args.n_boot, seed=args.seed, ci=args.ci, hard_easy=args.hard_easy, rule=args.rule,
                   pairwise=args.pairwise, bootstrap_by=args.bootstrap_by, max_groups=args.max_groups), args.json)
    return 0


def cmd_baseline(args) -> int:
    from ..descriptive.baseline import baseline

    fm = _read(args)
    with warnings.catch_warnings():
        if args.rule == "paper":
            warnings.simplefilter("always", EcostatWarning)
        _emit(baseline(fm, rule=args.rule, n_sim=args.n_sim, seed=args.seed, progress=_progress), args.json)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)  # a convergence warning of the fit reaches stderr
        _emit(run_demo(n=args.n, seed=args.seed, n_boot=args.n_boot, out=args.out, progress=_progress, family=args.family,
                       draws=args.draws), args.json)
    return 0


#: settings of `ecostat fit` passed on to the model and to the sampler when they have a flag
_MODEL_FLAGS = ("link", "n_classes", "model_by_group")
_SAMPLER_FLAGS = ("draws", "tune", "chains", "seed", "target_accept")


def _fit_settings(args) -> dict:
    """What ``fit_with`` needs: the command line's settings, and the fit spec's settings that have no flag."""
    spec = getattr(args, "loaded_spec", None)
    extra_model = {k: v for k, v in spec.model.items() if k not in _MODEL_FLAGS} if spec is not None else {}
    extra_sampler = {k: v for k, v in spec.sampler.items() if k not in _SAMPLER_FLAGS} if spec is not None else {}
    priors = dict(spec.priors) if spec is not None else {}
    priors.update(dict(args.priors or []))  # a --prior replaces the spec's value of that prior only
    model = {"link": args.link, "n_classes": args.n_classes, **extra_model}
    if args.formula is not None:  # the formula decides on model-by-group effects unless the flag asks for them
        model["model_by_group"] = True if args.model_by_group else None
    else:
        model["model_by_group"] = args.model_by_group
    sampler = {k: getattr(args, k) for k in _SAMPLER_FLAGS} | extra_sampler
    sampler |= {k: getattr(args, k) for k in ("sampler", "method") if getattr(args, k) != OPTIONS[k].default}
    return {"formula": args.formula, "family": args.family, "model": model, "priors": priors, "sampler": sampler}


def cmd_fit(args) -> int:
    from ..bayes.families import get_family
    from ..bayes.formula import parse_formula
    from . import spec as specs

    if args.family is None and args.formula is None:
        raise EcostatError("ecostat fit needs a model: --family F (e.g. rasch), --formula \"fail ~ model + "
                           "(1 | instance)\" or --spec models/NAME.toml (a fit spec, kind = \"fit\").")
    if args.family is not None:
        get_family(args.family)  # an unknown family fails before the data are read
    if args.out:  # checked before the data are read and sampled: a fit must never be lost when it is saved
        from ..bayes.persistence import check_output_path

        check_output_path(args.out, inputs=[args.data], force=args.force)
    spec = getattr(args, "loaded_spec", None)
    covariates = _covariates(args) or (list(spec.data.get("covariates", [])) if spec is not None else [])
    parsed = None
    if args.formula is not None:  # read once; the covariates it names are read from DATA without --covariates
        if spec is not None and spec.parsed is not None and (spec.formula, spec.family, spec.data.get("group")) == (
                args.formula, args.family, args.group):
            parsed = spec.parsed
        else:
            parsed = parse_formula(args.formula, args.family, group=args.group or "group")
        covariates = list(dict.fromkeys([*covariates, *parsed.covariates]))
    settings = _fit_settings(args)
    fm = _read(args, covariates)
    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)  # convergence and LOO warnings always reach stderr
        what = _data_line(fm)
        if covariates:
            what += f", covariates {', '.join(covariates)}"
        model = (f"model {args.formula!r}" + (f" ({args.family})" if args.family else "")) if args.formula else \
            f"{args.family} model"
        _progress(f"{what}; building the {model}")
        s = settings["sampler"]
        _progress(f"sampling {s['chains']} chains x ({s['tune']} tuning + {s['draws']} draws), seed {s['seed']}")
        # --group asks for the group to be modelled: a family without group structure says so instead of pooling
        res = specs.fit_with(fm, grouped=True if args.group else None, covariates=covariates or None, parsed=parsed,
                             **settings)
        if args.out:
            path = res.save(args.out, force=args.force)
            _progress(f"saved the fit to {path}")
        _progress("computing posterior quantities, predictive checks and PSIS-LOO")
        _emit(res, args.json)
    return 0


def _fit_names(paths, fits) -> list[str]:
    """File stems; where they repeat, the families (if those are distinct), else the paths as given."""
    from pathlib import Path

    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    families = [f.family for f in fits]
    if len(set(families)) == len(families):
        return families
    return [str(p) for p in paths]


def cmd_compare(args) -> int:
    from ..bayes.comparison import compare
    from ..bayes.results import load_fit

    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)
        fits = []
        for path in args.fits:
            _progress(f"loading {path}")
            fits.append(load_fit(path))
        names = _fit_names(args.fits, fits)
        if len(set(names)) < len(names):
            raise EcostatError(f"the same fit file is named twice ({', '.join(args.fits)}); name each file once.")
        _progress(f"comparing {len(fits)} fits by PSIS-LOO")
        _emit(compare(dict(zip(names, fits)), ci=args.ci), args.json)
    return 0


def cmd_report(args) -> int:
    from .report import report

    if not args.out:
        raise EcostatError("ecostat report needs --out FILE.html (where to write the page).")
    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)
        result = report(args.data, spec=getattr(args, "loaded_spec", None), families=_names(args.families),
                        title=args.title, n_boot=args.n_boot, ci=args.ci, draws=args.draws, tune=args.tune,
                        chains=args.chains, seed=args.seed, target_accept=args.target_accept, sampler=args.sampler,
                        method=args.method, out=args.out, force=args.force, label=args.label, id=args.id, models=args.models,
                        years=args.years, group=args.group, layout=args.layout, model_col=args.model_col,
                        prediction_col=args.prediction_col, na_values=args.na_values, encoding=args.encoding,
                        progress=_progress)
    _emit(result, args.json)
    return 0


HANDLERS = {"describe": cmd_describe, "baseline": cmd_baseline, "demo": cmd_demo, "fit": cmd_fit,
            "compare": cmd_compare, "report": cmd_report}

#: the kinds of spec each command runs (a report takes a fit spec's model or a describe spec's options)
SPEC_KINDS = {"report": ("fit", "describe")}


def _spec_defaults(spec) -> dict:
    """A spec's settings as parser defaults (the spec's keys are the options' names)."""
    out = {**spec.data, **spec.options, **spec.model, **spec.sampler}
    out |= {k: v for k, v in (("formula", spec.formula), ("family", spec.family)) if v is not None}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ecostat`` command."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning  # warnings read as messages, not as source lines
    try:
        if getattr(args, "spec", None):
            from .spec import load_spec

            spec = load_spec(args.spec)
            if spec.kind not in SPEC_KINDS.get(args.command, (args.command,)):
                raise EcostatError(f"spec {spec.name!r} is a {spec.kind!r} analysis; run it with `ecostat {spec.kind}`.")
            args = build_parser(_spec_defaults(spec)).parse_args(argv)  # explicit options still win
            args.loaded_spec = spec
            _progress(f"spec {spec.name}: {spec.description}")
        return HANDLERS[args.command](args)
    except EcostatError as exc:
        print(f"ecostat: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
