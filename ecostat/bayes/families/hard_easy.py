"""``hard_easy``: the two-class mixture of Toups 2023 App. A.3 (eqs. 3-5), Bayesian.

A share ``alpha`` of instances is hard, where model j fails with ``(1 + Delta) f_j``;
the rest are easy, with ``(1 - alpha Delta / (1 - alpha)) f_j``; so ``f_j`` stays the
overall failure rate. Validity (hard rates <= 1, easy rates >= 0) holds by
construction: ``Delta = u * Delta_max(alpha, f)`` with
``Delta_max = min((1 - alpha) / alpha, 1 / max_j f_j - 1)`` and ``u ~ Beta(1, 1)``.
Formula ``fail ~ model + (1 | instance)`` with ``family="hard_easy"``; no group terms.
"""

from __future__ import annotations

import numpy as np

from ...errors import EcostatError
from .base import FitOptions, MixtureFamily
from .design import Design
from .simulation import Simulated

__all__ = ["HardEasy", "hard_easy_classes"]

_EPS = 1e-12


def hard_easy_classes(rates, alpha: float, delta: float) -> np.ndarray:
    """Failure rates of the easy and the hard class, shape (2, k) (Toups App. A.3), checked valid.

    Examples
    --------
    >>> hard_easy_classes([0.1, 0.2], 0.2, 1.0).round(3).tolist()
    [[0.075, 0.15], [0.2, 0.4]]
    """
    f = np.asarray(rates, dtype=float)
    easy_f = (1 - alpha * delta / (1 - alpha)) * f if 0 < alpha < 1 else f * np.nan
    hard_f = (1 + delta) * f
    if not 0 < alpha < 1 or np.any(easy_f < 0) or np.any(hard_f > 1):
        raise EcostatError(f"alpha={alpha}, delta={delta} give hard rates > 1 or easy rates < 0 for "
                           f"failure_rates {f.tolist()}.")
    return np.stack([easy_f, hard_f])


class HardEasy(MixtureFamily):
    name = "hard_easy"
    summary = "share alpha of hard instances failing at (1 + Delta) f_j, the rest at (1 - alpha Delta/(1 - alpha)) f_j"
    prior_scales = {"f_a": 1.0, "f_b": 1.0, "alpha_a": 1.0, "alpha_b": 1.0}
    priors = {
        "f": "Beta(f_a = 1, f_b = 1): overall failure rate of each model",
        "alpha": "Beta(alpha_a = 1, alpha_b = 1): share of hard instances",
        "delta": "u * Delta_max(alpha, f), u ~ Beta(1, 1): hardness (uniform over the valid range)",
    }
    term_hints = {t: "family 'hard_easy' has no group terms; use rasch or twopl for group disparity."
                  for t in ("group", "instance:group", "model:group")}
    #: simulate: a share alpha of hard instances with hardness delta; failure_rates are the overall rates
    simulate_args = {"alpha": 0.2, "delta": 2.0}

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        import pymc as pm
        import pytensor.tensor as pt

        f = pm.Beta("f", self.prior(options, "f_a"), self.prior(options, "f_b"), dims="model")
        alpha = pm.Beta("alpha", self.prior(options, "alpha_a"), self.prior(options, "alpha_b"))
        u = pm.Beta("u", 1.0, 1.0)
        # Delta_max = min((1 - alpha) / alpha, 1 / max_j f_j - 1), written as one min over
        # [(1 - alpha) / alpha, 1 / f_j - 1] (the same value: 1 / x - 1 decreases). The gradient of
        # max(f) makes PyTensor's FusionOptimizer fail while NUTS compiles (a logged KeyError
        # traceback, pymc-devs/pytensor#2145; the fit was right but some fusions were skipped).
        dmax = pt.min(pt.concatenate([((1 - alpha) / alpha)[None], 1.0 / f - 1.0]))
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

    # -- simulation -------------------------------------------------------------------------------
    def simulation(self, setup, args: dict) -> dict:
        return {**args, "class_rates": hard_easy_classes(setup.rates, args["alpha"], args["delta"])}

    def draw(self, spec, setup, gidx, rng) -> Simulated:
        hard = rng.random(setup.n) < spec["alpha"]
        rates = spec["class_rates"]
        return Simulated(rng.random((setup.n, setup.k)) < np.where(hard[:, None], rates[1], rates[0]))

    def true_parameters(self, spec, setup, n, seed) -> dict:
        alpha, delta = spec["alpha"], spec["delta"]
        dmax = min((1 - alpha) / alpha, 1.0 / setup.rates.max() - 1.0)
        return {"f": setup.rates.copy(), "alpha": np.asarray(float(alpha)), "delta": np.asarray(float(delta)),
                "u": np.asarray(float(delta) / dmax)}
