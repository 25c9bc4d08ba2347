"""The failure matrix: N instances x k decision-makers, 1 = failure.

The failure matrix ``F[i, j] = 1[yhat_i^j != y_i]`` is the central object of
ecosystem-level analysis (Toups et al. 2023, §2.1). ecostat stores it as an
``int8`` array with three values: 1 (failure), 0 (success) and -1 (missing: the
instance never met that decision-maker, Bommasani et al. 2022, App. A.3).
Missing cells are explicit; no row is ever dropped.

Constructors from prediction tables live in :mod:`ecostat.data.readers`; this module
holds the class, its validation and the per-column metadata.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import DataError, EcostatWarning, plain, preview, user_stacklevel
from .profiles import ProfileTable

__all__ = ["FailureMatrix", "MISSING", "DEFAULT_VERSION_PATTERN", "parse_columns"]

MISSING = -1
#: Default pattern splitting a column name into decision-maker and version:
#: ``google_2020`` -> (``google``, ``2020``), ``gpt@v2`` -> (``gpt``, ``v2``).
DEFAULT_VERSION_PATTERN = r"^(?P<name>.+?)[_@](?P<version>(?:19|20)\d\d|v\d+(?:\.\d+)*)$"


def parse_columns(columns: Sequence[str], version_pattern: str | None = DEFAULT_VERSION_PATTERN) -> pd.DataFrame:
    """Split column names into decision-maker name and version.

    Parameters
    ----------
    columns : sequence of str
        Column names, e.g. ``["google_2020", "ibm_2021"]``.
    version_pattern : str or None
        Regular expression with named groups ``name`` and ``version``. Columns
        that do not match keep their full name and get no version. ``None``
        disables parsing.

    Returns
    -------
    pandas.DataFrame
        One row per column with ``column``, ``name``, ``version`` and ``model``
        (the display name: ``name`` when it is unique, else ``column``).

    Examples
    --------
    >>> parse_columns(["google_2020", "ibm_2020", "google_2021"])["model"].tolist()
    ['google_2020', 'ibm', 'google_2021']
    """
    rx = re.compile(version_pattern) if version_pattern else None
    rows = []
    for col in columns:
        col = str(col)
        m = rx.match(col) if rx else None
        if m:
            rows.append((col, m.group("name"), m.group("version")))
        else:
            rows.append((col, col, None))
    meta = pd.DataFrame(rows, columns=["column", "name", "version"], dtype=object)
    counts = meta["name"].value_counts()
    meta["model"] = [r.name if counts[r.name] == 1 else r.column for r in meta.itertuples()]
    return meta


@dataclass(frozen=True, eq=False)
class FailureMatrix:
    """Failures of k decision-makers on the same N instances.

    Parameters
    ----------
    failures : array-like or DataFrame of shape (N, k)
        1 = failure, 0 = success, -1 or NaN = missing (no decision). A
        DataFrame's columns name the models and its index (unless a plain
        range) the instances.
    models : sequence of str, optional
        Decision-maker names (default: DataFrame columns, else ``m1, m2, ...``).
    instance_ids : sequence, optional
        Unique instance identifiers (default: DataFrame index, else ``0..N-1``).
    group : array-like of length N, optional
        Group of each instance (e.g. skin tone). Categorical levels that no
        instance has are an error.
    group_name : str, optional
        Name of the grouping variable (default ``"group"``).
    covariates : pandas.DataFrame, optional
        Instance covariates (N rows), e.g. annotator agreement.
    columns : pandas.DataFrame, optional
        Per-column metadata with at least ``name`` and ``version`` columns
        (see :func:`parse_columns`).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1], [0, 1], [0, 0], [1, 1]], models=["a", "b"])
    >>> fm.n_instances, fm.n_models
    (4, 2)
    >>> fm.failure_rates.tolist()
    [0.5, 0.75]
    """

    failures: np.ndarray
    models: tuple[str, ...] = ()
    instance_ids: pd.Index = None  # type: ignore[assignment]
    group: pd.Categorical | None = None
    group_name: str = "group"
    covariates: pd.DataFrame | None = None
    columns: pd.DataFrame = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if isinstance(self.failures, pd.DataFrame):  # a 0/1 DataFrame names its models and instances
            if not len(self.models):
                object.__setattr__(self, "models", tuple(str(c) for c in self.failures.columns))
            if self.instance_ids is None and not isinstance(self.failures.index, pd.RangeIndex):
                object.__setattr__(self, "instance_ids", self.failures.index)
        F = _as_failure_array(self.failures)
        n, k = F.shape
        models = tuple(str(m) for m in self.models) if len(self.models) else tuple(f"m{j + 1}" for j in range(k))
        if len(models) != k:
            raise DataError(f"{len(models)} model names were given for a failure matrix with {k} columns; give one name per column.")
        dup = pd.Index(models)[pd.Index(models).duplicated()].unique().tolist()
        if dup:
            raise DataError(f"duplicate decision-maker names {preview(dup)}; every column needs a distinct name.")
        ids = pd.RangeIndex(n) if self.instance_ids is None else pd.Index(self.instance_ids)
        if len(ids) != n:
            raise DataError(f"instance_ids has {len(ids)} entries but the failure matrix has {n} rows; give one id per row.")
        if ids.hasnans:
            where = np.flatnonzero(pd.isna(ids))
            raise DataError(f"instance id(s) at row(s) {preview(where)} are missing (empty or NaN); every instance needs an id. "
                            "Fill them in, or leave instance_ids out to number the rows.")
        if ids.has_duplicates:
            raise DataError(f"duplicate instance ids {preview(ids[ids.duplicated()].unique())}; ids must be unique (read_wide/read_long merge identical duplicates).")
        empty_rows = np.flatnonzero((F == MISSING).all(axis=1))
        if empty_rows.size:
            raise DataError(
                f"instance(s) {preview(ids[empty_rows])} have no decision from any decision-maker; "
                "remove these rows before building the failure matrix (ecostat never drops rows itself)."
            )
        group = None if self.group is None else _as_group(self.group, n, ids)
        cov = None
        if self.covariates is not None:
            cov = pd.DataFrame(self.covariates).reset_index(drop=True)
            if len(cov) != n:
                raise DataError(f"covariates have {len(cov)} rows but the failure matrix has {n}; give one row per instance.")
            for c in cov.columns:
                bad = np.flatnonzero(pd.isna(cov[c]).to_numpy())
                if bad.size:
                    raise DataError(f"covariate {c!r} is missing for instance(s) {preview(ids[bad])}; fill or remove these rows first.")
        meta = self.columns
        if meta is None:
            meta = pd.DataFrame({"column": list(models), "name": list(models), "version": [None] * k}, dtype=object)
        meta = meta.reset_index(drop=True).copy()
        if len(meta) != k:
            raise DataError(f"column metadata has {len(meta)} rows for {k} columns.")
        meta["model"] = list(models)
        object.__setattr__(self, "failures", F)
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "instance_ids", ids)
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "covariates", cov)
        object.__setattr__(self, "columns", meta)

    # ----------------------------------------------------------------- shape
    @property
    def n_instances(self) -> int:
        """Number of instances N."""
        return int(self.failures.shape[0])

    @property
    def n_models(self) -> int:
        """Number of decision-makers k."""
        return int(self.failures.shape[1])

    @property
    def has_missing(self) -> bool:
        """Whether any cell is missing."""
        return bool((self.failures == MISSING).any())

    @cached_property
    def failure_rates(self) -> np.ndarray:
        """Failure rate of each decision-maker over its observed cells (Toups §2.1)."""
        seen = (self.failures >= 0).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(seen > 0, (self.failures == 1).sum(axis=0) / np.maximum(seen, 1), np.nan)

    def __repr__(self) -> str:
        extra = f", group={self.group_name!r}" if self.group is not None else ""
        return f"FailureMatrix(n_instances={self.n_instances}, models={list(self.models)}{extra})"

    # ------------------------------------------------------------ derived
    def profile_table(self) -> ProfileTable:
        """The profile table: unique (profile, group, covariates) rows with counts.

        It is the sufficient statistic of every descriptive metric and every
        exchangeable likelihood (docs/architecture.md §2). Computed once and cached.
        """
        cached = self.__dict__.get("_profile_table")
        if cached is None:
            cached = ProfileTable.from_failure_matrix(self)
            object.__setattr__(self, "_profile_table", cached)
        return cached

    def model_index(self, names: Iterable[str]) -> list[int]:
        """Column positions of ``names`` (display name, decision-maker or source column)."""
        out = []
        for name in names:
            hits = [j for j, r in enumerate(self.columns.itertuples()) if name in (r.model, r.column)]
            if not hits:
                hits = [j for j, r in enumerate(self.columns.itertuples()) if name == r.name]
            if not hits:
                raise DataError(f"unknown model {name!r}; available: {preview(self.models, 20)}.")
            out.extend(hits)
        return out

    def select(self, models: Sequence[str]) -> FailureMatrix:
        """A failure matrix with only ``models`` (in that order).

        A name may be a display name, a source column (``google_2020``) or a
        decision-maker with all of its versions (``google``).
        """
        idx = self.model_index(models)
        if len(set(idx)) != len(idx):
            raise DataError(f"models {list(models)} select some column twice; name each column once.")
        return self._subset_columns(idx)

    def ordered(self) -> FailureMatrix:
        """Columns in ascending failure rate (Toups §2.1); ties keep their order."""
        order = np.argsort(self.failure_rates, kind="stable")
        return self._subset_columns(list(order))

    def _subset_columns(self, idx: Sequence[int]) -> FailureMatrix:
        idx = list(idx)
        F = self.failures[:, idx]
        meta = self.columns.iloc[idx].reset_index(drop=True)
        # display names: the decision-maker where it is unique in the subset, else the source column
        unique = meta["name"].map(meta["name"].value_counts()) == 1
        names = [r.name if u and r.version is not None else self.models[j]
                 for j, u, r in zip(idx, unique, meta.itertuples())]
        empty = (F == MISSING).all(axis=1)
        if empty.any():
            raise DataError(
                f"with models {names}, instance(s) {preview(self.instance_ids[empty])} have no decision left; "
                "choose models that every instance met, or drop those instances first."
            )
        return FailureMatrix(F, models=names, instance_ids=self.instance_ids, group=self.group,
                             group_name=self.group_name, covariates=self.covariates, columns=meta)

    def with_group(self, group, name: str = "group") -> FailureMatrix:
        """A copy with ``group`` (length N) as the instance grouping."""
        return FailureMatrix(self.failures, models=self.models, instance_ids=self.instance_ids, group=group,
                             group_name=name, covariates=self.covariates, columns=self.columns)

    def with_covariates(self, covariates: pd.DataFrame) -> FailureMatrix:
        """A copy with ``covariates`` (N rows) as instance covariates."""
        return FailureMatrix(self.failures, models=self.models, instance_ids=self.instance_ids, group=self.group,
                             group_name=self.group_name, covariates=covariates, columns=self.columns)

    def attach(self, data: pd.DataFrame, *, on: str, group: str | None = None,
               covariates: Sequence[str] = ()) -> FailureMatrix:
        """Join instance-level columns from another table by instance id.

        Parameters
        ----------
        data : pandas.DataFrame
            Table with one row per instance and an id column ``on``.
        on : str
            Name of the id column in ``data``.
        group : str, optional
            Column of ``data`` to use as the grouping.
        covariates : sequence of str
            Columns of ``data`` to attach as covariates.

        Examples
        --------
        >>> import pandas as pd, ecostat as es
        >>> fm = es.FailureMatrix([[1, 1], [0, 1]], models=["a", "b"], instance_ids=["x", "y"])
        >>> votes = pd.DataFrame({"id": ["y", "x"], "agree": [0.9, 0.5]})
        >>> fm.attach(votes, on="id", covariates=["agree"]).covariates["agree"].tolist()
        [0.5, 0.9]
        """
        cols = [c for c in [on, group, *covariates] if c is not None]
        missing_cols = [c for c in cols if c not in data.columns]
        if missing_cols:
            raise DataError(f"column(s) {preview(missing_cols)} not found; available: {preview(list(data.columns), 20)}.")
        keyed = data[cols].copy()
        if self.instance_ids.dtype != object:
            try:
                keyed[on] = keyed[on].astype(self.instance_ids.dtype)
            except (TypeError, ValueError):
                raise DataError(f"id column {on!r} holds values like {plain(keyed[on].iloc[0])!r} that cannot match the "
                                f"instance ids (dtype {self.instance_ids.dtype}, e.g. {plain(self.instance_ids[0])!r}); "
                                "convert one to the other first.") from None
        if keyed[on].duplicated().any():
            raise DataError(f"id column {on!r} has duplicates {preview(keyed.loc[keyed[on].duplicated(), on].unique())}; give one row per instance.")
        keyed = keyed.set_index(on)
        absent = self.instance_ids.difference(keyed.index)
        if len(absent):
            raise DataError(f"{len(absent)} instance(s) have no row in the attached table, e.g. {preview(absent)}; every instance needs a row.")
        rows = keyed.loc[self.instance_ids]
        out = self
        if covariates:
            cov = rows[list(covariates)].reset_index(drop=True)
            if self.covariates is not None:
                cov = pd.concat([self.covariates, cov], axis=1)
            out = out.with_covariates(cov)
        if group is not None:
            out = out.with_group(rows[group].to_numpy(), name=group)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The failure matrix as a DataFrame (missing cells as ``<NA>``)."""
        df = pd.DataFrame(self.failures, columns=list(self.models), index=self.instance_ids).astype("Int8")
        return df.mask(df == MISSING)


def _as_failure_array(values) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        values = values.to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(values)
    if arr.ndim != 2:
        raise DataError(f"a failure matrix must be 2-dimensional (instances x decision-makers); got shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"the failure matrix is empty (shape {arr.shape}); it needs at least one instance and one decision-maker.")
    if arr.dtype == np.int8 and np.isin(arr, (-1, 0, 1)).all():
        return arr
    if arr.dtype.kind == "b":
        return arr.astype(np.int8)
    if arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise DataError("failure matrix cells must be 0/1 (or -1/NaN for missing); found non-numeric values.") from None
    arr = arr.astype(float)
    nan = np.isnan(arr)
    arr = np.where(nan, MISSING, arr)
    ok = np.isin(arr, (-1.0, 0.0, 1.0))
    if not ok.all():
        i, j = np.argwhere(~ok)[0]
        raise DataError(f"failure matrix cell (row {i}, column {j}) is {float(arr[i, j])!r}; cells must be 1 (failure), 0 (success) or -1/NaN (missing).")
    return arr.astype(np.int8)


def _as_group(group, n: int, ids: pd.Index) -> pd.Categorical:
    cat = group if isinstance(group, pd.Categorical) else pd.Categorical(np.asarray(group, dtype=object) if not isinstance(group, pd.Series) else group)
    if len(cat) != n:
        raise DataError(f"group has {len(cat)} entries but the failure matrix has {n} rows; give one group per instance.")
    miss = np.flatnonzero(cat.codes < 0)
    if miss.size:
        raise DataError(f"group is missing for instance(s) {preview(ids[miss])}; assign every instance a group (e.g. 'unknown') first.")
    used = np.bincount(cat.codes, minlength=len(cat.categories))
    empty = [c for c, u in zip(cat.categories, used) if u == 0]
    if empty:
        raise DataError(f"group level(s) {preview(empty)} have no instances; an empty group has no failure rate. "
                        "Remove unused levels (Categorical.remove_unused_categories()).")
    if len(cat.categories) < 1:
        raise DataError("group has no levels.")
    return cat


def merge_duplicate_rows(df: pd.DataFrame, id_col: str, what: str,
                         fix: str = "make ids unique (e.g. prefix them with the label, as HAPI's COMMAND does)") -> pd.DataFrame:
    """Merge rows with identical duplicate ids (one warning); conflicting ones are an error.

    Ids and values are compared as they are (text as written): ``7`` and
    ``007`` are different ids. Missing ids are an error.
    """
    missing = df[id_col].isna().to_numpy()
    if missing.any():
        raise DataError(f"{int(missing.sum())} {what} id(s) are missing (empty cells); every row needs an id. Fill them in "
                        "or remove those rows.")
    dup = df[id_col].duplicated(keep=False)
    if not dup.any():
        return df
    sub = df.loc[dup]
    conflicting = sub.groupby(id_col, sort=False, dropna=False).nunique(dropna=False).gt(1).any(axis=1)
    if conflicting.any():
        bad = conflicting.index[conflicting.to_numpy()]
        raise DataError(
            f"{len(bad)} {what} id(s) repeat with conflicting values, e.g. {preview(bad)}; "
            f"{fix} or remove the conflicting rows."
        )
    n_dup = int(df[id_col].duplicated().sum())
    warnings.warn(f"{n_dup} identical duplicate {what} row(s) (same id, same values) were merged into one.", EcostatWarning,
                  stacklevel=user_stacklevel())
    return df.drop_duplicates(subset=[id_col], keep="first")
