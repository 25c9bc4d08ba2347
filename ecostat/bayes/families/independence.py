"""``independence``: every decision-maker fails independently (DESIGN §5; Toups 2023 eq. 2).

``F_ij ~ Bernoulli(f_j)`` (or ``f_{g j}`` by group). The null model of ecosystem-level
analysis, with uncertainty: its posterior predictive check on the systemic
failure count is the Bayesian counterpart of Toups' comparison with eq. 2.
"""

from __future__ import annotations

import pymc as pm

from .base import FitOptions, MixtureFamily
from .design import Design

__all__ = ["Independence"]


class Independence(MixtureFamily):
    name = "independence"
    summary = "decision-makers fail independently with rates f_j (by group if grouped)"
    priors = {"f": "Beta(f_a = 1, f_b = 1): failure rate of each model (each group x model when grouped)"}
    supports = frozenset({"group"})
    prior_scales = {"f_a": 1.0, "f_b": 1.0}

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        dims = ("group", "model") if design.n_groups > 1 else ("model",)
        return {"f": pm.Beta("f", self.prior(options, "f_a"), self.prior(options, "f_b"), dims=dims)}

    def components(self, params: dict, design: Design, options: FitOptions, xp):
        f = params["f"]
        if design.n_groups > 1:
            f = xp.take(f, design.strata_group, axis=f.ndim - 2)  # (..., U, k)
        else:
            f = f[..., None, :] + design.stratum_zeros  # (..., U, k)
        f = f[..., None, :]  # (..., U, 1, k)
        log_p1, log_p0 = xp.log(f), xp.log1p(-f)
        zero = xp.zeros_like(log_p1[..., 0])
        return zero, log_p1, log_p0, zero
