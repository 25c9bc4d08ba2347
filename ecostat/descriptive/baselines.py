"""Baselines for the number of failures: independence and the hard/easy mixture.

* Independence: Poisson-Binomial(f_1..f_k) (Toups et al. 2023, eq. 2), see
  :func:`ecostat.independence_distribution`.
* Hard/easy (Toups App. A.3, eq. 3-5): a share alpha of instances is hard, where
  every model fails at ``(1 + Delta) f_j``; the rest are easy, with
  ``(1 - alpha Delta / (1 - alpha)) f_j``. The marginal rates stay ``f_j``.

The paper's grid (alpha 0.1..0.5 step 0.1, Delta 0.2..5.0 step 0.2) and its L1
criterion are reproduced exactly. A cell is *invalid* when an easy rate is below
0 or a hard rate above 1 (``rule="strict"``, the default). The paper only checks
the first condition; ``rule="paper"`` reproduces that and warns, since a hard
"probability" above 1 makes the Poisson-Binomial meaningless.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from ..data.profiles import ProfileTable, as_table, require_complete
from ..errors import EcostatError, EcostatWarning, user_stacklevel
from ..numeric import all_profiles
from .metrics import failure_count_distribution, failure_rates
from .poibin import poisson_binomial_pmf

__all__ = [
    "PAPER_ALPHAS",
    "PAPER_DELTAS",
    "hard_easy_rates",
    "hard_easy_distribution",
    "hard_easy_grid",
    "fit_hard_easy",
    "HardEasyGrid",
    "HardEasyFit",
]

#: alpha grid of Toups App. A.3: 0.1, 0.2, ..., 0.5
PAPER_ALPHAS = np.arange(1, 6) / 10
#: Delta grid of Toups App. A.3: 0.2, 0.4, ..., 5.0
PAPER_DELTAS = np.arange(1, 26) / 5
_TOL = 1e-12
RULES = ("strict", "paper")


def hard_easy_rates(rates, alpha, delta):
    """Hard and easy failure rates of the hard/easy model (Toups App. A.3).

    ``f_hard = (1 + Delta) f_j``, ``f_easy = (1 - alpha Delta / (1 - alpha)) f_j``.
    ``alpha`` and ``delta`` broadcast against each other; the model axis of
    ``rates`` is last in the result.

    Examples
    --------
    >>> hard, easy = hard_easy_rates([0.1, 0.2], 0.2, 1.0)
    >>> hard.round(3).tolist(), easy.round(3).tolist()
    ([0.2, 0.4], [0.075, 0.15])
    """
    f = np.asarray(rates, dtype=float)
    a = np.asarray(alpha, dtype=float)[..., None]
    d = np.asarray(delta, dtype=float)[..., None]
    return (1.0 + d) * f, (1.0 - a * d / (1.0 - a)) * f


def _valid(hard, easy, rule: str) -> np.ndarray:
    ok = (easy >= -_TOL).all(axis=-1)
    if rule == "strict":
        ok &= (hard <= 1.0 + _TOL).all(axis=-1)
    return ok


def hard_easy_distribution(rates, alpha, delta, *, rule: str = "strict") -> np.ndarray:
    """Baseline #failures distribution of the hard/easy mixture (Toups App. A.3, eq. 3-5).

    ``alpha PB(f_hard) + (1 - alpha) PB(f_easy)``; NaN where the cell is invalid
    under ``rule``.

    Examples
    --------
    >>> hard_easy_distribution([0.1, 0.2], 0.2, 1.0).round(4).tolist()
    [0.725, 0.25, 0.025]
    """
    _check_rule(rule)
    hard, easy = hard_easy_rates(rates, alpha, delta)
    ok = _valid(hard, easy, rule)
    a = np.asarray(alpha, dtype=float)[..., None]
    hard_c = np.where(ok[..., None], hard, 0.0) if rule == "strict" else hard
    easy_c = np.where(ok[..., None], np.clip(easy, 0.0, None), 0.0)
    mix = a * poisson_binomial_pmf(hard_c, validate=False) + (1 - a) * poisson_binomial_pmf(easy_c, validate=False)
    return np.where(ok[..., None], mix, np.nan)


@dataclass(frozen=True)
class HardEasyGrid:
    """L1 distances of the hard/easy baseline over the (alpha, Delta) grid (Toups Fig. 11).

    Attributes
    ----------
    alphas, deltas : ndarray
    l1 : ndarray of shape (A, D)
        L1 distance between observed and baseline distributions; NaN if invalid.
    rule : str
    alpha, delta, best_l1 : float
        The minimizing cell (first in alpha-major order on ties).
    """

    alphas: np.ndarray
    deltas: np.ndarray
    l1: np.ndarray
    rule: str
    alpha: float = field(init=False)
    delta: float = field(init=False)
    best_l1: float = field(init=False)

    def __post_init__(self):
        if np.isnan(self.l1).all():
            raise EcostatError("no (alpha, Delta) cell of the grid gives valid hard/easy rates for these failure rates: in every cell "
                               "a hard rate (1 + Delta) f exceeds 1 or an easy rate is below 0 (e.g. a decision-maker that fails "
                               "almost always), so the hard/easy baseline does not apply to these data.")
        i, j = np.unravel_index(np.nanargmin(self.l1), self.l1.shape)
        object.__setattr__(self, "alpha", float(self.alphas[i]))
        object.__setattr__(self, "delta", float(self.deltas[j]))
        object.__setattr__(self, "best_l1", float(self.l1[i, j]))

    def to_frame(self) -> pd.DataFrame:
        """Long table: alpha, delta, l1, valid."""
        a, d = np.meshgrid(self.alphas, self.deltas, indexing="ij")
        return pd.DataFrame({"alpha": a.ravel(), "delta": d.ravel(), "l1": self.l1.ravel(), "valid": ~np.isnan(self.l1.ravel())})

    def to_dict(self) -> dict:
        """``{"alpha", "delta", "l1"}`` of the best cell."""
        return {"alpha": self.alpha, "delta": self.delta, "l1": self.best_l1}


def grid_l1(observed, rates, alphas, deltas, rule: str = "strict") -> np.ndarray:
    """L1 distance for every grid cell, vectorized: observed (..., k+1), rates (..., k) -> (..., A, D)."""
    obs = np.asarray(observed, dtype=float)[..., None, None, :]
    f = np.asarray(rates, dtype=float)[..., None, None, :]
    a, d = np.meshgrid(np.asarray(alphas, float), np.asarray(deltas, float), indexing="ij")
    base = hard_easy_distribution(f, a, d, rule=rule)
    return np.abs(obs - base).sum(axis=-1)


def hard_easy_grid(data, *, alphas=PAPER_ALPHAS, deltas=PAPER_DELTAS, rule: str = "strict") -> HardEasyGrid:
    """Grid search of the hard/easy baseline by L1 distance (Toups App. A.3, Fig. 10-11).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    alphas, deltas : array-like
        Grid (default: the paper's).
    rule : {"strict", "paper"}
        ``"strict"`` rejects cells with an easy rate < 0 or a hard rate > 1;
        ``"paper"`` only the former, as in the paper, and warns.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=5000, family="hard_easy", seed=1)
    >>> g = es.hard_easy_grid(fm)
    >>> (g.alpha, g.delta)
    (0.2, 2.0)
    """
    _check_rule(rule)
    t = as_table(data)
    require_complete(t, what="the hard/easy grid")
    f = failure_rates(t)
    l1 = grid_l1(failure_count_distribution(t), f, alphas, deltas, rule)
    grid = HardEasyGrid(np.asarray(alphas, float), np.asarray(deltas, float), l1, rule)
    if rule == "paper":
        over = (~np.isnan(l1)) & ((1 + grid.deltas)[None, :] * np.max(f) > 1 + _TOL)
        chosen = "is one of them" if (1 + grid.delta) * np.max(f) > 1 + _TOL else "is valid under the strict rule too"
        warnings.warn(f"rule='paper' (Toups App. A.3) accepts {int(over.sum())} grid cell(s) whose hard failure rate exceeds 1, "
                      f"feeding invalid probabilities into the Poisson-Binomial; the best cell (alpha={grid.alpha:g}, "
                      f"Delta={grid.delta:g}) {chosen}. Prefer rule='strict'.", EcostatWarning,
                      stacklevel=user_stacklevel())
    return grid


@dataclass(frozen=True)
class HardEasyFit:
    """Continuous fit of the hard/easy baseline.

    Attributes
    ----------
    alpha, delta : float
    l1 : float
        L1 distance at the optimum.
    loglik : float
        Multinomial log-likelihood of the #failures histogram at the optimum.
    criterion : str
    converged : bool
    """

    alpha: float
    delta: float
    l1: float
    loglik: float
    criterion: str
    converged: bool

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "delta": self.delta, "l1": self.l1, "loglik": self.loglik,
                "criterion": self.criterion, "converged": self.converged}


def _delta_max(alpha: float, fmax: float) -> float:
    return min((1.0 - alpha) / alpha, 1.0 / fmax - 1.0)


def fit_hard_easy(data, *, criterion: str = "loglik") -> HardEasyFit:
    """Fit (alpha, Delta) of the hard/easy baseline by continuous optimization.

    Optimizes over the whole valid region (strict rule: easy rates >= 0 and
    hard rates <= 1), parameterized as ``Delta = u * Delta_max(alpha)`` with
    ``u`` in [0, 1], by bounded Nelder-Mead started from the three best cells
    of the paper's grid. The result is never worse than the best grid cell.

    Parameters
    ----------
    criterion : {"loglik", "l1"}
        Maximize the multinomial log-likelihood of the #failures histogram, or
        minimize the paper's L1 distance.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=20000, family="hard_easy", alpha=0.3, delta=1.5, seed=2)
    >>> fit = es.fit_hard_easy(fm)
    >>> round(fit.alpha, 1), round(fit.delta, 1)
    (0.3, 1.5)
    """
    if criterion not in ("loglik", "l1"):
        raise EcostatError(f"criterion must be 'loglik' or 'l1', not {criterion!r}.")
    t = as_table(data)
    obs = failure_count_distribution(t)
    f = failure_rates(t)
    n = t.n_instances
    fmax = float(np.max(f))
    if fmax <= 0:
        raise EcostatError("every decision-maker has zero failures; the hard/easy model is undefined.")

    def stats(alpha, delta):
        base = hard_easy_distribution(f, alpha, delta)
        l1 = float(np.abs(obs - base).sum())
        with np.errstate(divide="ignore"):
            ll = float(np.sum(np.where(obs > 0, n * obs * np.log(np.clip(base, 1e-300, None)), 0.0)))
        return l1, ll

    def objective(x):
        alpha, u = x
        l1, ll = stats(alpha, u * _delta_max(alpha, fmax))
        value = l1 if criterion == "l1" else -ll
        return value if np.isfinite(value) else 1e300

    grid = hard_easy_grid(t)
    order = np.argsort(np.where(np.isnan(grid.l1), np.inf, grid.l1), axis=None)[:3]
    starts = []
    for flat in order:
        i, j = np.unravel_index(flat, grid.l1.shape)
        a0, d0 = grid.alphas[i], grid.deltas[j]
        starts.append(np.array([a0, min(1.0, d0 / _delta_max(a0, fmax))]))
    if criterion == "l1":  # L1 is not smooth: also start from the likelihood optimum
        ml = fit_hard_easy(t, criterion="loglik")
        starts.append(np.array([ml.alpha, ml.delta / _delta_max(ml.alpha, fmax)]))
    best = None
    for x0 in starts:
        start_value = objective(x0)
        res = optimize.minimize(objective, x0, method="Nelder-Mead", bounds=[(1e-6, 1 - 1e-6), (0.0, 1.0)],
                                options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000})
        x, value, ok = (res.x, res.fun, bool(res.success)) if res.fun <= start_value else (x0, start_value, False)
        if best is None or value < best[1]:
            best = (x, value, ok)
    alpha, u = best[0]
    delta = u * _delta_max(alpha, fmax)
    l1, ll = stats(alpha, delta)
    return HardEasyFit(float(alpha), float(delta), l1, ll, criterion, best[2])


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise EcostatError(f"rule must be one of {RULES}, not {rule!r}: 'strict' rejects easy < 0 or hard > 1; "
                           "'paper' only easy < 0 (Toups App. A.3).")




def profile_probabilities(rates, alpha=None, delta=None) -> tuple[ProfileTable, np.ndarray]:
    """Probabilities of all 2^k profiles under independence (alpha None) or hard/easy."""
    f = np.asarray(rates, dtype=float)
    pats = all_profiles(f.shape[-1])

    def indep(r):
        return np.prod(np.where(pats == 1, r, 1.0 - r), axis=-1)

    if alpha is None:
        p = indep(f)
    else:
        hard, easy = hard_easy_rates(f, alpha, delta)
        p = alpha * indep(hard) + (1 - alpha) * indep(np.clip(easy, 0, None))
    return ProfileTable.from_counts(pats, np.zeros(len(pats), dtype=np.int64)), p
