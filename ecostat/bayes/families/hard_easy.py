"""``hard_easy``: the two-class mixture of Toups 2023 App. A.3 (eqs. 3-5), Bayesian.

A share ``alpha`` of instances is hard, where model j fails with ``(1 + Delta) f_j``;
the rest are easy, with ``(1 - alpha Delta / (1 - alpha)) f_j``; so ``f_j`` stays the
overall failure rate. Validity (hard rates <= 1, easy rates >= 0) holds by
construction: ``Delta = u * Delta_max(alpha, f)`` with
``Delta_max = min((1 - alpha) / alpha, 1 / max_j f_j - 1)`` and ``u ~ Beta(1, 1)``.
"""

from __future__ import annotations

import pymc as pm

from .base import FitOptions, MixtureFamily
from .design import Design

__all__ = ["HardEasy"]

_EPS = 1e-12


class HardEasy(MixtureFamily):
    name = "hard_easy"
    summary = "share alpha of hard instances failing at (1 + Delta) f_j, the rest at (1 - alpha Delta/(1 - alpha)) f_j"
    prior_scales = {"f_a": 1.0, "f_b": 1.0, "alpha_a": 1.0, "alpha_b": 1.0}
    priors = {
        "f": "Beta(f_a = 1, f_b = 1): overall failure rate of each model",
        "alpha": "Beta(alpha_a = 1, alpha_b = 1): share of hard instances",
        "delta": "u * Delta_max(alpha, f), u ~ Beta(1, 1): hardness (uniform over the valid range)",
    }

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        f = pm.Beta("f", self.prior(options, "f_a"), self.prior(options, "f_b"), dims="model")
        alpha = pm.Beta("alpha", self.prior(options, "alpha_a"), self.prior(options, "alpha_b"))
        u = pm.Beta("u", 1.0, 1.0)
        dmax = pm.math.minimum((1 - alpha) / alpha, 1.0 / pm.math.max(f) - 1.0)
        return {"f": f, "alpha": alpha, "delta": pm.Deterministic("delta", u * dmax)}

    def components(self, params: dict, design: Design, options: FitOptions, xp):
        f, alpha, delta = params["f"], params["alpha"], params["delta"]
        alpha_, delta_ = alpha[..., None], delta[..., None]
        hard = xp.clip((1 + delta_) * f, _EPS, 1 - _EPS)
        easy = xp.clip((1 - alpha_ * delta_ / (1 - alpha_)) * f, _EPS, 1 - _EPS)
        p = xp.stack([hard, easy], axis=-2)[..., None, :, :] + design.stratum_zeros[:, :, None]
        log_w = xp.stack([xp.log(alpha), xp.log1p(-alpha)], axis=-1)[..., None, :] + design.stratum_zeros
        latent = xp.zeros_like(log_w) + xp.stack([1.0 + 0 * alpha, 0 * alpha], axis=-1)[..., None, :]
        return log_w, xp.log(p), xp.log1p(-p), latent
