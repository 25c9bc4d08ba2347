"""Maximum-likelihood tetrachoric correlations of failure indicators.

The tetrachoric correlation of two 0/1 columns is the correlation ``rho`` of a
bivariate standard normal latent ``(z_a, z_b)`` whose thresholds reproduce the
2x2 table: ``F_a = 1[z_a + mu_a > 0]``. It is the pairwise counterpart of the
``mvprobit`` family's latent correlation matrix ``Omega`` (docs/architecture.md §5), computed
here by classical two-step maximum likelihood as an independent reference:

1. thresholds from the margins, ``mu_a = Phi^{-1}(f_a)`` with ``f_a`` the failure
   rate of a over the instances both decision-makers met (so ``P(F_a = 1) = f_a``
   exactly);
2. ``rho`` maximizing the multinomial log-likelihood of the 2x2 table
   ``n11 log p11 + n10 log p10 + n01 log p01 + n00 log p00`` with
   ``p11 = Phi2(mu_a, mu_b; rho)``, ``p10 = f_a - p11``, ``p01 = f_b - p11``,
   ``p00 = 1 - f_a - f_b + p11``, by bounded Brent search on ``(-0.999, 0.999)``.

``Phi2`` is evaluated exactly with Owen's T function (Owen 1956), so the
likelihood is smooth and deterministic. Missing cells are excluded pairwise;
the 2x2 tables come from the profile table, so large N costs nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, special

from ..errors import DataError, UndefinedMetricError

__all__ = ["tetrachoric", "tetrachoric_matrix", "tetrachoric_from_counts", "bvn_cdf"]

_BOUND = 0.999
_FLOOR = 1e-300


def bvn_cdf(h: float, k: float, rho) -> np.ndarray:
    """Standard bivariate normal cdf ``P(X <= h, Y <= k)`` with correlation ``rho`` (exact, Owen's T).

    ``Phi2 = Phi(h)/2 + Phi(k)/2 - T(h, a_h) - T(k, a_k) - beta`` with
    ``a_h = (k - rho h) / (h sqrt(1 - rho^2))`` (Owen 1956, eq. 3.1), ``beta = 1/2``
    when h and k have opposite signs, and the limits ``T(0, +-inf) = +-1/4`` at
    ``h = 0`` or ``k = 0``; ``h = k = 0`` gives ``1/4 + arcsin(rho) / (2 pi)``.

    Parameters
    ----------
    h, k : float
        Upper limits.
    rho : float or array_like
        Correlation(s) in (-1, 1).

    Returns
    -------
    numpy.ndarray
        Same shape as ``rho``.

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 6)  # 1/4 + arcsin(1/2) / (2 pi) = 1/3
    0.333333
    >>> round(float(bvn_cdf(1.0, -0.5, 0.0)), 6)  # independence: Phi(1) Phi(-0.5)
    0.259586
    """
    h, k = float(h), float(k)
    rho = np.asarray(rho, dtype=float)
    if h == 0.0 and k == 0.0:
        return 0.25 + np.arcsin(rho) / (2.0 * math.pi)
    sq = np.sqrt((1.0 - rho) * (1.0 + rho))

    def a(x, y):
        if x == 0.0:
            return np.full_like(rho, math.copysign(math.inf, y))
        return (y - rho * x) / (x * sq)

    beta = 0.0 if (h >= 0.0) == (k >= 0.0) else 0.5
    out = 0.5 * special.ndtr(h) + 0.5 * special.ndtr(k) - special.owens_t(h, a(h, k)) - special.owens_t(k, a(k, h)) - beta
    return np.clip(out, 0.0, min(special.ndtr(h), special.ndtr(k)))


def _loglik(rho, n, mu_a, mu_b, f_a, f_b):
    p11 = bvn_cdf(mu_a, mu_b, rho)
    p = np.stack([p11, f_a - p11, f_b - p11, 1.0 - f_a - f_b + p11])
    return np.tensordot(n, np.log(np.maximum(p, _FLOOR)), axes=1)


def _undefined_reason(n11, n10, n01, n00) -> str | None:
    n = n11 + n10 + n01 + n00
    if n <= 0:
        return "no instance was met by both decision-makers (n = 0)."
    fa, fb = (n11 + n10) / n, (n11 + n01) / n
    for name, f in (("the first", fa), ("the second", fb)):
        if f <= 0.0 or f >= 1.0:
            return (f"{name} decision-maker {'never' if f <= 0 else 'always'} fails on the shared instances, "
                    "so its threshold is infinite and the correlation is not identified.")
    return None


def tetrachoric_from_counts(n11: float, n10: float, n01: float, n00: float) -> float:
    """Two-step ML tetrachoric correlation of a 2x2 table of counts.

    Parameters
    ----------
    n11, n10, n01, n00 : float
        Counts: both fail, only the first fails, only the second fails, neither.

    Returns
    -------
    float
        The maximizer of the 2x2 likelihood over ``[-0.999, 0.999]`` (a table
        with an empty cell can put it on the bound).

    Raises
    ------
    UndefinedMetricError
        If the table is empty or a margin is 0 or 1.

    Examples
    --------
    Median split with ``P(both fail) = 1/3``: ``rho = sin(2 pi (1/3 - 1/4)) = 0.5``.

    >>> round(tetrachoric_from_counts(2, 1, 1, 2), 4)
    0.5
    """
    counts = np.array([n11, n10, n01, n00], dtype=float)
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise DataError(f"2x2 counts must be finite and non-negative; got {counts.tolist()}.")
    why = _undefined_reason(*counts)
    if why is not None:
        raise UndefinedMetricError(f"the tetrachoric correlation is undefined: {why}")
    n = counts.sum()
    f_a, f_b = (counts[0] + counts[1]) / n, (counts[0] + counts[2]) / n
    mu_a, mu_b = special.ndtri(f_a), special.ndtri(f_b)
    res = optimize.minimize_scalar(lambda r: -_loglik(r, counts, mu_a, mu_b, f_a, f_b), bounds=(-_BOUND, _BOUND),
                                   method="bounded", options={"xatol": 1e-10})
    return float(res.x)


def _as_column(x, what: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise DataError(f"{what} must be a 1-D array of 0/1 failures (-1 or NaN missing); got shape {a.shape}.")
    a = np.where(np.isnan(a), -1.0, a)
    bad = ~np.isin(a, (0.0, 1.0, -1.0))
    if bad.any():
        raise DataError(f"{what} may only hold 1 (failure), 0 (success) or -1/NaN (missing); found {np.unique(a[bad])[:5].tolist()}.")
    return a


def tetrachoric(x, y) -> float:
    """Maximum-likelihood tetrachoric correlation of two failure columns.

    Two-step ML (module docstring): thresholds ``mu = Phi^{-1}(failure rate)``
    from the instances both columns observe, then ``rho`` maximizing the 2x2
    multinomial likelihood with the exact bivariate normal cdf, bounded to
    ``[-0.999, 0.999]``. It estimates the ``mvprobit`` latent correlation
    (docs/architecture.md §5) of the pair.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        Failure indicators: 1 failure, 0 success, -1 (or NaN) missing. Rows
        where either is missing are excluded.

    Returns
    -------
    float

    Raises
    ------
    UndefinedMetricError
        If no row is observed in both, or a column is constant on those rows.

    Examples
    --------
    >>> x = [1, 1, 1, 0, 0, 0, -1]
    >>> y = [1, 1, 0, 1, 0, 0, 1]
    >>> round(tetrachoric(x, y), 4)  # table (2, 1, 1, 2) at the median split
    0.5
    """
    a, b = _as_column(x, "x"), _as_column(y, "y")
    if a.shape != b.shape:
        raise DataError(f"x and y must have the same length; got {a.size} and {b.size}.")
    ok = (a >= 0) & (b >= 0)
    a, b = a[ok], b[ok]
    n11 = float(np.sum((a == 1) & (b == 1)))
    n10 = float(np.sum((a == 1) & (b == 0)))
    n01 = float(np.sum((a == 0) & (b == 1)))
    n00 = float(np.sum((a == 0) & (b == 0)))
    return tetrachoric_from_counts(n11, n10, n01, n00)


def tetrachoric_matrix(data, undefined: str = "raise") -> pd.DataFrame:
    """Tetrachoric correlations of every pair of decision-makers.

    Each off-diagonal entry is :func:`tetrachoric` of the pair over the
    instances both met; the 2x2 tables come from the profile table
    (:func:`ecostat.data.pair_tables.pair_tables`), so the cost does not grow with N.

    Parameters
    ----------
    data : FailureMatrix, ProfileTable, pandas.DataFrame or 2-D array
        Failures (1), successes (0) and missing cells (-1); a DataFrame or array
        is wrapped in :class:`ecostat.FailureMatrix`.
    undefined : {"raise", "nan"}
        What to do for a pair whose correlation is undefined (no shared
        instance, or a decision-maker constant on the shared instances).

    Returns
    -------
    pandas.DataFrame
        Symmetric k x k matrix with unit diagonal, indexed by model name.

    Raises
    ------
    UndefinedMetricError
        For an undefined pair when ``undefined="raise"``.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([1, 1, 1, 0, 0, 0])
    >>> b = np.array([1, 1, 0, 1, 0, 0])
    >>> F = np.column_stack([a, b, 1 - a])  # the third column fails exactly when the first succeeds
    >>> tetrachoric_matrix(F).round(3)
           m1     m2     m3
    m1  1.000  0.500 -0.999
    m2  0.500  1.000 -0.500
    m3 -0.999 -0.500  1.000
    """
    from ..data.failures import FailureMatrix
    from ..data.pair_tables import pair_tables
    from ..data.profiles import ProfileTable, as_table

    if undefined not in ("raise", "nan"):
        raise DataError(f"undefined must be 'raise' or 'nan'; got {undefined!r}.")
    if not isinstance(data, ProfileTable) and not hasattr(data, "profile_table"):
        data = FailureMatrix(data)
    t = as_table(data)
    tab = pair_tables(t)
    k = t.n_models
    out = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            cells = [float(x[i, j]) for x in tab]
            why = _undefined_reason(*cells)
            if why is not None:
                if undefined == "raise":
                    raise UndefinedMetricError(
                        f"the tetrachoric correlation of ({t.models[i]!r}, {t.models[j]!r}) is undefined: {why} "
                        "Leave the decision-maker out (fm.select([...])) or pass undefined='nan'.")
                r = np.nan
            else:
                r = tetrachoric_from_counts(*cells)
            out[i, j] = out[j, i] = r
    return pd.DataFrame(out, index=list(t.models), columns=list(t.models))
