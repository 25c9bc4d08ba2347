"""``latent_class``: C classes of instances with class-by-model failure rates (DESIGN §5).

``P(y) = sum_c pi_c prod_j r_cj^y_j (1 - r_cj)^(1 - y_j)``; C = 2 generalizes
hard/easy (Toups App. A.3) without tying the classes' rates to ``f_j``. Label
switching is removed by ordering the classes by their mean failure logit:
``logit r_cj = m_c + d_cj`` with ``m_1 < ... < m_C`` and ``sum_j d_cj = 0``, so
class 1 is the easiest. With a group, class shares differ by group.
The latent value reported per profile is the class's mean logit ``m_c``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm

from .base import FitOptions, MixtureFamily
from .design import Design

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
    supports = frozenset({"group", "n_classes"})
    prior_scales = {"share_concentration": 1.0, "m_sd": 2.5, "d_sd": 1.5}

    def check(self, design: Design, options: FitOptions) -> None:
        super().check(design, options)
        if options.n_classes < 2:
            from ...errors import EcostatError
            raise EcostatError(f"latent_class needs n_classes >= 2; got {options.n_classes}.")

    def coords(self, design, options):
        return {**super().coords(design, options), "class": [f"c{c + 1}" for c in range(options.n_classes)]}

    def parameters(self, design, options):
        return ["share", "m", "class_rate"]

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
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
