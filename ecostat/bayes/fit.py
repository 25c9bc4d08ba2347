"""The ``fit`` verb: a Bayesian family on the collapsed profile table (keyword API).

``fit(data, family, ...)`` is ``Model.from_keywords(data, family, ...).fit(...)``:
the same model a formula builds (:func:`ecostat.model`), sampled with NUTS,
returned as a :class:`~ecostat.bayes.results.FitResult`.
"""

from __future__ import annotations

from ..options import default

__all__ = ["fit"]


def fit(data, family: str | None = default("family"), *, grouped: bool | None = default("grouped"),
        covariates=default("covariates"), link: str = default("link"), n_classes: int = default("n_classes"),
        model_by_group: bool = default("model_by_group"), group_location: bool = default("group_location"),
        group_scale: bool = default("group_scale"), priors: dict | None = default("priors"),
        quadrature: int = default("quadrature"), draws: int = default("draws"), tune: int = default("tune"),
        chains: int = default("chains"), cores: int | None = default("cores"), seed: int = default("seed"),
        target_accept: float | None = default("target_accept"), sampler: str = default("sampler"),
        backend: str | None = default("backend"), mass_matrix: str | None = default("mass_matrix"),
        method: str = default("method"), progressbar: bool | None = default("progressbar"), random_seed: int | None = None,
        group: bool | None = None):
    """Fit a Bayesian latent-difficulty family to a failure matrix.

    The likelihood is collapsed onto the profile table (``docs/architecture.md``): latent
    difficulty is integrated out per (profile, group, covariate) row and each
    row's log-likelihood is weighted by its count, so 287k instances cost as
    much as a few hundred.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    family : str, optional
        A registered family: "independence", "hard_easy", "latent_class", "rasch"
        (the default), "twopl", "mvprobit" (:data:`ecostat.bayes.families.FAMILIES`).
    grouped : bool, optional
        Model the attached group (default: when the data have one and the family
        takes groups). Latent-trait families then get a difficulty location and
        scale per group; independence and latent_class rates/shares per group.
        (``group=`` is the deprecated name of this argument.)
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
        Sampler seed; the same seed gives the same draws bit for bit. ``random_seed``
        (PyMC's name) is accepted as the same thing.
    target_accept : float, optional
        NUTS target acceptance (default 0.95: HAPI imdb latent_class had 2 divergences at 0.9; 0.8 for the
        pooled logit rasch model with 100 or more decision-makers, whose posterior is close to Gaussian:
        :func:`ecostat.bayes.sampling.default_target_accept`).
    sampler : {"nutpie", "pymc"}
        NUTS implementation (default nutpie: Rust NUTS on a compiled log density; pymc: PyMC's NUTS).
    backend, mass_matrix : str, optional
        How nutpie compiles the log density (numba, c, jax) and the mass-matrix adaptation
        (:func:`ecostat.bayes.sampling.sampler_settings`).
    method : {"nuts", "laplace"}
        ``"laplace"``: a fast normal approximation at the posterior mode, marked approximate in
        every result (:mod:`ecostat.bayes.laplace`).
    progressbar : bool, optional
        Show the sampler's progress bar; default (None) when standard error
        is a terminal (an interactive session), not in logs, notebooks' captured
        output or tests.

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

    model = Model.from_keywords(data, family, grouped=grouped, covariates=covariates, link=link, n_classes=n_classes,
                                model_by_group=model_by_group, group_location=group_location,
                                group_scale=group_scale, priors=priors, quadrature=quadrature, group=group)
    return model.fit(draws=draws, tune=tune, chains=chains, cores=cores, seed=seed, target_accept=target_accept,
                     sampler=sampler, backend=backend, mass_matrix=mass_matrix, method=method, progressbar=progressbar,
                     random_seed=random_seed)
