"""Unfitted models: ``ecostat.model(formula, data)`` (``docs/architecture.md``, "Formulas").

A :class:`Model` is data collapsed to a :class:`~ecostat.bayes.families.Design`, a family
and its options (structure and prior hyperparameters): everything that decides
the posterior, nothing about how it is sampled. As in bambi, ``build()`` gives
the PyMC model before anything is sampled; ``graph()`` draws it,
``prior_predictive()`` says what the priors imply for the ecosystem statistics,
and ``fit()`` samples it. Formulas (:mod:`ecostat.bayes.formula`) and the keyword API
(:meth:`Model.from_keywords`, used by :func:`ecostat.fit`) construct the same
object, so the two can never produce different models.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from ..data.failures import FailureMatrix
from ..data.profiles import ProfileTable
from ..errors import DataError, EcostatError, warn_at_caller
from ..options import default
from .families import FitOptions, get_family, make_design
from .families.design import Design
from .formula import ParsedFormula, parse_formula

__all__ = ["Model", "model", "build_model"]

class Model:
    """A Bayesian ecosystem model ready to build and fit.

    Construct it with :func:`ecostat.model` (formula) or
    :meth:`Model.from_keywords` (the keyword API of :func:`ecostat.fit`).

    Attributes
    ----------
    design : Design
        The collapsed data.
    family : str
    options : FitOptions
    formula : str or None

    Examples
    --------
    >>> import ecostat as es
    >>> m = es.model("fail ~ model + (1 | instance)", es.simulate(n=500, seed=0))
    >>> m
    <ecostat.Model rasch: fail ~ model + (1 | instance); 500 instances x 3 decision-makers>
    >>> sorted(v.name for v in m.build().free_RVs)
    ['b', 'sigma']
    """

    def __init__(self, design: Design, family: str, options: FitOptions | None = None, *, formula: str | None = None):
        self._family = get_family(family)
        self.design = design
        self.family = family
        self.options = self._family.canonical(options or FitOptions(), design)
        self.formula = formula
        self._family.check(design, self.options)

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_keywords(cls, data, family: str | None = default("family"), *, grouped: bool | None = default("grouped"),
                      covariates=default("covariates"), link: str = default("link"),
                      n_classes: int = default("n_classes"), model_by_group: bool = default("model_by_group"),
                      group_location: bool = default("group_location"), group_scale: bool = default("group_scale"),
                      priors: dict | None = default("priors"), quadrature: int = default("quadrature"),
                      group: bool | None = None) -> Model:
        """The model :func:`ecostat.fit` fits, from its keywords (see there).

        Options the family does not read (``Family.reads``) must keep their
        defaults: ``link="probit"`` with latent_class is an error, not ignored.

        Examples
        --------
        >>> import ecostat as es
        >>> fm = es.simulate(n=500, seed=0)
        >>> Model.from_keywords(fm, "rasch") == es.model("fail ~ model + (1 | instance)", fm)
        True
        """
        if group is not None:  # the 0.1 name of ``grouped``
            warn_at_caller("fit(group=...) is now grouped=... (group names the column when reading data).",
                           DeprecationWarning)
            grouped = group if grouped is None else grouped
        fam = get_family(family or "rasch")
        options = FitOptions(link=link, n_classes=n_classes, model_by_group=model_by_group, quadrature=quadrature,
                             group_location=group_location, group_scale=group_scale, priors=priors or ())
        given = options.changed()
        given.pop("group_location", None)  # the group flags only matter with a group: Family.canonical drops them
        given.pop("group_scale", None)
        fam.check_options(given)
        if grouped is None and not fam.takes_group:
            grouped = False  # the family has no group structure: fit the pooled ecosystem
        return cls(make_design(data, group=grouped, covariates=covariates), fam.name, options)

    # -- identity --------------------------------------------------------------------------------
    @property
    def spec(self) -> dict:
        """Everything that decides the posterior: family, options and the data digest."""
        return {"family": self.family, "options": self.options.to_dict(), "digest": self.design.digest()}

    def __eq__(self, other) -> bool:
        return isinstance(other, Model) and self.spec == other.spec

    __hash__ = None  # mutable-style object: equality by spec, not hashable

    def __repr__(self) -> str:
        what = f"{self.design.n_instances} instances x {self.design.k} decision-makers"
        return f"<ecostat.Model {self.family}: {self.formula or 'keyword API'}; {what}>"

    def priors(self) -> pd.DataFrame:
        """The model's priors: parameter, distribution and the hyperparameters in force.

        Examples
        --------
        >>> import ecostat as es
        >>> es.model("fail ~ model", es.simulate(n=200, seed=0)).priors()["prior"].tolist()
        ['Beta(f_a = 1, f_b = 1): failure rate of each model (each group x model when grouped)']
        """
        used = set(self._family.parameters(self.design, self.options))
        rows = [{"parameter": n, "prior": text} for n, text in self._family.priors.items() if n in used]
        return pd.DataFrame(rows)

    def hyperparameters(self) -> dict:
        """Prior hyperparameters in force (defaults, with ``priors=`` overrides)."""
        return {n: self._family.prior(self.options, n) for n in self._family.prior_scales}

    # -- verbs -----------------------------------------------------------------------------------
    def build(self):
        """The ``pymc.Model`` (priors, deterministic quantities, ``Potential("loglik")``).

        Examples
        --------
        >>> import ecostat as es
        >>> m = es.model("fail ~ model + (1 | instance) + group", es.simulate(n=400, groups={"a": .5, "b": .5}, seed=0))
        >>> sorted(v.name for v in m.build().free_RVs)
        ['b', 'mu_group', 'sigma']
        """
        return build_model(self.design, self.family, self.options)

    def graph(self, **kwargs):
        """The model as a ``graphviz.Digraph`` (``pymc.model_to_graphviz``); render it with ``.render()``.

        Examples
        --------
        >>> import ecostat as es
        >>> g = es.model("fail ~ model + (1 | instance)", es.simulate(n=200, seed=0)).graph()
        >>> "sigma" in g.source
        True
        """
        import pymc as pm

        try:
            import graphviz  # noqa: F401
        except ImportError:
            raise EcostatError("Model.graph() needs the graphviz package: pip install graphviz.") from None
        return pm.model_to_graphviz(self.build(), **kwargs)

    def prior_predictive(self, draws: int = 500, seed: int = default("seed")):
        """What the priors imply for the ecosystem statistics, before seeing the failures.

        Parameters
        ----------
        draws : int
            Prior draws.
        seed : int

        Returns
        -------
        PriorPredictive
            Prior draws, implied ecosystem quantities, and replicated statistics
            against the observed ones.

        Examples
        --------
        >>> import ecostat as es
        >>> pp = es.model("fail ~ model + (1 | instance)", es.simulate(n=300, seed=0)).prior_predictive(draws=50)
        >>> bool(pp.quantity("homogenization")["mean"] > 1)
        True
        """
        from .prior_predictive import prior_predictive

        return prior_predictive(self, draws=draws, seed=seed)

    def fit(self, *, draws: int = default("draws"), tune: int = default("tune"), chains: int = default("chains"),
            cores: int | None = default("cores"), seed: int = default("seed"),
            target_accept: float | None = default("target_accept"), sampler: str = default("sampler"),
            progressbar: bool | None = default("progressbar"), backend: str | None = default("backend"),
            mass_matrix: str | None = default("mass_matrix"), method: str = default("method"),
            random_seed: int | None = None):
        """Sample the posterior with NUTS; returns a :class:`~ecostat.bayes.results.FitResult`.

        The sampler settings are those of :func:`ecostat.fit` and
        :func:`ecostat.bayes.sampling.sampler_settings` (``sampler``, ``backend``,
        ``mass_matrix``, ``method``; ``target_accept`` defaults per model,
        :func:`ecostat.bayes.sampling.default_target_accept`); the same model and seed give the same draws
        bit for bit (``random_seed`` is PyMC's name for ``seed``). A fit estimated
        to take minutes warns before it starts.

        Examples
        --------
        >>> import ecostat as es
        >>> m = es.model("fail ~ model + (1 | instance)", es.simulate(n=2000, seed=3))
        >>> res = m.fit(draws=300, tune=300, seed=1)  # doctest: +SKIP
        >>> print(res.summary())  # doctest: +SKIP
        """
        import json

        from .results import FitResult
        from .sampling import default_target_accept, sample_model, sampler_settings, warn_if_coarse_grid, warn_if_slow

        if random_seed is not None:
            if seed != default("seed") and seed != random_seed:
                raise EcostatError(f"seed={seed} and random_seed={random_seed} disagree; give one of them.")
            seed = random_seed
        if target_accept is None:
            target_accept = default_target_accept(self.design, self.family, self.options)
        settings = sampler_settings(draws, tune, chains, cores, seed, target_accept, sampler, backend, mass_matrix, method)
        warn_if_slow(self.design, self.options, self.family, settings)
        key = json.dumps(self.spec, sort_keys=True, default=str)
        idata = sample_model(self.build, settings, progressbar, cache_key=key,
                             spec=(self.design, self.family, self.options))
        res = FitResult(family=self.family, options=self.options, design=self.design, idata=idata,
                        settings=settings, formula=self.formula, check=False)
        _warn_if_not_converged(res)
        warn_if_coarse_grid(self.design, self.options, self.family, res.draws)
        return res


def _warn_if_not_converged(res) -> None:
    """The fit's convergence warning (:meth:`FitResult.warn_if_not_converged`), pointing at the user's call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res.warn_if_not_converged()
    for w in caught:
        warn_at_caller(str(w.message), w.category)


def model(formula: str | ParsedFormula, data, *, family: str | None = default("family"), link: str = default("link"),
          n_classes: int = default("n_classes"), model_by_group: bool | None = None,
          priors: dict | None = default("priors"), quadrature: int = default("quadrature"),
          decision_maker: str = "model") -> Model:
    """A model written as a formula (lme4/brms style; grammar in :mod:`ecostat.bayes.formula`).

    Parameters
    ----------
    formula : str or ParsedFormula
        E.g. ``"fail ~ model + (1 | instance)"`` (rasch), ``"fail ~ model * group +
        (1 | instance:group)"`` (group disparity), ``"fail ~ model + (0 + model |
        instance)"`` (mvprobit); or a formula already read by :func:`ecostat.parse_formula`
        (it is not parsed again).
    data : FailureMatrix, ProfileTable or pandas.DataFrame
        A FailureMatrix or ProfileTable (its group and covariates are available by name), or a
        long table with one row per (instance, decision-maker): the response
        (0/1, 1 = failure; ``1 - NAME`` for successes), the decision-maker column
        (``decision_maker``), the instance column (the latent term's grouping
        factor), and instance-level columns: a numeric one enters as a
        covariate, a text/categorical one as the group.
    family : str, optional
        A family compatible with the latent term (``(1 | instance)``: rasch,
        twopl, latent_class, hard_easy); default rasch, independence without a
        latent term, mvprobit with ``(0 + model | instance)``.
    link : {"logit", "probit"}
        Link of rasch/twopl.
    n_classes : int
        Classes of latent_class.
    model_by_group : bool, optional
        Must agree with the formula (``model:group``) if given.
    priors : dict, optional
        Prior hyperparameters replacing the family's defaults, e.g.
        ``{"sigma_sd": 1.0}`` (see ``Model.hyperparameters()``).
    quadrature : int
        Grid nodes integrating difficulty out.
    decision_maker : str
        Name of the decision-maker factor in the formula and a long table.

    Returns
    -------
    Model

    Raises
    ------
    FormulaError
        For an unsupported term (named, with the supported ones listed).
    DataError
        When a name in the formula is not in the data.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=1000, groups={"dark": .3, "light": .7}, seed=0)
    >>> m = es.model("fail ~ model * group + (1 | instance:group)", fm)
    >>> m.family, m.options.model_by_group, m.design.group_levels
    ('rasch', True, ('dark', 'light'))
    >>> wide = fm.to_frame().assign(instance=range(1000), group=fm.group)
    >>> long = wide.melt(id_vars=["instance", "group"], var_name="model", value_name="fail")
    >>> es.model("fail ~ model + (1 | instance) + group", long).design.n_instances
    1000
    """
    if isinstance(data, (FailureMatrix, ProfileTable)):
        fm = data
        group_name = fm.group_name if _has_group(fm) else None
        parsed = formula if isinstance(formula, ParsedFormula) else parse_formula(
            formula, family, group=group_name, model=decision_maker)
        _check_names(parsed, fm)
    elif isinstance(data, pd.DataFrame):
        parsed, fm = _from_long(formula if isinstance(formula, str) else formula.formula, family, data, decision_maker)
    else:
        raise DataError(f"data must be a FailureMatrix or a long pandas DataFrame (or a ProfileTable); got {type(data).__name__}.")
    text = parsed.formula
    if model_by_group is not None and bool(model_by_group) != parsed.model_by_group:
        raise EcostatError(f"model_by_group={model_by_group} disagrees with formula {text!r}; "
                           "write 'model * group' (or 'model:group') in the formula instead.")
    if parsed.group is not None and not _has_group(fm):
        raise DataError(f"formula {text!r} uses the group {parsed.group!r}, but the data have no group; attach one "
                        "with fm.with_group(...) (or --group COL on the command line).")
    fam = get_family(parsed.family)
    asked = FitOptions(link=link, n_classes=n_classes, quadrature=quadrature, priors=priors or ())
    fam.check_options(asked.changed())
    # the group terms of the formula, as the family reads them (independence "model * group": rates by group)
    options = FitOptions(**{**asked.to_dict(), "priors": asked.priors, **fam.options_from_formula(parsed)})
    design = make_design(fm, group=parsed.group is not None, covariates=list(parsed.covariates) or None)
    return Model(design, parsed.family, options, formula=text)


def _check_names(parsed: ParsedFormula, fm: FailureMatrix) -> None:
    available = list(fm.covariates.columns) if fm.covariates is not None else []
    missing = [c for c in parsed.covariates if c not in available]
    if missing:
        group = f"group {fm.group_name!r}" if _has_group(fm) else "no group"
        raise DataError(f"formula {parsed.formula!r} names {', '.join(map(repr, missing))}, which is neither the group nor "
                        f"an attached covariate (the data have {group} and covariates {available}); attach it with "
                        "fm.attach(...) or fm.with_covariates(...).")


def _has_group(data) -> bool:
    """Whether a FailureMatrix or a ProfileTable carries a group."""
    return (data.group if isinstance(data, FailureMatrix) else data.group_codes) is not None


def _names(formula: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", formula)


def _from_long(formula: str, family, df: pd.DataFrame, decision_maker: str) -> tuple[ParsedFormula, FailureMatrix]:
    from ..data.readers import read_data

    # the group is the one non-numeric instance-level column the formula names
    lhs, _, rhs = formula.partition("~")
    special = {decision_maker, *_names(lhs), *re.findall(r"\|\s*([A-Za-z_][A-Za-z0-9_.]*)", rhs)}
    named = [n for n in dict.fromkeys(_names(rhs)) if n in df.columns and n not in special]
    categorical = [n for n in named if not (pd.api.types.is_numeric_dtype(df[n]) and not pd.api.types.is_bool_dtype(df[n]))]
    if len(categorical) > 1:
        raise DataError(f"formula {formula!r} names several non-numeric columns ({categorical}); one can be the group, "
                        "the others must be numeric covariates.")
    group = categorical[0] if categorical else None
    parsed = parse_formula(formula, family, group=group, model=decision_maker)
    if parsed.group is not None and parsed.group not in df.columns:
        raise DataError(f"formula {formula!r} uses the group {parsed.group!r}, which is not a column of the data "
                        f"(columns: {list(df.columns)}).")
    need = [parsed.response, decision_maker] + ([parsed.instance] if parsed.instance else [])
    absent = [c for c in need + list(parsed.covariates) if c not in df.columns]
    if parsed.instance is None and "instance" not in df.columns:
        absent.append("instance (a formula without a latent term still needs the instance column 'instance')")
    if absent:
        raise DataError(f"formula {formula!r} names column(s) {absent} that are not in the data "
                        f"(columns: {list(df.columns)}).")
    response = df[parsed.response]
    if parsed.flip:
        ok = response.isin([0, 1, True, False])
        if not ok.all():
            raise DataError(f"response column {parsed.response!r} must be 0/1; it holds {response[~ok].iloc[0]!r}.")
        df = df.assign(**{"__ecostat_fail__": 1 - response.astype(int)})
        failure = "__ecostat_fail__"
    else:
        failure = parsed.response
    fm = read_data(df, layout="long", id=parsed.instance or "instance", model_col=decision_maker, failure_col=failure,
                   label=None, prediction_col=None, group=parsed.group, covariates=list(parsed.covariates),
                   version_pattern=None)
    return parsed, fm


def build_model(design: Design, family: str = "rasch", options: FitOptions | None = None):
    """The PyMC model of ``family`` on a collapsed design.

    Parameters
    ----------
    design : Design
        From :func:`ecostat.bayes.families.make_design`.
    family : str
        A name in :data:`ecostat.bayes.families.FAMILIES`.
    options : FitOptions, optional

    Returns
    -------
    pymc.Model
        Priors, deterministic quantities and ``pm.Potential("loglik")``.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import make_design
    >>> m = build_model(make_design(es.simulate(n=300, seed=0)), "rasch")
    >>> sorted(v.name for v in m.free_RVs)
    ['b', 'sigma']
    """
    import pymc as pm

    options = options or FitOptions()
    fam = get_family(family)
    fam.check(design, options)
    with pm.Model(coords=fam.coords(design, options)) as model:
        fam.build(design, options)
    return model
