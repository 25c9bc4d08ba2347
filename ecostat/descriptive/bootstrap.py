"""Bootstrap intervals by multinomial resampling of the profile table.

Resampling N instances with replacement is the same as drawing the profile
counts from Multinomial(N, counts / N) (docs/architecture.md §3): the cost depends on the
number of distinct profiles P, not on N. Every metric of ecostat accepts a
``counts`` array of shape (B, P), so a statistic is evaluated on all
replicates at once. Intervals are percentile intervals; results are
reproducible to the bit for a given seed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.profiles import ProfileTable, as_table
from ..errors import EcostatError, EcostatWarning, user_stacklevel
from ..numeric import as_scalar
from ._checks import check_ci, check_count, check_seed

__all__ = ["resample_counts", "bootstrap", "bootstrap_many", "bootstrap_frame", "BootstrapResult", "percentile_interval"]

#: Largest number of (replicate x profile x model) cells evaluated at once.
_CHUNK_CELLS = 8_000_000
#: Largest memory the stored replicates of one ``bootstrap_many`` call may take (bytes); above it the call is
#: refused with the size and the fix (fewer replicates, fewer groups). Overridable: set this module attribute.
MAX_REPLICATE_BYTES = 2 * 2**30


def resample_counts(data, n_boot: int, seed: int | np.random.Generator | None = 0, *,
                    by_group: bool = False) -> np.ndarray:
    """Bootstrap replicates of the profile counts, shape (n_boot, P).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    n_boot : int
        Number of replicates.
    seed : int, numpy.random.Generator or None
        None draws fresh entropy (not reproducible; prefer an int).
    by_group : bool
        Resample within each group, keeping the group sizes fixed (a
        stratified bootstrap, for groups fixed by design or too small to be
        left to chance); default resamples the whole population.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0], [0, 0]])
    >>> c = es.resample_counts(fm, 5, seed=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((5, 3), [4, 4, 4, 4, 4])
    """
    t = as_table(data)
    n_boot = _n_boot(n_boot)
    rng = _rng(seed)
    if not by_group:
        return rng.multinomial(t.n_instances, t.counts / t.counts.sum(), size=int(n_boot))
    if t.group_codes is None:
        raise EcostatError("by_group=True needs a grouping; build the failure matrix with group=COLUMN.")
    out = np.zeros((int(n_boot), t.n_profiles), dtype=np.int64)
    for g in range(t.n_groups):
        rows = np.flatnonzero(t.group_codes == g)
        n_g = int(t.counts[rows].sum())
        out[:, rows] = rng.multinomial(n_g, t.counts[rows] / n_g, size=int(n_boot))
    return out


def percentile_interval(replicates: np.ndarray, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring NaN replicates.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = percentile_interval(np.arange(101.0)[:, None])
    >>> float(lo[0]), float(hi[0])
    (2.5, 97.5)
    """
    ci = check_ci(ci)
    q = [100 * (1 - ci) / 2, 100 * (1 + ci) / 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(replicates, q, axis=0)
    return lo, hi


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimate, replicates and percentile interval of a statistic.

    Attributes
    ----------
    estimate : ndarray or float
    replicates : ndarray of shape (n_boot, ...)
    lo, hi : ndarray or float
    ci : float
    n_undefined : int
        Replicates where the statistic was undefined (NaN), left out of the interval.
    seed : int or None
        Seed of the replicates (the drawn one when ``seed=None`` was given; None
        for a Generator or pre-drawn counts).

    Examples
    --------
    >>> import ecostat as es
    >>> r = es.bootstrap(es.simulate(n=500, seed=0), es.systemic_failure_rate, n_boot=200, seed=1)
    >>> bool(r.lo <= r.estimate <= r.hi), r.ci
    (True, 0.95)
    """

    estimate: np.ndarray
    replicates: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    ci: float
    n_undefined: int
    seed: int | None = None

    def interval(self) -> tuple:
        """``(lo, hi)``."""
        return self.lo, self.hi

    def __repr__(self) -> str:
        return (f"BootstrapResult(estimate={self.estimate!r}, lo={self.lo!r}, hi={self.hi!r}, ci={self.ci}, "
                f"n_boot={self.replicates.shape[0]}, n_undefined={self.n_undefined})")


def bootstrap(data, statistic: Callable[[ProfileTable, np.ndarray | None], np.ndarray], n_boot: int = 1000,
              seed: int | np.random.Generator | None = 0, ci: float = 0.95, counts: np.ndarray | None = None,
              estimate=None) -> BootstrapResult:
    """Percentile bootstrap of any vectorized statistic of the profile table.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    statistic : callable
        ``statistic(table, counts)`` -> array; must accept ``counts=None`` (the
        data) and ``counts`` of shape (B, P) (replicates along axis 0). Every
        metric of ecostat qualifies, e.g. ``ecostat.homogenization``.
    n_boot : int
    seed : int or Generator
    ci : float
        Coverage of the percentile interval.
    counts : ndarray of shape (B, P), optional
        Pre-drawn replicates (from :func:`resample_counts`).
    estimate : optional
        Point estimate, if already computed.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=3000, seed=0)
    >>> r = es.bootstrap(fm, es.systemic_failure_rate, n_boot=200, seed=0)
    >>> bool(r.lo < r.estimate < r.hi)
    True
    """
    if callable(data) and not callable(statistic):
        raise EcostatError("bootstrap takes (data, statistic): the data first, then the function, "
                           "e.g. ecostat.descriptive.bootstrap(fm, ecostat.homogenization).")
    name = getattr(statistic, "__name__", "statistic")
    est = None if estimate is None else {name: estimate}
    result = bootstrap_many(data, {name: statistic}, n_boot=n_boot, seed=seed, ci=ci, counts=counts, estimates=est)[name]
    if result.n_undefined:
        warnings.warn(f"{name} was undefined (e.g. a decision-maker or group with no failures) in {result.n_undefined} of "
                      f"{result.replicates.shape[0]} bootstrap replicates; the interval uses the others.",
                      EcostatWarning, stacklevel=user_stacklevel())
    return result


def bootstrap_many(data, statistics: dict[str, Callable], n_boot: int = 1000, seed: int | np.random.Generator | None = 0,
                   ci: float = 0.95, counts: np.ndarray | None = None, estimates: dict | None = None,
                   by_group: bool = False) -> dict[str, BootstrapResult]:
    """Bootstrap several statistics on the same replicates (one pass, bounded memory).

    Replicates are drawn chunk by chunk (at most ``_CHUNK_CELLS`` replicate
    cells at a time) from one generator; the chunk size depends only on the
    number of profiles, so results are reproducible to the bit. Undefined
    replicates are counted in ``n_undefined``, not warned about. ``by_group``
    resamples within groups (see :func:`resample_counts`).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.bootstrap import bootstrap_many
    >>> fm = es.simulate(n=2000, seed=0)
    >>> res = bootstrap_many(fm, {"H": es.homogenization, "f": es.failure_rates}, n_boot=100)
    >>> res["f"].replicates.shape
    (100, 3)
    """
    t = as_table(data)
    ci = check_ci(ci)
    if counts is None:
        n_boot = _n_boot(n_boot)
        seed = check_seed(seed, generator=True)
    estimates = dict(estimates or {})
    for name, fn in statistics.items():
        if name not in estimates:
            estimates[name] = fn(t, None)
    n_rep = int(n_boot) if counts is None else int(np.shape(counts)[0])
    size = sum(int(np.size(v)) for v in estimates.values())
    need = n_rep * max(size, 1) * 8
    if need > MAX_REPLICATE_BYTES:
        raise EcostatError(
            f"storing {n_rep} bootstrap replicates of {len(statistics)} statistic(s) with {size:,} values per replicate needs "
            f"{need / 2**30:.1f} GiB (limit {MAX_REPLICATE_BYTES / 2**30:.1f} GiB, ecostat.descriptive.bootstrap."
            "MAX_REPLICATE_BYTES). Use fewer replicates (n_boot) or fewer groups/models, or raise the limit.")
    parts: dict[str, list] = {name: [] for name in statistics}
    for chunk in _chunks(t, counts, n_boot, seed, by_group):
        for name, fn in statistics.items():
            parts[name].append(np.asarray(fn(t, chunk), dtype=float))
    out = {}
    for name in statistics:
        reps = np.concatenate(parts[name], axis=0)
        defined = ~np.isnan(np.broadcast_to(np.asarray(estimates[name], dtype=float), reps.shape[1:]))
        # a replicate counts as undefined if it loses a value the data define; each value's
        # interval uses the replicates where that value is defined
        n_undefined = int(np.isnan(reps[:, defined]).any(axis=1).sum()) if defined.any() else 0
        lo, hi = percentile_interval(reps, ci)
        lo, hi = np.where(defined, lo, np.nan), np.where(defined, hi, np.nan)
        out[name] = BootstrapResult(estimates[name], reps, as_scalar(lo), as_scalar(hi), ci, n_undefined,
                                    seed if counts is None and not isinstance(seed, np.random.Generator) else None)
    return out


def bootstrap_frame(data, frame_fn: Callable, *, keys: Sequence[str], n_boot: int = 1000,
                    seed: int | np.random.Generator | None = 0, ci: float = 0.95) -> pd.DataFrame:
    """Percentile intervals for every numeric column of a tidy table-valued analysis.

    ``frame_fn(data, counts=None)`` must return a DataFrame whose rows are
    identified by ``keys``; it is re-evaluated on each multinomial replicate of
    the profile table (one call per replicate, so prefer the vectorized
    array functions for thousands of replicates on large tables). Each float
    column ``c`` gains ``c_lo`` and ``c_hi`` (integer columns are counts or
    labels and get none). Replicates where a value is undefined (NaN) are left
    out of that value's interval.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    frame_fn : callable
        E.g. :func:`ecostat.descriptive.leader.leader_following_systemic`,
        :func:`ecostat.pairwise_agreement_frame` (any function with a ``counts`` argument).
    keys : sequence of str
        Columns identifying a row (e.g. ``["model"]``).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.leader import leader_following_systemic
    >>> fm = es.simulate(n=2000, seed=0)
    >>> out = es.bootstrap_frame(fm, leader_following_systemic, keys=["model"], n_boot=100)
    >>> bool((out["lift_lo"] < out["lift"]).all() and (out["lift"] < out["lift_hi"]).all())
    True
    """
    t = as_table(data)
    n_boot, ci = _n_boot(n_boot), check_ci(ci)
    seed = check_seed(seed, generator=True)
    keys = list(keys)
    point = frame_fn(data)
    values = [c for c in point.columns if c not in keys and pd.api.types.is_float_dtype(point[c])]
    reps = [frame_fn(data, counts=c)[keys + values] for chunk in _chunks(t, None, n_boot, seed) for c in chunk]
    stacked = pd.concat(reps, ignore_index=True)
    q = [(1 - ci) / 2, (1 + ci) / 2]
    bounds = stacked.groupby(keys, sort=False, dropna=False)[values].quantile(q).unstack()
    out = point.copy()
    for c in values:
        lo_hi = bounds[c].reindex(pd.MultiIndex.from_frame(point[keys]) if len(keys) > 1 else point[keys[0]])
        out[f"{c}_lo"] = lo_hi[q[0]].to_numpy()
        out[f"{c}_hi"] = lo_hi[q[1]].to_numpy()
    return out


def _chunks(t: ProfileTable, counts, n_boot: int, seed, by_group: bool = False):
    # metrics build (replicates x profiles x models) intermediates: bound that product
    step = max(1, _CHUNK_CELLS // max(1, t.n_profiles * t.n_models))
    if counts is not None:
        for i in range(0, counts.shape[0], step):
            yield counts[i: i + step]
        return
    n_boot = _n_boot(n_boot)
    rng = _rng(seed)
    for i in range(0, n_boot, step):
        yield resample_counts(t, min(step, n_boot - i), rng, by_group=by_group)


def _n_boot(n_boot) -> int:
    return check_count(n_boot, "n_boot", minimum=1, zero="of replicates; 0 means no bootstrap")


def _rng(seed) -> np.random.Generator:
    seed = check_seed(seed, generator=True)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
