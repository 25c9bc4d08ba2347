"""Item parameters of rasch and twopl in the IRT parameterization of ltm, mirt and girth (``FitResult.irt_parameters``).

ecostat and item response theory write the same latent-trait model with
opposite signs, because ecostat models *failures* of decision-makers on
instances and IRT models *correct* answers of persons to items:

* ecostat (:mod:`ecostat.bayes.families.latent_trait`):
  ``P(F_ij = 1) = F(a_j theta_i + b_j)`` with ``theta_i ~ Normal(mu, sigma)``,
  where ``F_ij = 1 - correct_ij`` is a failure, ``F`` the logistic (logit link)
  or normal (probit link) cdf, ``theta_i`` the *difficulty of instance i* (high
  = hard), ``b_j`` the failure logit (probit) of decision-maker j at
  ``theta = 0`` and ``a_j`` its loading (rasch: ``a_j = 1`` and ``sigma``
  estimated; twopl: ``a_j`` estimated and ``sigma = 1``, ``mu = 0`` without
  groups).
* IRT (ltm's ``IRT.param = TRUE``, mirt's ``IRTpars = TRUE``, girth):
  ``P(correct_ij) = F(alpha_j (z_i - beta_j))`` with ability ``z_i ~ Normal(0, 1)``,
  discrimination ``alpha_j`` and difficulty ``beta_j`` (high = hard item).

Ability is minus standardized difficulty, ``z_i = -(theta_i - mu) / sigma``,
and ``F(-x) = 1 - F(x)``, so

``P(correct_ij) = 1 - F(a_j theta_i + b_j) = F(-a_j (mu - sigma z_i) - b_j)
= F(a_j sigma (z_i - (b_j + a_j mu) / (a_j sigma)))``,

that is

``alpha_j = a_j sigma``   and   ``beta_j = (b_j + a_j mu) / (a_j sigma)``.

rasch: ``alpha_j = sigma`` for every item (ltm's common ``Dscrmn``) and
``beta_j = (b_j + mu) / sigma``; twopl: ``alpha_j = a_j``, ``beta_j = b_j / a_j``
(``sigma = 1``, ``mu = 0``). With a group the latent-trait families give each
group g its location ``mu_g``, scale ``sigma_g`` and, with ``model_by_group``,
model effects ``b_j + gamma_gj``; the conversion is then made per group, with
ability standardized within the group (``z ~ Normal(0, 1)`` among the group's
instances). With covariates the ability distribution is a mixture over the
covariate values, not a normal, and no IRT parameterization applies.

The logit metric is ltm's and girth's (no scaling constant; to compare with a
normal-ogive fit multiply logit discriminations by 1/1.702, the constant of
``rasch(LSAT, constraint = cbind(6, 1.702))``); under the probit link the
parameters are normal-ogive ones (mirt's ``itemtype = "2PL"`` with a probit
link, or Bock & Lieberman 1970). Every parameter is converted per posterior
draw, so the summaries (mean, sd, HDI) are posterior summaries of the IRT
parameters themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import EcostatError

__all__ = ["to_irt", "irt_draws", "irt_frame", "IRT_FAMILIES"]

#: families with an IRT parameterization
IRT_FAMILIES = ("rasch", "twopl")


def to_irt(b, a=1.0, sigma=1.0, mu=0.0) -> tuple[np.ndarray, np.ndarray]:
    """IRT (difficulty, discrimination) of ecostat's failure-model parameters (see the module docstring).

    Parameters
    ----------
    b : array_like, shape (..., k)
        Failure logits (probits) at ``theta = 0`` (including model-by-group effects, if any).
    a : array_like, shape (..., k) or scalar
        Loadings (1 for rasch).
    sigma, mu : array_like, shape (...) or scalar
        Scale and location of the difficulty distribution.

    Returns
    -------
    difficulty, discrimination : ndarray, shape (..., k)
        ``beta_j = (b_j + a_j mu) / (a_j sigma)`` and ``alpha_j = a_j sigma``.

    Examples
    --------
    ltm's Rasch fit of LSAT (Rizopoulos 2006: difficulty of item 1 -3.615, discrimination
    0.755) is ecostat's ``b_1 = -2.730``, ``sigma = 0.7551``:

    >>> beta, alpha = to_irt([-2.730], sigma=0.7551)
    >>> round(float(beta[0]), 3), round(float(alpha[0]), 4)
    (-3.615, 0.7551)
    """
    b = np.asarray(b, dtype=float)
    a = np.asarray(a, dtype=float)
    sigma = np.asarray(sigma, dtype=float)[..., None]
    mu = np.asarray(mu, dtype=float)[..., None]
    alpha = a * sigma + np.zeros_like(b)
    beta = (b + a * mu) / alpha
    return beta, alpha


def irt_draws(family: str, draws: dict, design, options) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and group, the IRT difficulty and discrimination of every decision-maker.

    Parameters
    ----------
    family : {"rasch", "twopl"}
    draws : dict of str -> ndarray
        Posterior draws (``FitResult.draws``; or one point, e.g. the maximum-likelihood
        estimates with a leading axis of 1).
    design : Design
    options : FitOptions

    Returns
    -------
    difficulty, discrimination : ndarray, shape (S, G, k)
        G = 1 without a group.

    Raises
    ------
    EcostatError
        For another family or a fit with covariates.
    """
    if family not in IRT_FAMILIES:
        raise EcostatError(f"IRT parameters are defined for the latent-trait families {list(IRT_FAMILIES)}, not "
                           f"{family!r}: its failures do not follow a one-dimensional item response model.")
    if design.covariate_names:
        raise EcostatError("IRT parameters need a normal ability distribution; with covariates "
                           f"({', '.join(design.covariate_names)}) difficulty is a mixture over their values. "
                           "Refit without covariates to compare with ltm, mirt or girth.")
    b = np.asarray(draws["b"], dtype=float)
    S, k, G = b.shape[0], b.shape[-1], design.n_groups
    a = np.asarray(draws["a"], dtype=float)[:, None, :] if family == "twopl" else np.ones((S, 1, k))
    mu = np.asarray(draws["mu_group"], dtype=float) if "mu_group" in draws else np.zeros((S, G))
    if "sigma_group" in draws:
        sigma = np.asarray(draws["sigma_group"], dtype=float)
    elif "sigma" in draws:
        sigma = np.repeat(np.asarray(draws["sigma"], dtype=float).reshape(S, 1), G, axis=1)
    else:
        sigma = np.ones((S, G))
    bg = b[:, None, :] + (np.asarray(draws["gamma"], dtype=float) if "gamma" in draws else 0.0)
    return to_irt(bg, a, sigma, mu)


def irt_frame(family: str, draws: dict, design, options, ci: float = 0.95, point: dict | None = None) -> pd.DataFrame:
    """Posterior summaries of the IRT parameters, one row per (group,) decision-maker and parameter.

    Columns: ``model`` (the item), ``group`` (with a group), ``parameter``
    (``difficulty`` or ``discrimination``), ``mean``, ``sd``, ``hdi_low``,
    ``hdi_high``, and ``mle`` when ``point`` (the maximum-likelihood estimates,
    :class:`~ecostat.bayes.information_criteria.InformationCriteria`'s ``estimates``) is given.
    Rows list every difficulty, then every discrimination (ltm's order).
    """
    from .posterior import summarize_draws

    beta, alpha = irt_draws(family, draws, design, options)
    if point is not None:
        one = {name: np.asarray(v, dtype=float)[None] for name, v in point.items()}
        p_beta, p_alpha = irt_draws(family, one, design, options)
    grouped = design.n_groups > 1
    rows = []
    for g in range(design.n_groups):
        for name, x, px in (("difficulty", beta, p_beta if point is not None else None),
                            ("discrimination", alpha, p_alpha if point is not None else None)):
            s = summarize_draws(x[:, g, :], ci=ci)
            for j, m in enumerate(design.models):
                row = {"model": m}
                if grouped:
                    row["group"] = design.group_levels[g]
                row |= {"parameter": name, "mean": float(s["mean"][j]), "sd": float(s["sd"][j]),
                        "hdi_low": float(s["hdi_low"][j]), "hdi_high": float(s["hdi_high"][j])}
                if px is not None:
                    row["mle"] = float(px[0, g, j])
                rows.append(row)
    return pd.DataFrame(rows)
