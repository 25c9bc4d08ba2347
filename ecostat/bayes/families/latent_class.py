"""``latent_class``: C classes of instances with class-by-model failure rates (docs/architecture.md §5).

``P(y) = sum_c pi_c prod_j r_cj^y_j (1 - r_cj)^(1 - y_j)``; C = 2 generalizes
hard/easy (Toups App. A.3) without tying the classes' rates to ``f_j``. Label
switching is removed by ordering the classes by their mean failure logit:
``logit r_cj = m_c + d_cj`` with ``m_1 < ... < m_C`` and ``sum_j d_cj = 0``, so
class 1 is the easiest. With a group, class shares differ by group.
The latent value reported per profile is the class's mean logit ``m_c``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit

from ...errors import EcostatError
from .base import FitOptions, MixtureFamily
from .design import Design
from .hard_easy import hard_easy_classes
from .simulation import Simulated, check_levels, shares

__all__ = ["LatentClass"]


class LatentClass(MixtureFamily):
    name = "latent_class"
    summary = "C latent classes with shares pi and class-by-model failure rates, ordered by difficulty"
    priors = {
        "share": "Dirichlet(share_concentration = 1, ...): class shares (per group when grouped)",
        "m": "Normal(0, m_sd = 2.5), ordered: mean failure logit of each class",
        "d": "ZeroSumNormal(d_sd = 1.5) over models: class-by-model deviations from m",
        "class_rate": "sigmoid(m_c + d_cj): failure rate of model j in class c (derived)",
    }
    prior_scales = {"share_concentration": 1.0, "m_sd": 2.5, "d_sd": 1.5}
    terms = frozenset({"group"})
    term_hints = {"model:group": "latent_class has class shares by group ('+ group'), not model-by-group effects.",
                  "instance:group": "latent_class has class shares by group: write '+ group'."}
    reads = frozenset({"n_classes"})
    #: simulate: classes with shares class_shares (per group: group_class_shares) and failure rates class_rates
    #: (C x k); without class_rates, the two hard/easy classes of alpha, delta and failure_rates
    simulate_args = {"alpha": 0.2, "delta": 2.0, "class_shares": None, "class_rates": None, "group_class_shares": None}

    def coords(self, design, options):
        return {**super().coords(design, options), "class": [f"c{c + 1}" for c in range(options.n_classes)]}

    def parameters(self, design, options):
        return ["share", "m", "class_rate"]

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        import pymc as pm

        C = options.n_classes
        dims = ("group", "class") if design.n_groups > 1 else ("class",)
        share = pm.Dirichlet("share", a=np.full(C, self.prior(options, "share_concentration")), dims=dims)
        m = pm.Normal("m", 0.0, self.prior(options, "m_sd"), dims="class", transform=pm.distributions.transforms.ordered,
                      initval=np.linspace(-2.0, 1.0, C))
        d = pm.ZeroSumNormal("d", sigma=self.prior(options, "d_sd"), dims=("class", "model"))
        pm.Deterministic("class_rate", pm.math.sigmoid(m[:, None] + d), dims=("class", "model"))
        return {"share": share, "m": m, "d": d}

    def components(self, params: dict, design: Design, options: FitOptions, xp):
        share, m, d = params["share"], params["m"], params["d"]
        if design.n_groups > 1:
            log_w = xp.log(xp.take(share, design.strata_group, axis=share.ndim - 2))  # (..., U, C)
        else:
            log_w = xp.log(share)[..., None, :] + design.stratum_zeros
        eta = (m[..., :, None] + d)[..., None, :, :] + design.stratum_zeros[:, :, None]
        latent = m[..., None, :] + xp.zeros_like(log_w)
        return log_w, xp.log_sigmoid(eta), xp.log_sigmoid(-eta), latent

    def new_group_draws(self, draws, design, options, n_new, rng):
        """New levels: class shares ~ Dirichlet(share_concentration) (the prior; class rates are shared)."""
        out = dict(draws)
        if design.n_groups > 1:
            S, C = draws["share"].shape[0], options.n_classes
            new = rng.dirichlet(np.full(C, self.prior(options, "share_concentration")), size=(S, n_new))
            out["share"] = np.concatenate([draws["share"], new], axis=1)
        return out

    # -- simulation -------------------------------------------------------------------------------
    def simulation_rates(self, rates, args: dict, given: bool):
        r = args.get("class_rates")
        if r is None or given:
            return rates
        # k comes from class_rates; f_j (unused) are the overall rates with the overall class shares
        r = np.asarray(r, dtype=float)
        if r.ndim == 2 and r.shape[0] >= 1:
            w = np.ones(r.shape[0]) if args.get("class_shares") is None else np.asarray(args["class_shares"], dtype=float)
            if w.shape != (r.shape[0],) or not w.sum() > 0:
                w = np.ones(r.shape[0])  # invalid shares are reported by simulation()
            return np.clip(w @ r / w.sum(), 1e-9, 1 - 1e-9)
        return rates

    def simulation(self, setup, args: dict) -> dict:
        class_shares, class_rates, group_shares = args["class_shares"], args["class_rates"], args["group_class_shares"]
        check_levels(setup, group_class_shares=group_shares)
        if class_rates is None:
            rates = hard_easy_classes(setup.rates, args["alpha"], args["delta"])
            if class_shares is None:
                class_shares = (1 - args["alpha"], args["alpha"])
        else:
            rates = np.asarray(class_rates, dtype=float)
        C = rates.shape[0] if rates.ndim == 2 else 0
        if rates.ndim != 2 or rates.shape[1] != setup.k or C < 2:
            raise EcostatError(f"class_rates must have shape (C, k) with C >= 2 classes and k = {setup.k} models; "
                               f"got shape {rates.shape}.")
        if np.any((rates <= 0) | (rates >= 1)):
            raise EcostatError("class_rates must be failure probabilities strictly between 0 and 1.")
        share = shares(np.full(C, 1.0 / C) if class_shares is None else class_shares, C, "class_shares")
        if group_shares and len(setup.levels) < 2:
            raise EcostatError("group_class_shares needs groups with at least two levels.")
        per_group = np.stack([shares(group_shares[g], C, f"group_class_shares[{g!r}]")
                              if g in (group_shares or {}) else share for g in setup.levels])
        return {"shares": per_group, "class_rates": rates}

    def draw(self, spec, setup, gidx, rng) -> Simulated:
        cum = np.cumsum(spec["shares"], axis=1)  # (G, C)
        cls = np.sum(rng.random(setup.n)[:, None] >= cum[gidx, :-1], axis=1)
        return Simulated(rng.random((setup.n, setup.k)) < spec["class_rates"][cls])

    def true_parameters(self, spec, setup, n, seed) -> dict:
        lr = logit(spec["class_rates"])
        m = lr.mean(axis=1)
        order = np.argsort(m, kind="stable")
        per_group = spec["shares"][:, order]
        return {"share": per_group if len(setup.levels) > 1 else per_group[0], "m": m[order],
                "d": (lr - m[:, None])[order], "class_rate": spec["class_rates"][order].copy()}
