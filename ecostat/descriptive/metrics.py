"""Core descriptive metrics of ecosystem-level analysis on the profile table.

Pure functions of a :class:`~ecostat.data.profiles.ProfileTable`. Each accepts an
optional ``counts`` array of shape ``(..., P)`` (e.g. bootstrap replicates)
that replaces the table's counts; results then gain the same leading axes.

Missing cells (a person who never met a decision-maker) follow Bommasani et
al. 2022, App. A.3: rates use the observed cells of each column, and an
instance's systemic failure is failure by every decision-maker it met.
"""

from __future__ import annotations

import numpy as np

from ..data.profiles import ProfileTable, as_table, resolve_counts
from ..errors import UndefinedMetricError, preview
from ..numeric import as_scalar, safe_div
from .poibin import poisson_binomial_pmf

__all__ = [
    "failure_rates",
    "failure_count_distribution",
    "independence_distribution",
    "systemic_failure_rate",
    "expected_systemic_failure_rate",
    "homogenization",
    "systemic_excess",
]




def failure_rates(data, counts=None) -> np.ndarray:
    """Failure rate of each decision-maker (Toups 2023 eq. in §2.1; Bommasani 2022 eq. 1).

    ``f_j = sum_i F[i, j] / N_j`` with ``N_j`` the instances that met decision-maker j.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    counts : array of shape (..., P), optional
        Replacement profile counts (bootstrap replicates).

    Returns
    -------
    ndarray of shape (..., k)

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 0], [1, 1], [0, 0], [0, 0]])
    >>> es.failure_rates(fm).tolist()
    [0.5, 0.25]
    """
    t = as_table(data)
    c = resolve_counts(t, counts)
    fails = c @ (t.patterns == 1).astype(float)
    seen = c @ (t.patterns >= 0).astype(float)
    return safe_div(fails, seen)


def failure_count_distribution(data, counts=None) -> np.ndarray:
    """Observed distribution of the number of failures per instance (Toups 2023 eq. 1).

    ``P_observed(t) = (1/N) sum_i 1[t = sum_j F[i, j]]`` for t = 0..k (missing
    cells count as non-failures: t counts the failures an instance received).

    Returns
    -------
    ndarray of shape (..., k + 1)

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0], [0, 0]])
    >>> es.failure_count_distribution(fm).tolist()
    [0.5, 0.25, 0.25]
    """
    t = as_table(data)
    c = resolve_counts(t, counts)
    nfail = (t.patterns == 1).sum(axis=1)
    onehot = np.eye(t.n_models + 1)[nfail]
    return safe_div(c @ onehot, c.sum(axis=-1, keepdims=True))


def independence_distribution(data, counts=None, rates=None) -> np.ndarray:
    """Distribution of the number of failures if models failed independently (Toups 2023 eq. 2).

    ``P_baseline(t) = Poisson-Binomial(f_1, ..., f_k)[t]``. With missing cells
    it is the mixture, over instances, of the Poisson-Binomial of the
    decision-makers each instance met.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    counts : array of shape (..., P), optional
    rates : array of shape (..., k), optional
        Failure rates to use instead of the observed ones.

    Returns
    -------
    ndarray of shape (..., k + 1)

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0], [0, 0]])
    >>> es.independence_distribution(fm).round(4).tolist()
    [0.375, 0.5, 0.125]
    """
    t = as_table(data)
    f = failure_rates(t, counts) if rates is None else np.asarray(rates, dtype=float)
    if not t.has_missing:
        return poisson_binomial_pmf(np.nan_to_num(f, nan=0.0)) + np.where(np.isnan(f).any(axis=-1, keepdims=True), np.nan, 0.0)
    c = resolve_counts(t, counts)
    seen = t.patterns >= 0
    masks, which = np.unique(seen, axis=0, return_inverse=True)
    which = which.ravel()
    total = c.sum(axis=-1, keepdims=True)
    out = np.zeros(f.shape[:-1] + (t.n_models + 1,))
    for m, mask in enumerate(masks):
        w = safe_div(c[..., which == m].sum(axis=-1, keepdims=True), total)
        pmf = poisson_binomial_pmf(np.nan_to_num(f[..., mask], nan=0.0))
        out[..., : pmf.shape[-1]] += w * pmf
    return out


def systemic_failure_rate(data, counts=None) -> np.ndarray | float:
    """Share of instances failed by every decision-maker they met (Bommasani 2022 eq. 2).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> float(es.systemic_failure_rate(fm))
    0.5
    """
    t = as_table(data)
    c = resolve_counts(t, counts)
    systemic = ((t.patterns == 1) | (t.patterns < 0)).all(axis=1).astype(float)
    return as_scalar(safe_div(c @ systemic, c.sum(axis=-1)))


def expected_systemic_failure_rate(data, counts=None, rates=None) -> np.ndarray | float:
    """Systemic failure rate under independence: ``prod_j f_j`` (Bommasani 2022 eq. 3 denominator).

    With missing cells, ``E_i[prod_{j in c_i} f_j]`` over the decision-makers
    each instance met (eq. 10 denominator).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> float(es.expected_systemic_failure_rate(fm))
    0.375
    """
    t = as_table(data)
    f = failure_rates(t, counts) if rates is None else np.asarray(rates, dtype=float)
    if not t.has_missing:
        return as_scalar(np.prod(f, axis=-1))
    c = resolve_counts(t, counts)
    seen = t.patterns >= 0
    per_profile = np.prod(np.where(seen, f[..., None, :], 1.0), axis=-1)
    return as_scalar(safe_div((c * per_profile).sum(axis=-1), c.sum(axis=-1)))


def homogenization(data, counts=None) -> np.ndarray | float:
    """Individual-level outcome homogenization (Bommasani 2022 eq. 3; eq. 10 with missing cells).

    ``H = P(all fail) / prod_j f_j``: 1 under independence, > 1 when the same
    instances are failed by all decision-makers more often than chance.

    Raises
    ------
    UndefinedMetricError
        If a decision-maker never fails (the ratio is 0/0) or k < 2.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> round(float(es.homogenization(fm)), 4)
    1.3333
    """
    t = as_table(data)
    require_two_models(t, "homogenization")
    if counts is None:
        require_failures(t, "homogenization H")
    num = systemic_failure_rate(t, counts)
    den = expected_systemic_failure_rate(t, counts)
    return as_scalar(safe_div(np.asarray(num), np.asarray(den)))


def systemic_excess(data, counts=None) -> np.ndarray | float:
    """Observed minus independent systemic failure rate, ``P(all fail) - prod_j f_j``.

    The difference counterpart of :func:`homogenization` (Bommasani 2022 eq. 12
    for k = 2 is the covariance).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> float(es.systemic_excess(fm))
    0.125
    """
    t = as_table(data)
    return as_scalar(np.asarray(systemic_failure_rate(t, counts)) - np.asarray(expected_systemic_failure_rate(t, counts)))


def require_two_models(t: ProfileTable, what: str) -> None:
    """Raise if the table has fewer than two decision-makers."""
    if t.n_models < 2:
        raise UndefinedMetricError(
            f"{what} needs at least two decision-makers (k >= 2); this analysis has k = {t.n_models} "
            f"({preview(t.models)}). Add decision-makers (models=[...]; --models on the command line)."
        )


def require_failures(t: ProfileTable, what: str) -> None:
    """Raise if some decision-maker has zero failures (a product of rates is 0)."""
    f = failure_rates(t)
    zero = [m for m, r in zip(t.models, f) if r == 0]
    if zero:
        raise UndefinedMetricError(
            f"{what} is undefined: decision-maker(s) {preview(zero)} never fail, so prod_j f_j = 0 and "
            "the ratio is 0/0. Report the systemic failure rate instead, or leave these models out (models=[...]; --models on the command line)."
        )
