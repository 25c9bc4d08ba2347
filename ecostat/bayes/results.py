"""Fit results: spec, data digest, versions, InferenceData and what follows from them (docs/architecture.md §8).

A :class:`FitResult` is what :func:`ecostat.fit` returns. Everything it reports is
computed per posterior draw from the profile probabilities the family implies
(:mod:`ecostat.bayes.posterior`), so every number comes with an HDI and beside its
value under independence. ``res.idata`` is ArviZ-complete (posterior with the
derived quantities, ``log_likelihood``, ``observed_data``,
``posterior_predictive``: :mod:`ecostat.bayes.inference_data`); ``res.loo()``
and ``res.waic()`` are count-weighted :class:`arviz.ELPDData`. ``save``/``load``
write one netCDF file (the InferenceData, the design in ``constant_data``, the
spec as JSON attributes), round-trip exactly and verify the file (:mod:`ecostat.bayes.persistence`).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd

from ..errors import EcostatError, EcostatWarning
from ..options import default, interval_mass
from ..quantities import independence_of
from ..report.provenance import versions as package_versions
from ..report.result import Result
from . import posterior as post
from .families import FitOptions, get_family
from .families.base import MAX_K_PATTERNS, MixtureFamily
from .families.design import Design

__all__ = ["FitResult", "load_fit", "DIAGNOSTIC_LIMITS"]

#: a fit converged when every limit holds
DIAGNOSTIC_LIMITS = {"r_hat_max": 1.01, "ess_bulk_min": 400, "divergences": 0}
#: from this many sampled parameters, an R-hat just above its limit gets a note on chance (the limit stays)
MANY_PARAMETERS = 100


class FitResult(Result):
    """A fitted Bayesian family (returned by :func:`ecostat.fit`).

    Attributes
    ----------
    family : str
    options : FitOptions
    design : Design
        The collapsed data (profile rows, strata, groups, covariates).
    idata : arviz.InferenceData
        Completed on first access (:func:`ecostat.bayes.inference_data.complete_inference_data`):
        posterior (parameters and derived quantities), sample_stats, log_likelihood (one value per
        profile row), observed_data (the profile table, each instance's row), posterior_predictive.
    settings : dict
        Sampler settings (draws, tune, chains, seed, ...).
    formula : str or None
        The formula the model was written as (:func:`ecostat.model`), if any.
    digest : str
        SHA-256 of the design.
    versions : dict
        Package versions the fit was made with.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=1000, family="rasch", seed=0)
    >>> res = es.fit(fm, "rasch", draws=100, tune=200, seed=0)  # doctest: +SKIP
    >>> res.quantity("homogenization")["mean"] > 1  # doctest: +SKIP
    True
    """

    def __init__(self, family: str, options: FitOptions, design: Design, idata, settings: dict,
                 versions: dict | None = None, check: bool = True, formula: str | None = None):
        self.family = family
        self.formula = formula
        self.options = options
        self.design = design
        self._sampled = idata  # the sampler's InferenceData; ``idata`` completes it in place on first access
        self.settings = dict(settings)
        self.versions = versions or package_versions()
        self.digest = design.digest()
        self._family = get_family(family)
        if check:
            self.warn_if_not_converged()

    # -- the InferenceData -------------------------------------------------------------------------
    @property
    def idata(self):
        """The ArviZ-complete InferenceData (see :mod:`ecostat.bayes.inference_data` for its groups and which
        ArviZ functions apply)."""
        from .inference_data import complete_inference_data

        return complete_inference_data(self)

    @idata.setter
    def idata(self, value) -> None:
        self._sampled = value
        for name in ("draws", "_quantities", "pattern_probabilities", "_row_log_lik", "_loo", "diagnostics"):
            self.__dict__.pop(name, None)

    # -- draws -----------------------------------------------------------------------------------
    @cached_property
    def draws(self) -> dict[str, np.ndarray]:
        """Posterior draws of every sampled variable, chains stacked: name -> (S, ...)."""
        from .inference_data import derived_names

        out = {}
        derived = set(derived_names(self._sampled))
        for name, da in self._sampled.posterior.data_vars.items():
            if name in derived:
                continue
            v = np.asarray(da.values)
            out[name] = v.reshape((-1,) + v.shape[2:])
        return out

    @property
    def n_draws(self) -> int:
        return len(next(iter(self.draws.values())))

    @cached_property
    def pattern_probabilities(self) -> np.ndarray:
        """Implied probability of every complete profile per draw and stratum, (S, U, 2^k).

        Enumerates the 2^k profiles: k <= 14 (``MAX_K_PATTERNS``). The ecosystem
        quantities do not need it for the mixture families (see :attr:`quantity_draw_index`).
        """
        return np.exp(self._family.pattern_log_prob(self.draws, self.design, self.options))

    @property
    def enumerates_profiles(self) -> bool:
        """Whether the quantities come from the 2^k profile probabilities (else from the mixture components)."""
        return not (self.design.k > MAX_K_PATTERNS and isinstance(self._family, MixtureFamily))

    @cached_property
    def _quantities(self) -> tuple[dict, dict]:
        d = self.design
        if not self.enumerates_profiles:
            return self._mixture_quantities()
        self.quantity_draw_index = np.arange(self.n_draws)
        P = self.pattern_probabilities
        overall = post.ecosystem_quantities(post.overall_probabilities(P, d.strata_counts), d.k)
        groups = post.ecosystem_quantities(post.group_probabilities(P, d.strata_group, d.strata_counts, d.n_groups), d.k)
        return overall, groups

    def _mixture_quantities(self) -> tuple[dict, dict]:
        """The quantities from the mixture components (any k; exact; draws thinned only for cost)."""
        d = self.design
        moments, self.quantity_draw_index = self._family.mixture_moments(self.draws, d, self.options)
        n = d.strata_counts.astype(float)
        W = np.zeros((d.n_groups, d.n_strata))
        W[d.strata_group, np.arange(d.n_strata)] = n
        W /= W.sum(axis=1, keepdims=True)
        out = []
        for weights in (n / n.sum(), W):
            m = post.average_moments(moments, weights)
            out.append(post.quantities_from_moments(m["failure_rates"], m["systemic_failure_rate"],
                                                    m["failure_count_distribution"], d.k))
        return out[0], out[1]

    def quantity_draws(self, name: str, by_group: bool = False) -> np.ndarray:
        """Draws of a §6 quantity (see :func:`ecostat.bayes.posterior.ecosystem_quantities`), overall or (S, G, ...)."""
        overall, groups = self._quantities
        table = groups if by_group else overall
        if name not in table:
            raise EcostatError(f"unknown quantity {name!r}; available: {sorted(table)}.")
        return table[name]

    def quantity(self, name: str, by_group: bool = False, ci: float = default("ci"), prob: float | None = None) -> dict:
        """Posterior summary (mean, sd, HDI, P(> independence)) of a §6 quantity."""
        ci = interval_mass(ci, prob)
        x = self.quantity_draws(name, by_group)
        ref = independence_of(name)
        if isinstance(ref, str):
            ref = self.quantity_draws(ref, by_group)
        return post.summarize_draws(x, ref, ci)

    # -- diagnostics -----------------------------------------------------------------------------
    @cached_property
    def diagnostics(self) -> dict:
        """R-hat (max), bulk and tail ESS (min) over the sampled parameters, divergences."""
        idata = self._sampled
        names = [n for n in self._family.parameters(self.design, self.options) if n in idata.posterior]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ess_b = az.ess(idata, var_names=names, method="bulk")
            ess_t = az.ess(idata, var_names=names, method="tail")
            # R-hat needs two chains; with one (method="laplace") it is not defined, and ArviZ would log that it failed
            rhat = az.rhat(idata, var_names=names) if idata.posterior.sizes["chain"] > 1 else ess_b * np.nan

        def agg(ds, fn):
            vals = np.concatenate([np.ravel(ds[v].values) for v in ds.data_vars]) if ds.data_vars else np.array([np.nan])
            vals = vals[np.isfinite(vals)]
            return float(fn(vals)) if vals.size else float("nan")

        stats = idata.sample_stats if "sample_stats" in idata.groups() else {}
        div = int(stats["diverging"].values.sum()) if "diverging" in stats else 0
        out = {"r_hat_max": agg(rhat, np.max), "ess_bulk_min": agg(ess_b, np.min), "ess_tail_min": agg(ess_t, np.min),
               "divergences": div, "draws": self.n_draws, "chains": int(idata.posterior.sizes["chain"]),
               "parameters": int(sum(np.size(rhat[v].values) for v in rhat.data_vars))}
        out["problems"] = self._problems(out)
        out["converged"] = not out["problems"]
        return out

    @staticmethod
    def _problems(d: dict) -> list[str]:
        lim = DIAGNOSTIC_LIMITS
        probs = []
        if np.isnan(d["r_hat_max"]):
            if d["chains"] > 1:
                probs.append("R-hat is undefined (a parameter did not move); check the model and data")
        elif not d["r_hat_max"] <= lim["r_hat_max"]:
            many = d.get("parameters", 0) >= MANY_PARAMETERS and d["r_hat_max"] <= 2 * lim["r_hat_max"] - 1
            probs.append(f"R-hat {d['r_hat_max']:.3f} > {lim['r_hat_max']}: chains disagree; run longer (--draws/--tune) "
                         "or more chains" + (
                             f" (the largest of {d['parameters']:,} parameters: with this many, well-mixed chains "
                             "can reach a value just above the limit by chance; 4 chains or more draws tell the two "
                             "apart)" if many else ""))
        if d["chains"] > 1 and not d["ess_bulk_min"] >= min(lim["ess_bulk_min"], d["draws"] / 4):
            probs.append(f"bulk ESS {d['ess_bulk_min']:.0f} is low; draw more")
        if d["divergences"] > lim["divergences"]:
            probs.append(f"{d['divergences']} divergent transitions: the posterior is hard to explore; "
                         "raise target_accept or simplify the model")
        return probs

    def warn_if_not_converged(self) -> None:
        """Warn (EcostatWarning) when the sampler diagnostics are bad."""
        probs = self.diagnostics["problems"]
        if probs:
            warnings.warn(f"{self.family} fit did not converge: " + "; ".join(probs) + ".", EcostatWarning, stacklevel=3)

    # -- checks and comparison -------------------------------------------------------------------
    def ppc(self, n_draws: int = 500, seed: int = 0):
        """Posterior predictive check of ecosystem statistics (docs/architecture.md §7); see :mod:`ecostat.bayes.ppc`."""
        from .ppc import complete_counts, posterior_predictive_check
        d = self.design
        obs = complete_counts(d.patterns, d.counts, d.strata, d.n_strata)
        return posterior_predictive_check(self.pattern_probabilities, obs, strata_groups=d.strata_group,
                                          n_groups=d.n_groups, seed=seed, n_draws=n_draws,
                                          group_levels=d.group_levels, models=d.models)

    @cached_property
    def _row_log_lik(self) -> np.ndarray:
        """Log-likelihood of one instance of each profile row per draw, (S, R) (the family's ``row_log_lik``)."""
        return self._family.row_log_lik(self.draws, self.design, self.options)

    @cached_property
    def _loo(self):
        from .loo import profile_loo
        return profile_loo(self._row_log_lik, self.design.counts)

    @property
    def loo_affordable(self) -> bool:
        """Whether PSIS-LOO costs seconds, not minutes: the per-row log-likelihood of every draw is within
        :data:`~ecostat.bayes.inference_data.LOGLIK_WORK_LIMIT` terms (summaries and the JSON skip it otherwise;
        :meth:`loo` computes it on request)."""
        from .inference_data import LOGLIK_WORK_LIMIT, row_log_lik_work

        return row_log_lik_work(self.family, self.design, self.options, self.n_draws) <= LOGLIK_WORK_LIMIT

    def profile_loo(self):
        """PSIS-LOO per profile row, weighted by counts, as a :class:`~ecostat.bayes.loo.LooResult` (docs/architecture.md §7).

        The compact form (one value per row); :meth:`loo` is the same as an ArviZ ELPDData.
        """
        return self._loo

    def loo(self):
        """PSIS-LOO on the profile table, weighted by counts, as an :class:`arviz.ELPDData` (docs/architecture.md §7).

        ``elpd_loo``, ``se`` and ``p_loo`` are the count-weighted totals of
        :meth:`profile_loo` (equal to :func:`arviz.loo` with ``reff=1`` on the
        per-instance log-likelihood); ``loo_i`` and ``pareto_k`` hold one value
        per instance (in the instances' order and with their ids where the fit
        was made from a FailureMatrix), so :func:`arviz.compare`,
        :func:`arviz.plot_compare` and :func:`arviz.plot_khat` weight rows by their
        counts: ``az.compare({"rasch": r1.loo(), "latent_class": r2.loo()})``.
        The result also answers ``elpd``, ``n_bad`` and ``k_threshold``.

        Examples
        --------
        >>> import ecostat as es
        >>> res = es.fit(es.simulate(n=300, seed=0), "rasch", draws=100, tune=200, seed=1)  # doctest: +SKIP
        >>> res.loo()["n_data_points"], res.loo()["elpd_loo"] == res.profile_loo().elpd  # doctest: +SKIP
        (300, True)
        """
        from .inference_data import instance_map
        from .loo import elpd_data

        mapping = instance_map(self)
        rows, ids = mapping if mapping is not None else (None, None)
        return elpd_data(self._loo, rows, ids)

    def waic(self):
        """WAIC on the profile table, weighted by counts, as an :class:`arviz.ELPDData` (``waic_i`` per instance).

        Equal to :func:`arviz.waic` on the per-instance log-likelihood
        (:func:`ecostat.bayes.loo.profile_waic`); prefer :meth:`loo`, which
        says when it is unreliable.
        """
        from .inference_data import instance_map
        from .loo import profile_waic

        mapping = instance_map(self)
        rows, ids = mapping if mapping is not None else (None, None)
        return profile_waic(self._row_log_lik, self.design.counts, rows, ids)

    # -- model size ------------------------------------------------------------------------------
    @cached_property
    def n_parameters(self) -> int:
        """Free parameters of the model: the dimension of the unconstrained space NUTS samples."""
        import pymc as pm

        with pm.Model(coords=self._family.coords(self.design, self.options)) as model:
            self._family.build(self.design, self.options)
        return int(sum(np.size(v) for v in model.initial_point().values()))

    @property
    def free_cells(self) -> int:
        """Free cells of the profile table: observed profile rows minus strata (each stratum's counts sum to its size)."""
        return int(np.count_nonzero(self.design.counts)) - self.design.n_strata

    @property
    def saturated(self) -> bool:
        """Whether the model has at least as many free parameters as the profile table has free cells.

        A saturated model can reproduce the observed table exactly (e.g.
        latent_class with 2 classes on k = 3: 7 parameters for 8 - 1 cells):
        its posterior predictive p-values sit near 0.5 and LOO cannot tell it
        from a model that explains the data with fewer parameters.
        """
        return self.n_parameters >= self.free_cells

    def saturation_note(self) -> str | None:
        """A sentence for summaries when :attr:`saturated`, else None."""
        if not self.saturated:
            return None
        d = self.design
        return (f"{self.family} has {self.n_parameters} free parameters for {self.free_cells} free cells of the profile "
                f"table ({int(np.count_nonzero(d.counts))} observed profile rows - {d.n_strata} "
                f"{'stratum' if d.n_strata == 1 else 'strata'}): it saturates "
                "the table and can reproduce it exactly, so its posterior predictive checks cannot fail (p near 0.5) "
                "and a good LOO does not show that its structure is right.")

    # -- tables ----------------------------------------------------------------------------------
    def profile_difficulty(self, ci: float = default("ci"), prob: float | None = None) -> pd.DataFrame:
        """Posterior latent difficulty of each profile row (docs/architecture.md §6, instance difficulty).

        Columns: the profile (1 fail, 0 success, -1 missing), group, count,
        ``difficulty`` (posterior mean latent value: theta for rasch/twopl, the
        class's mean logit for latent_class, 1 = hard for hard_easy) with its
        HDI, and ``p_all_fail``: the probability that every model fails an
        instance of that difficulty. For an all-fail profile, ``1 - p_all_fail``
        is the probability that its systemic failure goes beyond its difficulty.
        """
        ci = interval_mass(ci, prob)
        if self._family.latent_term is None:
            raise EcostatError(f"family {self.family!r} has no latent difficulty (its decision-makers fail "
                               "independently of the instance); use rasch, twopl, latent_class or hard_easy.")
        out = self._family.profile_latent(self.draws, self.design, self.options)
        if out is None:
            what = ("a k-vector of correlated latent propensities, one per decision-maker ('(0 + model | instance)'), "
                    "not one difficulty" if self._family.latent_term == "model" else "no scalar latent difficulty")
            raise EcostatError(f"family {self.family!r} has {what}; use rasch, twopl, latent_class or hard_easy for a "
                               "difficulty per instance.")
        diff, p_all = out
        d = self.design
        frame = pd.DataFrame(d.patterns, columns=list(d.models))
        if d.n_groups > 1:
            frame["group"] = [d.group_levels[g] for g in d.strata_group[d.strata]]
        frame["count"] = d.counts
        s = post.summarize_draws(diff, ci=ci)
        frame["difficulty"], frame["hdi_low"], frame["hdi_high"] = s["mean"], s["hdi_low"], s["hdi_high"]
        frame["p_all_fail"] = p_all.mean(axis=0)
        return frame

    def instance_difficulty(self, ci: float = default("ci"), prob: float | None = None) -> pd.DataFrame:
        """Posterior latent difficulty of each instance (one row per instance id), as brms/bambi users expect.

        Instances with the same profile row (failure pattern, group,
        covariate values) are exchangeable, so they share the posterior of
        their latent value: this is :meth:`profile_difficulty` joined back to
        the instances through the profile row of each instance, which the fit
        stores when it is made from a FailureMatrix.

        What "difficulty" is depends on the family:

        * ``rasch``, ``twopl``: the latent difficulty theta_i on the linear
          predictor's scale (logit or probit): ``P(F_ij = 1) = link^-1(a_j theta_i + b_j)``
          (``a_j = 1`` for rasch); group locations and covariate shifts are in theta.
        * ``latent_class``: the mean failure logit ``m_c`` of the instance's
          class (classes ordered easiest first), averaged over the instance's
          class membership probabilities.
        * ``hard_easy``: the probability that the instance is hard (1 = hard,
          0 = easy), Toups App. A.3.
        * ``mvprobit`` and ``independence`` have no scalar difficulty (an error says so).

        Parameters
        ----------
        ci : float
            Mass of the HDI.

        Returns
        -------
        pandas.DataFrame
            Index ``instance`` (the failure matrix's ids); columns ``profile``
            (row of ``idata.observed_data``), the pattern (1 fail, 0 success,
            -1 missing), ``group`` (with a group), ``difficulty`` (posterior
            mean of the per-draw conditional mean ``E[latent | profile, parameters]``),
            ``hdi_low``, ``hdi_high`` (its HDI: parameter uncertainty; the
            latent value itself varies more within a profile), ``p_all_fail``
            (the probability that every decision-maker fails an instance of that
            latent value) and ``profile_count`` (instances sharing the row).

        Raises
        ------
        EcostatError
            For a family without a scalar difficulty, or a fit made from a
            profile table (no instances to join: use :meth:`profile_difficulty`).

        Examples
        --------
        >>> import ecostat as es
        >>> fm = es.simulate(n=300, seed=0)
        >>> res = es.fit(fm, "rasch", draws=100, tune=200, seed=1)  # doctest: +SKIP
        >>> res.instance_difficulty().shape[0] == fm.n_instances  # doctest: +SKIP
        True
        """
        from .inference_data import instance_map

        frame = self.profile_difficulty(ci, prob)
        mapping = instance_map(self)
        if mapping is None:
            raise EcostatError("this fit was made from a profile table, which keeps no instances; use "
                               "res.profile_difficulty() (one row per profile) or fit the FailureMatrix itself.")
        rows, ids = mapping
        out = frame.rename(columns={"count": "profile_count"}).iloc[rows].copy()
        out.insert(0, "profile", rows)
        out.index = pd.Index(ids, name="instance")
        return out

    def predict(self, new_data=None, *, group=None, covariates=None, ci: float = default("ci"), seed: int = 0):
        """Posterior predictive distribution for new instances or a new group (see :func:`ecostat.bayes.prediction.predict`)."""
        from .prediction import predict

        return predict(self, new_data, group=group, covariates=covariates, ci=ci, seed=seed)

    def parameters(self, ci: float = default("ci"), prob: float | None = None) -> pd.DataFrame:
        """Posterior summary of the family's parameters (mean, sd, HDI, R-hat, ESS)."""
        ci = interval_mass(ci, prob)
        idata = self._sampled
        names = [n for n in self._family.parameters(self.design, self.options) if n in idata.posterior]
        s = az.summary(idata, var_names=names, hdi_prob=ci, kind="all", round_to="none")
        s = s.reset_index().rename(columns={"index": "parameter", f"hdi_{(1 - ci) / 2 * 100:g}%": "hdi_low",
                                            f"hdi_{(1 + ci) / 2 * 100:g}%": "hdi_high"})
        return s[["parameter", "mean", "sd", *[c for c in s.columns if c.startswith("hdi")], "r_hat", "ess_bulk",
                  "ess_tail"]]

    def summary(self, ci: float = default("ci"), classical: bool = True, prob: float | None = None):
        """Printable summary (text, LaTeX, HTML, DataFrame) of the fit.

        Tables: parameters; ecosystem quantities against independence;
        disparity by group and group contrasts (with a group); the classical
        tests that answer the same questions (Cochran's Q, GEE exchangeable
        correlation, McNemar; :mod:`ecostat.frequentist`) beside the
        posterior's answers (``classical=False`` leaves them out); sampler
        diagnostics.
        """
        ci = interval_mass(ci, prob)
        from .fit_summary import fit_summary
        return fit_summary(self, ci, classical)

    def to_dict(self, ci: float = default("ci"), ppc_seed: int = 0, prob: float | None = None) -> dict:
        """JSON-ready object with the keys documented in the README (``ecostat fit --json``)."""
        ci = interval_mass(ci, prob)
        from .fit_summary import fit_dict
        return fit_dict(self, ci, ppc_seed)

    # -- beside other tools: IRT parameters, maximised likelihood ---------------------------------
    def irt_parameters(self, ci: float = default("ci"), mle: bool = False) -> pd.DataFrame:
        """Item difficulty and discrimination in the IRT parameterization of ltm, mirt and girth (rasch, twopl).

        ecostat models failures with difficulty theta; IRT models correct
        answers with ability z ~ N(0, 1). Per posterior draw,
        ``discrimination_j = a_j sigma`` and ``difficulty_j = (b_j + a_j mu) / (a_j sigma)``
        (rasch: ``a_j = 1``; twopl: ``sigma = 1``), per group with a group; the
        derivation is in :mod:`ecostat.bayes.irt`. Columns: model, (group,)
        parameter, mean, sd, hdi_low, hdi_high, and with ``mle=True`` the
        maximum-likelihood value (:meth:`information_criteria`), the number ltm prints.
        """
        from .irt import irt_frame

        point = self.information_criteria().estimates if mle else None
        return irt_frame(self.family, self.draws, self.design, self.options, ci=ci, point=point)

    @cached_property
    def _information_criteria(self):
        from .information_criteria import maximum_likelihood

        start = {name: np.mean(v, axis=0) for name, v in self.draws.items()}
        return maximum_likelihood(self.design, self.family, self.options, start=start)

    def information_criteria(self):
        """Maximised log-likelihood (priors off), free parameters, AIC and BIC (N = instances), beside LOO.

        The collapsed likelihood the sampler sees is maximised from the
        posterior mean (:mod:`ecostat.bayes.information_criteria`), so the
        numbers are those ltm, mirt, poLCA or StepMix print for the same model.
        Computed once per fit.
        """
        return self._information_criteria

    def __repr__(self) -> str:
        return (f"<FitResult {self.family}: {self.design.n_instances} instances x {self.design.k} models, "
                f"{self.n_draws} draws>")

    # -- persistence (ecostat.bayes.persistence) --------------------------------------------------------
    def save(self, path, *, force: bool = False) -> Path:
        """Write the fit to one netCDF file; :meth:`load` reads it back exactly (:func:`~ecostat.bayes.persistence.save_fit`).

        The file carries a format version and SHA-256 checksums of the draws, sample stats, design
        and metadata; it is written atomically, and an existing file is replaced only with ``force=True``.
        """
        from .persistence import save_fit

        return save_fit(self, path, force=force)

    @classmethod
    def load(cls, path) -> FitResult:
        """Read a fit written by :meth:`save`, verified (:func:`~ecostat.bayes.persistence.read_fit`)."""
        from .persistence import read_fit

        idata, meta, design, options = read_fit(path)
        res = cls(meta["family"], options, design, idata, meta["settings"], versions=meta["versions"], check=False,
                  formula=meta.get("formula"))
        if res.digest != meta["digest"]:
            raise EcostatError(f"{path}: the stored design does not match its digest; the file is corrupt.")
        return res


def load_fit(path) -> FitResult:
    """Read a fit saved with :meth:`FitResult.save` (or ``ecostat fit --out FILE``).

    The file's format version, SHA-256 checksums and design digest are verified; a
    missing, empty, truncated, corrupted, edited or foreign file raises an
    :class:`~ecostat.errors.EcostatError` saying what is wrong
    (:mod:`ecostat.bayes.persistence`).

    Examples
    --------
    >>> import ecostat as es
    >>> es.load_fit("no/such/file.nc")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: no fit file at no/such/file.nc; write one with FitResult.save or `ecostat fit --out`.
    """
    return FitResult.load(path)
