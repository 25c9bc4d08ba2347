"""The ``fit`` verb: a Bayesian family on the collapsed profile table (DESIGN §5, §8).

``build_model`` turns (data, family, options) into a ``pymc.Model`` whose only
data are the profile rows and their counts; ``fit`` samples it with NUTS and
returns a :class:`~ecostat.bayes.results.FitResult`.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pymc as pm

from ..errors import EcostatError
from .families import FitOptions, get_family
from .families.design import Design

__all__ = ["fit", "build_model", "sampler_settings", "sample_model"]

SAMPLERS = ("pymc", "nutpie")


def build_model(design: Design, family: str = "rasch", options: FitOptions | None = None) -> pm.Model:
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
    options = options or FitOptions()
    fam = get_family(family)
    fam.check(design, options)
    with pm.Model(coords=fam.coords(design, options)) as model:
        fam.build(design, options)
    return model


def sampler_settings(draws=1000, tune=1000, chains=2, cores=None, seed=0, target_accept=0.95, sampler="pymc") -> dict:
    """Validated NUTS settings (see :func:`fit`).

    Examples
    --------
    >>> sampler_settings(draws=500, chains=1)["cores"]
    1
    """
    for name, v, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
        if not isinstance(v, (int, np.integer)) or v < low:
            raise EcostatError(f"{name} must be an integer >= {low}; got {v!r}.")
    if sampler not in SAMPLERS:
        raise EcostatError(f"sampler must be one of {SAMPLERS}; got {sampler!r}.")
    if not 0.5 <= target_accept < 1:
        raise EcostatError(f"target_accept must be in [0.5, 1); got {target_accept}.")
    cores = min(chains, os.cpu_count() or 1) if cores is None else int(cores)
    return {"draws": int(draws), "tune": int(tune), "chains": int(chains), "cores": cores, "seed": int(seed),
            "target_accept": float(target_accept), "sampler": sampler}


def fit(data, family: str = "rasch", *, group: bool | None = None, covariates=None, link: str = "logit",
        n_classes: int = 2, model_by_group: bool = False, group_location: bool = True, group_scale: bool = True,
        priors: dict | None = None, quadrature: int = 128, draws: int = 1000,
        tune: int = 1000, chains: int = 2, cores: int | None = None, seed: int = 0, target_accept: float = 0.95,
        sampler: str = "pymc", progressbar: bool = False):
    """Fit a Bayesian latent-difficulty family to a failure matrix.

    The likelihood is collapsed onto the profile table (DESIGN §5): latent
    difficulty is integrated out per (profile, group, covariate) row and each
    row's log-likelihood is weighted by its count, so 287k instances cost as
    much as a few hundred.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    family : {"independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit"}
    group : bool, optional
        Model the attached group (default: when the data have one and the family
        takes groups). Latent-trait families then get a difficulty location and
        scale per group; independence and latent_class rates/shares per group.
    covariates : str or list of str, optional
        Attached covariates shifting latent difficulty (rasch, twopl).
    link : {"logit", "probit"}
        Link of rasch/twopl.
    n_classes : int
        Classes of latent_class.
    model_by_group : bool
        Partially pooled model-by-group effects (rasch, twopl).
    group_location, group_scale : bool
        With a group, rasch/twopl give each group its own difficulty location
        and scale (both by default); switch either off.
    priors : dict, optional
        Prior hyperparameters replacing the family's defaults, e.g.
        ``{"sigma_sd": 1.0}``; names in ``get_family(family).prior_scales``.
    quadrature : int
        Grid nodes for integrating difficulty out (trapezoid rule on +-9 sd).
    draws, tune, chains : int
        NUTS draws and tuning steps per chain, and number of chains.
    cores : int, optional
        Parallel chains (default: min(chains, CPUs)).
    seed : int
        Sampler seed; the same seed gives the same draws bit for bit.
    target_accept : float
        NUTS target acceptance (default 0.95: HAPI imdb latent_class had 2 divergences at 0.9).
    sampler : {"pymc", "nutpie"}
        ``nutpie`` needs the optional package of that name.
    progressbar : bool

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=2000, family="rasch", difficulty_sd=1.5, seed=3)
    >>> res = es.fit(fm, "rasch", draws=200, tune=300, chains=2, seed=1)  # doctest: +SKIP
    >>> res.summary()  # doctest: +SKIP

    The same model as a formula: ``es.model("fail ~ model + (1 | instance)", fm).fit(...)``.
    """
    from .model import Model

    model = Model.from_keywords(data, family, group=group, covariates=covariates, link=link, n_classes=n_classes,
                                model_by_group=model_by_group, group_location=group_location,
                                group_scale=group_scale, priors=priors, quadrature=quadrature)
    return model.fit(draws=draws, tune=tune, chains=chains, cores=cores, seed=seed, target_accept=target_accept,
                     sampler=sampler, progressbar=progressbar)


def sample_model(model: pm.Model, s: dict, progressbar: bool = False):
    """NUTS on a built model with settings from :func:`sampler_settings`; returns InferenceData."""
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="pymc")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        kw = dict(draws=s["draws"], tune=s["tune"], chains=s["chains"], random_seed=s["seed"],
                  progressbar=progressbar, compute_convergence_checks=False)
        if s["sampler"] == "nutpie":
            try:
                import nutpie  # noqa: F401
            except ImportError:
                raise EcostatError("sampler='nutpie' needs the nutpie package: pip install nutpie.") from None
            return pm.sample(nuts_sampler="nutpie", target_accept=s["target_accept"], **kw)
        # a dense mass matrix absorbs the strong b-sigma correlation of rare failures (HAPI amnist: ESS 430 -> 2000)
        return pm.sample(cores=s["cores"], target_accept=s["target_accept"], init="jitter+adapt_full", **kw)
