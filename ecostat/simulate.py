"""Simulated ecosystems with known structure (tests, the demo, recovery checks).

Every generator is seeded (``numpy.random.default_rng(seed)``) so the same call
gives the same FailureMatrix bit for bit.

Families (DESIGN §5):

* ``independence``: ``F_ij ~ Bernoulli(f_j)``.
* ``hard_easy``: a share alpha of instances is hard with rates ``(1 + Delta) f_j``,
  the rest easy with ``(1 - alpha Delta / (1 - alpha)) f_j`` (Toups App. A.3).
* ``rasch``: ``P(F_ij = 1) = logistic(theta_i + b_j)``, ``theta_i ~ Normal(mu_g,
  sigma_g)``, ``b_j = logit(f_j)``; theta is the instance's latent difficulty,
  shared by all decision-makers (and by all versions of one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from .errors import EcostatError
from .failures import FailureMatrix, parse_columns

__all__ = ["simulate", "FAMILIES"]

FAMILIES = ("independence", "hard_easy", "rasch")


def simulate(n: int = 10_000, *, family: str = "rasch", failure_rates: Sequence[float] = (0.1, 0.15, 0.2),
             models: Sequence[str] | None = None, alpha: float = 0.2, delta: float = 2.0,
             difficulty_sd: float = 1.5, groups: Mapping[str, float] | None = None,
             group_location: Mapping[str, float] | None = None, group_scale: Mapping[str, float] | None = None,
             covariate_effect: float = 0.0, versions: Sequence[str] | None = None, version_shift: float = -0.4,
             seed: int = 0) -> FailureMatrix:
    """Draw an ecosystem of k decision-makers on n instances from a known model.

    Parameters
    ----------
    n : int
        Number of instances.
    family : {"independence", "hard_easy", "rasch"}
    failure_rates : sequence of float
        Per-model rates (independence, hard_easy) or baseline rates whose logits
        are the model effects ``b_j`` (rasch).
    models : sequence of str, optional
        Names (default ``m1..mk``).
    alpha, delta : float
        Hard share and hardness (hard_easy).
    difficulty_sd : float
        Standard deviation of latent difficulty theta (rasch).
    groups : mapping, optional
        Group name -> share of instances (e.g. ``{"light": .6, "dark": .4}``).
    group_location, group_scale : mapping, optional
        Per-group mean and sd of difficulty (rasch); defaults 0 and ``difficulty_sd``.
    covariate_effect : float
        If non-zero, a standard-normal covariate ``x`` shifts difficulty by
        ``covariate_effect * x`` (rasch) and is attached as a covariate.
    versions : sequence of str, optional
        Versions of every model (e.g. ``["2020", "2021"]``); version v has
        effect ``b_j + v * version_shift`` and shares theta (rasch only).
    seed : int

    Returns
    -------
    FailureMatrix

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=2000, family="independence", failure_rates=[0.1, 0.3], seed=0)
    >>> fm.failure_rates.round(2).tolist()
    [0.1, 0.3]
    >>> es.simulate(n=100, versions=["2020", "2021"], seed=0).models
    ('m1_2020', 'm1_2021', 'm2_2020', 'm2_2021', 'm3_2020', 'm3_2021')
    """
    if family not in FAMILIES:
        raise EcostatError(f"unknown family {family!r}; simulate supports {FAMILIES}.")
    f = np.asarray(failure_rates, dtype=float)
    if f.ndim != 1 or f.size < 1 or np.any((f <= 0) | (f >= 1)):
        raise EcostatError(f"failure_rates must be a list of rates strictly between 0 and 1; got {failure_rates!r}.")
    if n < 1:
        raise EcostatError(f"n must be a positive number of instances; got {n}.")
    k = f.size
    names = list(models) if models is not None else [f"m{j + 1}" for j in range(k)]
    if len(names) != k:
        raise EcostatError(f"{len(names)} model names for {k} failure rates.")
    if versions is not None and family != "rasch":
        raise EcostatError("versions are simulated with shared latent difficulty: use family='rasch'.")
    rng = np.random.default_rng(seed)
    group, gidx, levels = _draw_groups(n, groups, rng)
    covariates = None
    if family == "independence":
        F = rng.random((n, k)) < f
    elif family == "hard_easy":
        hard = rng.random(n) < alpha
        easy_f = (1 - alpha * delta / (1 - alpha)) * f
        hard_f = (1 + delta) * f
        if np.any(easy_f < 0) or np.any(hard_f > 1):
            raise EcostatError(f"alpha={alpha}, delta={delta} give hard rates > 1 or easy rates < 0 for failure_rates {f.tolist()}.")
        F = rng.random((n, k)) < np.where(hard[:, None], hard_f, easy_f)
    else:
        loc = np.array([(group_location or {}).get(g, 0.0) for g in levels])
        scale = np.array([(group_scale or {}).get(g, difficulty_sd) for g in levels])
        theta = loc[gidx] + scale[gidx] * rng.standard_normal(n)
        if covariate_effect:
            x = rng.standard_normal(n)
            theta = theta + covariate_effect * x
            covariates = pd.DataFrame({"x": x})
        vs = list(versions) if versions is not None else [None]
        cols, blocks = [], []
        for j, name in enumerate(names):
            for v, ver in enumerate(vs):
                b = logit(f[j]) + v * version_shift
                blocks.append(rng.random(n) < expit(theta + b))
                cols.append(name if ver is None else f"{name}_{ver}")
        F = np.column_stack(blocks)
        meta = parse_columns(cols, r"^(?P<name>.+)_(?P<version>[^_]+)$" if versions is not None else None)
        return FailureMatrix(F.astype(np.int8), models=cols, group=group, covariates=covariates, columns=meta)
    return FailureMatrix(F.astype(np.int8), models=names, group=group, covariates=covariates)


def _draw_groups(n, groups, rng):
    if not groups:
        return None, np.zeros(n, dtype=int), ["all"]
    levels = list(groups)
    share = np.asarray([groups[g] for g in levels], dtype=float)
    if np.any(share <= 0):
        raise EcostatError("group shares must be positive.")
    gidx = rng.choice(len(levels), size=n, p=share / share.sum())
    return pd.Categorical.from_codes(gidx, categories=levels), gidx, levels
