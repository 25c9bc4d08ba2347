"""Simulated ecosystems with known structure (tests, the demo, recovery checks).

Every generator is seeded (``numpy.random.default_rng(seed)``) so the same call
gives the same FailureMatrix bit for bit. :func:`simulate` draws the data;
:func:`simulate_parameters`, called with the same arguments, returns the true
parameters in the names, shapes and identification of the fitted Bayesian
families (:mod:`ecostat.bayes.families`), so a fit can be checked against the truth
parameter by parameter.

Families (DESIGN §5), with what ``failure_rates`` (``f_j``) means in each:

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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtr, ndtri

from ..errors import EcostatError
from ..data.failures import FailureMatrix, parse_columns

__all__ = ["simulate", "simulate_parameters", "FAMILIES"]

FAMILIES = ("independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit")
LINKS = ("logit", "probit")
_LATENT_TRAIT = ("rasch", "twopl")
_DEFAULT_RATES = (0.1, 0.15, 0.2)
#: default difficulty sd: rasch's spread, twopl's scale (its loadings carry the spread)
_DEFAULT_SD = {"rasch": 1.5, "twopl": 1.0}


def simulate(n: int = 10_000, *, family: str = "rasch", failure_rates: Sequence[float] = _DEFAULT_RATES,
             models: Sequence[str] | None = None, alpha: float = 0.2, delta: float = 2.0,
             difficulty_sd: float | None = None, groups: Mapping[str, float] | None = None,
             group_location: Mapping[str, float] | None = None, group_scale: Mapping[str, float] | None = None,
             covariate_effect: float = 0.0, versions: Sequence[str] | None = None, version_shift: float = -0.4,
             covariate_levels: int | None = None, link: str = "logit", loadings: Sequence[float] | None = None,
             model_group_effects: Mapping[str, Sequence[float]] | None = None,
             class_shares: Sequence[float] | None = None, class_rates=None,
             group_class_shares: Mapping[str, Sequence[float]] | None = None,
             correlation=None, seed: int = 0) -> FailureMatrix:
    """Draw an ecosystem of k decision-makers on n instances from a known model.

    Parameters
    ----------
    n : int
        Number of instances.
    family : {"independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit"}
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
    groups : mapping, optional
        Group name -> share of instances (e.g. ``{"light": .6, "dark": .4}``).
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
    s = _spec(n=n, family=family, failure_rates=failure_rates, models=models, alpha=alpha, delta=delta,
              difficulty_sd=difficulty_sd, groups=groups, group_location=group_location, group_scale=group_scale,
              covariate_effect=covariate_effect, versions=versions, version_shift=version_shift,
              covariate_levels=covariate_levels, link=link,
              loadings=loadings, model_group_effects=model_group_effects, class_shares=class_shares,
              class_rates=class_rates, group_class_shares=group_class_shares, correlation=correlation)
    rng = np.random.default_rng(seed)
    group, gidx, _ = _draw_groups(n, groups, rng)
    k, f = s.k, s.f
    covariates = None
    if family == "independence":
        F = rng.random((n, k)) < f
    elif family == "hard_easy":
        hard = rng.random(n) < alpha
        F = rng.random((n, k)) < np.where(hard[:, None], s.class_rates[1], s.class_rates[0])
    elif family == "latent_class":
        cum = np.cumsum(s.shares, axis=1)  # (G, C)
        cls = np.sum(rng.random(n)[:, None] >= cum[gidx, :-1], axis=1)
        F = rng.random((n, k)) < s.class_rates[cls]
    elif family == "mvprobit":
        z = ndtri(f) + rng.standard_normal((n, k)) @ s.chol.T
        F = z > 0
    else:
        theta, x = _draw_difficulty(s, n, gidx, rng)
        if x is not None:
            covariates = pd.DataFrame({"x": x})
        inv_link = expit if s.link == "logit" else ndtr
        blocks = []
        for c in range(len(s.columns)):
            j = s.column_model[c]
            eta = (theta if s.loadings is None else s.loadings[j] * theta) + s.b[c]
            if s.gamma is not None:
                eta = eta + s.gamma[gidx, j]
            blocks.append(rng.random(n) < inv_link(eta))
        F = np.column_stack(blocks)
        meta = parse_columns(s.columns, r"^(?P<name>.+)_(?P<version>[^_]+)$" if versions is not None else None)
        return FailureMatrix(F.astype(np.int8), models=s.columns, group=group, covariates=covariates, columns=meta)
    return FailureMatrix(F.astype(np.int8), models=s.names, group=group, covariates=covariates)


def simulate_parameters(n: int | None = None, *, family: str = "rasch",
                        failure_rates: Sequence[float] = _DEFAULT_RATES, models: Sequence[str] | None = None,
                        alpha: float = 0.2, delta: float = 2.0, difficulty_sd: float | None = None,
                        groups: Mapping[str, float] | None = None, group_location: Mapping[str, float] | None = None,
                        group_scale: Mapping[str, float] | None = None, covariate_effect: float = 0.0,
                        versions: Sequence[str] | None = None, version_shift: float = -0.4,
                        covariate_levels: int | None = None, link: str = "logit",
                        loadings: Sequence[float] | None = None,
                        model_group_effects: Mapping[str, Sequence[float]] | None = None,
                        class_shares: Sequence[float] | None = None, class_rates=None,
                        group_class_shares: Mapping[str, Sequence[float]] | None = None, correlation=None,
                        seed: int | None = None) -> dict[str, np.ndarray]:
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
    >>> bool(np.allclose(p["b"], logit([0.2, 0.3]) + 1.0))  # mean location 1 moves into b
    True
    >>> q = simulate_parameters(family="mvprobit", failure_rates=[0.5, 0.5, 0.5], correlation=0.3)
    >>> q["mu"].tolist(), q["rho"].tolist()
    ([0.0, 0.0, 0.0], [0.3, 0.3, 0.3])
    """
    kw = dict(family=family, failure_rates=failure_rates, models=models, alpha=alpha, delta=delta,
              difficulty_sd=difficulty_sd, groups=groups, group_location=group_location, group_scale=group_scale,
              covariate_effect=covariate_effect, versions=versions, version_shift=version_shift,
              covariate_levels=covariate_levels, link=link,
              loadings=loadings, model_group_effects=model_group_effects, class_shares=class_shares,
              class_rates=class_rates, group_class_shares=group_class_shares, correlation=correlation)
    s = _spec(n=n if n is not None else 1, **kw)
    G = len(s.levels)
    if family == "independence":
        return {"f": np.tile(s.f, (G, 1)) if G > 1 else s.f.copy()}
    if family == "hard_easy":
        dmax = min((1 - alpha) / alpha, 1.0 / s.f.max() - 1.0)
        return {"f": s.f.copy(), "alpha": np.asarray(float(alpha)), "delta": np.asarray(float(delta)),
                "u": np.asarray(float(delta) / dmax)}
    if family == "latent_class":
        lr = logit(s.class_rates)
        m = lr.mean(axis=1)
        order = np.argsort(m, kind="stable")
        shares = s.shares[:, order]
        return {"share": shares if G > 1 else shares[0], "m": m[order], "d": (lr - m[:, None])[order],
                "class_rate": s.class_rates[order].copy()}
    if family == "mvprobit":
        iu = np.triu_indices(s.k, 1)
        return {"mu": ndtri(s.f), "corr": s.corr.copy(), "rho": s.corr[iu]}
    return _latent_trait_parameters(s, n, seed)


# -- specification ---------------------------------------------------------------------------------
@dataclass
class _Spec:
    family: str
    f: np.ndarray
    names: list
    levels: list
    groups: Mapping | None = None
    link: str = "logit"
    columns: list | None = None  # latent trait: one per (model, version)
    column_model: np.ndarray | None = None
    b: np.ndarray | None = None  # per column
    loadings: np.ndarray | None = None  # twopl
    loc: np.ndarray | None = None  # per level
    scale: np.ndarray | None = None
    covariate_effect: float = 0.0
    covariate_values: np.ndarray | None = None  # discrete covariate
    gamma: np.ndarray | None = None  # (G, k)
    shares: np.ndarray | None = None  # (G, C)
    class_rates: np.ndarray | None = None  # (C, k); hard_easy: (easy, hard)
    corr: np.ndarray | None = None
    chol: np.ndarray | None = None

    @property
    def k(self) -> int:
        return self.f.size


def _spec(*, n, family, failure_rates, models, alpha, delta, difficulty_sd, groups, group_location, group_scale,
          covariate_effect, versions, version_shift, covariate_levels, link, loadings, model_group_effects, class_shares,
          class_rates, group_class_shares, correlation) -> _Spec:
    """Validate simulate's arguments into one specification (shared with simulate_parameters)."""
    if family not in FAMILIES:
        raise EcostatError(f"unknown family {family!r}; simulate supports {FAMILIES}.")
    if family == "latent_class" and class_rates is not None and failure_rates is _DEFAULT_RATES:
        # k comes from class_rates; f_j (unused) are the overall rates with the overall class shares
        r = np.asarray(class_rates, dtype=float)
        if r.ndim == 2 and r.shape[0] >= 1:
            w = np.ones(r.shape[0]) if class_shares is None else np.asarray(class_shares, dtype=float)
            if w.shape != (r.shape[0],) or not w.sum() > 0:
                w = np.ones(r.shape[0])  # invalid shares are reported below
            failure_rates = np.clip(w @ r / w.sum(), 1e-9, 1 - 1e-9)
    f = np.asarray(failure_rates, dtype=float)
    if f.ndim != 1 or f.size < 1 or np.any((f <= 0) | (f >= 1)):
        raise EcostatError(f"failure_rates must be a list of rates strictly between 0 and 1; got {failure_rates!r}.")
    if n < 1:
        raise EcostatError(f"n must be a positive number of instances; got {n}.")
    k = f.size
    names = list(models) if models is not None else [f"m{j + 1}" for j in range(k)]
    if len(names) != k:
        raise EcostatError(f"{len(names)} model names for {k} failure rates.")
    if versions is not None and family not in _LATENT_TRAIT:
        raise EcostatError("versions are simulated with shared latent difficulty: use family='rasch' or 'twopl'.")
    own = {"covariate_effect": (_LATENT_TRAIT, covariate_effect != 0),
           "covariate_levels": (_LATENT_TRAIT, covariate_levels is not None), "group_location": (_LATENT_TRAIT, group_location),
           "group_scale": (_LATENT_TRAIT, group_scale), "difficulty_sd": (_LATENT_TRAIT, difficulty_sd is not None),
           "link": (_LATENT_TRAIT, link != "logit"), "model_group_effects": (_LATENT_TRAIT, model_group_effects),
           "loadings": (("twopl",), loadings is not None), "class_shares": (("latent_class",), class_shares is not None),
           "class_rates": (("latent_class",), class_rates is not None),
           "group_class_shares": (("latent_class",), group_class_shares), "correlation": (("mvprobit",), correlation is not None)}
    for arg, (fams, given) in own.items():
        if given and family not in fams:
            raise EcostatError(f"{arg} applies to family {' or '.join(repr(x) for x in fams)}, not {family!r}.")
    levels = list(groups) if groups else ["all"]
    for arg, mapping in (("group_location", group_location), ("group_scale", group_scale),
                         ("model_group_effects", model_group_effects), ("group_class_shares", group_class_shares)):
        unknown = [g for g in (mapping or {}) if g not in levels]
        if unknown:
            raise EcostatError(f"{arg} names group(s) {unknown} that are not in groups {levels if groups else '(none)'}.")
    s = _Spec(family=family, f=f, names=names, levels=levels, groups=groups)
    if family in ("hard_easy", "latent_class"):
        easy_f = (1 - alpha * delta / (1 - alpha)) * f
        hard_f = (1 + delta) * f
        if family == "hard_easy" or class_rates is None:
            if not 0 < alpha < 1 or np.any(easy_f < 0) or np.any(hard_f > 1):
                raise EcostatError(f"alpha={alpha}, delta={delta} give hard rates > 1 or easy rates < 0 for "
                                   f"failure_rates {f.tolist()}.")
        if family == "hard_easy":
            s.class_rates = np.stack([easy_f, hard_f])
        else:
            _latent_class_spec(s, alpha, easy_f, hard_f, class_shares, class_rates, group_class_shares)
    elif family == "mvprobit":
        _mvprobit_spec(s, correlation)
    elif family in _LATENT_TRAIT:
        _latent_trait_spec(s, difficulty_sd, group_location, group_scale, covariate_effect, covariate_levels,
                           versions, version_shift, link, loadings, model_group_effects, groups)
    return s


def _latent_class_spec(s, alpha, easy_f, hard_f, class_shares, class_rates, group_class_shares):
    if class_rates is None:
        rates = np.stack([easy_f, hard_f])
        if class_shares is None:
            class_shares = (1 - alpha, alpha)
    else:
        rates = np.asarray(class_rates, dtype=float)
    C = rates.shape[0] if rates.ndim == 2 else 0
    if rates.ndim != 2 or rates.shape[1] != s.k or C < 2:
        raise EcostatError(f"class_rates must have shape (C, k) with C >= 2 classes and k = {s.k} models; "
                           f"got shape {rates.shape}.")
    if np.any((rates <= 0) | (rates >= 1)):
        raise EcostatError("class_rates must be failure probabilities strictly between 0 and 1.")
    share = _shares(np.full(C, 1.0 / C) if class_shares is None else class_shares, C, "class_shares")
    if group_class_shares and len(s.levels) < 2:
        raise EcostatError("group_class_shares needs groups with at least two levels.")
    s.shares = np.stack([_shares(group_class_shares[g], C, f"group_class_shares[{g!r}]")
                         if g in (group_class_shares or {}) else share for g in s.levels])
    s.class_rates = rates


def _shares(x, C, what) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.shape != (C,) or np.any(x <= 0):
        raise EcostatError(f"{what} must be {C} positive class shares; got {x.tolist()}.")
    return x / x.sum()


def _mvprobit_spec(s, correlation):
    k = s.k
    corr = 0.5 if correlation is None else correlation
    if np.ndim(corr) == 0:
        corr = np.full((k, k), float(corr))
        np.fill_diagonal(corr, 1.0)
    corr = np.asarray(corr, dtype=float)
    if corr.shape != (k, k) or not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
        raise EcostatError(f"correlation must be a symmetric ({k}, {k}) matrix with unit diagonal (or one float).")
    try:
        s.chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        raise EcostatError("correlation is not positive definite; it cannot be a correlation matrix.") from None
    s.corr = corr


def _latent_trait_spec(s, difficulty_sd, group_location, group_scale, covariate_effect, covariate_levels, versions,
                       version_shift, link, loadings, model_group_effects, groups):
    if link not in LINKS:
        raise EcostatError(f"link must be one of {LINKS}; got {link!r}.")
    k = s.k
    s.link = link
    sd = _DEFAULT_SD[s.family] if difficulty_sd is None else float(difficulty_sd)
    s.loc = np.array([float((group_location or {}).get(g, 0.0)) for g in s.levels])
    s.scale = np.array([float((group_scale or {}).get(g, sd)) for g in s.levels])
    if np.any(s.scale <= 0):
        raise EcostatError("difficulty_sd and group_scale must be positive.")
    s.covariate_effect = float(covariate_effect)
    if covariate_levels is not None:
        if not covariate_effect:
            raise EcostatError("covariate_levels describes the covariate of covariate_effect; give a non-zero effect.")
        if int(covariate_levels) != covariate_levels or covariate_levels < 2:
            raise EcostatError(f"covariate_levels must be an integer >= 2; got {covariate_levels!r}.")
        v = np.linspace(-1.0, 1.0, int(covariate_levels))
        s.covariate_values = v / v.std()
    if loadings is not None:
        a = np.asarray(loadings, dtype=float)
        if a.shape != (k,) or np.any(a <= 0):
            raise EcostatError(f"loadings must be {k} positive numbers (one per model); got {np.ravel(a).tolist()}.")
        s.loadings = a
    elif s.family == "twopl":
        s.loadings = np.ones(k)
    if model_group_effects:
        if not groups or len(s.levels) < 2:
            raise EcostatError("model_group_effects needs groups with at least two levels.")
        E = np.zeros((len(s.levels), k))
        for gi, g in enumerate(s.levels):
            if g in model_group_effects:
                row = np.asarray(model_group_effects[g], dtype=float)
                if row.shape != (k,):
                    raise EcostatError(f"model_group_effects[{g!r}] must have one shift per model ({k}); "
                                       f"got {row.tolist()}.")
                E[gi] = row
        s.gamma = E
    b0 = logit(s.f) if link == "logit" else ndtri(s.f)
    vs = list(versions) if versions is not None else [None]
    s.columns, cm, b = [], [], []
    for j, name in enumerate(s.names):
        for v, ver in enumerate(vs):
            b.append(b0[j] + v * version_shift)
            cm.append(j)
            s.columns.append(name if ver is None else f"{name}_{ver}")
    s.b, s.column_model = np.asarray(b), np.asarray(cm)


def _draw_difficulty(s: _Spec, n: int, gidx, rng):
    """Latent difficulty theta and the covariate x (or None), in simulate's draw order."""
    theta = s.loc[gidx] + s.scale[gidx] * rng.standard_normal(n)
    x = None
    if s.covariate_effect:
        v = s.covariate_values
        x = rng.standard_normal(n) if v is None else v[rng.integers(len(v), size=n)]
        theta = theta + s.covariate_effect * x
    return theta, x


def _latent_trait_parameters(s: _Spec, n, seed) -> dict[str, np.ndarray]:
    """Map the generating latent-trait model onto the fitted (identified) parameters."""
    G = len(s.levels)
    a = s.loadings if s.loadings is not None else np.ones(s.k)
    a_col = a[s.column_model]
    b = s.b.copy()
    loc = s.loc.copy()
    beta = None
    if s.covariate_effect:
        xbar, xsd = 0.0, 1.0
        if n is not None and seed is not None:  # the very sample simulate draws
            x = _covariate_sample(s, n, seed)
            xbar, xsd = float(np.mean(x)), float(np.std(x))
        loc = loc + s.covariate_effect * xbar
        beta = np.array([s.covariate_effect * xsd])
    gamma = None
    if s.gamma is not None:
        E = s.gamma
        col, row, grand = E.mean(axis=0), E.mean(axis=1), E.mean()
        gamma = E - row[:, None] - col[None, :] + grand
        b = b + col[s.column_model]
        shift = row - grand
        if np.allclose(a, a[0]):
            loc = loc + shift / a[0]
        elif np.any(np.abs(shift) > 1e-12):
            raise EcostatError("twopl model_group_effects must have the same mean over models in every group when "
                               "the loadings differ: a shift common to all models is not a difficulty shift, and no "
                               "twopl parameter represents it.")
    mbar = loc.mean()
    b = b + a_col * mbar
    mu = loc - mbar
    out: dict[str, np.ndarray] = {"b": b}
    if s.family == "twopl":
        gm = float(np.exp(np.mean(np.log(s.scale))))
        out["a"] = a * gm
        if G > 1:
            out["mu_group"], out["sigma_group"] = mu / gm, s.scale / gm
        if beta is not None:
            beta = beta / gm
    elif G > 1:
        out["mu_group"], out["sigma_group"] = mu, s.scale.copy()
    else:
        out["sigma"] = np.asarray(float(s.scale[0]))
    if beta is not None:
        out["beta"] = beta
    if gamma is not None:
        out["gamma"] = gamma[:, s.column_model]
    return out


def _covariate_sample(s: _Spec, n: int, seed: int) -> np.ndarray:
    """The covariate x that ``simulate(n=n, seed=seed, ...)`` draws for this specification."""
    rng = np.random.default_rng(seed)
    _, gidx, _ = _draw_groups(n, s.groups, rng)
    return _draw_difficulty(s, n, gidx, rng)[1]


def _draw_groups(n, groups, rng):
    if not groups:
        return None, np.zeros(n, dtype=int), ["all"]
    levels = list(groups)
    share = np.asarray([groups[g] for g in levels], dtype=float)
    if np.any(share <= 0):
        raise EcostatError("group shares must be positive.")
    gidx = rng.choice(len(levels), size=n, p=share / share.sum())
    return pd.Categorical.from_codes(gidx, categories=levels), gidx, levels
