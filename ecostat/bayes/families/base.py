"""What every Bayesian family provides, and the collapsed mixture likelihood.

A family (``docs/architecture.md``, "The family contract") is a generative
model of one instance's failure profile given its stratum (group, covariates).
It *declares* what the rest of the package dispatches on, so that adding a
family touches no other module:

* formula terms it fits (:attr:`Family.latent_term`, :attr:`Family.terms`, with
  :attr:`Family.term_hints` for the ones it does not) -- read by
  :mod:`ecostat.bayes.formula`;
* model options it reads (:attr:`Family.reads`, :attr:`Family.links`) -- checked by
  :class:`ecostat.bayes.model.Model`, the specs and the command line;
* its priors (:attr:`Family.priors`, :attr:`Family.prior_scales`);
* how to simulate from it (:attr:`Family.simulate_args`, :meth:`Family.simulation`,
  :meth:`Family.draw`, :meth:`Family.true_parameters`) -- called by :func:`ecostat.simulate`.

and it computes:

* :meth:`Family.build`: priors and the collapsed log-likelihood, added to the
  active ``pymc.Model`` as ``pm.Potential("loglik", sum_r n_r log p(y_r))``;
* :meth:`Family.pattern_log_prob`: per posterior draw, the log-probability of
  every complete profile in every stratum, shape ``(S, U, 2^k)``: the input of
  all posterior quantities (:mod:`ecostat.bayes.posterior`), checks and LOO;
* :meth:`Family.row_log_lik`: per draw, the log-likelihood of each profile row
  (missing cells marginalized), shape ``(S, R)``.

Most families are *conditionally independent mixtures*: given a latent value
(a quadrature node of the difficulty theta, or a class) the decision-makers fail
independently. :class:`MixtureFamily` writes such a family's equations once
(:meth:`MixtureFamily.components`, against the ``xp`` namespaces of
:mod:`.backend`) and derives the PyTensor likelihood and the numpy posterior
computations from them, so the two can never disagree.

Importing a family imports no PyMC: the graph is built inside :meth:`Family.build`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from ...errors import EcostatError
from ...numeric import all_profiles
from ...options import default
from .backend import NP, pytensor_namespace
from .design import Design
from .registry import FAMILIES, families_reading
from .simulation import Simulated, SimulationSetup

__all__ = ["FitOptions", "Family", "MixtureFamily", "MAX_K_PATTERNS", "GROUP_TERMS", "FORMULA_TERMS"]

#: posterior quantities enumerate all 2^k profiles up to this many decision-makers
MAX_K_PATTERNS = 14
#: numpy chunk size (elements) when evaluating draws
_CHUNK = 20_000_000
#: formula terms with a group: '+ group', '(1 | instance:group)', 'model:group'
GROUP_TERMS = frozenset({"group", "instance:group", "model:group"})
#: every formula term a family can declare in :attr:`Family.terms`
FORMULA_TERMS = GROUP_TERMS | {"covariates"}


@dataclass(frozen=True)
class FitOptions:
    """Structural options of a family, and its prior hyperparameters.

    Defaults and allowed values are declared once in :mod:`ecostat.options`.

    Parameters
    ----------
    link : {"logit", "probit"}
        Link of the latent-trait families (rasch, twopl).
    n_classes : int
        Classes of ``latent_class``.
    model_by_group : bool
        Model-by-group effects (partially pooled) in the latent-trait families.
    quadrature : int
        Grid nodes integrating the latent difficulty out (trapezoid rule on +-9 sd).
    group_location, group_scale : bool
        With a group, the latent-trait families give each group its own
        difficulty location (``mu_group``) and scale (``sigma_group``); either
        can be switched off (formula ``+ group`` asks for the location only,
        ``(1 | instance:group)`` for the scale).
    priors : dict or tuple of (name, value), optional
        Prior hyperparameters that replace the family's defaults
        (:attr:`Family.prior_scales`), e.g. ``{"sigma_sd": 1.0}``.

    Examples
    --------
    >>> FitOptions(priors={"b_sd": 2.0}).prior_dict
    {'b_sd': 2.0}
    """

    link: str = default("link")
    n_classes: int = default("n_classes")
    model_by_group: bool = default("model_by_group")
    quadrature: int = default("quadrature")
    group_location: bool = default("group_location")
    group_scale: bool = default("group_scale")
    priors: tuple = ()

    def __post_init__(self) -> None:
        from ...options import check

        for f in fields(self):
            if f.name != "priors":
                object.__setattr__(self, f.name, check(f.name, getattr(self, f.name)))
        items = self.priors.items() if isinstance(self.priors, dict) else (self.priors or ())
        clean = check("priors", dict(items)) or {}
        object.__setattr__(self, "priors", tuple(sorted(clean.items())))

    @property
    def prior_dict(self) -> dict:
        return dict(self.priors)

    def to_dict(self) -> dict:
        return {"link": self.link, "n_classes": self.n_classes, "model_by_group": self.model_by_group,
                "quadrature": self.quadrature, "group_location": self.group_location,
                "group_scale": self.group_scale, "priors": self.prior_dict}

    def changed(self) -> dict:
        """The options that differ from their defaults (what a user asked for)."""
        base = FitOptions()
        out = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(base, f.name)}
        if "priors" in out:
            out["priors"] = self.prior_dict
        return out


class Family(ABC):
    """Base class of a Bayesian family (see the module docstring).

    Subclass it (or :class:`MixtureFamily`), fill in the declarations and register an
    instance with :func:`ecostat.bayes.families.register_family`.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: prior of every parameter, as documented in summaries and the README
    priors: ClassVar[dict[str, str]] = {}
    #: adjustable prior hyperparameters and their defaults (see :meth:`prior`)
    prior_scales: ClassVar[dict[str, float]] = {}
    #: hyperparameters given in probit units whose logit default is 1.7 times larger
    logit_scaled: ClassVar[frozenset] = frozenset()
    #: links it takes (the first is the default)
    links: ClassVar[tuple] = ("logit",)
    #: the latent term of its formula: None ('fail ~ model'), "intercept" ('(1 | instance)') or
    #: "model" ('(0 + model | instance)')
    latent_term: ClassVar[str | None] = "intercept"
    #: whether a formula with this latent term and no family named gets this family
    formula_default: ClassVar[bool] = False
    #: formula terms it fits, a subset of FORMULA_TERMS: '+ group' ("group"), '(1 | instance:group)'
    #: ("instance:group"), 'model:group' ("model:group"), '+ NAME' ("covariates")
    terms: ClassVar[frozenset] = frozenset()
    #: why it does not fit a term, and what to write instead (term -> sentence)
    term_hints: ClassVar[dict[str, str]] = {}
    #: model options it reads (ecostat.options, section "model"); the others must keep their defaults
    reads: ClassVar[frozenset] = frozenset()
    #: keyword arguments of ecostat.simulate it reads -> their defaults
    simulate_args: ClassVar[dict[str, Any]] = {}

    # -- declarations put to use -----------------------------------------------------------------
    @property
    def takes_group(self) -> bool:
        """Whether the family has any group structure (so ``fit`` models an attached group)."""
        return bool(self.terms & GROUP_TERMS)

    def prior(self, options: FitOptions, name: str) -> float:
        """Value of prior hyperparameter ``name``: the user's (``options.priors``) or the default.

        Defaults of :attr:`logit_scaled` hyperparameters are in probit units and
        multiplied by 1.7 under the logit link; a value the user gives is used as is.
        """
        given = options.prior_dict
        if name in given:
            return given[name]
        value = self.prior_scales[name]
        return value * 1.7 if (name in self.logit_scaled and options.link == "logit") else value

    def prior_defaults(self, link: str = "logit") -> dict[str, float]:
        """Default prior hyperparameters under ``link``."""
        return {n: self.prior(FitOptions(link=link), n) for n in self.prior_scales}

    def check_options(self, given: dict, where: str = "") -> None:
        """Raise for a model option the family does not read but the user set, or a link it lacks."""

        for name, value in given.items():
            if name == "priors":
                unknown = sorted(set(value or {}) - set(self.prior_scales))
                if unknown:
                    raise EcostatError(f"{where}family {self.name!r} has no prior hyperparameter "
                                       f"{', '.join(map(repr, unknown))}; it takes {sorted(self.prior_scales) or 'none'}.")
            elif name not in self.reads:
                able = families_reading(name)
                raise EcostatError(f"{where}family {self.name!r} does not take {name.replace('_', '-')} (= {value!r}); "
                                   f"leave it out" + (f", or choose a family that does: {able}." if able else "."))
        if given.get("link", self.links[0]) not in self.links:
            raise EcostatError(f"{where}family {self.name!r} supports link {list(self.links)}, not {given['link']!r}.")

    def canonical(self, options: FitOptions, design: Design) -> FitOptions:
        """One options value per distinct model: options it does not read (or that need a group it
        lacks) take their defaults."""
        keep = {f.name: getattr(options, f.name) for f in fields(options)
                if f.name == "priors" or f.name in self.reads}
        if design.n_groups <= 1:
            keep.pop("group_location", None)
            keep.pop("group_scale", None)
        return FitOptions(**keep)

    def check_terms(self, parsed) -> None:
        """Raise a FormulaError for a term of ``parsed`` (a ParsedFormula) the family does not fit."""
        from ...errors import FormulaError

        used = {"group": parsed.group_location, "instance:group": parsed.group_scale,
                "model:group": parsed.model_by_group, "covariates": bool(parsed.covariates)}
        for term, on in used.items():
            if not on or term in self.terms:
                continue
            written = {"group": parsed.group, "instance:group": f"(1 | {parsed.instance}:{parsed.group})",
                       "model:group": f"{parsed.model}:{parsed.group}",
                       "covariates": parsed.covariates[0] if parsed.covariates else ""}[term]
            able = sorted(n for n, f in FAMILIES.items() if term in f.terms)
            if term == "covariates":
                generic = f"covariates on difficulty need a latent-trait family ({' or '.join(able)})."
            else:
                generic = f"family {self.name!r} has no such term" + (f"; families that fit it: {able}." if able else ".")
            why = self.term_hints.get(term) or generic
            raise FormulaError(f"term {written!r} in {parsed.formula!r} is not supported by family {self.name!r}: {why}")

    def options_from_formula(self, parsed) -> dict:
        """Model options a formula's group terms stand for (only those the family reads)."""
        out = {"group_location": parsed.group_location or parsed.group is None,
               "group_scale": parsed.group_scale or parsed.group is None,
               "model_by_group": parsed.model_by_group}
        return {k: v for k, v in out.items() if k in self.reads}

    # -- checks ---------------------------------------------------------------------------------
    def check(self, design: Design, options: FitOptions) -> None:
        """Raise :class:`EcostatError` for a design or option the family cannot take."""
        asked = {"group": (design.n_groups > 1, self.takes_group, lambda f: f.takes_group),
                 "covariates": (bool(design.covariate_names), "covariates" in self.terms, lambda f: "covariates" in f.terms),
                 "model_by_group": (options.model_by_group, "model_by_group" in self.reads,
                                    lambda f: "model_by_group" in f.reads)}
        for what, (on, able_here, able) in asked.items():
            if on and not able_here:
                others = sorted(n for n, f in FAMILIES.items() if able(f))
                raise EcostatError(f"family {self.name!r} does not take {what.replace('_', '-')}; "
                                   f"families that do: {others}.")
        if options.model_by_group and design.n_groups < 2:
            raise EcostatError("model_by_group needs a group with at least two levels (pass group=...).")
        if options.link not in self.links:
            raise EcostatError(f"family {self.name!r} supports link {list(self.links)}, not {options.link!r}.")
        if design.k < 2:
            raise EcostatError(f"a Bayesian ecosystem model needs at least two decision-makers; got k = {design.k}.")
        unknown = sorted(set(options.prior_dict) - set(self.prior_scales))
        if unknown:
            raise EcostatError(f"family {self.name!r} has no prior hyperparameter {', '.join(map(repr, unknown))}; "
                               f"it takes {sorted(self.prior_scales) or 'none'}.")
        if design.n_groups > 1 and {"group_location", "group_scale"} <= self.reads and not (
                options.group_location or options.group_scale or options.model_by_group):
            raise EcostatError("a group is attached but group_location, group_scale and model_by_group are all off; "
                               "pass grouped=False to pool the groups.")

    def coords(self, design: Design, options: FitOptions) -> dict:
        c = {"model": list(design.models)}
        if design.n_groups > 1:
            c["group"] = list(design.group_levels)
        if design.covariate_names:
            c["covariate"] = list(design.covariate_names)
        return c

    # -- simulation -----------------------------------------------------------------------------
    def simulation_rates(self, rates, args: dict, given: bool):
        """The failure rates to simulate with (a family may derive them from its own arguments)."""
        return rates

    def simulation(self, setup: SimulationSetup, args: dict):
        """Validate the family's simulation arguments (``simulate_args``, defaults filled in) into a spec."""
        return args

    def draw(self, spec, setup: SimulationSetup, gidx: np.ndarray, rng: np.random.Generator) -> Simulated:
        """Draw the failures of ``setup.n`` instances (groups ``gidx``) from the family."""
        raise EcostatError(f"family {self.name!r} has no simulator.")

    def true_parameters(self, spec, setup: SimulationSetup, n: int | None, seed: int | None) -> dict:
        """The generating parameters in the names and shapes of the fitted family (see ecostat.simulate_parameters)."""
        raise EcostatError(f"family {self.name!r} does not map its simulation onto fitted parameters.")

    # -- interface ------------------------------------------------------------------------------
    @abstractmethod
    def build(self, design: Design, options: FitOptions) -> None:
        """Add the priors and ``pm.Potential("loglik", ...)`` to the active model."""

    def parameters(self, design: Design, options: FitOptions) -> list[str]:
        """Posterior variables to report, in order."""
        return list(self.priors)

    @abstractmethod
    def pattern_log_prob(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        """Log-probability of every complete profile per draw and stratum, (S, U, 2^k)."""

    def row_log_lik(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        """Log-likelihood of each profile row per draw, shape (S, R) (missing cells marginalized)."""
        logp = self.pattern_log_prob(draws, design, options)
        pats = all_profiles(design.k)
        ok = np.all((design.patterns[:, None, :] < 0) | (design.patterns[:, None, :] == pats[None]), axis=-1)  # (R, 2^k)
        rows = logp[:, design.strata, :]
        return np.log(np.sum(np.exp(rows) * ok[None], axis=-1))

    def difficulty(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray | None:
        """Posterior mean latent difficulty of each profile row per draw (S, R), if the family has one."""
        return None

    def profile_latent(self, draws: dict, design: Design, options: FitOptions):
        """(difficulty, P(all fail | difficulty)) per draw and row, or None (see MixtureFamily)."""
        return None

    def group_scale(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray | None:
        """Difficulty scale per group per draw (S, G), if the family has one."""
        return None

    def new_group_draws(self, draws: dict, design: Design, options: FitOptions, n_new: int,
                        rng: np.random.Generator) -> dict:
        """Posterior draws with ``n_new`` group levels appended that the data never saw (for prediction).

        Each new level's parameters are drawn from their prior given each
        posterior draw of the shared hyperparameters (the hierarchical prior of
        a group level), in the shapes :meth:`pattern_log_prob` reads for a
        design with ``design.n_groups + n_new`` levels.
        """
        raise EcostatError(f"family {self.name!r} has no group-level parameters, so it cannot predict a new group.")


class MixtureFamily(Family):
    """A family whose profiles are independent given a latent value (node or class)."""

    @abstractmethod
    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        """Define the priors in the active model; return the tensors :meth:`components` reads."""

    @abstractmethod
    def components(self, params: dict, design: Design, options: FitOptions, xp):
        """Mixture components per stratum.

        Returns ``(log_w, log_p1, log_p0, latent)`` of shapes ``(..., U, Q)``,
        ``(..., U, Q, k)``, ``(..., U, Q, k)``, ``(..., U, Q)``: log weight of each
        latent value, log-probability of failure and of success of each model at
        it, and the latent value itself (difficulty on the linear-predictor scale).
        """

    def draw_components(self, draws: dict, design: Design, options: FitOptions):
        """:meth:`components` of posterior draws (numpy arrays with a leading draw axis), as the figures read them.

        A family whose draws lack parameters its graph fixes (e.g. an ungrouped
        latent-trait fit has no ``mu_group``) completes them first.
        """
        return self.components(draws, design, options, NP)

    def build(self, design: Design, options: FitOptions) -> None:
        import pymc as pm
        import pytensor.tensor as pt

        PT = pytensor_namespace()
        params = self.graph_parameters(design, options)
        row_ll = PT.logsumexp(self.row_terms(params, design, options, PT), axis=-1)
        pm.Potential("loglik", pt.dot(design.counts.astype(float), row_ll))

    def row_terms(self, params: dict, design: Design, options: FitOptions, xp):
        """Log joint of each profile row and latent value, ``(..., R, Q)``: the likelihood's only input.

        From :meth:`components` (:func:`_row_terms`); a family whose components
        have more structure may compute it for less.
        """
        log_w, log_p1, log_p0, _ = self.components(params, design, options, xp)
        return _row_terms(log_w, log_p1, log_p0, design, xp)

    def _chunks(self, draws: dict, design: Design, per_draw: int):
        S = len(next(iter(draws.values())))
        step = max(1, _CHUNK // max(per_draw, 1))
        for start in range(0, S, step):
            yield {key: v[start:start + step] for key, v in draws.items()}

    def pattern_log_prob(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        k = design.k
        if k > MAX_K_PATTERNS:
            raise EcostatError(f"posterior profile probabilities enumerate 2^k profiles; k = {k} exceeds "
                               f"{MAX_K_PATTERNS}. Select fewer decision-makers (fm.select(...)).")
        pats = all_profiles(k).astype(float)
        out = []
        for chunk in self._chunks(draws, design, design.n_strata * options.quadrature * 2 ** k):
            log_w, log_p1, log_p0, _ = self.components(chunk, design, options, NP)
            lp = log_w[..., None] + log_p1 @ pats.T + log_p0 @ (1.0 - pats).T  # (S, U, Q, 2^k)
            out.append(NP.logsumexp(lp, axis=-2))
        return np.concatenate(out, axis=0)

    def row_log_lik(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        out = []
        for chunk in self._chunks(draws, design, _per_draw(design, options)):
            out.append(NP.logsumexp(self.row_terms(chunk, design, options, NP), axis=-1))
        return np.concatenate(out, axis=0)

    def mixture_moments(self, draws: dict, design: Design, options: FitOptions,
                        budget: float | None = None) -> tuple[dict, np.ndarray]:
        """Per draw and stratum: failure rates, P(all fail) and the #failures distribution, without enumerating profiles.

        Exact (:func:`ecostat.bayes.posterior.mixture_moments` on the family's
        components), for any k. The distributions cost k^2/2 multiply-adds per
        draw, stratum and latent value; when all draws would exceed ``budget``
        (default :data:`ecostat.bayes.posterior.POIBIN_BUDGET`) the draws are
        thinned evenly.

        Returns
        -------
        moments : dict of name -> array (S', U, ...)
        index : ndarray of int
            The draws used (all of them unless thinned).
        """
        from ..posterior import POIBIN_BUDGET, mixture_moments

        budget = POIBIN_BUDGET if budget is None else budget
        S = len(next(iter(draws.values())))
        k, U = design.k, design.n_strata
        log_w0 = self.components({key: v[:1] for key, v in draws.items()}, design, options, NP)[0]
        Q = log_w0.shape[-1]
        per_draw = U * Q * (k * (k + 1) / 2.0)
        n_use = int(min(S, max(1, budget // max(per_draw, 1.0))))
        index = np.unique(np.linspace(0, S - 1, n_use).round().astype(np.int64))
        sub = {key: v[index] for key, v in draws.items()}
        parts = []
        for chunk in self._chunks(sub, design, 2 * U * Q * (k + 1)):
            log_w, log_p1, _, _ = self.components(chunk, design, options, NP)
            log_w = log_w + np.zeros(log_p1.shape[:-1])
            parts.append(mixture_moments(log_w, log_p1))
        moments = {name: np.concatenate([m[name] for m in parts], axis=0) for name in parts[0]}
        return moments, index

    def difficulty(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        return self.profile_latent(draws, design, options)[0]

    def profile_latent(self, draws: dict, design: Design, options: FitOptions) -> tuple[np.ndarray, np.ndarray]:
        """Per draw and profile row: posterior mean latent value, and P(all models fail | that latent value).

        The second is averaged over the row's posterior of the latent value: for
        a row every model failed, a small value says the systemic failure is
        not explained by the instance's inferred difficulty (docs/architecture.md §6).
        """
        diff, p_all = [], []
        for chunk in self._chunks(draws, design, _per_draw(design, options)):
            log_w, log_p1, log_p0, latent = self.components(chunk, design, options, NP)
            post = NP.softmax(_row_terms(log_w, log_p1, log_p0, design, NP), axis=-1)  # (S, R, Q)
            diff.append(np.sum(post * np.take(latent, design.strata, axis=-2), axis=-1))
            all_fail = np.exp(np.take(np.sum(log_p1, axis=-1), design.strata, axis=-2))  # (S, R, Q)
            p_all.append(np.sum(post * all_fail, axis=-1))
        return np.concatenate(diff, axis=0), np.concatenate(p_all, axis=0)


#: the padded (stratum, row) layout of :func:`_row_terms` may hold at most this many times the rows
_PAD_LIMIT = 2.0


def _per_draw(design: Design, options: FitOptions) -> int:
    """Array elements one posterior draw needs in the row computations (sets the chunk size)."""
    rows = len(design.counts)
    return 3 * rows * max(options.quadrature, options.n_classes) + 3 * design.n_strata * options.quadrature * design.k


def _stratum_layout(design: Design) -> tuple[int, np.ndarray]:
    """Rows padded into a (U, rmax) block per stratum: (rmax, flat position of each row)."""
    U, s = design.n_strata, design.strata
    sizes = np.bincount(s, minlength=U)
    rmax = int(sizes.max())
    order = np.argsort(s, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(len(s), dtype=np.int64)
    rank[order] = np.arange(len(s)) - np.repeat(starts, sizes)
    return rmax, s * rmax + rank


def _row_terms(log_w, log_p1, log_p0, design: Design, xp):
    """Log joint of each profile row and latent value, ``(..., R, Q)`` (missing cells skipped).

    Written as matrix products of the 0/1 profile rows with the components'
    log-probabilities (``Y1 @ log_p1.T + Y0 @ log_p0.T``; with complete data
    ``Y1 @ (log_p1 - log_p0).T + sum_j log_p0``), one product per stratum
    (rows padded into a block per stratum), so the cost is R x Q x k
    multiply-adds in BLAS and the gradient is two more products, with no
    (R, Q, k) intermediate. Designs whose strata are too uneven to pad (many
    covariate strata) use the gather form.
    """
    P = design.patterns
    y1, y0 = (P == 1).astype(float), (P == 0).astype(float)
    U, R, k = design.n_strata, len(P), design.k
    complete = design.complete
    rmax, pos = _stratum_layout(design) if U > 1 else (R, None)
    if U > 1 and U * rmax > _PAD_LIMIT * R + 64:
        s = design.strata
        lw = xp.take(log_w, s, axis=log_w.ndim - 2)
        l1 = xp.take(log_p1, s, axis=log_p1.ndim - 3)
        l0 = xp.take(log_p0, s, axis=log_p0.ndim - 3)
        return lw + xp.sum(l1 * y1[:, None, :], axis=-1) + xp.sum(l0 * y0[:, None, :], axis=-1)
    if U > 1:  # (U, rmax, k) blocks; padding rows are zero and never read back
        pad1, pad0 = np.zeros((U * rmax, k)), np.zeros((U * rmax, k))
        pad1[pos], pad0[pos] = y1, y0
        y1, y0 = pad1.reshape(U, rmax, k), pad0.reshape(U, rmax, k)
    if complete:
        terms = xp.matmul(y1, xp.swapaxes(log_p1 - log_p0, -1, -2)) + xp.expand_dims(xp.sum(log_p0, axis=-1), -2)
    else:
        terms = xp.matmul(y1, xp.swapaxes(log_p1, -1, -2)) + xp.matmul(y0, xp.swapaxes(log_p0, -1, -2))
    terms = terms + xp.expand_dims(log_w, -2)  # (..., U, rmax, Q)
    if U == 1:
        return terms[..., 0, :, :]
    lead = tuple(terms.shape[:-3]) if xp.name == "numpy" else ()
    flat = terms.reshape(lead + (U * rmax, terms.shape[-1]))
    return xp.take(flat, pos, axis=flat.ndim - 2)

