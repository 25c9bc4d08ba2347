"""``mvprobit``: full inter-model latent correlation (DESIGN §5).

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
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from ...descriptive.baselines import all_profiles
from ...errors import EcostatError
from .base import Family, FitOptions
from .design import Design
from .ghk import pattern_log_prob_np, pattern_log_prob_pt

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
    supports = frozenset()
    prior_scales = {"mu_sd": 1.5, "lkj_eta": 1.0}

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
        k = design.k
        mu = pm.Normal("mu", 0.0, self.prior(options, "mu_sd"), dims="model")
        shape = _cpc_beta(k, self.prior(options, "lkj_eta"))
        L = _cholesky_from_cpc(pm.Beta("cpc", alpha=shape, beta=shape, dims="cpc_pair"), k)
        corr = pt.dot(L, L.T)
        pm.Deterministic("corr", corr, dims=("model", "model_bis"))
        iu = np.triu_indices(k, 1)
        pm.Deterministic("rho", corr[iu], dims="pair")
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


def _cpc_beta(k: int, eta: float = 1.0) -> np.ndarray:
    """Beta shape of each canonical partial correlation (row i, column j < i) under LKJ(eta)."""
    return np.array([eta + (k - 1 - (j + 1)) / 2.0 for i in range(k) for j in range(i)])


def _cholesky_from_cpc(raw, k: int):
    """Cholesky factor of a correlation matrix from canonical partial correlations (``2 raw - 1``).

    Row i: ``L_ij = z_ij sqrt(1 - sum_{l<j} L_il^2)``, ``L_ii = sqrt(1 - sum_{l<i} L_il^2)``, so
    every row has unit norm (unit diagonal of ``L L'``) with no Cholesky decomposition in the graph.
    """
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
