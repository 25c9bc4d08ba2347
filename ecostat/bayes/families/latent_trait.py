"""Latent-trait families: ``rasch`` and ``twopl`` (Toups 2023 §3.2, §6.1; Bommasani 2022 eq. 2-3).

``P(F_ij = 1) = link^{-1}(a_j theta_i + b_j + gamma_{g(i) j})`` with latent
difficulty ``theta_i ~ Normal(mu_g + x_i' beta, sigma_g)``. ``rasch`` has
``a_j = 1``; ``twopl`` estimates loadings ``a_j > 0`` (models differ in how much
they share difficulty) and fixes the difficulty scale of an average group to 1.

theta is integrated out per stratum on a fixed grid: ``theta_q = mu + x'beta +
sigma x_q`` with x_q equally spaced on [-9, 9] and weights proportional to the
standard normal density (the trapezoid rule, which converges geometrically for
these analytic integrands). With the default 128 nodes every profile
probability of a 3-model logit rasch agrees with adaptive quadrature to a
relative 1e-15 at sigma = 3, 6e-11 at sigma = 5 and 2e-6 at sigma = 8; 48
Gauss-Hermite nodes were off by 1.4% at sigma = 5, which N = 287k instances
turn into a visible bias.

Formula ``fail ~ model + (1 | instance)`` with every group and covariate term
(``+ group``, ``(1 | instance:group)``, ``model:group``, ``+ NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtr, ndtri

from ...errors import EcostatError
from .backend import pytensor_namespace
from .base import FitOptions, MixtureFamily
from .design import Design
from .rasch_stats import rasch_loglik, rasch_loglik_op, rasch_statistics, use_op
from .simulation import Simulated, SimulationSetup, check_levels, draw_groups

__all__ = ["Rasch", "TwoPL", "normal_grid", "trait_quadrature"]

#: the logit rasch likelihood uses its numpy Op above this many (stratum, node, model or cell) elements
OP_MIN_ELEMENTS = 50_000
#: half-width of the grid in standard deviations (normal tail mass beyond it: 2e-19)
GRID_HALF_WIDTH = 9.0
#: trait_quadrature resolves the posterior of one instance's difficulty for difficulty sd up to this value
SIGMA_RESOLVED = 1.5
#: ... with the node spacing on the difficulty scale at most (its posterior sd) / RESOLUTION
RESOLUTION = 1.1


def normal_grid(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and log-weights of the trapezoid rule against the standard normal density.

    Examples
    --------
    >>> x, lw = normal_grid(128)
    >>> round(float(np.sum(np.exp(lw) * x ** 2)), 10)
    1.0
    """
    x = np.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, q)
    logw = -0.5 * x ** 2
    return x, logw - np.logaddexp.reduce(logw)


def trait_quadrature(k: int, quadrature: int) -> int:
    """Nodes of the difficulty grid with k decision-makers: ``quadrature``, or more where k needs them.

    One instance's posterior of difficulty has sd ``s >= 2 / sqrt(k)`` (logit,
    every failure probability 1/2), and the trapezoid rule's relative error is
    about ``2 exp(-2 pi^2 (s / h)^2)`` at spacing ``h = 18 sigma / (Q - 1)``. The
    grid has at least ``1 + 18 SIGMA_RESOLVED RESOLUTION / (2 / sqrt(k))`` nodes,
    so that ``s / h >= RESOLUTION`` (error below 1e-10 per instance) for difficulty
    sd up to :data:`SIGMA_RESOLVED`: the default 128 up to k = 73, 471 at
    k = 1,000. A fit whose posterior scale is larger warns and names the nodes it
    needs (:func:`ecostat.bayes.sampling.warn_if_coarse_grid`). The PyMC model and
    the numba kernel (:mod:`ecostat.bayes.rasch_kernel`) both use this grid.

    Examples
    --------
    >>> trait_quadrature(3, 128), trait_quadrature(1000, 128), trait_quadrature(1000, 600)
    (128, 471, 600)
    """
    need = int(np.ceil(1.0 + 18.0 * SIGMA_RESOLVED * RESOLUTION * np.sqrt(k) / 2.0))
    return max(int(quadrature), need)


def _mask_layout(design: Design) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct masks of observed cells ``(M, k)`` and each row's mask, where strata x masks are fewer than rows.

    Else None: the per-row softplus sums would cost as much as the general product.
    """
    masks, mask_of = design.observed_masks
    if design.n_strata * len(masks) >= len(mask_of):
        return None
    return masks.astype(float), mask_of.reshape(-1).astype(np.int64)


class _LatentTrait(MixtureFamily):
    loadings = False
    links = ("logit", "probit")
    terms = frozenset({"group", "instance:group", "model:group", "covariates"})
    reads = frozenset({"link", "quadrature", "model_by_group", "group_location", "group_scale"})
    #: simulate: theta_i ~ Normal(group_location[g] + covariate_effect x_i, group_scale[g] or difficulty_sd),
    #: P(F_ij = 1) = link^-1(a_j theta_i + link(f_j) + model_group_effects[g][j]); versions share theta
    simulate_args = {"difficulty_sd": None, "group_location": None, "group_scale": None, "covariate_effect": 0.0,
                     "covariate_levels": None, "versions": None, "version_shift": -0.4, "link": "logit",
                     "model_group_effects": None}
    #: default sd of difficulty in simulations
    default_sd = 1.5

    def parameters(self, design: Design, options: FitOptions) -> list[str]:
        names = ["b"] + (["a"] if self.loadings else [])
        grouped = design.n_groups > 1
        if grouped and options.group_location:
            names += ["mu_group"]
        if grouped and options.group_scale:
            names += ["sigma_group"]
        elif not self.loadings:
            names += ["sigma"]
        if design.covariate_names:
            names += ["beta"]
        if options.model_by_group:
            names += ["gamma", "tau_gamma"]
        return names

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        import pymc as pm
        import pytensor.tensor as pt

        prior = lambda name: self.prior(options, name)  # noqa: E731
        G = design.n_groups
        p = {"b": pm.Normal("b", 0.0, prior("b_sd"), dims="model")}
        if self.loadings:
            p["a"] = pm.LogNormal("a", 0.0, prior("a_sd"), dims="model")
        if G > 1 and options.group_location:
            p["mu_group"] = pm.ZeroSumNormal("mu_group", sigma=prior("mu_group_sd"), dims="group")
        else:
            p["mu_group"] = pt.zeros(G)
        if G > 1 and options.group_scale:
            if self.loadings:
                log_sg = pm.ZeroSumNormal("log_sigma_group", sigma=prior("log_sigma_group_sd"), dims="group")
                p["sigma_group"] = pm.Deterministic("sigma_group", pt.exp(log_sg), dims="group")
            else:
                p["sigma_group"] = pm.HalfNormal("sigma_group", prior("sigma_group_sd"), dims="group")
        elif self.loadings:
            p["sigma_group"] = pt.ones(G)
        else:
            p["sigma_group"] = pt.zeros(G) + pm.HalfNormal("sigma", prior("sigma_sd"))
        if design.covariate_names:
            p["beta"] = pm.Normal("beta", 0.0, prior("beta_sd"), dims="covariate")
        if options.model_by_group:
            tau = pm.HalfNormal("tau_gamma", prior("tau_gamma_sd"))
            # centred: the data inform gamma well (non-centred mixed poorly: ESS 100-220, divergences)
            p["gamma"] = pm.ZeroSumNormal("gamma", sigma=tau, dims=("group", "model"), n_zerosum_axes=2)
        return p

    def _draw_params(self, draws: dict, design: Design) -> dict:
        """Posterior draws in the shapes of :meth:`graph_parameters`."""
        S, G = len(draws["b"]), design.n_groups
        p = dict(draws)
        if "mu_group" not in draws:
            p["mu_group"] = np.zeros((S, G))
        if "sigma_group" not in draws:
            p["sigma_group"] = np.ones((S, G)) if self.loadings else np.repeat(draws["sigma"][:, None], G, axis=1)
        return p

    def _linear(self, params: dict, design: Design, options: FitOptions, xp):
        """Log weights, linear predictors, nodes and model effects per stratum.

        ``(log_w, eta, theta, b)`` of shapes ``(..., U, Q)``, ``(..., U, Q, k)``,
        ``(..., U, Q)``, ``(..., U, k)`` (``b`` includes model-by-group effects).
        """
        nodes, log_wq = normal_grid(trait_quadrature(design.k, options.quadrature))
        sg = design.strata_group
        loc = xp.take(params["mu_group"], sg, axis=-1)  # (..., U)
        if design.covariate_names:
            loc = loc + xp.sum(xp.expand_dims(params["beta"], -2) * design.strata_x, axis=-1)
        theta = loc[..., None] + xp.take(params["sigma_group"], sg, axis=-1)[..., None] * nodes  # (..., U, Q)
        b = params["b"][..., None, :] + design.stratum_zeros  # (..., U, k)
        if options.model_by_group:
            b = b + xp.take(params["gamma"], sg, axis=params["gamma"].ndim - 2)
        slope = params["a"][..., None, None, :] if self.loadings else 1.0
        eta = slope * theta[..., None] + b[..., :, None, :]  # (..., U, Q, k)
        return log_wq + xp.zeros_like(theta), eta, theta, b

    def components(self, params: dict, design: Design, options: FitOptions, xp):
        log_w, eta, theta, _ = self._linear(params, design, options, xp)
        if options.link == "probit":
            log_p1, log_p0 = xp.log_ndtr(eta), xp.log_ndtr(-eta)
        else:
            log_p1, log_p0 = xp.log_sigmoid(eta), xp.log_sigmoid(-eta)
        return log_w, log_p1, log_p0, theta

    def row_terms(self, params: dict, design: Design, options: FitOptions, xp):
        """Log joint of each profile row and node; with the logit link, in O(R (k + Q)) instead of O(R Q k).

        With the logit link the log-probability of a failure minus that of a
        success is the linear predictor itself, ``eta_qj = a_j theta_q + b_j``, and
        the log-probability of a success is ``-softplus(eta_qj)``. So the log joint
        of profile row r (failures y_rj, observed cells m_rj) at node q is

            log w_q + A_r theta_q + B_r - S_{m(r)}(q),
            A_r = sum_j y_rj a_j,   B_r = sum_j y_rj b_j,   S_m(q) = sum_j m_j softplus(eta_qj),

        two numbers per row, and one softplus sum per node and distinct mask of
        observed cells (one with complete data): the same value as the general
        product (:meth:`MixtureFamily.row_terms`), for about k + Q operations per
        row instead of Q k. Used where the masks are fewer than the rows; the
        probit link takes the general product.
        """
        shape = _mask_layout(design) if options.link == "logit" else None
        if shape is None:
            return super().row_terms(params, design, options, xp)
        masks, mask_of = shape
        log_w, eta, theta, b = self._linear(params, design, options, xp)
        y1 = (design.patterns == 1).astype(float)
        A = xp.matmul(y1, params["a"][..., :, None])[..., 0] if self.loadings else y1.sum(axis=1)  # (..., R)
        soft = xp.matmul(masks, xp.swapaxes(xp.softplus(eta), -1, -2))  # (..., U, M, Q)
        U, M = design.n_strata, len(masks)
        if U == 1:
            B = xp.matmul(y1, b[..., 0, :, None])[..., 0]
            S = soft[..., 0, :, :] if M == 1 else xp.take(soft[..., 0, :, :], mask_of, axis=soft.ndim - 3)
            return (xp.expand_dims(log_w[..., 0, :], -2) + xp.expand_dims(A, -1) * xp.expand_dims(theta[..., 0, :], -2)
                    + xp.expand_dims(B, -1) - S)
        s = design.strata
        B = xp.sum(y1 * xp.take(b, s, axis=b.ndim - 2), axis=-1)
        lead = tuple(soft.shape[:-3]) if xp.name == "numpy" else ()
        S = xp.take(soft.reshape(lead + (U * M, soft.shape[-1])), s * M + mask_of, axis=soft.ndim - 3)
        lw = xp.take(log_w, s, axis=theta.ndim - 2)
        th = xp.take(theta, s, axis=theta.ndim - 2)
        return lw + xp.expand_dims(A, -1) * th + xp.expand_dims(B, -1) - S

    def uses_sufficient_statistics(self, options: FitOptions) -> bool:
        """Whether :meth:`build` writes the likelihood through rasch's sufficient statistics (logit rasch)."""
        return not self.loadings and options.link == "logit"

    def build(self, design: Design, options: FitOptions) -> None:
        if not self.uses_sufficient_statistics(options):
            return super().build(design, options)
        import pymc as pm

        PT = pytensor_namespace()
        params = self.graph_parameters(design, options)
        log_w, _, theta, b = self._linear(params, design, options, PT)
        stats = rasch_statistics(design)
        # the Op pays ~50 us of Python per call and saves ~40% of the arithmetic: worth it on large grids only
        Q = trait_quadrature(design.k, options.quadrature)
        large = design.n_strata * Q * (design.k + len(stats.cell_count)) > OP_MIN_ELEMENTS
        loglik = (rasch_loglik_op(stats)(log_w, theta, b) if use_op() and large
                  else rasch_loglik(log_w, theta, b, stats, PT))
        pm.Potential("loglik", loglik)

    def pattern_log_prob(self, draws, design, options):
        return super().pattern_log_prob(self._draw_params(draws, design), design, options)

    def row_log_lik(self, draws, design, options):
        return super().row_log_lik(self._draw_params(draws, design), design, options)

    def draw_components(self, draws, design, options):
        return super().draw_components(self._draw_params(draws, design), design, options)

    def profile_latent(self, draws, design, options):
        return super().profile_latent(self._draw_params(draws, design), design, options)

    def mixture_moments(self, draws, design, options, budget=None):
        return super().mixture_moments(self._draw_params(draws, design), design, options, budget)

    def group_scale(self, draws, design, options):
        p = self._draw_params(draws, design)
        return p["sigma_group"] * (np.exp(np.mean(np.log(p["a"]), axis=-1))[:, None] if self.loadings else 1.0)

    def new_group_draws(self, draws, design, options, n_new, rng):
        """New levels: location ~ Normal(0, mu_group_sd), scale from its prior (HalfNormal(sigma_group_sd), or
        exp Normal(0, log_sigma_group_sd) for twopl), model-by-group effects ~ Normal(0, tau_gamma) centred over
        models, given each draw of tau_gamma; shared parameters (b, a, beta, sigma) as drawn."""
        out = dict(draws)
        S = len(draws["b"])
        if "mu_group" in draws:
            new = self.prior(options, "mu_group_sd") * rng.standard_normal((S, n_new))
            out["mu_group"] = np.concatenate([draws["mu_group"], new], axis=1)
        if "sigma_group" in draws:
            z = rng.standard_normal((S, n_new))
            new = np.exp(self.prior(options, "log_sigma_group_sd") * z) if self.loadings else \
                np.abs(self.prior(options, "sigma_group_sd") * z)
            out["sigma_group"] = np.concatenate([draws["sigma_group"], new], axis=1)
        if "gamma" in draws:
            new = rng.standard_normal((S, n_new, design.k)) * draws["tau_gamma"][:, None, None]
            out["gamma"] = np.concatenate([draws["gamma"], new - new.mean(axis=-1, keepdims=True)], axis=1)
        return out

    # -- simulation -------------------------------------------------------------------------------
    def simulation(self, setup: SimulationSetup, args: dict) -> _TraitSpec:
        a = args
        check_levels(setup, group_location=a["group_location"], group_scale=a["group_scale"],
                     model_group_effects=a["model_group_effects"])
        if a["link"] not in self.links:
            raise EcostatError(f"link must be one of {self.links}; got {a['link']!r}.")
        k = setup.k
        sd = self.default_sd if a["difficulty_sd"] is None else float(a["difficulty_sd"])
        loc = np.array([float((a["group_location"] or {}).get(g, 0.0)) for g in setup.levels])
        scale = np.array([float((a["group_scale"] or {}).get(g, sd)) for g in setup.levels])
        if np.any(scale <= 0):
            raise EcostatError("difficulty_sd and group_scale must be positive.")
        values = None
        if a["covariate_levels"] is not None:
            levels = a["covariate_levels"]
            if not a["covariate_effect"]:
                raise EcostatError("covariate_levels describes the covariate of covariate_effect; give a non-zero effect.")
            if int(levels) != levels or levels < 2:
                raise EcostatError(f"covariate_levels must be an integer >= 2; got {levels!r}.")
            v = np.linspace(-1.0, 1.0, int(levels))
            values = v / v.std()
        loadings = self._simulated_loadings(a, k)
        gamma = None
        if a["model_group_effects"]:
            if not setup.groups or len(setup.levels) < 2:
                raise EcostatError("model_group_effects needs groups with at least two levels.")
            E = np.zeros((len(setup.levels), k))
            for gi, g in enumerate(setup.levels):
                if g in a["model_group_effects"]:
                    row = np.asarray(a["model_group_effects"][g], dtype=float)
                    if row.shape != (k,):
                        raise EcostatError(f"model_group_effects[{g!r}] must have one shift per model ({k}); "
                                           f"got {row.tolist()}.")
                    E[gi] = row
            gamma = E
        b0 = logit(setup.rates) if a["link"] == "logit" else ndtri(setup.rates)
        versions = list(a["versions"]) if a["versions"] is not None else [None]
        columns, column_model, b = [], [], []
        for j, name in enumerate(setup.names):
            for v, ver in enumerate(versions):
                b.append(b0[j] + v * a["version_shift"])
                column_model.append(j)
                columns.append(name if ver is None else f"{name}_{ver}")
        return _TraitSpec(link=a["link"], loc=loc, scale=scale, covariate_effect=float(a["covariate_effect"]),
                          covariate_values=values, loadings=loadings, gamma=gamma, columns=columns,
                          column_model=np.asarray(column_model), b=np.asarray(b),
                          versioned=a["versions"] is not None)

    def _simulated_loadings(self, args: dict, k: int):
        return None

    def draw(self, spec: _TraitSpec, setup: SimulationSetup, gidx, rng) -> Simulated:
        n = setup.n
        theta, x = _draw_difficulty(spec, n, gidx, rng)
        inv_link = expit if spec.link == "logit" else ndtr
        blocks = []
        for c in range(len(spec.columns)):
            j = spec.column_model[c]
            eta = (theta if spec.loadings is None else spec.loadings[j] * theta) + spec.b[c]
            if spec.gamma is not None:
                eta = eta + spec.gamma[gidx, j]
            blocks.append(rng.random(n) < inv_link(eta))
        return Simulated(np.column_stack(blocks), columns=spec.columns,
                         version_pattern=r"^(?P<name>.+)_(?P<version>[^_]+)$" if spec.versioned else None,
                         covariates=None if x is None else pd.DataFrame({"x": x}))

    def true_parameters(self, spec: _TraitSpec, setup: SimulationSetup, n, seed) -> dict:
        """Map the generating model onto the fitted (identified) parameters."""
        G = len(setup.levels)
        a = spec.loadings if spec.loadings is not None else np.ones(setup.k)
        a_col = a[spec.column_model]
        b = spec.b.copy()
        loc = spec.loc.copy()
        beta = None
        if spec.covariate_effect:
            xbar, xsd = 0.0, 1.0
            if n is not None and seed is not None:  # the very sample simulate draws
                rng = np.random.default_rng(seed)
                _, gidx, _ = draw_groups(n, setup.groups, rng)
                x = _draw_difficulty(spec, n, gidx, rng)[1]
                xbar, xsd = float(np.mean(x)), float(np.std(x))
            loc = loc + spec.covariate_effect * xbar
            beta = np.array([spec.covariate_effect * xsd])
        gamma = None
        if spec.gamma is not None:
            E = spec.gamma
            col, row, grand = E.mean(axis=0), E.mean(axis=1), E.mean()
            gamma = E - row[:, None] - col[None, :] + grand
            b = b + col[spec.column_model]
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
        if self.loadings:
            gm = float(np.exp(np.mean(np.log(spec.scale))))
            out["a"] = a * gm
            if G > 1:
                out["mu_group"], out["sigma_group"] = mu / gm, spec.scale / gm
            if beta is not None:
                beta = beta / gm
        elif G > 1:
            out["mu_group"], out["sigma_group"] = mu, spec.scale.copy()
        else:
            out["sigma"] = np.asarray(float(spec.scale[0]))
        if beta is not None:
            out["beta"] = beta
        if gamma is not None:
            out["gamma"] = gamma[:, spec.column_model]
        return out


@dataclass
class _TraitSpec:
    """A validated latent-trait simulation: per group location/scale, per column effects."""

    link: str
    loc: np.ndarray
    scale: np.ndarray
    covariate_effect: float
    covariate_values: np.ndarray | None
    loadings: np.ndarray | None
    gamma: np.ndarray | None
    columns: list
    column_model: np.ndarray
    b: np.ndarray
    versioned: bool


def _draw_difficulty(spec: _TraitSpec, n: int, gidx, rng):
    """Latent difficulty theta and the covariate x (or None), in simulate's draw order."""
    theta = spec.loc[gidx] + spec.scale[gidx] * rng.standard_normal(n)
    x = None
    if spec.covariate_effect:
        v = spec.covariate_values
        x = rng.standard_normal(n) if v is None else v[rng.integers(len(v), size=n)]
        theta = theta + spec.covariate_effect * x
    return theta, x


class Rasch(_LatentTrait):
    name = "rasch"
    formula_default = True
    prior_scales = {"b_sd": 1.5, "sigma_sd": 1.5, "mu_group_sd": 1.0, "sigma_group_sd": 1.5, "beta_sd": 1.0,
                    "tau_gamma_sd": 0.5}
    logit_scaled = frozenset(prior_scales)
    summary = "shared latent difficulty theta_i with model effects b_j (1PL; logit or probit link)"
    priors = {
        "b": "Normal(0, b_sd = 2.55 logit / 1.5 probit): model effect (link scale)",
        "sigma": "HalfNormal(sigma_sd = 2.55 / 1.5): sd of latent difficulty (no group scale)",
        "mu_group": "ZeroSumNormal(mu_group_sd = 1.7 / 1): difficulty location by group",
        "sigma_group": "HalfNormal(sigma_group_sd = 2.55 / 1.5): difficulty scale by group",
        "beta": "Normal(0, beta_sd = 1.7 / 1): shift of difficulty per sd of each covariate",
        "gamma": "ZeroSumNormal(tau_gamma) over (group, model): model-by-group effects, partially pooled",
        "tau_gamma": "HalfNormal(tau_gamma_sd = 0.85 / 0.5)",
    }


class TwoPL(_LatentTrait):
    name = "twopl"
    loadings = True
    default_sd = 1.0
    simulate_args = {**_LatentTrait.simulate_args, "loadings": None}
    prior_scales = {"b_sd": 1.5, "a_sd": 0.5, "mu_group_sd": 1.0, "log_sigma_group_sd": 0.5, "beta_sd": 1.0,
                    "tau_gamma_sd": 0.5}
    logit_scaled = frozenset({"b_sd", "mu_group_sd", "beta_sd", "tau_gamma_sd"})
    summary = "latent difficulty scaled by model-specific loadings a_j > 0 (2PL)"
    priors = {
        "b": "Normal(0, b_sd = 2.55 logit / 1.5 probit): model effect (link scale)",
        "a": "LogNormal(0, a_sd = 0.5): loading of each model on difficulty (difficulty sd fixed to 1)",
        "mu_group": "ZeroSumNormal(mu_group_sd = 1.7 / 1): difficulty location by group",
        "sigma_group": "exp(ZeroSumNormal(log_sigma_group_sd = 0.5)): difficulty scale by group, geometric mean 1",
        "beta": "Normal(0, beta_sd = 1.7 / 1): shift of difficulty per sd of each covariate",
        "gamma": "ZeroSumNormal(tau_gamma) over (group, model): model-by-group effects, partially pooled",
        "tau_gamma": "HalfNormal(tau_gamma_sd = 0.85 / 0.5)",
    }

    def _simulated_loadings(self, args: dict, k: int):
        if args["loadings"] is None:
            return np.ones(k)
        a = np.asarray(args["loadings"], dtype=float)
        if a.shape != (k,) or np.any(a <= 0):
            raise EcostatError(f"loadings must be {k} positive numbers (one per model); got {np.ravel(a).tolist()}.")
        return a
