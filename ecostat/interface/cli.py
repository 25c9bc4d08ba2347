"""The ``ecostat`` command: ``describe``, ``baseline``, ``demo``, ``fit`` and ``compare``.

A thin layer over the library: parse options, read the data, call the
analysis, print a summary (or exactly one JSON object with ``--json``).
Progress goes to stderr; bad input exits with status 2 and a message naming
the problem and the fix.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections.abc import Sequence

from ..errors import EcostatError
from ..report.provenance import package_version

__all__ = ["main", "build_parser"]


def _count(text: str) -> int:
    """argparse type: a non-negative integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _float(text: str) -> float:
    """argparse type: a number."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"ecostat: warning: {message}", file=sys.stderr if file is None else file)


def _progress(msg: str) -> None:
    print(f"[ecostat {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", metavar="DATA", help="CSV, CSV.GZ, TSV or Parquet file of predictions")
    p.add_argument("--label", default="label", help="label column (default: label)")
    p.add_argument("--id", default="instance_id", help="instance id column (default: instance_id, if present)")
    p.add_argument("--models", help="comma-separated prediction columns or decision-makers (default: all other columns)")
    p.add_argument("--years", help="comma-separated versions/years to keep (e.g. 2020)")
    p.add_argument("--group", help="column with each instance's group (adds group metrics)")
    p.add_argument("--layout", choices=["wide", "long"], default="wide",
                   help="wide: one prediction column per decision-maker; long: one row per (instance, decision-maker)")
    p.add_argument("--model-col", default="model", help="long layout: decision-maker column (default: model)")
    p.add_argument("--prediction-col", default="prediction", help="long layout: prediction column (default: prediction)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--spec", metavar="FILE", help="named analysis (models/*.toml) whose settings become the defaults")


#: spec keys -> command-line destinations (fit specs: formula, family, [model] and [sampler] keys too; the
#: keys without a flag, such as priors and quadrature, are read from the spec by cmd_fit)
_SPEC_TO_ARGS = {"n_boot": "bootstrap", "n_sim": "gof", "label": "label", "id": "id", "models": "models",
                 "years": "years", "group": "group", "seed": "seed", "ci": "ci", "bootstrap_by": "bootstrap_by",
                 "hard_easy": "hard_easy", "rule": "rule", "formula": "formula", "family": "family", "link": "link",
                 "n_classes": "classes", "model_by_group": "model_by_group", "draws": "draws", "tune": "tune",
                 "chains": "chains", "target_accept": "target_accept"}


def _spec_defaults(spec) -> dict:
    out = {}
    settings = {**spec.data, **spec.options, **spec.model, **spec.sampler}
    settings |= {k: v for k, v in (("formula", spec.formula), ("family", spec.family)) if v is not None}
    for key, value in settings.items():
        if key in _SPEC_TO_ARGS:
            out[_SPEC_TO_ARGS[key]] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


def build_parser(spec_defaults: dict | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``ecostat`` command (``spec_defaults`` replace the built-in defaults)."""
    parser = argparse.ArgumentParser(prog="ecostat", description="Ecosystem-level analysis of ML decision-makers: "
                                     "do they fail the same people?")
    parser.add_argument("--version", action="version", version=f"ecostat {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("describe", help="descriptive ecosystem-level analysis with bootstrap intervals")
    _data_options(d)
    d.add_argument("--bootstrap", type=_count, default=1000, metavar="N", help="bootstrap replicates (default 1000; 0 = none)")
    d.add_argument("--seed", type=_count, default=0, help="bootstrap seed (default 0)")
    d.add_argument("--ci", type=float, default=0.95, help="interval coverage (default 0.95)")
    d.add_argument("--bootstrap-by", choices=["instance", "group"], default="instance",
                   help="resample instances overall (default) or within each --group (group sizes fixed)")
    d.add_argument("--hard-easy", action="store_true", help="add the hard/easy grid of Toups App. A.3")
    d.add_argument("--rule", choices=["strict", "paper"], default="strict", help="hard/easy validity rule")

    b = sub.add_parser("baseline", help="hard/easy baseline: paper grid, continuous fit, goodness of fit")
    _data_options(b)
    b.add_argument("--rule", choices=["strict", "paper"], default="strict", help="validity rule (default strict)")
    b.add_argument("--gof", type=_count, default=999, metavar="N", help="parametric-bootstrap replicates of the goodness-of-fit tests (0 = skip)")
    b.add_argument("--seed", type=_count, default=0, help="seed (default 0)")

    m = sub.add_parser("demo", help="run the main analysis on a built-in simulated ecosystem (no files, no network)")
    m.add_argument("--n", type=_count, default=20000, help="instances (default 20000)")
    m.add_argument("--seed", type=_count, default=0, help="seed (default 0)")
    m.add_argument("--bootstrap", type=_count, default=1000, metavar="N", help="bootstrap replicates (default 1000)")
    m.add_argument("--out", help="folder to write the figures into (PNG)")
    m.add_argument("--family", default="rasch",
                   help="Bayesian family fitted by group at the end (default rasch; 'none' skips the fit)")
    m.add_argument("--draws", type=_count, default=1000, help="draws per chain of the Bayesian fit (default 1000)")
    m.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    f = sub.add_parser("fit", help="Bayesian latent-difficulty model (rasch, twopl, mvprobit, ...) with posterior checks")
    _data_options(f)
    f.add_argument("--family", metavar="F",
                   help="independence, hard_easy, latent_class, rasch, twopl or mvprobit (with --formula: picks among "
                        "the families the formula fits)")
    f.add_argument("--formula", metavar="FORMULA",
                   help="R-style model instead of (or with) --family, e.g. \"fail ~ model + (1 | instance)\"")
    f.add_argument("--covariate", action="append", metavar="COL",
                   help="numeric column shifting latent difficulty (rasch, twopl); repeat or comma-separate")
    f.add_argument("--link", choices=["logit", "probit"], default="logit", help="link of rasch/twopl (default logit)")
    f.add_argument("--classes", type=_count, default=2, metavar="C", help="classes of latent_class (default 2)")
    f.add_argument("--model-by-group", action="store_true",
                   help="partially pooled model-by-group effects (rasch, twopl; needs --group)")
    f.add_argument("--prior", action="append", type=_prior, metavar="NAME=SCALE",
                   help="replace a prior hyperparameter of the family (repeatable), e.g. --prior sigma_sd=1.5")
    f.add_argument("--draws", type=_count, default=1000, metavar="N", help="posterior draws per chain (default 1000)")
    f.add_argument("--tune", type=_count, default=1000, metavar="N", help="tuning steps per chain (default 1000)")
    f.add_argument("--chains", type=_count, default=2, metavar="C", help="chains (default 2)")
    f.add_argument("--seed", type=_count, default=0, help="sampler seed (default 0)")
    f.add_argument("--target-accept", type=_float, default=0.95, metavar="X",
                   help="NUTS target acceptance rate in [0.5, 1) (default 0.95)")
    f.add_argument("--out", metavar="FILE", help="save the fit (netCDF) for `ecostat compare` and es.load_fit")
    f.add_argument("--force", action="store_true",
                   help="replace an existing output file (--out); the input data are never overwritten")

    c = sub.add_parser("compare", help="rank saved fits (ecostat fit --out) by PSIS-LOO, side by side")
    c.add_argument("fits", metavar="FIT", nargs="+", help="fit files written by `ecostat fit --out`")
    c.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    if spec_defaults:
        for sub_parser in (d, b, f):
            known = {a.dest for a in sub_parser._actions}
            sub_parser.set_defaults(**{k: v for k, v in spec_defaults.items() if k in known})
    return parser


def _covariates(args) -> list[str]:
    """``--covariate`` values (repeatable, comma-separated), in order, without duplicates."""
    names = [c.strip() for value in (getattr(args, "covariate", None) or []) for c in value.split(",")]
    return list(dict.fromkeys(c for c in names if c))


def _read(args):
    from ..data.readers import read_long, read_wide

    _progress(f"reading {args.data}")
    covariates = _covariates(args)
    if args.layout == "long":
        fm = read_long(args.data, instance=args.id, model=args.model_col, prediction=args.prediction_col,
                       label=args.label, group=args.group, covariates=covariates)
        if args.models:
            fm = fm.select([s.strip() for s in args.models.split(",") if s.strip()])
    else:
        years = [y.strip() for y in args.years.split(",")] if args.years else None
        fm = read_wide(args.data, label=args.label, id=args.id, models=args.models, group=args.group,
                       covariates=covariates, years=years)
    _check_numeric_covariates(fm, covariates)
    return fm


def _check_numeric_covariates(fm, names) -> None:
    import pandas as pd

    for name in names:
        col = fm.covariates[name]
        if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
            example = col.iloc[0] if len(col) else None
            raise EcostatError(f"covariate column {name!r} is not numeric (e.g. {example!r}); encode it as numbers, "
                               f"or pass it as --group {name} to compare its levels.")


def _jsonable(obj):
    """A JSON-ready copy of ``obj``: NaN/inf -> None, numpy scalars and arrays -> Python values."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):  # numpy scalar or array
        return _jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _emit(obj: dict) -> None:
    print(json.dumps(_jsonable(obj), indent=2, allow_nan=False))


def cmd_describe(args) -> int:
    from ..descriptive.describe import describe

    fm = _read(args)
    _progress(f"{fm.n_instances} instances x {fm.n_models} decision-makers; bootstrapping {args.bootstrap} replicates")
    d = describe(fm, n_boot=args.bootstrap, seed=args.seed, ci=args.ci, hard_easy=args.hard_easy, hard_easy_rule=args.rule,
                 bootstrap_by=args.bootstrap_by)
    if args.json:
        _emit(d.to_dict())
    else:
        print(d.summary().as_text())
    return 0


def cmd_baseline(args) -> int:
    from ..descriptive.baseline_analysis import baseline_analysis
    from ..errors import EcostatWarning

    fm = _read(args)
    with warnings.catch_warnings():
        if args.rule == "paper":
            warnings.simplefilter("always", EcostatWarning)
        rep = baseline_analysis(fm, rule=args.rule, n_sim=args.gof, seed=args.seed, progress=_progress)
    if args.json:
        _emit(rep)
        return 0
    he, fit = rep["hard_easy"], rep["hard_easy_fit"]
    print(f"Hard/easy baseline (Toups App. A.3), {rep['n_instances']} instances, models {', '.join(m['name'] for m in rep['models'])}")
    print(f"  paper grid ({he['rule']} rule): alpha = {he['alpha']:.1f}, Delta = {he['delta']:.1f}, L1 = {he['l1']:.4f}")
    print(f"  continuous ML fit:  alpha = {fit['alpha']:.4f}, Delta = {fit['delta']:.4f}, L1 = {fit['l1']:.4f}")
    dist = rep["failure_count_distribution"]
    print("  failures  observed  independence  hard/easy")
    for t, (o, i, h) in enumerate(zip(dist["observed"], dist["independence"], dist["hard_easy"])):
        print(f"  {t:>8}  {o:8.4f}  {i:12.4f}  {h:9.4f}")
    for name, g in rep.get("goodness_of_fit", {}).items():
        print(f"  goodness of fit, {name}: G2 = {g['g2']:.2f}, parametric-bootstrap p = {g['p_value']:.4f} ({g['n_sim']} replicates)")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo
    from ..errors import EcostatWarning

    family = None if args.family == "none" else args.family
    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)  # a convergence warning of the fit reaches stderr
        report = run_demo(n=args.n, seed=args.seed, n_boot=args.bootstrap, out=args.out, progress=_progress,
                          family=family, draws=args.draws)
    if args.json:
        _emit(report["json"])
    else:
        print(report["text"])
    return 0


def _fit_settings(args) -> dict:
    """What ``fit_with`` needs: the command line's settings, and the fit spec's settings that have no flag."""
    spec = getattr(args, "loaded_spec", None)
    extra_model = {k: v for k, v in spec.model.items() if k not in _SPEC_TO_ARGS} if spec is not None else {}
    extra_sampler = {k: v for k, v in spec.sampler.items() if k not in _SPEC_TO_ARGS} if spec is not None else {}
    priors = dict(spec.priors) if spec is not None else {}
    priors.update(dict(args.prior or []))  # a --prior replaces the spec's value of that prior only
    model = {"link": args.link, "n_classes": args.classes, **extra_model}
    if args.formula is not None:  # the formula decides on model-by-group effects unless the flag asks for them
        model["model_by_group"] = True if args.model_by_group else None
    else:
        model["model_by_group"] = args.model_by_group
    sampler = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": args.seed,
               "target_accept": args.target_accept, **extra_sampler}
    return {"formula": args.formula, "family": args.family, "model": model, "priors": priors, "sampler": sampler}


def cmd_fit(args) -> int:
    from ..errors import EcostatWarning
    from ..bayes.families import get_family
    from .spec import fit_with

    if args.family is None and args.formula is None:
        raise EcostatError("ecostat fit needs a model: --family F (e.g. rasch), --formula \"fail ~ model + "
                           "(1 | instance)\" or --spec models/NAME.toml (a fit spec, kind = \"fit\").")
    if args.family is not None:
        get_family(args.family)  # an unknown family fails before the data are read
    if not 0.5 <= args.target_accept < 1:
        raise EcostatError(f"--target-accept must be in [0.5, 1); got {args.target_accept}.")
    if args.out:  # checked before the data are read and sampled: a fit must never be lost when it is saved
        from ..bayes.persistence import check_output_path

        check_output_path(args.out, inputs=[args.data], force=args.force)
    spec = getattr(args, "loaded_spec", None)
    if args.covariate is None and spec is not None and spec.data.get("covariates"):
        args.covariate = list(spec.data["covariates"])  # --covariate replaces the spec's list
    if args.formula is not None:  # the covariates a formula names are read from DATA without --covariate
        from .spec import formula_covariates

        named = formula_covariates(args.formula, args.family, args.group)
        args.covariate = [*(args.covariate or []), *named] or None
    settings = _fit_settings(args)
    fm = _read(args)
    covariates = _covariates(args)
    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)  # convergence and LOO warnings always reach stderr
        what = f"{fm.n_instances} instances x {fm.n_models} decision-makers"
        if fm.group is not None:
            what += f", group {fm.group_name!r} ({len(fm.group.categories)} levels)"
        if covariates:
            what += f", covariates {', '.join(covariates)}"
        model = f"model {args.formula!r}" + (f" ({args.family})" if args.family else "") if args.formula else \
            f"{args.family} model"
        _progress(f"{what}; building the {model}")
        _progress(f"sampling {args.chains} chains x ({args.tune} tuning + {args.draws} draws), seed {args.seed}")
        # --group asks for the group to be modelled: a family without group structure says so instead of pooling
        res = fit_with(fm, group=True if args.group else None, covariates=covariates or None, **settings)
        if args.out:
            path = res.save(args.out, force=args.force)
            _progress(f"saved the fit to {path}")
        _progress("computing posterior quantities, predictive checks and PSIS-LOO")
        if args.json:
            _emit(res.to_dict())
        else:
            print(res.summary().as_text())
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
    from ..errors import EcostatWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", EcostatWarning)
        from ..bayes.comparison import compare
        from ..bayes.loo import compare as loo_compare
        from ..bayes.loo_align import align_loo
        from ..bayes.results import FitResult

        fits = []
        for path in args.fits:
            _progress(f"loading {path}")
            fits.append(FitResult.load(path))
        names = _fit_names(args.fits, fits)
        if len(set(names)) < len(names):
            raise EcostatError(f"the same fit file is named twice ({', '.join(args.fits)}); name each file once.")
        by_name = dict(zip(names, fits))
        _progress(f"comparing {len(fits)} fits by PSIS-LOO")
        if args.json:
            table = loo_compare(align_loo(by_name))
            models = [{"name": n, "family": by_name[n].family, "elpd": float(r["elpd_loo"]), "se": float(r["se"]),
                       "p_loo": float(r["p_loo"]), "elpd_diff": float(r["elpd_diff"]), "dse": float(r["dse"]),
                       "weight": float(r["weight"]), "rank": int(r["rank"])} for n, r in table.iterrows()]
            _emit({"models": models})
        else:
            print(compare(by_name).as_text())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ecostat`` command."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning  # warnings read as messages, not as source lines
    handler = {"describe": cmd_describe, "baseline": cmd_baseline, "demo": cmd_demo, "fit": cmd_fit,
               "compare": cmd_compare}[args.command]
    try:
        if getattr(args, "spec", None):
            from .spec import load_spec

            spec = load_spec(args.spec)
            if spec.kind != args.command:
                raise EcostatError(f"spec {spec.name!r} is a {spec.kind!r} analysis; run it with `ecostat {spec.kind}`.")
            args = build_parser(_spec_defaults(spec)).parse_args(argv)  # explicit options still win
            args.loaded_spec = spec
            _progress(f"spec {spec.name}: {spec.description}")
        return handler(args)
    except EcostatError as exc:
        print(f"ecostat: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
