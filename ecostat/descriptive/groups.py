"""Group-level homogenization and stratified analyses.

Definitions of Bommasani et al. 2022, §3.2 and App. A.1 (eq. 4-9) and the
UNFAIRNESS of §5.2 (eq. 6); stratified observed-minus-baseline distributions of
Toups et al. 2023 (Fig. 5, 6, 8). Pure functions of the profile table with
optional bootstrap ``counts`` of shape (..., P); groups are the table's
``group_codes`` (a binned covariate becomes a grouping via :func:`bin_covariate`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.profiles import ProfileTable, as_table, resolve_counts
from ..errors import DataError, UndefinedMetricError, preview, user_stacklevel
from ..numeric import as_scalar, safe_div
from ._checks import check_ci, check_count, check_seed
from .metrics import (
    failure_count_distribution,
    failure_rates,
    independence_distribution,
    require_failures,
    require_two_models,
)
from .poibin import poisson_binomial_pmf

__all__ = [
    "group_counts",
    "group_sum",
    "group_sizes",
    "group_failure_rates",
    "group_systemic_failure_rates",
    "h_avg",
    "h_unif",
    "h_worst",
    "unfairness",
    "stratified_distributions",
    "stratified_difference",
    "stratified_ratio",
    "stratified_excess",
    "bin_covariate",
]


#: Largest (..., G, P) array :func:`group_counts` builds (cells); the metrics never build it.
MAX_GROUP_COUNT_CELLS = 50_000_000


def group_counts(table: ProfileTable, counts=None) -> np.ndarray:
    """Profile counts split by group: shape (..., G, P).

    A dense array of groups x profiles per replicate; the group metrics of this
    module never build it (see :func:`group_sum`). Refused above
    ``MAX_GROUP_COUNT_CELLS`` cells.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0]], group=["x", "y", "y"])
    >>> es.groups.group_counts(fm.profile_table()).tolist()
    [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    """
    c = resolve_counts(table, counts)
    cells = int(np.prod(c.shape[:-1], dtype=np.int64)) * max(table.n_groups, 1) * table.n_profiles
    if cells > MAX_GROUP_COUNT_CELLS:
        raise DataError(f"group_counts would build {cells:,} cells ({cells * 8 / 2**30:.1f} GiB: {c.shape[:-1]} replicates x "
                        f"{table.n_groups} groups x {table.n_profiles} profiles); use group_sum(table, counts, values), "
                        "which sums within groups without it, or pass fewer replicates at a time.")
    return c[..., None, :] * table.group_onehot().T


def _group_segments(t: ProfileTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profiles ordered by group: (order, segment starts, group of each segment)."""
    if t.group_codes is None:
        t.group_onehot()  # raises the "needs a grouping" error
    order = np.argsort(t.group_codes, kind="stable")
    codes = t.group_codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    return order, starts, codes[starts]


def group_sum(table: ProfileTable, counts, values: np.ndarray) -> np.ndarray:
    """``sum_p counts[..., p] * values[p, :]`` within each group: shape (..., G, m).

    Memory grows with replicates x profiles x m, never with groups x profiles
    (the (..., G, P) array of :func:`group_counts` is not built).

    Parameters
    ----------
    table : ProfileTable (with a grouping)
    counts : array of shape (..., P) or None
    values : array of shape (P, m)

    Examples
    --------
    >>> import numpy as np, ecostat as es
    >>> t = es.FailureMatrix([[1, 1], [0, 1], [0, 0]], group=["x", "y", "y"]).profile_table()
    >>> es.groups.group_sum(t, None, (t.patterns == 1).astype(float)).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    c = resolve_counts(table, counts)
    values = np.asarray(values, dtype=float)
    order, starts, present = _group_segments(table)
    out = np.zeros(c.shape[:-1] + (table.n_groups, values.shape[-1]))
    if len(order):
        summed = np.add.reduceat(c[..., order, None] * values[order], starts, axis=-2)
        out[..., present, :] = summed
    return out


def group_sizes(data, counts=None) -> np.ndarray:
    """Number of instances per group, shape (..., G).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0]], group=["x", "y", "y"])
    >>> es.groups.group_sizes(fm).tolist()
    [1.0, 2.0]
    """
    t = as_table(data)
    return group_sum(t, counts, np.ones((t.n_profiles, 1)))[..., 0]


def group_failure_rates(data, counts=None) -> np.ndarray:
    """``FAIL_g(h^i)``: failure rate of each model within each group (Bommasani 2022 eq. 4).

    Returns
    -------
    ndarray of shape (..., G, k)

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0]], group=["x", "y", "y"])
    >>> es.group_failure_rates(fm).tolist()
    [[1.0, 1.0], [0.0, 0.5]]
    """
    t = as_table(data)
    rates = _group_rates(t, counts)[0]
    if counts is None and np.isnan(rates).any():
        g, j = np.argwhere(np.isnan(rates))[0]
        raise UndefinedMetricError(
            f"decision-maker {t.models[j]!r} met no instance of group {t.group_levels[g]!r}, so its failure rate "
            "there is undefined; merge that group with another or leave the model out."
        )
    return rates


def group_systemic_failure_rates(data, counts=None) -> np.ndarray:
    """Share of each group's instances failed by every decision-maker they met, shape (..., G).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0]], group=["x", "y", "y"])
    >>> es.groups.group_systemic_failure_rates(fm).tolist()
    [1.0, 0.0]
    """
    t = as_table(data)
    systemic = ((t.patterns == 1) | (t.patterns < 0)).all(axis=1).astype(float)
    sums = group_sum(t, counts, np.column_stack([systemic, np.ones(t.n_profiles)]))
    return safe_div(sums[..., 0], sums[..., 1])


def _group_rates(t: ProfileTable, counts) -> tuple[np.ndarray, np.ndarray]:
    """(FAIL_g of shape (..., G, k), instances of each group each model saw (..., G, k))."""
    k = t.n_models
    sums = group_sum(t, counts, np.concatenate([(t.patterns == 1), (t.patterns >= 0)], axis=1).astype(float))
    fails, seen = sums[..., :k], sums[..., k:]
    return safe_div(fails, seen), seen


def _group_products(t: ProfileTable, counts) -> tuple[np.ndarray, np.ndarray]:
    """(prod_i FAIL_g(h^i) of shape (..., G), prod_i FAIL(h^i) of shape (...))."""
    require_two_models(t, "group homogenization")
    if counts is None:
        require_failures(t, "group homogenization (eq. 7-9)")
    prod_g = np.prod(group_failure_rates(t, counts), axis=-1)
    prod = np.prod(failure_rates(t, counts), axis=-1)
    return prod_g, prod


def h_avg(data, counts=None):
    """Average-weighted group homogenization H_avg (Bommasani 2022 eq. 7).

    ``H_avg = sum_g w_g prod_i FAIL_g(h^i) / prod_i FAIL(h^i)`` with
    ``w_g = p(g) / sum_g' p(g')`` and ``p(g) = prod_i p^i(g)``, ``p^i(g)`` the
    share of group g among the instances decision-maker i saw. With the same
    people in every column, ``w_g`` is proportional to ``freq(g)^k``.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0]], group=["x", "x", "y", "y"])
    >>> round(float(es.h_avg(fm)), 4)
    1.0
    """
    t = as_table(data)
    prod_g, prod = _group_products(t, counts)
    seen = _group_rates(t, counts)[1]  # (..., G, k)
    p_i = safe_div(seen, seen.sum(axis=-2, keepdims=True))
    p = np.prod(p_i, axis=-1)
    w = safe_div(p, p.sum(axis=-1, keepdims=True))
    return as_scalar(safe_div((w * prod_g).sum(axis=-1), prod))


def h_unif(data, counts=None):
    """Uniform-weighted group homogenization H_unif (Bommasani 2022 eq. 8).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0], [0, 0]], group=["x", "x", "y", "y", "y"])
    >>> round(float(es.h_unif(fm)), 4)
    1.5625
    """
    t = as_table(data)
    prod_g, prod = _group_products(t, counts)
    return as_scalar(safe_div(np.mean(prod_g, axis=-1), prod))


def h_worst(data, counts=None):
    """Worst-group homogenization H_worst (Bommasani 2022 eq. 9): ``max_g prod_i FAIL_g / prod_i FAIL``.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0], [0, 0]], group=["x", "x", "y", "y", "y"])
    >>> round(float(es.h_worst(fm)), 4)
    3.125
    """
    t = as_table(data)
    prod_g, prod = _group_products(t, counts)
    return as_scalar(safe_div(np.max(prod_g, axis=-1), prod))


def unfairness(data, counts=None):
    """UNFAIRNESS = Var_g[prod_i FAIL_g(h^i)] (Bommasani 2022 eq. 6).

    Sample variance over groups (n - 1 denominator), as in the authors'
    released code. Needs at least two groups.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0], [0, 0]], group=["x", "x", "y", "y", "y"])
    >>> round(float(es.unfairness(fm)), 6)
    0.125
    """
    t = as_table(data)
    if t.n_groups < 2:
        raise UndefinedMetricError(f"UNFAIRNESS is a variance over groups and needs at least two; the grouping {t.group_name!r} has {t.n_groups}.")
    prod_g = np.prod(group_failure_rates(t, counts), axis=-1)
    return as_scalar(np.var(prod_g, axis=-1, ddof=1))


def stratified_distributions(data, counts=None) -> tuple[np.ndarray, np.ndarray]:
    """Observed and independence #failures distributions within each group.

    The baseline of a stratum uses that stratum's own failure rates (Toups
    2023, §5.2 and Fig. 5; App. A.1, Fig. 6 and 8).

    Returns
    -------
    observed, baseline : ndarray of shape (..., G, k + 1)
    """
    t = as_table(data)
    k = t.n_models
    nfail = (t.patterns == 1).sum(axis=1)
    hist = group_sum(t, counts, np.eye(k + 1)[nfail])  # (..., G, k + 1)
    sizes = hist.sum(axis=-1, keepdims=True)
    observed = safe_div(hist, sizes)
    rates = _group_rates(t, counts)[0]
    if not t.has_missing:
        baseline = poisson_binomial_pmf(np.nan_to_num(rates, nan=0.0)) + np.where(np.isnan(rates).any(axis=-1, keepdims=True), np.nan, 0.0)
        return observed, baseline
    # mixture over the sets of decision-makers met (as independence_distribution), within each group:
    # one Poisson-Binomial per (group, set) that occurs, never per (group, profile)
    seen = t.patterns >= 0
    _, mask_id = np.unique(seen, axis=0, return_inverse=True)
    mask_id = mask_id.ravel()
    pair, pair_of_profile = np.unique(np.column_stack([t.group_codes, mask_id]), axis=0, return_inverse=True)
    pair_of_profile = pair_of_profile.ravel()
    c = resolve_counts(t, counts)
    order = np.argsort(pair_of_profile, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(pair_of_profile[order]) != 0])
    weight = np.add.reduceat(c[..., order], starts, axis=-1)  # (..., S): instances of each (group, set)
    weight = safe_div(weight, sizes[..., pair[:, 0], 0])  # share of its group, as independence_distribution
    first = order[starts]  # a profile of each (group, set)
    f_pair = np.where(seen[first], rates[..., pair[:, 0], :], 0.0)  # (..., S, k); unmet models fail with probability 0
    pmf = poisson_binomial_pmf(np.nan_to_num(f_pair, nan=0.0))  # (..., S, k + 1), exactly the pmf over the set met
    # add the sets' terms one set at a time, in the order independence_distribution does (results agree to the bit)
    contrib = weight[..., None] * pmf
    baseline = np.zeros(observed.shape)
    for m in np.unique(pair[:, 1]):
        rows = np.flatnonzero(pair[:, 1] == m)  # at most one pair per group
        baseline[..., pair[rows, 0], :] += contrib[..., rows, :]
    baseline[..., np.setdiff1d(np.arange(t.n_groups), pair[:, 0]), :] = np.nan  # a level without instances
    return observed, baseline


def _strata(t: ProfileTable, counts, include_all: bool) -> tuple[np.ndarray, np.ndarray]:
    """Observed and baseline distributions per stratum (..., S, k+1), the population last if ``include_all``."""
    obs, base = stratified_distributions(t, counts)
    if include_all:
        obs = np.concatenate([obs, failure_count_distribution(t, counts)[..., None, :]], axis=-2)
        base = np.concatenate([base, independence_distribution(t, counts)[..., None, :]], axis=-2)
    return obs, base


def stratified_difference(data, counts=None, *, include_all: bool = True) -> np.ndarray:
    """Observed minus baseline share of t failures per stratum, shape (..., S, k + 1) (Toups Fig. 5).

    Strata are the groups, followed by the whole population when ``include_all``.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0]], group=["x", "x", "y", "y"])
    >>> es.groups.stratified_difference(fm).shape
    (3, 3)
    """
    obs, base = _strata(as_table(data), counts, include_all)
    return obs - base


def stratified_ratio(data, counts=None, *, include_all: bool = True) -> np.ndarray:
    """Observed over baseline share of t failures per stratum, shape (..., S, k + 1) (Toups Fig. 8).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0]], group=["x", "x", "y", "y"])
    >>> es.groups.stratified_ratio(fm)[-1].tolist()
    [1.0, 1.0, 1.0]
    """
    obs, base = _strata(as_table(data), counts, include_all)
    return safe_div(obs, base)


def stratified_excess(data, counts=None, *, include_all: bool = True, n_boot: int = 0, seed: int = 0,
                      ci: float = 0.95) -> pd.DataFrame:
    """Observed minus baseline share of instances with t failures, by group (Toups 2023 Fig. 5, 8).

    Both the difference (observed - baseline) and the ratio (observed /
    baseline) are reported: Toups App. A.1 shows the two can rank strata
    differently. The baseline of a stratum is the Poisson-Binomial of that
    stratum's own failure rates.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable (with a grouping)
    counts : array of shape (P,), optional
    include_all : bool
        Add the whole population as the stratum ``"All"``.
    n_boot, seed, ci :
        With ``n_boot > 0``, add percentile bootstrap intervals
        (``difference_lo``, ``difference_hi``, ``ratio_lo``, ``ratio_hi``).

    Returns
    -------
    pandas.DataFrame
        Columns ``stratum, n, failures, observed, baseline, difference, ratio``
        (and the interval columns).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 0], [0, 0]], group=["x", "x", "y", "y"])
    >>> df = es.stratified_excess(fm)
    >>> df.loc[df.failures == 2, ["stratum", "difference"]].round(3).values.tolist()
    [['x', 0.0], ['y', 0.0], ['All', 0.0]]
    """
    t = as_table(data)
    n_boot = check_count(n_boot, "n_boot", zero="0 means no intervals")
    if n_boot:
        seed, ci = check_seed(seed, generator=True), check_ci(ci)
    if counts is not None and np.ndim(counts) != 1:
        raise DataError("stratified_excess builds a table for one set of counts; use stratified_difference for batches.")
    obs, base = _strata(t, counts, include_all)
    sizes = group_sizes(t, counts)
    labels = [str(g) for g in t.group_levels]
    if include_all:
        sizes = np.append(sizes, sizes.sum())
        labels.append("All")
    k1 = obs.shape[-1]
    out = pd.DataFrame({
        "stratum": np.repeat(labels, k1),
        "n": np.repeat(sizes.astype(int), k1),
        "failures": np.tile(np.arange(k1), len(labels)),
        "observed": obs.ravel(),
        "baseline": base.ravel(),
        "difference": (obs - base).ravel(),
        "ratio": safe_div(obs, base).ravel(),
    })
    if n_boot:
        from .bootstrap import bootstrap_many

        def diff(tt, c):
            return stratified_difference(tt, c, include_all=include_all)

        def ratio(tt, c):
            return stratified_ratio(tt, c, include_all=include_all)

        boot = bootstrap_many(t, {"difference": diff, "ratio": ratio}, n_boot=n_boot, seed=seed, ci=ci)
        for name, r in boot.items():
            out[f"{name}_lo"] = np.ravel(r.lo)
            out[f"{name}_hi"] = np.ravel(r.hi)
    return out


def bin_covariate(fm, column: str, bins: int | Sequence[float] = 4, *, labels=None, right: bool = True):
    """Group a FailureMatrix (or ProfileTable) by a binned covariate (e.g. annotator agreement, Toups App. A.1).

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        A profile table's rows are binned by their covariate value; quantile
        bins are quantiles over instances (each row counted ``count`` times).
    column : str
        A covariate of ``fm``.
    bins : int or sequence of float
        Number of quantile bins, or explicit bin edges (as in ``pandas.cut``).

    Returns
    -------
    FailureMatrix or ProfileTable
        The same failures grouped by the bins (empty bins are dropped from the
        levels; every instance must fall into a bin).

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0], [0, 0]], covariates=pd.DataFrame({"agree": [.5, .6, .9, 1.]}))
    >>> es.bin_covariate(fm, "agree", [0, .7, 1]).group.categories.astype(str).tolist()
    ['(0.0, 0.7]', '(0.7, 1.0]']
    """
    if fm.covariates is None or column not in fm.covariates.columns:
        have = [] if fm.covariates is None else list(fm.covariates.columns)
        raise DataError(f"covariate {column!r} not found; the failure matrix has covariates {preview(have)}. Attach it with covariates=[...].")
    table = isinstance(fm, ProfileTable)
    x = fm.covariates[column]
    if isinstance(bins, int) and table:  # quantiles over instances: the rows' values repeated by their counts
        edges = pd.qcut(np.repeat(x.to_numpy(), fm.counts), bins, duplicates="drop", retbins=True)[1]
        cut = pd.cut(x, edges, labels=labels, include_lowest=True, duplicates="drop")
        got = len(edges) - 1
        if got < bins:
            import warnings

            from ..errors import EcostatWarning

            warnings.warn(f"asked for {bins} quantile bins of {column!r}, but tied values leave {got} distinct bins; "
                          "give explicit bin edges to choose them yourself.", EcostatWarning, stacklevel=2)
    elif isinstance(bins, int):
        cut = pd.qcut(x, bins, duplicates="drop", labels=labels)
        got = len(pd.Categorical(cut).categories)
        if got < bins:
            import warnings

            from ..errors import EcostatWarning

            warnings.warn(f"asked for {bins} quantile bins of {column!r}, but tied values leave {got} distinct bins; "
                          "give explicit bin edges to choose them yourself.", EcostatWarning,
                          stacklevel=user_stacklevel())
    else:
        cut = pd.cut(x, bins, labels=labels, right=right, include_lowest=True)
    outside = np.flatnonzero(pd.isna(cut).to_numpy())
    if outside.size:
        raise DataError(f"{outside.size} value(s) of {column!r} fall outside the bins, e.g. {preview(x.iloc[outside])}; widen the bin edges.")
    cat = pd.Categorical(cut).remove_unused_categories()
    if table:
        return ProfileTable(fm.patterns, fm.counts, fm.models, np.asarray(cat.codes, dtype=np.int64),
                            tuple(cat.categories), column, fm.covariates, fm.inverse)
    return fm.with_group(cat, name=column)
