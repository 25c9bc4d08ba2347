"""Simulated ecosystems with known structure (tests, the demo, recovery checks).

Every generator is seeded (``numpy.random.default_rng(seed)``) so the same call
gives the same FailureMatrix bit for bit. :func:`simulate` draws the data;
:func:`simulate_parameters`, called with the same arguments, returns the true
parameters in the names, shapes and identification of the fitted Bayesian
families (:mod:`ecostat.bayes.families`), so a fit can be checked against the truth
parameter by parameter.

Each family draws its own data (``Family.draw``, declared in its module, see
``docs/architecture.md``); this module validates what every ecosystem has
(n, failure rates, names, groups, seed), draws the groups and dispatches.
Families, with what ``failure_rates`` (``f_j``) means in each:

* ``independence``: ``F_ij ~ Bernoulli(f_j)``; ``f_j`` is the failure rate.
* ``hard_easy``: a share alpha of instances is hard with rates ``(1 + Delta) f_j``,
  the rest easy with ``(1 - alpha Delta / (1 - alpha)) f_j`` (Toups App. A.3);
  ``f_j`` is the overall failure rate.
* ``latent_class``: instance i is in class c with probability ``pi_c`` (per group
  if ``group_class_shares``) and model j fails with ``r_cj``. ``f_j`` is only
  used for the default classes: the two hard_easy classes (easy, hard) with
  shares ``(1 - alpha, alpha)``, so ``f_j`` is again the overall rate.
* ``rasch``: ``P(F_ij = 1) = link^{-1}(theta_i + b_j)`` with ``b_j = link(f_j)``,
  ``theta_i ~ Normal(mu_g + c x_i, sigma_g)``: ``f_j`` is the failure rate of an
  instance of difficulty ``theta = 0`` (not the marginal rate); theta is the
  instance's latent difficulty, shared by all decision-makers (and by all
  versions of one).
* ``twopl``: ``P(F_ij = 1) = link^{-1}(a_j theta_i + b_j + gamma_gj)``, loadings
  ``a_j > 0``; ``f_j = link^{-1}(b_j)`` is again the rate at ``theta = 0``.
  Model-by-group effects ``gamma_gj`` (``model_group_effects``) enter rasch the
  same way.
* ``mvprobit``: ``z_i ~ MVN(Phi^{-1}(f), Omega)``, ``F_ij = 1[z_ij > 0]``; ``f_j``
  is the failure rate and ``Omega`` (``correlation``) the tetrachoric correlation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..data.failures import FailureMatrix, parse_columns
from ..errors import EcostatError
from ..options import check
from .families import FAMILIES, get_family
from .families.simulation import SimulationSetup, draw_groups, group_shares

__all__ = ["simulate", "simulate_parameters", "DEFAULT_RATES"]

#: failure rates of the three decision-makers simulated by default
DEFAULT_RATES = (0.1, 0.15, 0.2)


def simulate(n: int = 10_000, *, family: str = "rasch", failure_rates: Sequence[float] = DEFAULT_RATES,
             models: Sequence[str] | None = None, groups: Mapping[str, float] | None = None, seed: int = 0,
             **family_args) -> FailureMatrix:
    """Draw an ecosystem of k decision-makers on n instances from a known model.

    The arguments every ecosystem has come first; the others belong to a family
    (each family declares them in ``simulate_args``; giving one to a family that
    does not read it is an error naming the families that do).

    Parameters
    ----------
    n : int
        Number of instances.
    family : str
        A registered family (:data:`ecostat.bayes.families.FAMILIES`): "independence",
        "hard_easy", "latent_class", "rasch", "twopl", "mvprobit", or one you registered.
    failure_rates : sequence of float
        ``f_j``, one per model. The failure rate (independence, mvprobit), the
        overall rate (hard_easy; latent_class's default classes) or the rate at
        difficulty ``theta = 0``, ``b_j = link(f_j)`` (rasch, twopl). Not needed
        by latent_class with ``class_rates`` (k is then read from them). See the
        module docstring.
    models : sequence of str, optional
        Names (default ``m1..mk``).
    alpha, delta : float
        Hard share and hardness (hard_easy; the default classes of latent_class).
    difficulty_sd : float, optional
        Standard deviation of latent difficulty theta (rasch, twopl) in a group
        without a ``group_scale``; default 1.5 (rasch) and 1 (twopl).
    groups : mapping or list, optional
        Group name -> share of instances (e.g. ``{"light": .6, "dark": .4}``),
        or a list of group names for equal shares.
    group_location, group_scale : mapping, optional
        Per-group mean and sd of difficulty (rasch, twopl); defaults 0 and
        ``difficulty_sd``.
    covariate_effect : float
        If non-zero, a standard-normal covariate ``x`` shifts difficulty by
        ``covariate_effect * x`` (rasch, twopl) and is attached as covariate ``x``.
    covariate_levels : int, optional
        Draw ``x`` uniformly from this many equally spaced values, standardized
        to mean 0 and sd 1, instead of from a standard normal: a discrete
        covariate (an age band, say). A continuous covariate makes every
        instance its own stratum of the fit (cost linear in n); a discrete one
        keeps the strata, hence the fit, small.
    versions : sequence of str, optional
        Versions of every model (e.g. ``["2020", "2021"]``); version v has
        effect ``b_j + v * version_shift`` and shares theta (rasch, twopl).
    version_shift : float
    link : {"logit", "probit"}
        Link of rasch and twopl.
    loadings : sequence of float, optional
        Loadings ``a_j > 0`` of twopl (default all 1).
    model_group_effects : mapping, optional
        Group name -> k shifts added to each model's linear predictor in that
        group (rasch, twopl; groups left out get 0). The versions of a model
        share its shift.
    class_shares : sequence of float, optional
        Class shares ``pi`` (latent_class), normalized to sum 1.
    class_rates : array-like, shape (C, k), optional
        Failure probability of each model in each class (latent_class).
    group_class_shares : mapping, optional
        Group name -> class shares for that group (latent_class; groups left out
        get ``class_shares``).
    correlation : float or array-like of shape (k, k), optional
        Latent correlation matrix Omega of mvprobit (a float: every pair);
        default 0.5 for every pair.
    seed : int

    Returns
    -------
    FailureMatrix
        With the group (if ``groups``) and the covariate ``x`` (if
        ``covariate_effect``) attached.

    See Also
    --------
    simulate_parameters : the true parameters, in the fitted families' names.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=2000, family="independence", failure_rates=[0.1, 0.3], seed=0)
    >>> fm.failure_rates.round(2).tolist()
    [0.1, 0.3]
    >>> es.simulate(n=100, versions=["2020", "2021"], seed=0).models
    ('m1_2020', 'm1_2021', 'm2_2020', 'm2_2021', 'm3_2020', 'm3_2021')
    >>> fm = es.simulate(n=50_000, family="mvprobit", failure_rates=[0.2, 0.3], correlation=0.6, seed=1)
    >>> fm.failure_rates.round(2).tolist()
    [0.2, 0.3]
    >>> fm = es.simulate(n=20_000, family="latent_class", class_shares=[0.7, 0.3],
    ...                  class_rates=[[0.05, 0.1], [0.6, 0.5]], seed=2)
    >>> fm.failure_rates.round(2).tolist()  # 0.7 * 0.05 + 0.3 * 0.6, 0.7 * 0.1 + 0.3 * 0.5
    [0.22, 0.22]
    >>> es.simulate(n=100, family="twopl", loadings=[0.5, 1.0, 2.0], link="probit", seed=3).n_models
    3
    """

    fam, setup, spec = _prepare(n, family, failure_rates, models, groups, family_args)
    rng = np.random.default_rng(check("seed", seed))
    group, gidx, _ = draw_groups(setup.n, groups, rng)
    out = fam.draw(spec, setup, gidx, rng)
    F = np.asarray(out.failures).astype(np.int8)
    if out.columns is None:
        return FailureMatrix(F, models=setup.names, group=group, covariates=out.covariates)
    return FailureMatrix(F, models=out.columns, group=group, covariates=out.covariates,
                         columns=parse_columns(out.columns, out.version_pattern))


def simulate_parameters(n: int | None = None, *, family: str = "rasch", failure_rates: Sequence[float] = DEFAULT_RATES,
                        models: Sequence[str] | None = None, groups: Mapping[str, float] | None = None,
                        seed: int | None = None, **family_args) -> dict[str, np.ndarray]:
    """True parameters of :func:`simulate` in the names and shapes of the fitted family.

    Call it with the same arguments as :func:`simulate`. The values are those a
    fit of ``family`` (``ecostat.fit(fm, family, link=..., n_classes=C,
    model_by_group=...)``, with the group when ``groups`` has two or more levels)
    estimates: its parameterization and identifying constraints are applied, so
    each entry maps one to one onto ``FitResult.draws[name]`` without the
    leading draws axis. Passing the dict, with a leading axis of length 1 added
    to every array, to ``ecostat.bayes.families.FAMILIES[family].pattern_log_prob``
    gives the true profile probabilities (hence the true homogenization,
    systemic failure rate, ...).

    Parameters
    ----------
    n, seed : int, optional
        As passed to :func:`simulate`. Only used with ``covariate_effect``:
        given both, the covariate sample ``simulate`` draws is re-drawn and the
        true effect is expressed per *sample* standard deviation, centred at
        the sample mean, exactly as the fit standardizes covariates; otherwise
        the population values (mean 0, sd 1) are used.
    family, failure_rates, models, alpha, delta, difficulty_sd, groups, group_location, group_scale, \
covariate_effect, versions, version_shift, covariate_levels, link, loadings, model_group_effects, class_shares, class_rates, \
group_class_shares, correlation
        As in :func:`simulate`.

    Returns
    -------
    dict of str -> ndarray
        Per family (G groups, k columns, C classes):

        * independence: ``f`` (k,), or (G, k) with groups.
        * hard_easy: ``f`` (k,), ``alpha`` (), ``delta`` (), ``u`` ()
          (``delta / Delta_max(alpha, f)``).
        * latent_class: ``share`` (C,) or (G, C), ``m`` (C,), ``d`` (C, k),
          ``class_rate`` (C, k), classes ordered by their mean failure logit ``m``
          ascending (``logit class_rate = m_c + d_cj``, ``sum_j d_cj = 0``).
        * rasch: ``b`` (k,); ``sigma`` () without groups or ``mu_group`` (G,)
          summing to 0 and ``sigma_group`` (G,); ``beta`` (1,) per sd of ``x``;
          ``gamma`` (G, k) summing to 0 over groups and over models. A mean group
          location, the covariate's mean and the model means of
          ``model_group_effects`` move into ``b``; the group means of
          ``model_group_effects`` into ``mu_group``.
        * twopl: as rasch with ``a`` (k,), no ``sigma``, and the difficulty
          scale fixed: sd 1 without groups, geometric mean 1 of ``sigma_group``
          with groups (the loadings absorb the scale).
        * mvprobit: ``mu`` (k,) ``= Phi^{-1}(f)``, ``corr`` (k, k), ``rho`` (upper
          triangle of ``corr``, pairs in row order).

    Raises
    ------
    EcostatError
        For twopl model-by-group effects whose mean over models differs between
        groups while the loadings differ (not a difficulty shift, so no twopl
        parameter represents it).

    Examples
    --------
    >>> import ecostat as es
    >>> kw = dict(family="rasch", failure_rates=[0.2, 0.3], groups={"a": 1, "b": 1},
    ...           group_location={"a": 0.5, "b": 1.5}, group_scale={"a": 1.0, "b": 2.0})
    >>> p = simulate_parameters(**kw)
    >>> sorted(p)
    ['b', 'mu_group', 'sigma_group']
    >>> p["mu_group"].tolist(), p["sigma_group"].tolist()
    ([-0.5, 0.5], [1.0, 2.0])
    >>> from scipy.special import logit
    >>> bool(np.allclose(p["b"], logit([0.2, 0.3]) + 1.0))  # mean location 1 moves into b
    True
    >>> q = simulate_parameters(family="mvprobit", failure_rates=[0.5, 0.5, 0.5], correlation=0.3)
    >>> q["mu"].tolist(), q["rho"].tolist()
    ([0.0, 0.0, 0.0], [0.3, 0.3, 0.3])
    """

    fam, setup, spec = _prepare(n if n is not None else 1, family, failure_rates, models, groups, family_args)
    return fam.true_parameters(spec, setup, n, seed)


def _prepare(n, family, failure_rates, models, groups, family_args):
    """Validate the common arguments and the family's own: (family, setup, the family's spec)."""
    fam = get_family(family) if family in FAMILIES else None
    if fam is None:
        raise EcostatError(f"unknown family {family!r}; simulate supports {tuple(FAMILIES)}.")
    own = fam.simulate_args
    for arg, value in family_args.items():
        if arg in own:
            continue
        readers = [name for name, f in FAMILIES.items() if arg in f.simulate_args]
        if not readers:
            raise EcostatError(f"simulate() got an unknown argument {arg!r}; family {family!r} takes "
                               f"{sorted(own) or 'no arguments of its own'}.")
        if arg == "versions" and value is not None:
            raise EcostatError("versions are simulated with shared latent difficulty: use family='rasch' or 'twopl'.")
        if not _is_default(value, FAMILIES[readers[0]].simulate_args[arg]):
            raise EcostatError(f"{arg} applies to family {' or '.join(repr(r) for r in readers)}, not {family!r}.")
    args = {**own, **{k: v for k, v in family_args.items() if k in own}}
    rates = fam.simulation_rates(failure_rates, args, given=failure_rates is not DEFAULT_RATES)
    f = np.asarray(rates, dtype=float)
    if f.ndim != 1 or f.size < 1 or np.any((f <= 0) | (f >= 1)):
        raise EcostatError(f"failure_rates must be a list of rates strictly between 0 and 1; got {rates!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise EcostatError(f"n must be a positive number of instances; got {n!r}.")
    names = list(models) if models is not None else [f"m{j + 1}" for j in range(f.size)]
    if len(names) != f.size:
        raise EcostatError(f"{len(names)} model names for {f.size} failure rates.")
    groups = group_shares(groups)
    setup = SimulationSetup(int(n), f, names, list(groups) if groups else ["all"], groups)
    return fam, setup, fam.simulation(setup, args)


def _is_default(value, default) -> bool:
    if value is None or default is None:
        return value is None and default is None
    try:
        return bool(np.all(np.asarray(value) == np.asarray(default)))
    except (TypeError, ValueError):
        return False
