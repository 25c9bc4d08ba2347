"""The profile table: the sufficient statistic of ecosystem-level analysis.

A profile is one row of the failure matrix (Toups et al. 2023, §2.1: the
"outcome profile" ``f_i = F[i, :]``). Instances with the same profile, group
and covariate values are exchangeable, so every descriptive metric and every
exchangeable likelihood depends on the data only through the counts of the
unique rows (docs/architecture.md §2). With k large only observed profiles are stored (at
most N rows), never all 2^k.

All metric functions take a :class:`ProfileTable` and optionally a ``counts``
array of shape ``(..., P)`` that replaces ``table.counts``; bootstrap
replicates are evaluated this way, vectorized over the leading axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, preview

__all__ = ["ProfileTable", "as_table", "require_complete", "resolve_counts"]


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """Unique (profile, group, covariates) rows with their counts.

    Attributes
    ----------
    patterns : ndarray of int8, shape (P, k)
        1 failure, 0 success, -1 missing.
    counts : ndarray of int64, shape (P,)
        Number of instances with each row.
    models : tuple of str
        Decision-maker names (columns of ``patterns``).
    group_codes : ndarray of int64, shape (P,), or None
        Index into ``group_levels``.
    group_levels : tuple
        Group labels.
    group_name : str
        Name of the grouping variable.
    covariates : pandas.DataFrame or None
        Covariate values of each row (P rows).
    inverse : ndarray of int64, shape (N,)
        Row of the table of each instance of the source failure matrix.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [1, 1], [0, 0]], models=["a", "b"])
    >>> t = fm.profile_table()
    >>> t.to_frame()
       a  b  count
    0  0  0      1
    1  0  1      1
    2  1  1      2
    """

    patterns: np.ndarray
    counts: np.ndarray
    models: tuple[str, ...]
    group_codes: np.ndarray | None = None
    group_levels: tuple = ()
    group_name: str = "group"
    covariates: pd.DataFrame | None = None
    inverse: np.ndarray | None = None

    @classmethod
    def from_failure_matrix(cls, fm) -> ProfileTable:
        """Build the table of ``fm`` (one pass, ``O(N k)`` plus a sort)."""
        F = fm.failures
        keys = [_row_codes(F)]
        if fm.group is not None:
            keys.append(np.asarray(fm.group.codes, dtype=np.int64))
        if fm.covariates is not None:
            for c in fm.covariates.columns:
                keys.append(pd.factorize(fm.covariates[c], sort=True)[0].astype(np.int64))
        key = _combine_keys(keys)
        uniq, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        group_codes = None
        levels: tuple = ()
        if fm.group is not None:
            group_codes = np.asarray(fm.group.codes, dtype=np.int64)[first]
            levels = tuple(fm.group.categories)
        cov = None if fm.covariates is None else fm.covariates.iloc[first].reset_index(drop=True)
        return cls(F[first], counts.astype(np.int64), tuple(fm.models), group_codes, levels,
                   fm.group_name, cov, inverse.astype(np.int64).ravel())

    @classmethod
    def from_counts(cls, patterns, counts, models=None, group_codes=None, group_levels=(),
                    group_name: str = "group") -> ProfileTable:
        """Build a table directly from profiles and counts (e.g. published tables).

        Examples
        --------
        >>> t = ProfileTable.from_counts([[0, 0], [1, 1]], [3, 1], models=["a", "b"])
        >>> int(t.n_instances)
        4
        """
        patterns = np.asarray(patterns, dtype=np.int8)
        counts = np.asarray(counts, dtype=np.int64)
        if patterns.ndim != 2 or counts.shape != (patterns.shape[0],):
            raise DataError(f"patterns must be (P, k) and counts (P,); got {patterns.shape} and {counts.shape}.")
        if (counts < 0).any():
            raise DataError("profile counts must be non-negative.")
        models = tuple(models) if models is not None else tuple(f"m{j + 1}" for j in range(patterns.shape[1]))
        gc = None if group_codes is None else np.asarray(group_codes, dtype=np.int64)
        return cls(patterns, counts, models, gc, tuple(group_levels), group_name)

    # -------------------------------------------------------------- basics
    @property
    def n_profiles(self) -> int:
        """Number of rows P."""
        return int(self.patterns.shape[0])

    @property
    def n_models(self) -> int:
        """Number of decision-makers k."""
        return int(self.patterns.shape[1])

    @property
    def n_instances(self) -> int:
        """Number of instances N (sum of counts)."""
        return int(self.counts.sum())

    @property
    def has_missing(self) -> bool:
        """Whether any profile has a missing cell."""
        return bool((self.patterns < 0).any())

    @property
    def n_groups(self) -> int:
        """Number of groups (0 when there is no grouping)."""
        return len(self.group_levels)

    def group_onehot(self) -> np.ndarray:
        """(P, G) float indicator of each row's group."""
        if self.group_codes is None:
            raise DataError("this analysis needs a grouping; pass group=COLUMN when building the failure matrix.")
        return np.eye(self.n_groups)[self.group_codes]

    def subset(self, rows: np.ndarray) -> ProfileTable:
        """The table restricted to boolean/integer ``rows`` (counts kept)."""
        gc = None if self.group_codes is None else self.group_codes[rows]
        cov = None if self.covariates is None else self.covariates.iloc[np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows].reset_index(drop=True)
        return ProfileTable(self.patterns[rows], self.counts[rows], self.models, gc, self.group_levels,
                            self.group_name, cov, None)

    def columns(self, idx) -> ProfileTable:
        """The table of a subset of decision-makers, re-aggregated.

        Rows whose selected cells are all missing are an error: they would drop
        instances silently.
        """
        idx = list(idx)
        pat = self.patterns[:, idx]
        if (pat < 0).all(axis=1).any():
            raise DataError("some instances have no decision from the selected decision-makers; choose other columns.")
        keys = [_row_codes(pat)]
        if self.group_codes is not None:
            keys.append(self.group_codes)
        key = _combine_keys(keys)
        uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
        counts = np.bincount(inv.ravel(), weights=self.counts, minlength=len(uniq)).astype(np.int64)
        gc = None if self.group_codes is None else self.group_codes[first]
        return ProfileTable(pat[first], counts, tuple(self.models[j] for j in idx), gc, self.group_levels,
                            self.group_name, None, None)

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (one column per model, group, covariates, count)."""
        df = pd.DataFrame(self.patterns, columns=list(self.models))
        if self.group_codes is not None:
            df[self.group_name] = [self.group_levels[c] for c in self.group_codes]
        if self.covariates is not None:
            df = pd.concat([df, self.covariates], axis=1)
        df["count"] = self.counts
        return df


def as_table(data) -> ProfileTable:
    """Return the profile table of a :class:`FailureMatrix` (or the table itself)."""
    if isinstance(data, ProfileTable):
        return data
    if hasattr(data, "profile_table"):
        return data.profile_table()
    raise DataError(f"expected a FailureMatrix or ProfileTable, got {type(data).__name__}; build one with ecostat.FailureMatrix or ecostat.read_wide.")


def require_complete(t: ProfileTable, idx=None, what: str = "this analysis") -> None:
    """Raise a DataError if an instance lacks a decision from one of the models ``idx`` (default all)."""
    idx = list(range(t.n_models)) if idx is None else list(idx)
    miss = (t.patterns[:, idx] < 0) & (t.counts[:, None] > 0)
    if miss.any():
        cols = [t.models[idx[j]] for j in np.flatnonzero(miss.any(axis=0))]
        n = int(t.counts[miss.any(axis=1)].sum())
        raise DataError(
            f"{what} needs every instance to have a decision from every model compared, but {n} instance(s) "
            f"have missing cells in {preview(cols)}. Select models every instance met (fm.select([...]); --models "
            "on the command line) or keep only the complete instances, e.g. "
            "es.FailureMatrix(fm.failures[(fm.failures >= 0).all(axis=1)], models=fm.models, columns=fm.columns)."
        )


def resolve_counts(table: ProfileTable, counts) -> np.ndarray:
    """``counts`` as a float array of shape (..., P), defaulting to the table's."""
    c = table.counts if counts is None else np.asarray(counts)
    if c.shape[-1] != table.n_profiles:
        raise DataError(f"counts has {c.shape[-1]} entries in its last axis; the table has {table.n_profiles} profiles.")
    return c.astype(float)


def _row_codes(F: np.ndarray) -> np.ndarray:
    """One int64 code per row: base 2 (no missing, k <= 62), base 3 (k <= 39), else row ranks."""
    n, k = F.shape
    missing = (F < 0).any()
    base = 3 if missing else 2
    if k <= (39 if missing else 62):
        digits = (F.astype(np.int64) % 3) if missing else F.astype(np.int64)
        weights = base ** np.arange(k, dtype=np.int64)
        return digits @ weights
    packed = np.ascontiguousarray(F).view(np.dtype((np.void, k)))
    return np.unique(packed.ravel(), return_inverse=True)[1].astype(np.int64).ravel()


def _combine_keys(keys: list[np.ndarray]) -> np.ndarray:
    """Combine integer key arrays into one int64 key, re-ranking if the product would overflow."""
    key = keys[0]
    for extra in keys[1:]:
        key = np.unique(key, return_inverse=True)[1].astype(np.int64).ravel()
        extra = np.unique(extra, return_inverse=True)[1].astype(np.int64).ravel()
        key = key * (int(extra.max()) + 1) + extra
    return key
