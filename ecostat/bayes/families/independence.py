"""``independence``: every decision-maker fails independently (Toups 2023 eq. 2).

``F_ij ~ Bernoulli(f_j)`` (or ``f_{g j}`` by group). The null model of ecosystem-level
analysis, with uncertainty: its posterior predictive check on the systemic
failure count is the Bayesian counterpart of Toups' comparison with eq. 2.
Formula ``fail ~ model`` (``fail ~ model * group``: rates by group).
"""

from __future__ import annotations

import numpy as np

from .base import FitOptions, MixtureFamily
from .design import Design
from .simulation import Simulated

__all__ = ["Independence"]


class Independence(MixtureFamily):
    name = "independence"
    summary = "decision-makers fail independently with rates f_j (by group if grouped)"
    priors = {"f": "Beta(f_a = 1, f_b = 1): failure rate of each model (each group x model when grouped)"}
    prior_scales = {"f_a": 1.0, "f_b": 1.0}
    latent_term = None
    formula_default = True
    terms = frozenset({"group", "model:group"})
    term_hints = {"instance:group": "independence has no latent difficulty, so no difficulty scale by group; "
                                    "rates by group are 'model * group'."}

    def check_terms(self, parsed) -> None:
        super().check_terms(parsed)
        if parsed.group_location and not parsed.model_by_group:
            from ...errors import FormulaError

            raise FormulaError(f"term {parsed.group!r} in {parsed.formula!r} is not supported by family 'independence': "
                               f"independent rates by group are per model and group: write '{parsed.model} * {parsed.group}'.")

    def graph_parameters(self, design: Design, options: FitOptions) -> dict:
        import pymc as pm

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

    def new_group_draws(self, draws, design, options, n_new, rng):
        """New levels: failure rates ~ Beta(f_a, f_b), the prior (rates by group share nothing)."""
        out = dict(draws)
        if design.n_groups > 1:
            f = draws["f"]
            new = rng.beta(self.prior(options, "f_a"), self.prior(options, "f_b"), size=(f.shape[0], n_new, f.shape[-1]))
            out["f"] = np.concatenate([f, new], axis=1)
        return out

    # -- simulation: F_ij ~ Bernoulli(f_j), f_j = failure_rates -------------------------------------
    def draw(self, spec, setup, gidx, rng) -> Simulated:
        return Simulated(rng.random((setup.n, setup.k)) < setup.rates)

    def true_parameters(self, spec, setup, n, seed) -> dict:
        G = len(setup.levels)
        return {"f": np.tile(setup.rates, (G, 1)) if G > 1 else setup.rates.copy()}
