"""``mvprobit``: full inter-model latent correlation (Bommasani 2022 §4-5; tetrachoric correlation).

Latent ``z_i ~ MVN(mu, Omega)`` over the k decision-makers, ``F_ij = 1[z_ij > 0]``,
so ``f_j = Phi(mu_j)`` and ``Omega_jl`` is the tetrachoric correlation of the
failures of models j and l. ``Omega`` has an LKJ(eta = 1) prior (uniform over
correlation matrices).

How pattern probabilities are computed: each profile's probability is an
orthant probability of the MVN, computed by the GHK simulator with a fixed set
of M = 1024 scrambled-Sobol points (:mod:`.ghk`), a smooth deterministic
function of ``(mu, chol(Omega))`` that PyTensor differentiates for NUTS. The
absolute error of a probability is about 1e-3 or better for k <= 6; the cost
grows as M * 2^k * k, and the family accepts k <= 12.
Formula ``fail ~ model + (0 + model | instance)``; no group terms.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from ...errors import EcostatError
from ...numeric import all_profiles
from .base import Family, FitOptions
from .design import Design
from .ghk import pattern_log_prob_np, pattern_log_prob_pt
from .rasch_stats import use_op
from .simulation import Simulated

__all__ = ["MVProbit"]

MAX_K = 12


class MVProbit(Family):
    name = "mvprobit"
    summary = "latent z_i ~ MVN(mu, Omega), F_ij = 1[z_ij > 0]; Omega the tetrachoric correlation matrix"
    priors = {
        "mu": "Normal(0, mu_sd = 1.5): latent mean of each model (f_j = Phi(mu_j))",
        "corr": "LKJ(lkj_eta = 1) on Omega, through its canonical partial correlations (C-vine; Lewandowski, "
                "Kurowicka & Joe 2009): cpc_ij ~ Beta(b_j, b_j) on (-1, 1), b_j = lkj_eta + (k - 1 - j) / 2",
        "rho": "upper triangle of Omega: tetrachoric correlation of each pair (derived)",
    }
    prior_scales = {"mu_sd": 1.5, "lkj_eta": 1.0}
    latent_term = "model"
    formula_default = True
    term_hints = {t: "family 'mvprobit' has no group terms; use rasch or twopl for group disparity."
                  for t in ("group", "instance:group", "model:group")}
    #: simulate: z_i ~ MVN(Phi^-1(failure_rates), correlation), F_ij = 1[z_ij > 0]; correlation is a float
    #: (every pair) or a k x k matrix
    simulate_args = {"correlation": None}

    def check(self, design: Design, options: FitOptions) -> None:
        super().check(design, options)
        if design.k > MAX_K:
            raise EcostatError(f"mvprobit computes orthant probabilities by GHK for k <= {MAX_K}; got k = {design.k}. "
                               "Select fewer decision-makers or use twopl.")

    def coords(self, design, options):
        pairs = [f"{a}~{b}" for i, a in enumerate(design.models) for b in design.models[i + 1:]]
        cpc = [f"{design.models[j]}~{design.models[i]}" for i in range(design.k) for j in range(i)]
        return {**super().coords(design, options), "model_bis": list(design.models), "pair": pairs, "cpc_pair": cpc}

    def parameters(self, design, options):
        return ["mu", "rho"]

    def build(self, design: Design, options: FitOptions) -> None:
        import pymc as pm
        import pytensor.tensor as pt

        k = design.k
        mu = pm.Normal("mu", 0.0, self.prior(options, "mu_sd"), dims="model")
        shape = _cpc_beta(k, self.prior(options, "lkj_eta"))
        L = _cholesky_from_cpc(pm.Beta("cpc", alpha=shape, beta=shape, dims="cpc_pair"), k)
        corr = pt.dot(L, L.T)
        pm.Deterministic("corr", corr, dims=("model", "model_bis"))
        iu = np.triu_indices(k, 1)
        pm.Deterministic("rho", corr[iu], dims="pair")
        if use_op():  # the compiled kernel (same value and gradient as the graph below, far fewer operations)
            from .ghk_kernel import ghk_loglik_op  # imports PyTensor: not at import time

            pm.Potential("loglik", ghk_loglik_op(design.patterns, design.counts)(mu, L))
        else:  # the expression graph (JAX)
            row_ll = pattern_log_prob_pt(mu, L, design.patterns)
            pm.Potential("loglik", pt.dot(design.counts.astype(float), row_ll))

    def _mu_chol(self, draws: dict):
        mu = np.asarray(draws["mu"], dtype=float)
        L = np.linalg.cholesky(np.asarray(draws["corr"], dtype=float))
        return mu, L

    def pattern_log_prob(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        mu, L = self._mu_chol(draws)
        lp = pattern_log_prob_np(mu, L, all_profiles(design.k))  # (S, 2^k)
        return np.repeat(lp[:, None, :], design.n_strata, axis=1)

    def row_log_lik(self, draws: dict, design: Design, options: FitOptions) -> np.ndarray:
        mu, L = self._mu_chol(draws)
        return pattern_log_prob_np(mu, L, design.patterns)


    # -- simulation -------------------------------------------------------------------------------
    def simulation(self, setup, args: dict) -> dict:
        k = setup.k
        corr = 0.5 if args["correlation"] is None else args["correlation"]
        if np.ndim(corr) == 0:
            corr = np.full((k, k), float(corr))
            np.fill_diagonal(corr, 1.0)
        corr = np.asarray(corr, dtype=float)
        if corr.shape != (k, k) or not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
            raise EcostatError(f"correlation must be a symmetric ({k}, {k}) matrix with unit diagonal (or one float).")
        try:
            chol = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            raise EcostatError("correlation is not positive definite; it cannot be a correlation matrix.") from None
        return {"corr": corr, "chol": chol}

    def draw(self, spec, setup, gidx, rng) -> Simulated:
        z = ndtri(setup.rates) + rng.standard_normal((setup.n, setup.k)) @ spec["chol"].T
        return Simulated(z > 0)

    def true_parameters(self, spec, setup, n, seed) -> dict:
        iu = np.triu_indices(setup.k, 1)
        return {"mu": ndtri(setup.rates), "corr": spec["corr"].copy(), "rho": spec["corr"][iu]}


def _cpc_beta(k: int, eta: float = 1.0) -> np.ndarray:
    """Beta shape of each canonical partial correlation (row i, column j < i) under LKJ(eta)."""
    return np.array([eta + (k - 1 - (j + 1)) / 2.0 for i in range(k) for j in range(i)])


def _cholesky_from_cpc(raw, k: int):
    """Cholesky factor of a correlation matrix from canonical partial correlations (``2 raw - 1``).

    Row i: ``L_ij = z_ij sqrt(1 - sum_{l<j} L_il^2)``, ``L_ii = sqrt(1 - sum_{l<i} L_il^2)``, so
    every row has unit norm (unit diagonal of ``L L'``) with no Cholesky decomposition in the graph.
    """
    import pytensor.tensor as pt

    z = 2.0 * raw - 1.0
    rows, idx = [], 0
    for i in range(k):
        row, used = [], 0.0
        for _j in range(i):
            v = z[idx] * pt.sqrt(1.0 - used)
            used = used + v * v
            row.append(v)
            idx += 1
        row.append(pt.sqrt(1.0 - used))
        rows.append(pt.stack(row + [pt.zeros(())] * (k - 1 - i)))
    return pt.stack(rows)
