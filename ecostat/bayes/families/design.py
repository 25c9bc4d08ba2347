"""The design of a collapsed fit: profile rows, strata and covariates.

A Bayesian family sees the data only through the profile table (docs/architecture.md §2):
``R`` unique rows (failure pattern, group, covariate values) with counts. Rows
that share a group and covariate values form a *stratum*: every family implies
the same profile probabilities for all instances of a stratum, so the
likelihood and every posterior quantity is computed once per stratum, never
once per instance (docs/architecture.md §5, "collapsed likelihood").
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ...data.profiles import ProfileTable, as_table
from ...errors import DataError, EcostatWarning, user_stacklevel

__all__ = ["Design", "make_design", "MANY_STRATA"]

#: above this many strata a warning suggests binning covariates
MANY_STRATA = 1000


@dataclass(frozen=True)
class Design:
    """Profile rows of a fit, grouped into strata.

    Attributes
    ----------
    patterns : ndarray of int8, shape (R, k)
        1 failure, 0 success, -1 missing.
    counts : ndarray of int64, shape (R,)
    strata : ndarray of int64, shape (R,)
        Stratum of each row.
    strata_group : ndarray of int64, shape (U,)
        Group code of each stratum (0 without groups).
    strata_x : ndarray of float, shape (U, p)
        Standardized covariates of each stratum (``(x - center) / scale``).
    models, group_levels, covariate_names : tuple of str
    x_center, x_scale : ndarray, shape (p,)
        Standardization of the covariates (their mean and sd over instances).
    group_name : str or None
    instance_rows : ndarray of int64, shape (N,), or None
        Profile row of each instance of the source failure matrix, in its order
        (None for a design made from a profile table without instances). Not
        part of the likelihood, the digest or equality.
    instance_ids : pandas.Index or None
        The source failure matrix's instance ids (aligned with ``instance_rows``).
    """

    patterns: np.ndarray
    counts: np.ndarray
    strata: np.ndarray
    strata_group: np.ndarray
    strata_x: np.ndarray
    models: tuple
    group_levels: tuple = ("all",)
    group_name: str | None = None
    covariate_names: tuple = ()
    x_center: np.ndarray = field(default_factory=lambda: np.zeros(0))
    x_scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    instance_rows: np.ndarray | None = field(default=None, compare=False, repr=False)
    instance_ids: object = field(default=None, compare=False, repr=False)

    @property
    def k(self) -> int:
        return self.patterns.shape[1]

    @property
    def n_groups(self) -> int:
        return len(self.group_levels)

    @property
    def n_strata(self) -> int:
        return len(self.strata_group)

    @property
    def n_instances(self) -> int:
        return int(self.counts.sum())

    @property
    def stratum_zeros(self) -> np.ndarray:
        """Zeros of shape (U, 1): adding it broadcasts a parameter over strata."""
        return np.zeros((self.n_strata, 1))

    @property
    def strata_counts(self) -> np.ndarray:
        """Instances per stratum, shape (U,)."""
        return np.bincount(self.strata, weights=self.counts, minlength=self.n_strata).astype(np.int64)

    @property
    def complete(self) -> bool:
        return bool(np.all(self.patterns >= 0))

    @cached_property
    def observed_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct masks of observed cells ``(M, k)`` (int8, 1 = met; sorted) and each row's mask ``(R,)``.

        Computed once per design (the likelihoods and the derived quantities ask
        for it on every chunk of draws).
        """
        return _unique_masks(self.patterns >= 0)

    def digest(self) -> str:
        """SHA-256 of everything the likelihood sees (patterns, counts, groups, covariates)."""
        h = hashlib.sha256()
        for a in (self.patterns, self.counts, self.strata, self.strata_group, self.strata_x):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr((self.models, self.group_levels, self.covariate_names)).encode())
        return h.hexdigest()

    def profile_table(self) -> ProfileTable:
        """The profile rows as a :class:`~ecostat.data.profiles.ProfileTable` (with the group, without covariates).

        Examples
        --------
        >>> import ecostat as es
        >>> d = make_design(es.simulate(n=300, groups={"a": .5, "b": .5}, seed=0))
        >>> t = d.profile_table()
        >>> int(t.counts.sum()), t.group_levels
        (300, ('a', 'b'))
        """
        grouped = self.n_groups > 1
        return ProfileTable(patterns=self.patterns, counts=self.counts, models=tuple(self.models),
                            group_codes=self.strata_group[self.strata] if grouped else None,
                            group_levels=tuple(self.group_levels) if grouped else (),
                            group_name=self.group_name or "group")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for saving (inverse of :func:`design_from_arrays`)."""
        return {"patterns": self.patterns, "counts": self.counts, "strata": self.strata,
                "strata_group": self.strata_group, "strata_x": self.strata_x,
                "x_center": self.x_center, "x_scale": self.x_scale}


def design_from_arrays(arrays: dict, models, group_levels, group_name, covariate_names) -> Design:
    """Rebuild a :class:`Design` saved with :meth:`Design.to_arrays`."""
    a = {key: np.asarray(v) for key, v in arrays.items()}
    return Design(patterns=a["patterns"].astype(np.int8), counts=a["counts"].astype(np.int64),
                  strata=a["strata"].astype(np.int64), strata_group=a["strata_group"].astype(np.int64),
                  strata_x=a["strata_x"].astype(float).reshape(len(a["strata_group"]), -1),
                  models=tuple(models), group_levels=tuple(group_levels), group_name=group_name,
                  covariate_names=tuple(covariate_names), x_center=a["x_center"].astype(float),
                  x_scale=a["x_scale"].astype(float))


def make_design(data, *, group: bool | None = None, covariates=None) -> Design:
    """Collapse a FailureMatrix (or ProfileTable) into the design of a fit.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    group : bool, optional
        Use the attached group (default: if there is one).
    covariates : str or sequence of str, optional
        Attached covariates that shift latent difficulty (numeric, no missing
        values). They are standardized; effects are per standard deviation.

    Returns
    -------
    Design

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.simulate(n=500, groups={"a": .5, "b": .5}, seed=1)
    >>> d = make_design(fm)
    >>> d.k, d.n_groups, d.n_instances
    (3, 2, 500)
    """
    t: ProfileTable = as_table(data)
    R, k = t.patterns.shape
    if R == 0:
        raise DataError("the failure matrix has no instances; nothing to fit.")
    use_group = t.group_codes is not None if group is None else bool(group)
    if use_group and t.group_codes is None:
        raise DataError("group=True but the data have no group: attach one with fm.with_group(...) or pass --group COL.")
    gcodes = t.group_codes.astype(np.int64) if use_group else np.zeros(R, dtype=np.int64)
    levels = tuple(str(g) for g in t.group_levels) if use_group else ("all",)
    if use_group:
        present = np.bincount(gcodes, weights=t.counts, minlength=len(levels))
        if np.any(present == 0):
            empty = [levels[i] for i in np.flatnonzero(present == 0)]
            raise DataError(f"group(s) {empty} have no instances; drop the unused categories "
                            "(e.g. fm.with_group(group.cat.remove_unused_categories())).")
    names: tuple = ()
    X = np.zeros((R, 0))
    center, scale = np.zeros(0), np.ones(0)
    if covariates:
        names = (covariates,) if isinstance(covariates, str) else tuple(covariates)
        X, center, scale = _standardized(t, names)
    keys = np.column_stack([gcodes.astype(float), X]) if X.size else gcodes[:, None].astype(float)
    # rows that differ only in what the fit does not use (an unused group or covariate) are merged
    first, row_of = _unique_rows(t.patterns, keys)
    counts = np.bincount(row_of, weights=t.counts, minlength=len(first)).astype(np.int64)
    patterns, keys = t.patterns[first].astype(np.int8), keys[first]
    uniq, strata = np.unique(keys, axis=0, return_inverse=True)
    instance_rows = instance_ids = None
    if t.inverse is not None:  # instance -> profile-table row -> design row (ecostat.bayes.inference_data)
        instance_rows = row_of.reshape(-1).astype(np.int64)[t.inverse]
        ids = getattr(data, "instance_ids", None)
        instance_ids = ids if ids is not None and len(ids) == len(instance_rows) else None
    if len(uniq) > MANY_STRATA:
        warnings.warn(f"{len(uniq)} distinct (group, covariate) values: the collapsed fit, its posterior quantities "
                      "and LOO cost grows with them. Round or bin continuous covariates (e.g. to 20-50 levels) "
                      "for large data.", EcostatWarning, stacklevel=user_stacklevel())
    return Design(patterns=patterns, counts=counts,
                  strata=strata.reshape(-1).astype(np.int64), strata_group=uniq[:, 0].astype(np.int64),
                  strata_x=uniq[:, 1:], models=tuple(t.models), group_levels=levels,
                  group_name=t.group_name if use_group else None, covariate_names=names,
                  x_center=center, x_scale=scale, instance_rows=instance_rows, instance_ids=instance_ids)


def _unique_rows(patterns: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique (pattern, keys) rows in lexicographic order: (first row of each, row -> unique row).

    The order of ``np.unique(np.column_stack([patterns, keys]), axis=0)``, without
    sorting a float copy of the R x k patterns: each pattern is k bytes
    (value + 1, so byte order is value order) ranked once, the few key columns
    are ranked apart, and the pair of ranks is sorted (k = 1,000, N = 100,000:
    about 1 s instead of 8).
    """
    k = patterns.shape[1]
    packed = np.ascontiguousarray((patterns + 1).astype(np.uint8)).view(np.dtype((np.void, max(k, 1)))).ravel()
    pattern_rank = np.unique(packed, return_inverse=True)[1].reshape(-1).astype(np.int64)
    ukeys, key_rank = np.unique(keys, axis=0, return_inverse=True)
    combined = pattern_rank * len(ukeys) + key_rank.reshape(-1).astype(np.int64)
    _, first, row_of = np.unique(combined, return_index=True, return_inverse=True)
    return first, row_of.reshape(-1).astype(np.int64)


def _standardized(t: ProfileTable, names: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if t.covariates is None:
        raise DataError(f"covariate(s) {list(names)} requested but the data have none: attach them with "
                        "fm.with_covariates(...) or pass --covariate COL.")
    missing = [c for c in names if c not in t.covariates.columns]
    if missing:
        raise DataError(f"unknown covariate(s) {missing}; available: {list(t.covariates.columns)}.")
    cols = []
    for c in names:
        col = t.covariates[c]
        try:
            v = np.asarray(col, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"covariate {c!r} is not numeric; encode it as numbers or use it as the group.") from None
        if np.any(~np.isfinite(v)):
            raise DataError(f"covariate {c!r} has missing or infinite values in {int((~np.isfinite(v)).sum())} "
                            "profile rows; fill or drop those instances first.")
        cols.append(v)
    X = np.column_stack(cols)
    w = t.counts / t.counts.sum()
    center = w @ X
    scale = np.sqrt(w @ (X - center) ** 2)
    if np.any(scale <= 1e-12 * np.maximum(1.0, np.abs(center))):
        const = [names[i] for i in np.flatnonzero(scale <= 1e-12 * np.maximum(1.0, np.abs(center)))]
        raise DataError(f"covariate(s) {const} are constant; they cannot shift difficulty. Remove them.")
    return (X - center) / scale, center, scale


def _unique_masks(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(observed.astype(np.int8), axis=0, return_inverse=True)``, fast for many models.

    The rows are packed into bits (first model in the most significant bit) and
    compared as raw bytes, whose order is the lexicographic order of the 0/1
    rows: the same masks in the same order as the row-wise ``np.unique``.
    """
    if observed.all():
        return np.ones((1, observed.shape[1]), dtype=np.int8), np.zeros(len(observed), dtype=np.int64)
    packed = np.ascontiguousarray(np.packbits(observed, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return observed[first].astype(np.int8), inverse.reshape(-1)
