"""Alternative homogenization metrics of Bommasani et al. 2022, App. A.4.

Pairwise (A.4.1): covariance (eq. 12), PMI at (1, 1) (eq. 13, ``log H`` of the
pair), Pearson correlation (eq. 14-15) and the pair's H (eq. 11), with
population moments over the instances both decision-makers met; arrays of
shape ``(..., k, k)`` (diagonal and undefined values as in :mod:`ecostat.descriptive.pairwise`).

Beyond pairs (A.4.2): loss-based H (eq. 16), MinExp (eq. 17) and ExpExp
(eq. 18), on a general (N, k) loss array or, for the 0-1 loss, on the profile
table. With missing cells (NaN losses, -1 failures) the per-instance product or
minimum runs over the decision-makers each instance met, and so does the
denominator, as in eq. 10: ``E_j[prod_{i in c_j} E l^i]``, ``E_j[min_{i in c_j}
E l^i]``, ``E_j[mean_{i in c_j} E l^i]``; each ``E l^i`` is the mean of the
observed cells of column i. With no missing cells these are the paper's
``prod_i``, ``min_i`` and ``(1/k) sum_i`` of the expected losses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.failures import FailureMatrix
from ..data.profiles import ProfileTable, as_table, resolve_counts
from ..errors import DataError, UndefinedMetricError, preview
from ..numeric import as_scalar, safe_div
from .metrics import failure_rates, require_two_models, systemic_failure_rate
from .pairwise import _prepare, raise_undefined

__all__ = ["pair_covariance", "pair_pmi", "pair_pearson", "pair_homogenization", "pairwise_metrics",
           "alternative_metrics_frame", "min_exp", "exp_exp", "loss_homogenization", "min_exp_losses",
           "exp_exp_losses"]


def _pair_rates(data, counts, what):
    """Table, overlap n and the rates E[F^a F^b], E[F^a], E[F^b] of every pair (..., k, k)."""
    t, tab = _prepare(data, counts, what)
    n = tab.n
    return t, n, safe_div(tab.n11, n), safe_div(tab.n11 + tab.n10, n), safe_div(tab.n11 + tab.n01, n)


def pair_covariance(data, counts=None) -> np.ndarray:
    """Covariance of the failure indicators, ``E[F^a F^b] - E[F^a] E[F^b]`` (Bommasani 2022 eq. 12).

    Population covariance (over instances both met); the diagonal is ``f (1 - f)``.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import pair_covariance
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> float(pair_covariance(fm)[0, 1])  # 2/4 - (2/4)(3/4)
    0.125
    """
    t, n, e11, fa, fb = _pair_rates(data, counts, "the covariance")
    return e11 - fa * fb


def pair_homogenization(data, counts=None) -> np.ndarray:
    """H of each pair, ``E[F^a F^b] / (E[F^a] E[F^b])`` (Bommasani 2022 eq. 11; eq. 3 with k = 2).

    Undefined (0/0) when a decision-maker never fails on the instances both met.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import pair_homogenization
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> round(float(pair_homogenization(fm)[0, 1]), 4)  # (2/4) / ((2/4)(3/4))
    1.3333
    """
    t, n, e11, fa, fb = _pair_rates(data, counts, "the pairwise homogenization H")
    if counts is None:
        raise_undefined(t, (fa == 0) | (fb == 0), "the pairwise homogenization H",
                        lambda a, b: f"{t.models[a] if fa[a, b] == 0 else t.models[b]!r} never fails on the {n[a, b]:.0f} "
                                     "instances both met, so E[F^a] E[F^b] = 0 and the ratio is 0/0.")
    return safe_div(e11, fa * fb)


def pair_pmi(data, counts=None) -> np.ndarray:
    """Pointwise mutual information at (1, 1), ``log(E[F^a F^b] / (E[F^a] E[F^b]))`` (Bommasani 2022 eq. 13).

    Natural log of :func:`pair_homogenization`; ``-inf`` if the pair never fails together.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import pair_pmi
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> round(float(pair_pmi(fm)[0, 1]), 4)  # log(4/3)
    0.2877
    """
    h = pair_homogenization(data, counts)
    with np.errstate(divide="ignore"):
        return np.log(h)


def pair_pearson(data, counts=None) -> np.ndarray:
    """Pearson correlation of the failure indicators (Bommasani 2022 eq. 14-15).

    ``Cov(F^a, F^b) / sqrt(f_a (1 - f_a) f_b (1 - f_b))`` (the phi coefficient);
    undefined when a model never or always fails on the instances both met.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import pair_pearson
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> round(float(pair_pearson(fm)[0, 1]), 4)  # 0.125 / sqrt(0.25 * 0.1875)
    0.5774
    """
    t, n, e11, fa, fb = _pair_rates(data, counts, "the Pearson correlation")
    va, vb = fa * (1 - fa), fb * (1 - fb)
    if counts is None:
        def why(a, b):
            m = t.models[a] if va[a, b] == 0 else t.models[b]
            f = fa[a, b] if va[a, b] == 0 else fb[a, b]
            return f"{m!r} {'always' if f == 1 else 'never'} fails on the {n[a, b]:.0f} instances both met (zero variance)."
        raise_undefined(t, (va == 0) | (vb == 0), "the Pearson correlation", why)
    return safe_div(e11 - fa * fb, np.sqrt(va * vb))


def pairwise_metrics(data, counts=None) -> dict[str, np.ndarray]:
    """All pairwise alternatives of App. A.4.1: covariance, PMI, Pearson and pairwise H.

    Raises :class:`~ecostat.errors.UndefinedMetricError` (counts None) if any is
    undefined for a pair; the single functions (``pair_*``) give the others.

    Returns
    -------
    dict
        ``{"covariance", "pmi", "pearson", "h_pair"}`` -> ndarray of shape (..., k, k).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import pairwise_metrics
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])
    >>> {k: round(float(v[0, 1]), 4) for k, v in pairwise_metrics(fm).items()}
    {'covariance': 0.125, 'pmi': 0.2877, 'pearson': 0.5774, 'h_pair': 1.3333}
    """
    t = as_table(data)
    return {"covariance": pair_covariance(t, counts), "pmi": pair_pmi(t, counts),
            "pearson": pair_pearson(t, counts), "h_pair": pair_homogenization(t, counts)}


def alternative_metrics_frame(data, counts=None) -> pd.DataFrame:
    """Tidy table of the pairwise alternatives, one row per pair a < b (model order).

    ``counts`` (shape (P,)) replaces the profile counts, e.g. for
    :func:`ecostat.bootstrap_frame`.

    Returns
    -------
    pandas.DataFrame
        Columns ``model_a, model_b, covariance, pmi, pearson, h_pair``.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import alternative_metrics_frame
    >>> alternative_metrics_frame(es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]], models=["a", "b"])).round(4)
      model_a model_b  covariance     pmi  pearson  h_pair
    0       a       b       0.125  0.2877   0.5774  1.3333
    """
    t = as_table(data)
    vals = pairwise_metrics(t, counts)
    a, b = np.triu_indices(t.n_models, 1)
    out = pd.DataFrame({"model_a": [t.models[i] for i in a], "model_b": [t.models[j] for j in b]})
    for name, v in vals.items():
        out[name] = v[a, b]
    return out


def _profile_ratio(data, counts, what, reduce):
    t = as_table(data)
    require_two_models(t, what)
    c = resolve_counts(t, counts)
    f = failure_rates(t, counts)
    seen = t.patterns >= 0
    per_profile = reduce(f[..., None, :], seen)
    den = safe_div((c * per_profile).sum(axis=-1), c.sum(axis=-1))
    if counts is None and den == 0:
        zero = [m for m, r in zip(t.models, f) if r == 0]
        raise UndefinedMetricError(
            f"{what} is undefined: decision-maker(s) {preview(zero)} never fail, so the denominator is 0 and the "
            "ratio is 0/0. Report the systemic failure rate instead, or leave these models out (fm.select([...]); --models on the command line).")
    return as_scalar(safe_div(np.asarray(systemic_failure_rate(t, counts)), den))


def _min(x, seen):  # per-instance min / mean / product over observed cells
    return np.min(np.where(seen, x, np.inf), axis=-1)


def _mean(x, seen):
    return np.where(seen, x, 0.0).sum(axis=-1) / seen.sum(axis=-1)


def _prod(x, seen):
    return np.prod(np.where(seen, x, 1.0), axis=-1)


def min_exp(data, counts=None) -> np.ndarray | float:
    """MinExp with the 0-1 loss (Bommasani 2022 eq. 17): ``P(all fail) / min_j f_j``.

    The numerator ``E[min_j F^j]`` is the systemic failure rate, so MinExp =
    ``H * prod_j f_j / f_best`` in [0, 1]. Missing cells: min over met models.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import min_exp
    >>> float(min_exp(es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])))  # (2/4) / (2/4)
    1.0
    """
    return _profile_ratio(data, counts, "MinExp", _min)


def exp_exp(data, counts=None) -> np.ndarray | float:
    """ExpExp with the 0-1 loss (Bommasani 2022 eq. 18): ``P(all fail) / mean_j f_j``.

    Missing cells: mean over each instance's observed decision-makers.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.alternatives import exp_exp
    >>> float(exp_exp(es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]])))  # (2/4) / ((2/4 + 3/4) / 2)
    0.8
    """
    return _profile_ratio(data, counts, "ExpExp", _mean)


def _as_losses(losses, what):
    """(losses, observed mask, names, row weights): a profile table's rows weigh their counts."""
    if isinstance(losses, ProfileTable):  # 0-1 loss of each profile row, counted n_r times
        names, P = list(losses.models), losses.patterns
        L, obs, _, _ = _as_losses(np.where(P < 0, np.nan, P).astype(float), what)
        return L, obs, names, losses.counts.astype(float)
    if isinstance(losses, FailureMatrix):
        names, L = list(losses.models), np.where(losses.failures < 0, np.nan, losses.failures).astype(float)
    elif isinstance(losses, pd.DataFrame):
        names, L = [str(c) for c in losses.columns], losses.to_numpy(dtype=float, na_value=np.nan)
    else:
        L = np.asarray(losses, dtype=float)
        names = [f"m{j + 1}" for j in range(L.shape[1])] if L.ndim == 2 else []
    if L.ndim != 2 or L.shape[0] == 0:
        raise DataError(f"{what} needs a non-empty 2-d loss array (instances x decision-makers); got shape {L.shape}.")
    if L.shape[1] < 2:
        raise UndefinedMetricError(f"{what} needs at least two decision-makers (k >= 2); got k = {L.shape[1]}.")
    obs = ~np.isnan(L)
    bad = obs & (~np.isfinite(L) | (L < 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"loss of {names[j]!r} on row {i} is {L[i, j]!r}; losses must be finite and >= 0 (NaN = missing).")
    for axis, label in ((1, "row(s)"), (0, "decision-maker(s)")):
        empty = np.flatnonzero(~obs.any(axis=axis))
        if empty.size:
            which = empty if axis == 1 else [names[j] for j in empty]
            raise DataError(f"{label} {preview(which)} have no observed loss; remove them first (ecostat never drops rows).")
    return L, obs, names, np.ones(L.shape[0])


def _loss_ratio(losses, what, row, den_of):
    L, obs, names, w = _as_losses(losses, what)
    mean = (w @ np.where(obs, L, 0.0)) / (w @ obs)
    num = np.average(row(L, obs), weights=w)
    den = np.average(den_of(np.broadcast_to(mean, L.shape), obs), weights=w)
    if den == 0:
        zero = [m for m, v in zip(names, mean) if v == 0]
        raise UndefinedMetricError(f"{what} is undefined: decision-maker(s) {preview(zero)} have zero expected loss, "
                                   "so the denominator is 0 and the ratio is 0/0; leave them out.")
    return float(num / den)


def loss_homogenization(losses) -> float:
    """Loss-based homogenization ``E_j[prod_i l_j^i] / prod_i E_j[l_j^i]`` (Bommasani 2022 eq. 16).

    ``losses`` is an (N, k) array or DataFrame (NaN = missing), or a
    FailureMatrix or ProfileTable (0-1 loss: then it equals :func:`ecostat.homogenization`).
    With missing cells, products over each instance's observed cells (eq. 10).

    Examples
    --------
    >>> from ecostat.descriptive.alternatives import loss_homogenization
    >>> loss_homogenization([[0.5, 1.0], [1.0, 0.5], [0.0, 1.5]])  # (1/3) / (0.5 * 1.0)
    0.6666666666666666
    """
    return _loss_ratio(losses, "loss-based H", _prod, _prod)


def min_exp_losses(losses) -> float:
    """MinExp ``E_j[min_i l_j^i] / min_i E_j[l_j^i]`` (Bommasani 2022 eq. 17) on an (N, k) loss array.

    Examples
    --------
    >>> from ecostat.descriptive.alternatives import min_exp_losses
    >>> min_exp_losses([[0.5, 1.0], [1.0, 0.5], [0.0, 1.5]])  # (1/3) / min(0.5, 1.0)
    0.6666666666666666
    """
    return _loss_ratio(losses, "MinExp", _min, _min)


def exp_exp_losses(losses) -> float:
    """ExpExp ``E_j[min_i l_j^i] / ((1/k) sum_i E_j[l_j^i])`` (Bommasani 2022 eq. 18) on an (N, k) loss array.

    Examples
    --------
    >>> from ecostat.descriptive.alternatives import exp_exp_losses
    >>> round(exp_exp_losses([[0.5, 1.0], [1.0, 0.5], [0.0, 1.5]]), 4)  # (1/3) / 0.75
    0.4444
    """
    return _loss_ratio(losses, "ExpExp", _min, _mean)
