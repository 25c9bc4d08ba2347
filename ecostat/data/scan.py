"""Reduce prediction logs to a profile table with an engine (out of core or on a cluster).

The profile table (:class:`~ecostat.data.profiles.ProfileTable`) is the
sufficient statistic of every analysis, and it is two group-bys away from a
prediction log: (1) per instance, the failure pattern over the decision-makers
(failure = ``prediction != label``, Toups et al. 2023, §2.1; an absent
(instance, decision-maker) pair is a missing cell, Bommasani et al. 2022,
App. A.3) and the instance's group and covariates; (2) the number of
instances per (pattern, group, covariates). :func:`scan_profiles` runs both
group-bys inside an engine and brings only the small result into numpy, so a
log larger than memory never becomes a pandas DataFrame.

Patterns are encoded compactly in the engine: decision-maker ``j`` is bit
``j % 62`` of word ``j // 62`` of two 64-bit integers per instance, a failure
mask and an observed mask (one pair of words for k <= 62; more words, never
strings, for larger k). Per instance the words are OR-ed over the instance's
rows (a sum for the engines that have no OR aggregate, with duplicates handled
first), and the second group-by runs on the words.

Engines
-------
``duckdb`` (default for files, globs, directories, pandas DataFrames and Arrow
tables). DuckDB streams Parquet and CSV (projection push-down: only the needed
columns are read), runs both hash aggregations out of core under a
configurable ``memory_limit``, spilling to ``temp_directory``, uses every core,
and scans pandas and Arrow data in place. It is one self-contained wheel with
no dependencies, which is why it is a core dependency of ecostat. Polars'
streaming engine was the alternative; its out-of-core group-by is younger and
has no memory limit to set, and DuckDB's SQL is shared with the Spark path
(one query text for both). ``dask`` (default for Dask DataFrames; files are
read with ``dask.dataframe``) runs on whatever scheduler is active, e.g. a
``distributed`` cluster. ``spark`` (default for Spark DataFrames; needs
pyspark and Java) runs the same SQL as DuckDB in Spark SQL. ``pandas`` runs
the Dask code eagerly on an in-memory DataFrame (a reference path, no new
dependency).

The rules and messages for bad input follow :func:`ecostat.read_long` and
:func:`ecostat.read_wide`; the result equals ``read_long(...).profile_table()``
(``read_wide`` for the wide layout) with ``inverse=None``. Two deliberate
differences: an empty instance or decision-maker id in a long table is an error
here (``read_long`` turns it into an instance or a decision-maker named
``nan``), and ``models=`` in the long layout selects decision-makers as
:meth:`ecostat.FailureMatrix.select` does.
"""

from __future__ import annotations

import glob as _glob
import importlib
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, EcostatError, EcostatWarning, plain, preview, user_stacklevel
from .failures import DEFAULT_VERSION_PATTERN, FailureMatrix, parse_columns
from .profiles import ProfileTable, _combine_keys, _row_codes

__all__ = ["scan_profiles", "ENGINES"]

#: Engines :func:`scan_profiles` can run on.
ENGINES = ("duckdb", "dask", "spark", "pandas")
_BITS = 62  # bits used per 64-bit word (no sign bit, room for carries in sums)
_EXTRAS = {"duckdb": ("duckdb", "pip install duckdb (a dependency of ecostat; reinstall it)"),
           "dask": ("dask.dataframe", "pip install 'ecostat[dask]'"),
           "spark": ("pyspark", "pip install 'ecostat[spark]' (Spark also needs Java 17 or later)")}
_PARQUET = (".parquet", ".pq", ".parq")
_TEXT = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".tab", ".txt", ".csv.zst")
_NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "hugeint", "utinyint", "usmallint", "uinteger", "ubigint",
                  "uhugeint", "float", "double", "real", "decimal", "numeric", "boolean", "bool", "long", "short",
                  "byte", "null", "void")


def scan_profiles(source, *, layout: str = "long", engine: str | None = None, instance: str | None = "instance_id",
                  model: str = "model", prediction: str = "prediction", label: str = "label", failure: str | None = None,
                  group: str | None = None, covariates: Sequence[str] = (), models=None, years: Sequence | None = None,
                  version_pattern: str | None = DEFAULT_VERSION_PATTERN, memory_limit: str | int | None = None,
                  threads: int | None = None, temp_directory: str | os.PathLike | None = None) -> ProfileTable:
    """Reduce a prediction log to its profile table inside an engine, out of core.

    The result is the table that ``ecostat.read_long(...).profile_table()``
    (``read_wide`` for ``layout="wide"``) gives on the same data: same
    patterns, counts, decision-maker order and names, group levels and codes,
    covariates (docs/architecture.md §2: the profile table is the sufficient statistic).
    Only that table is materialised; the log itself is streamed by the engine,
    so it may be far larger than memory.

    Parameters
    ----------
    source : path, glob, list of paths, or DataFrame
        Parquet or CSV/TSV file(s) (``"logs/*.parquet"``, a directory of
        Parquet files, hive-partitioned or not), a pandas DataFrame, a pyarrow
        Table, a Dask DataFrame or a Spark DataFrame.
    layout : {"long", "wide"}
        ``"long"``: one row per (instance, decision-maker) with ``prediction``
        and ``label`` (or a 0/1 ``failure``); an absent pair is a missing cell.
        ``"wide"``: one row per instance, a ``label`` column and one prediction
        column per decision-maker (as :func:`ecostat.read_wide`).
    engine : {"duckdb", "dask", "spark", "pandas"}, optional
        Default: ``"dask"`` for a Dask DataFrame, ``"spark"`` for a Spark
        DataFrame, ``"duckdb"`` otherwise.
    instance : str or None
        Instance id column. In the wide layout it may be absent (if left at
        ``"instance_id"``) or None: each row is then one instance.
    model, prediction, label : str
        Decision-maker, prediction and label columns (long layout; ``label``
        is also the wide layout's label column).
    failure : str, optional
        A 0/1 failure column to use instead of prediction and label (long).
    group : str, optional
        Column holding each instance's group (constant within an instance).
    covariates : sequence of str
        Instance-level covariate columns.
    models : list of str or comma-separated str, optional
        Decision-makers to keep, in this order: a name (``google``, all its
        versions need distinct names) or a source value/column (``google_2020``).
        Long layout: as :meth:`ecostat.FailureMatrix.select` on the full table;
        wide layout: as ``read_wide(models=...)``. Default: all, sorted (long)
        or in column order (wide).
    years : sequence, optional
        Wide layout: keep versioned columns of these versions (as ``read_wide``).
    version_pattern : str or None
        Regex splitting names into decision-maker and version
        (:func:`ecostat.parse_columns`).
    memory_limit : str or int, optional
        DuckDB: the most memory the engine may use (``"4GB"``, or bytes);
        beyond it the group-bys spill to ``temp_directory``. Default: DuckDB's
        (80% of RAM).
    threads : int, optional
        DuckDB: worker threads (default: all cores).
    temp_directory : path, optional
        DuckDB: where to spill (default: a fresh temporary directory, removed
        afterwards).

    Returns
    -------
    ProfileTable
        With ``inverse=None`` (there is no in-memory failure matrix to index).

    Raises
    ------
    DataError
        Missing columns; an (instance, decision-maker) pair repeated with
        conflicting values; an instance with several labels/groups or none;
        an empty instance or decision-maker id; a failure column that is not
        0/1; predictions and labels of different kinds; an unknown model; an
        instance with no decision; a missing group or covariate.
    EcostatError
        The engine is not installed (the message names the ``pip install``).

    Notes
    -----
    Identical duplicate (instance, decision-maker) rows are merged with one
    :class:`~ecostat.errors.EcostatWarning`, as ``read_long`` does; checking
    that duplicates are identical takes a second pass over the log. The
    Bernoulli failure coding is Toups et al. 2023, §2.1.

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> from ecostat.data.scan import scan_profiles
    >>> log = pd.DataFrame({"instance_id": [1, 1, 2, 2, 3],
    ...                     "model": ["a", "b", "a", "b", "a"],
    ...                     "prediction": [0, 1, 1, 1, 2], "label": [0, 0, 1, 1, 0]})
    >>> t = scan_profiles(log)
    >>> t.to_frame()
       a  b  count
    0  0  0      1
    1  0  1      1
    2  1 -1      1
    >>> t.counts.tolist() == es.read_long(log).profile_table().counts.tolist()
    True

    A Parquet dataset on disk is read by DuckDB without loading it:

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "log.parquet")
    >>> log.to_parquet(path)
    >>> scan_profiles(path, memory_limit="256MB").n_instances
    3
    """
    if layout not in ("long", "wide"):
        raise DataError(f"layout must be 'long' or 'wide', got {layout!r}.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    backend = _open(source, engine, layout=layout, memory_limit=memory_limit, threads=threads,
                    temp_directory=temp_directory)
    try:
        if layout == "long":
            plan = _plan_long(backend, instance=instance, model=model, prediction=prediction, label=label,
                              failure=failure, group=group, covariates=covariates, models=models,
                              version_pattern=version_pattern)
        else:
            plan = _plan_wide(backend, instance=instance, label=label, group=group, covariates=covariates,
                              models=models, years=years, version_pattern=version_pattern)
        _check_kinds(backend, plan)
        rows = backend.reduce(plan)
        rows = _check(backend, plan, rows)
        return _assemble(plan, rows)
    finally:
        backend.close()


# ----------------------------------------------------------------- the plan
@dataclass
class _Plan:
    """What to reduce: column roles, the decision-makers and how to compare."""

    layout: str
    instance: str | None          # id column; None: each row is an instance (wide only)
    model: str | None             # decision-maker column (long)
    value: str | None             # prediction or failure column (long)
    label: str | None             # None with a failure column
    group: str | None
    covariates: list[str]
    values: list                  # long: distinct decision-maker values (sorted); wide: prediction columns
    selected: list[int]           # positions in ``values``, in output order
    models: tuple[str, ...]       # display names of the selected decision-makers
    compare: str = "numeric"      # "numeric", "text" or "failure"
    float_columns: set = field(default_factory=set)
    dedup: bool = False           # drop identical duplicate rows first (engines that sum instead of OR)

    @property
    def failure_mode(self) -> bool:
        return self.compare == "failure"

    @property
    def k(self) -> int:
        return len(self.selected)

    @property
    def words(self) -> int:
        return max(1, -(-self.k // _BITS))

    @property
    def present_words(self) -> int:
        return max(1, -(-len(self.values) // _BITS))

    def mapping(self) -> pd.DataFrame:
        """Long layout: per decision-maker value, its present bit and its selected bit (word, value)."""
        n = len(self.values)
        sel = np.full(n, -1, dtype=np.int64)
        sel[self.selected] = np.arange(self.k)
        aj = np.arange(n, dtype=np.int64)
        return pd.DataFrame({
            "_mv": pd.Series(self.values),
            "_pw": aj // _BITS, "_pb": np.left_shift(np.int64(1), aj % _BITS),
            "_sj": sel, "_sw": np.where(sel >= 0, sel // _BITS, -1),
            "_sb": np.where(sel >= 0, np.left_shift(np.int64(1), np.maximum(sel, 0) % _BITS), 0),
        })

    def instance_columns(self) -> list[str]:
        """Instance-level columns, in ``read_long``'s order (for messages)."""
        cols = [] if self.failure_mode else [self.label]
        return [c for c in [*cols, self.group, *self.covariates] if c]


def _require(columns: Sequence[str], wanted, role: str) -> None:
    missing = [c for c in wanted if c is not None and c not in columns]
    if missing:
        raise DataError(f"{role} column(s) {preview(missing)} not found; available columns: {preview(list(columns), 30)}.")


def _plan_long(backend, *, instance, model, prediction, label, failure, group, covariates, models, version_pattern) -> _Plan:
    cols = backend.columns
    if instance is None:
        raise DataError("the long layout needs an instance id column (instance=...).")
    if failure is None:
        _require(cols, [instance, model, prediction, label], "instance/model/prediction/label")
    else:
        _require(cols, [instance, model, failure], "instance/model/failure")
    _require(cols, [group, *covariates], "group/covariate")
    values, n_rows, null_ids, null_models = backend.model_values(instance, model)
    if n_rows == 0:
        raise DataError("the prediction log has no rows; there is nothing to analyse.")
    if null_ids:
        raise DataError(f"instance column {instance!r} is empty on {null_ids} row(s); every row needs an instance id. "
                        "Fill in or remove those rows.")
    if null_models:
        raise DataError(f"model column {model!r} is empty on {null_models} row(s); every row needs a decision-maker. "
                        "Fill in or remove those rows.")
    values = _sorted(values)
    meta = parse_columns([str(v) for v in values], version_pattern)
    if models is None:
        selected, names = list(range(len(values))), tuple(meta["model"])
    else:
        wanted = [m.strip() for m in models.split(",") if m.strip()] if isinstance(models, str) else list(models)
        probe = FailureMatrix(np.zeros((1, len(values)), dtype=np.int8), models=list(meta["model"]), columns=meta)
        selected = probe.model_index(wanted)
        picked = probe.select(wanted)  # duplicate selections and display names, as FailureMatrix.select
        names = picked.models
    if failure is not None:
        compare = "failure"
    else:
        compare = backend.kind(label)
    floats = {c for c in [failure or prediction, None if failure else label, group, *covariates] if c and backend.is_float(c)}
    return _Plan("long", instance, model, failure or prediction, None if failure else label, group, covariates,
                 values, list(selected), tuple(names), compare, floats)


def _plan_wide(backend, *, instance, label, group, covariates, models, years, version_pattern) -> _Plan:
    from .readers import prediction_columns

    cols = backend.columns
    if instance is not None and instance not in cols:
        if instance != "instance_id":
            _require(cols, [instance], "id")
        instance = None
    _require(cols, [label, group, *covariates], "label/group/covariate")
    exclude = [c for c in [instance, label, group, *covariates] if c is not None]
    chosen = prediction_columns([c for c in cols if c not in set(exclude)], models, years, version_pattern)
    meta = parse_columns(chosen, version_pattern)
    if years is not None:  # as read_wide: versioned columns of these years, unversioned columns stay
        wanted = {str(y) for y in years}
        keep = (meta["version"].astype(str).isin(wanted) | meta["version"].isna()).to_numpy()
        if not (keep & meta["version"].notna().to_numpy()).any():
            raise DataError(f"no selected column has a version in {sorted(wanted)}; versions present: {preview(sorted(set(meta['version'].dropna())))}.")
        if models is not None:
            requested = [m.strip() for m in models.split(",")] if isinstance(models, str) else list(models)
            for m in requested:
                mine = (meta["column"] == m) | (meta["name"] == m)
                if not (mine.to_numpy() & keep).any():
                    have = sorted(set(meta.loc[mine, "version"].dropna()))
                    raise DataError(f"model {m!r} has no column for years {sorted(wanted)} (it has {preview(have)}); "
                                    "choose years it has or leave it out.")
        chosen = [c for c, k in zip(chosen, keep) if k]
        meta = parse_columns(chosen, version_pattern)
    floats = {c for c in [*chosen, label, group, *covariates] if c and backend.is_float(c)}
    return _Plan("wide", instance, None, None, label, group, covariates, list(chosen), list(range(len(chosen))),
                 tuple(meta["model"]), backend.kind(label), floats)


def _sorted(values: list) -> list:
    """Decision-maker values in the order of ``DataFrame.pivot`` (sorted; by text if types are mixed)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


# ------------------------------------------------------------------ checks
def _more(examples: list, total: int) -> str:
    """``preview`` of the first examples of ``total`` offending values."""
    text = preview(examples)
    return text + (f", ... ({total - len(examples)} more)" if total > len(examples) else "")


def _check_kinds(backend, plan: _Plan) -> None:
    """Predictions and labels of different kinds (text vs numbers) are an error, as in read_long/read_wide."""
    if plan.failure_mode:
        if backend.kind(plan.value) == "text":
            example = backend.first_value(plan.value)
            raise DataError(f"failure column {plan.value!r} must be 0/1; it holds text values (e.g. {plain(example)!r}).")
        return
    label_kind = plan.compare
    label_example = backend.first_value(plan.label)
    if label_example is None:
        return  # no label at all: the empty-label check after the reduction names the instances
    columns = [plan.value] if plan.layout == "long" else [plan.values[j] for j in plan.selected]
    for c in columns:
        kind = backend.kind(c)
        if kind == label_kind:
            continue
        example = backend.first_value(c)
        name = c if plan.layout == "wide" else plan.models[0]
        if example is None:
            raise DataError(f"prediction column {name!r} is empty (no decision on any instance); leave it out of the "
                            "models (--models / models=[...]).")
        raise DataError(
            f"prediction column {c!r} holds {kind} values (e.g. {plain(example)!r}) but label column {plan.label!r} holds "
            f"{label_kind} values (e.g. {plain(label_example)!r}); predictions and labels must use the same label space. "
            "Map one onto the other before reading."
        )


def _check(backend, plan: _Plan, rows: pd.DataFrame) -> pd.DataFrame:
    """Turn the flags summed by the reduction into read_long/read_wide's errors and warning."""
    flags = {c: int(rows[c].sum()) for c in ("_extra", "_conflict", "_clash", "_nolabel", "_bad")}
    if plan.layout == "long" and flags["_extra"]:
        total, examples, n_extra = backend.conflicts(plan)
        if total:
            raise DataError(
                f"{total} (instance, model) id(s) repeat with conflicting values, e.g. {_more(examples, total)}; keep one "
                "decision per instance and decision-maker (several versions need distinct model names) or remove the "
                "conflicting rows."
            )
        warnings.warn(f"{n_extra or flags['_extra']} identical duplicate (instance, model) row(s) (same id, same values) were merged "
                      "into one.", EcostatWarning, stacklevel=user_stacklevel())
        if backend.needs_dedup:
            plan.dedup = True
            rows = backend.reduce(plan)
    if plan.layout == "wide" and flags["_conflict"]:
        examples = backend.instances(plan, "conflict")
        total = flags["_conflict"]
        raise DataError(
            f"{total} instance id(s) repeat with conflicting values, e.g. {_more(examples, total)}; make ids unique "
            "(e.g. prefix them with the label, as HAPI's COMMAND does) or remove the conflicting rows."
        )
    if plan.layout == "wide" and flags["_extra"]:
        warnings.warn(f"{flags['_extra']} identical duplicate instance row(s) (same id, same values) were merged into one.",
                      EcostatWarning, stacklevel=user_stacklevel())
    if flags["_clash"]:
        examples = backend.instances(plan, "clash")
        raise DataError(f"instance(s) {_more(examples, flags['_clash'])} have different {'/'.join(plan.instance_columns())} "
                        "values on different rows; instance-level columns must be constant within an instance.")
    if flags["_bad"]:
        example = backend.bad_failure(plan)
        raise DataError(f"failure column {plan.value!r} must be 0/1; {flags['_bad']} row(s) hold other values or are "
                        f"empty, e.g. {plain(example)!r}.")
    if flags["_nolabel"]:
        examples = backend.instances(plan, "nolabel")
        raise DataError(
            f"label column {plan.label!r} is empty for {flags['_nolabel']} row(s), e.g. instance(s) "
            f"{_more(examples, flags['_nolabel'])}; every instance needs a label. Remove those rows or fill in their labels."
        )
    patterns, counts = _decode(plan, rows)
    seen = ((patterns >= 0) * counts[:, None]).sum(axis=0)
    for j in np.flatnonzero(seen == 0):
        raise DataError(f"prediction column {_source_name(plan, j)!r} is empty (no decision on any instance); leave it "
                        "out of the models (--models / models=[...]).")
    if not plan.failure_mode:
        _check_label_space(backend, plan, patterns, counts, seen)
    empty = (patterns < 0).all(axis=1)
    if empty.any():
        total = int(counts[empty].sum())
        examples = backend.instances(plan, "empty")
        if plan.layout == "long" and len(plan.selected) < len(plan.values):
            raise DataError(f"with models {list(plan.models)}, instance(s) {_more(examples, total)} have no decision left; "
                            "choose models that every instance met, or drop those instances first.")
        raise DataError(f"instance(s) {_more(examples, total)} have no decision from any decision-maker; remove these rows "
                        "before building the failure matrix (ecostat never drops rows itself).")
    if plan.group and rows["_g"].isna().any():
        total = int(rows.loc[rows["_g"].isna(), "_n"].sum())
        examples = backend.instances(plan, "nogroup")
        raise DataError(f"group is missing for instance(s) {_more(examples, total)}; assign every instance a group "
                        "(e.g. 'unknown') first.")
    for j, c in enumerate(plan.covariates):
        bad = rows[f"_c{j}"].isna()
        if bad.any():
            examples = backend.instances(plan, f"nocov{j}")
            raise DataError(f"covariate {c!r} is missing for instance(s) {_more(examples, int(rows.loc[bad, '_n'].sum()))}; "
                            "fill or remove these rows first.")
    return rows


def _source_name(plan: _Plan, j: int) -> str:
    return str(plan.values[plan.selected[j]])


def _check_label_space(backend, plan: _Plan, patterns, counts, seen) -> None:
    """A decision-maker that never predicts a label value (>= 20 decisions, no success) is a label-space mismatch."""
    success = ((patterns == 0) * counts[:, None]).sum(axis=0)
    candidates = [j for j in range(plan.k) if seen[j] >= 20 and success[j] == 0]
    if not candidates:
        return
    overlap = backend.label_overlap(plan, candidates)
    for j in candidates:
        hits, example, label_example = overlap[j]
        if not hits and _integer_code(example) and _integer_code(label_example):
            # integer class codes on both sides: real data (a one-class slice never predicted), as the readers say
            warnings.warn(f"prediction column {_source_name(plan, j)!r} never uses a value of label column "
                          f"{plan.label!r} (e.g. {plain(example)!r} vs {plain(label_example)!r}), so every one of its "
                          "decisions is a failure. If the codes mean different classes, map the predictions onto the "
                          "label values first.", EcostatWarning, stacklevel=user_stacklevel())
        elif not hits:
            raise DataError(
                f"prediction column {_source_name(plan, j)!r} never uses a value of label column {plan.label!r} (e.g. "
                f"{plain(example)!r} vs {plain(label_example)!r}), so every one of its decisions would count as a failure. "
                "Check the label encoding, spelling, case and whitespace, and map predictions onto the label values first."
            )


def _integer_code(value) -> bool:
    """Whether a value (as the engine returns it) is an integer class code such as 0, 1 or '2'."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return False
    return number.is_integer()


# ---------------------------------------------------------------- assembly
def _decode(plan: _Plan, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(P, k) int8 patterns and (P,) counts from the failure/observed words."""
    P = len(rows)
    patterns = np.empty((P, plan.k), dtype=np.int8)
    for j in range(plan.k):
        w, b = divmod(j, _BITS)
        f = (rows[f"_f{w}"].to_numpy(dtype=np.int64) >> b) & 1
        o = (rows[f"_o{w}"].to_numpy(dtype=np.int64) >> b) & 1
        patterns[:, j] = np.where(o == 1, f, -1)
    return patterns, rows["_n"].to_numpy(dtype=np.int64)


def _assemble(plan: _Plan, rows: pd.DataFrame) -> ProfileTable:
    """The ProfileTable of the reduced rows, ordered as ProfileTable.from_failure_matrix orders it."""
    patterns, counts = _decode(plan, rows)
    keys = [_row_codes(patterns)]
    levels: tuple = ()
    codes = None
    if plan.group:
        cat = pd.Categorical(np.asarray(rows["_g"].to_numpy(), dtype=object))
        codes, levels = np.asarray(cat.codes, dtype=np.int64), tuple(cat.categories)
        keys.append(codes)
    cov = None
    if plan.covariates:
        cov = pd.DataFrame({c: rows[f"_c{j}"].to_numpy() for j, c in enumerate(plan.covariates)})
        for c in cov.columns:
            keys.append(pd.factorize(cov[c], sort=True)[0].astype(np.int64))
    key = _combine_keys(keys)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=counts, minlength=len(uniq)).astype(np.int64)
    return ProfileTable(patterns[first], merged, plan.models, None if codes is None else codes[first], levels,
                        plan.group or "group", None if cov is None else cov.iloc[first].reset_index(drop=True), None)


# ----------------------------------------------------------------- sources
def _is_dask(obj) -> bool:
    return any(c.__module__.startswith("dask.") and c.__name__ in ("DataFrame", "FrameBase") for c in type(obj).__mro__)


def _is_spark(obj) -> bool:
    return any(c.__module__.startswith("pyspark.") and c.__name__ == "DataFrame" for c in type(obj).__mro__)


def _is_arrow(obj) -> bool:
    return any(c.__module__.startswith("pyarrow") and c.__name__ in ("Table", "RecordBatch", "Dataset", "FileSystemDataset")
               for c in type(obj).__mro__)


def _need(engine: str):
    module, fix = _EXTRAS[engine]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EcostatError(f"engine {engine!r} needs {module.split('.')[0]}, which is not installed: {fix}.") from None


def _files(source) -> tuple[list[str], str]:
    """Expand a path, glob, directory or list of them into files and a format ('parquet' or 'csv')."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if any(ch in text for ch in "*?["):
            hits = sorted(p for p in _glob.glob(text, recursive=True) if os.path.isfile(p))
            if not hits:
                raise DataError(f"no file matches {text!r}; check the pattern.")
            files.extend(hits)
        elif os.path.isdir(text):
            hits = sorted(str(p) for p in Path(text).rglob("*") if p.is_file() and _format(p.name) is not None)
            if not hits:
                raise DataError(f"directory {text!r} holds no Parquet or CSV file.")
            files.extend(hits)
        elif os.path.isfile(text):
            files.append(text)
        else:
            raise DataError(f"file {text!r} does not exist; check the path.")
    formats = {_format(os.path.basename(f)) or "csv" for f in files}
    if len(formats) > 1:
        raise DataError(f"the source mixes Parquet and CSV files (e.g. {preview(files)}); give one format.")
    return files, formats.pop()


def _format(name: str) -> str | None:
    name = name.lower()
    if name.endswith(_PARQUET):
        return "parquet"
    if name.endswith(_TEXT):
        return "csv"
    return None


def _open(source, engine, *, layout, memory_limit, threads, temp_directory):
    if engine is None:
        engine = "dask" if _is_dask(source) else "spark" if _is_spark(source) else "duckdb"
    if engine not in ENGINES:
        raise DataError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if _is_dask(source) and engine != "dask":
        raise DataError(f"a Dask DataFrame is reduced by the dask engine, not {engine!r}; leave engine unset.")
    if _is_spark(source) and engine != "spark":
        raise DataError(f"a Spark DataFrame is reduced by the spark engine, not {engine!r}; leave engine unset.")
    if engine == "duckdb":
        return _DuckDB(source, memory_limit=memory_limit, threads=threads, temp_directory=temp_directory)
    if engine == "spark":
        return _Spark(source)
    if engine == "dask":
        return _Frame(source, dask=True)
    return _Frame(source, dask=False)


# ------------------------------------------------------------ SQL engines
class _SQL:
    """DuckDB and Spark SQL: one query text, two dialects."""

    needs_dedup = False  # bit_or merges identical duplicate rows by itself
    text_type = "VARCHAR"
    src = "_ecostat_src"
    map = "_ecostat_models"

    def q(self, name: str) -> str:
        return '"' + str(name).replace('"', '""') + '"'

    def hash(self, exprs: list[str]) -> str:
        return f"hash({', '.join(exprs)})"

    rownum = "row_number() OVER () - 1"

    # subclasses: columns, _types, fetch(sql) -> (names, rows), register(name, pandas frame), close()
    def kind(self, column: str) -> str:
        t = self._types[column].lower()
        return "numeric" if t.split("(")[0].strip() in _NUMERIC_TYPES or t.startswith("decimal") else "text"

    def is_float(self, column: str) -> bool:
        return self._types[column].lower() in ("float", "double", "real", "float4", "float8")

    def v(self, plan: _Plan, column: str) -> str:
        """A column of the source, NaN read as missing (as pandas does)."""
        ref = f"s.{self.q(column)}"
        return f"nullif({ref}, CAST('NaN' AS DOUBLE))" if column in plan.float_columns else ref

    def first_value(self, column: str):
        rows = self.fetch(f"SELECT {self.q(column)} FROM {self.src} WHERE {self.q(column)} IS NOT NULL LIMIT 1")[1]
        return rows[0][0] if rows else None

    def model_values(self, instance: str, model: str):
        _, rows = self.fetch(f"SELECT {self.q(model)}, count(*), count({self.q(instance)}) FROM {self.src} "
                             f"GROUP BY {self.q(model)}")
        values = [r[0] for r in rows if r[0] is not None]
        n = sum(r[1] for r in rows)
        return values, n, sum(r[1] - r[2] for r in rows), sum(r[1] for r in rows if r[0] is None)

    def _fail(self, plan: _Plan, value: str, label: str) -> str:
        if plan.compare == "failure":
            return f"TRY_CAST({value} AS DOUBLE) = 1"
        t = "DOUBLE" if plan.compare == "numeric" else self.text_type
        return f"CAST({value} AS {t}) <> CAST({label} AS {t})"

    def _inst_cte(self, plan: _Plan, numbered: bool = False) -> str:
        """``WITH ... inst AS (...)``: one row per instance with its words, values and problem flags."""
        W = plan.words
        extras = [f"{self.v(plan, plan.group)} AS _g"] if plan.group else []
        extras += [f"{self.v(plan, c)} AS _c{j}" for j, c in enumerate(plan.covariates)]
        keep = (["_g"] if plan.group else []) + [f"_c{j}" for j in range(len(plan.covariates))]
        mins = [f"min({c}) AS {c}" for c in keep]
        if plan.layout == "long":
            label = [] if plan.failure_mode else [f"{self.v(plan, plan.label)} AS _y"]
            rows = (f"rows AS (SELECT s.{self.q(plan.instance)} AS _i, {self.v(plan, plan.value)} AS _p, "
                    f"{', '.join([*label, *extras, 'mm._pw', 'mm._pb', 'mm._sw', 'mm._sb'])} "
                    f"FROM {self.src} AS s JOIN {self.map} AS mm ON s.{self.q(plan.model)} = mm._mv)")
            fail = self._fail(plan, "_p", "_y")
            bits = [f"CASE WHEN _sw = {w} AND _p IS NOT NULL AND {fail} THEN _sb ELSE 0 END AS _f{w}" for w in range(W)]
            bits += [f"CASE WHEN _sw = {w} AND _p IS NOT NULL THEN _sb ELSE 0 END AS _o{w}" for w in range(W)]
            bits += [f"CASE WHEN _pw = {w} THEN _pb ELSE 0 END AS _q{w}" for w in range(plan.present_words)]
            if plan.failure_mode:
                bits.append("CASE WHEN _p IS NULL OR coalesce(TRY_CAST(_p AS DOUBLE) NOT IN (0, 1), true) THEN 1 ELSE 0 END "
                            "AS _bad")
            carried = ["_i", *([] if plan.failure_mode else ["_y"]), *keep]
            bits_cte = f"bits AS (SELECT {', '.join(carried + bits)} FROM rows)"
            checked = keep if plan.failure_mode else ["_y", *keep]
            clash = " OR ".join(f"(min({c}) IS DISTINCT FROM max({c}) OR (count({c}) > 0 AND count({c}) < count(*)))"
                                for c in checked) or "false"
            present = " + ".join(f"bit_count(bit_or(_q{w}))" for w in range(plan.present_words))
            nolabel = "0" if plan.failure_mode else "CASE WHEN count(_y) = 0 THEN 1 ELSE 0 END"
            inst = (f"inst AS (SELECT _i, {', '.join(f'bit_or(_f{w}) AS _f{w}' for w in range(W))}, "
                    f"{', '.join(f'bit_or(_o{w}) AS _o{w}' for w in range(W))}, count(*) - ({present}) AS _extra, "
                    f"0 AS _conflict, CASE WHEN {clash} THEN 1 ELSE 0 END AS _clash, {nolabel} AS _nolabel, "
                    f"{'sum(_bad)' if plan.failure_mode else '0'} AS _bad{''.join(', ' + m for m in mins)} "
                    "FROM bits GROUP BY _i)")
            return f"WITH {rows}, {bits_cte}, {inst}"
        # wide
        label = self.v(plan, plan.label)
        f_words, o_words = [[] for _ in range(W)], [[] for _ in range(W)]
        for j, col in enumerate(plan.values[s] for s in plan.selected):
            w, b = divmod(j, _BITS)
            p = self.v(plan, col)
            f_words[w].append(f"CASE WHEN {p} IS NOT NULL AND {self._fail(plan, p, label)} THEN {1 << b} ELSE 0 END")
            o_words[w].append(f"CASE WHEN {p} IS NOT NULL THEN {1 << b} ELSE 0 END")
        words = [f"CAST({' + '.join(f_words[w]) or '0'} AS BIGINT) AS _f{w}" for w in range(W)]
        words += [f"CAST({' + '.join(o_words[w]) or '0'} AS BIGINT) AS _o{w}" for w in range(W)]
        ident = []
        if plan.instance:
            ident = [f"s.{self.q(plan.instance)} AS _i"]
            hashed = [plan.label, *(plan.values[s] for s in plan.selected), *([plan.group] if plan.group else []),
                      *plan.covariates]
            words.append(f"{self.hash([self.v(plan, c) for c in dict.fromkeys(hashed)])} AS _h")
        elif numbered:
            ident = [f"{self.rownum} AS _i"]
        rows = f"rows AS (SELECT {', '.join([*ident, f'{label} AS _y', *extras, *words])} FROM {self.src} AS s)"
        fw = [f"_f{w}" for w in range(W)] + [f"_o{w}" for w in range(W)]
        if plan.instance:
            inst = (f"inst AS (SELECT _i, {', '.join(f'max({c}) AS {c}' for c in fw)}, count(*) - 1 AS _extra, "
                    "CASE WHEN min(_h) <> max(_h) THEN 1 ELSE 0 END AS _conflict, 0 AS _clash, "
                    f"CASE WHEN count(_y) = 0 THEN 1 ELSE 0 END AS _nolabel, 0 AS _bad{''.join(', ' + m for m in mins)} "
                    "FROM rows GROUP BY _i)")
        else:
            inst = (f"inst AS (SELECT {', '.join((['_i'] if numbered else []) + fw)}, 0 AS _extra, 0 AS _conflict, "
                    f"0 AS _clash, CASE WHEN _y IS NULL THEN 1 ELSE 0 END AS _nolabel, 0 AS _bad"
                    f"{''.join(', ' + c for c in keep)} FROM rows)")
        return f"WITH {rows}, {inst}"

    def _keys(self, plan: _Plan) -> list[str]:
        return ([f"_f{w}" for w in range(plan.words)] + [f"_o{w}" for w in range(plan.words)]
                + (["_g"] if plan.group else []) + [f"_c{j}" for j in range(len(plan.covariates))])

    def reduce(self, plan: _Plan) -> pd.DataFrame:
        if plan.layout == "long":
            self.register(self.map, plan.mapping())
        keys = self._keys(plan)
        sums = ", ".join(f"sum({c}) AS {c}" for c in ("_extra", "_conflict", "_clash", "_nolabel", "_bad"))
        sql = (f"{self._inst_cte(plan)} SELECT {', '.join(keys)}, count(*) AS _n, {sums} FROM inst "
               f"GROUP BY {', '.join(keys)}")
        names, rows = self.fetch(sql)
        out = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)
        if out.empty:
            raise DataError("the prediction log has no rows; there is nothing to analyse.")
        for c in [f"_f{w}" for w in range(plan.words)] + [f"_o{w}" for w in range(plan.words)] + ["_n", "_extra",
                                                                                                     "_conflict", "_clash",
                                                                                                     "_nolabel", "_bad"]:
            out[c] = pd.to_numeric(out[c]).fillna(0).astype(np.int64)
        return out

    _conditions = {"clash": "_clash = 1", "nolabel": "_nolabel = 1", "conflict": "_conflict = 1", "nogroup": "_g IS NULL"}

    def instances(self, plan: _Plan, what: str) -> list:
        """Up to 5 instance ids (row numbers without an id column) with a problem."""
        if what == "empty":
            cond = " AND ".join(f"_o{w} = 0" for w in range(plan.words))
        elif what.startswith("nocov"):
            cond = f"_c{int(what[5:])} IS NULL"
        else:
            cond = self._conditions[what]
        numbered = plan.layout == "wide" and not plan.instance
        sql = f"{self._inst_cte(plan, numbered=numbered)} SELECT _i FROM inst WHERE {cond} LIMIT 5"
        _, rows = self.fetch_ordered(sql) if numbered else self.fetch(sql)
        return [r[0] for r in rows]

    def fetch_ordered(self, sql: str):
        """A query whose row numbers must follow the source's order."""
        return self.fetch(sql)

    def conflicts(self, plan: _Plan) -> tuple[int, list, int | None]:
        """(number of, up to 5 examples of) (instance, model) pairs repeated with different values; extra rows."""
        cols = [plan.value, *([plan.label] if plan.label else []), *([plan.group] if plan.group else []), *plan.covariates]
        h = self.hash([self.v(plan, c) for c in dict.fromkeys(cols)])
        i, m = self.q(plan.instance), self.q(plan.model)
        sql = (f"SELECT count(*) OVER () AS _total, _i, _m FROM (SELECT s.{i} AS _i, s.{m} AS _m, count(*) AS _k, "
               f"min({h}) AS _hmin, max({h}) AS _hmax FROM {self.src} AS s GROUP BY s.{i}, s.{m}) AS d "
               "WHERE _k > 1 AND _hmin <> _hmax LIMIT 5")
        _, rows = self.fetch(sql)
        return (int(rows[0][0]) if rows else 0), [(r[1], r[2]) for r in rows], None  # bit_or counted the extra rows

    def bad_failure(self, plan: _Plan):
        v = self.v(plan, plan.value)
        _, rows = self.fetch(f"SELECT {v} FROM {self.src} AS s WHERE {v} IS NULL OR "
                             f"coalesce(TRY_CAST({v} AS DOUBLE) NOT IN (0, 1), true) LIMIT 1")
        return rows[0][0] if rows else None

    def label_overlap(self, plan: _Plan, candidates: list[int]) -> dict:
        t = "DOUBLE" if plan.compare == "numeric" else self.text_type
        y = self.v(plan, plan.label)
        labels = f"labels AS (SELECT DISTINCT CAST({y} AS {t}) AS _v FROM {self.src} AS s WHERE {y} IS NOT NULL)"
        _, first = self.fetch(f"WITH {labels} SELECT _v FROM labels LIMIT 1")
        label_example = first[0][0] if first else None
        out = {}
        if plan.layout == "long":
            self.register(self.map, plan.mapping())
            p = self.v(plan, plan.value)
            sql = (f"WITH {labels} SELECT mm._sj, count(l._v), min({p}) FROM {self.src} AS s JOIN {self.map} AS mm "
                   f"ON s.{self.q(plan.model)} = mm._mv LEFT JOIN labels AS l ON CAST({p} AS {t}) = l._v "
                   f"WHERE {p} IS NOT NULL AND mm._sj IN ({', '.join(str(j) for j in candidates)}) GROUP BY mm._sj")
            for j, hits, example in self.fetch(sql)[1]:
                out[int(j)] = (int(hits) > 0, example, label_example)
            return out
        for j in candidates:
            p = self.v(plan, plan.values[plan.selected[j]])
            _, rows = self.fetch(f"WITH {labels} SELECT count(l._v), min({p}) FROM {self.src} AS s LEFT JOIN labels AS l "
                                 f"ON CAST({p} AS {t}) = l._v WHERE {p} IS NOT NULL")
            out[j] = (int(rows[0][0]) > 0, rows[0][1], label_example)
        return out


class _DuckDB(_SQL):
    def __init__(self, source, *, memory_limit, threads, temp_directory):
        duckdb = _need("duckdb")
        self._duckdb = duckdb
        self.memory_limit = memory_limit
        self._own_tmp = temp_directory is None
        self._tmp = tempfile.mkdtemp(prefix="ecostat-scan-") if temp_directory is None else os.fspath(temp_directory)
        config = {"temp_directory": self._tmp, "preserve_insertion_order": False}
        if memory_limit is not None:
            config["memory_limit"] = f"{int(memory_limit)}B" if isinstance(memory_limit, (int, np.integer)) else str(memory_limit)
        if threads is not None:
            config["threads"] = int(threads)
        try:
            self.con = duckdb.connect(config=config)
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error as exc:
            self._cleanup()
            raise DataError(f"cannot start DuckDB with memory_limit={memory_limit!r}, threads={threads!r}: {exc}") from None
        try:
            if isinstance(source, pd.DataFrame) or _is_arrow(source):
                self.con.register(self.src, source)
            elif isinstance(source, (str, os.PathLike, list, tuple)):
                files, fmt = _files(source)
                listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
                reader = (f"read_parquet({listed}, union_by_name = true)" if fmt == "parquet"
                          else f"read_csv({listed}, union_by_name = true)")
                self.con.execute(f"CREATE VIEW {self.src} AS SELECT * FROM {reader}")
            else:
                raise DataError(f"cannot read a {type(source).__name__}; give a path, a glob, a list of paths, or a pandas, "
                                "Arrow, Dask or Spark DataFrame.")
            described = self.con.execute(f"DESCRIBE {self.src}").fetchall()
        except duckdb.Error as exc:
            self.close()
            raise DataError(f"DuckDB cannot read the source: {exc}") from None
        except BaseException:
            self.close()
            raise
        self.columns = [r[0] for r in described]
        self._types = {r[0]: str(r[1]) for r in described}

    def fetch(self, sql: str):
        try:
            cur = self.con.execute(sql)
            rows = cur.fetchall()
        except self._duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            if isinstance(exc, self._duckdb.OutOfMemoryException) or "Out of Memory" in first:
                raise EcostatError(f"DuckDB ran out of memory ({first}); give scan_profiles a larger memory_limit= "
                                   f"(now {self.memory_limit or 'the default, 80% of RAM'}) or fewer threads=.") from None
            raise DataError(f"DuckDB could not reduce the source: {first}") from None
        return [d[0] for d in cur.description], rows

    def fetch_ordered(self, sql: str):
        self.con.execute("SET preserve_insertion_order = true")
        try:
            return self.fetch(sql)
        finally:
            self.con.execute("SET preserve_insertion_order = false")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)

    def _cleanup(self):
        if self._own_tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def close(self) -> None:
        con = getattr(self, "con", None)
        if con is not None:
            con.close()
            self.con = None
        self._cleanup()


class _Spark(_SQL):
    text_type = "STRING"
    rownum = "row_number() OVER (ORDER BY monotonically_increasing_id()) - 1"

    def __init__(self, source):
        _need("spark")
        from pyspark.sql import SparkSession

        tag = uuid.uuid4().hex[:12]
        self.src, self.map = f"_ecostat_src_{tag}", f"_ecostat_models_{tag}"
        if _is_spark(source):
            self.spark = source.sparkSession
            frame = source
        elif isinstance(source, (str, os.PathLike, list, tuple)):
            files, fmt = _files(source)
            self.spark = SparkSession.builder.getOrCreate()
            frame = (self.spark.read.parquet(*files) if fmt == "parquet"
                     else self.spark.read.csv(files, header=True, inferSchema=True))
        else:
            raise DataError(f"the spark engine reads a Spark DataFrame or files, not a {type(source).__name__}.")
        frame.createOrReplaceTempView(self.src)
        self.columns = list(frame.columns)
        self._types = dict(frame.dtypes)
        self._views = [self.src]

    def q(self, name: str) -> str:
        return "`" + str(name).replace("`", "``") + "`"

    def hash(self, exprs: list[str]) -> str:
        return f"xxhash64({', '.join(exprs)})"

    def fetch(self, sql: str):
        frame = self.spark.sql(sql)
        return list(frame.columns), [tuple(r) for r in frame.collect()]

    def register(self, name: str, frame: pd.DataFrame) -> None:
        records = [tuple(plain(v) for v in r) for r in frame.itertuples(index=False)]
        self.spark.createDataFrame(records, list(frame.columns)).createOrReplaceTempView(name)
        self._views.append(name)

    def close(self) -> None:
        for name in dict.fromkeys(self._views):
            self.spark.catalog.dropTempView(name)


# ------------------------------------------------- pandas / Dask DataFrames
class _Frame:
    """The reduction on the DataFrame API shared by pandas (eager) and Dask (lazy, any scheduler)."""

    def __init__(self, source, *, dask: bool):
        self.dask = dask
        if dask:
            self.dd = _need("dask")
            if _is_dask(source):
                frame = source
            elif isinstance(source, pd.DataFrame):
                frame = self.dd.from_pandas(source, npartitions=max(1, os.cpu_count() or 1))
            elif isinstance(source, (str, os.PathLike, list, tuple)):
                files, fmt = _files(source)
                if fmt == "parquet":
                    frame = self.dd.read_parquet(files)
                else:
                    tsv = all(f.lower().endswith((".tsv", ".tsv.gz", ".tab")) for f in files)
                    frame = self.dd.read_csv(files, sep="\t" if tsv else ",", blocksize="64MB")
            else:
                raise DataError(f"the dask engine reads a Dask or pandas DataFrame or files, not a {type(source).__name__}.")
        else:
            if isinstance(source, pd.DataFrame):
                frame = source
            elif isinstance(source, (str, os.PathLike, list, tuple)):
                from .readers import read_table

                files, fmt = _files(source)
                frame = pd.concat([read_table(f) for f in files], ignore_index=True) if len(files) > 1 else read_table(files[0])
            else:
                raise DataError(f"the pandas engine reads a pandas DataFrame or files, not a {type(source).__name__}.")
        self.frame = frame
        self.columns = [str(c) for c in frame.columns]
        self.needs_dedup = True

    # -- helpers
    def compute(self, *objs):
        if not self.dask:
            return objs if len(objs) > 1 else objs[0]
        import dask

        out = dask.compute(*objs)
        return out if len(objs) > 1 else out[0]

    def _head(self, frame, n: int = 5):
        return frame.head(n, npartitions=-1, compute=True) if self.dask else frame.head(n)

    def kind(self, column: str) -> str:
        s = self.frame[column]
        dtype = s.dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            return "numeric"
        if isinstance(dtype, pd.CategoricalDtype):  # Dask may not know the categories: look at values
            sample = self._head(self.frame[[column]].dropna(), 1000) if self.dask else pd.DataFrame({column: dtype.categories})
            return _value_kind(_uncategorize(sample)[column]) if len(sample) else "numeric"
        if pd.api.types.is_object_dtype(dtype):
            sample = self._head(self.frame[[column]], 1000)[column] if self.dask else s
            return _value_kind(sample)
        return "text"

    def is_float(self, column: str) -> bool:
        return pd.api.types.is_float_dtype(self.frame[column].dtype)

    def first_value(self, column: str):
        head = self._head(self.frame[[column]].dropna(), 1)
        return head[column].iloc[0] if len(head) else None

    def model_values(self, instance: str, model: str):
        f = self.frame
        values, n, null_ids, null_models = self.compute(f[model].dropna().drop_duplicates(), f[model].size,
                                                        f[instance].isna().sum(), f[model].isna().sum())
        return list(pd.Series(values).tolist()), int(n), int(null_ids), int(null_models)

    def _map(self, frame, fn, plan):
        if self.dask:
            return frame.map_partitions(fn, plan, meta=fn(frame._meta, plan))
        return fn(frame, plan)

    def _instances(self, plan: _Plan):
        """One row per instance: words, values, flags (a pandas or Dask DataFrame)."""
        f = self.frame
        keep = [c for c in [plan.group, *plan.covariates] if c]
        vals = []
        if plan.layout == "long":
            cols = list(dict.fromkeys([plan.instance, plan.model, plan.value, *([plan.label] if plan.label else []), *keep]))
            rows = self._map(f[cols], _long_rows, plan)
            if plan.dedup:
                rows = rows.drop_duplicates(subset=["_i", "_aj"])
            agg = {f"_{x}{w}": "sum" for x in "fo" for w in range(plan.words)}
            agg.update({f"_q{w}": "sum" for w in range(plan.present_words)})
            agg.update({"_one": "sum", "_bad": "sum"})
            vals = [] if plan.failure_mode else ["_y"]
        else:
            cols = list(dict.fromkeys([*([plan.instance] if plan.instance else []), plan.label,
                                       *(plan.values[s] for s in plan.selected), *keep]))
            rows = self._map(f[cols], _wide_rows, plan)
            if not plan.instance:
                return rows
            agg = {f"_{x}{w}": "max" for x in "fo" for w in range(plan.words)}
            agg.update({"_one": "sum", "_hmin": "min", "_hmax": "max", "_ny": "sum"})
        vals += (["_g"] if plan.group else []) + [f"_c{j}" for j in range(len(plan.covariates))]
        for c in vals:
            agg[c] = ["min", "max", "count"]
        kwargs = {"split_out": True} if self.dask else {}
        inst = rows.groupby("_i", dropna=False, sort=False).agg(agg, **kwargs)
        inst.columns = [c if isinstance(c, str) else c[0] if c[0] not in vals else "_".join(c) for c in inst.columns]
        inst = inst.reset_index()
        return self._map(inst, _instance_flags, plan)

    def reduce(self, plan: _Plan) -> pd.DataFrame:
        inst = self._instances(plan)
        keys = [f"_f{w}" for w in range(plan.words)] + [f"_o{w}" for w in range(plan.words)]
        keys += (["_g"] if plan.group else []) + [f"_c{j}" for j in range(len(plan.covariates))]
        sums = {c: "sum" for c in ("_n", "_extra", "_conflict", "_clash", "_nolabel", "_bad")}
        out = self.compute(inst.groupby(keys, dropna=False).agg(sums)).reset_index()
        if out.empty:
            raise DataError("the prediction log has no rows; there is nothing to analyse.")
        return out

    def instances(self, plan: _Plan, what: str) -> list:
        inst = self._instances(plan)
        if what == "empty":
            mask = None
            for w in range(plan.words):
                m = inst[f"_o{w}"] == 0
                mask = m if mask is None else mask & m
        elif what.startswith("nocov"):
            mask = inst[f"_c{int(what[5:])}"].isna()
        elif what == "nogroup":
            mask = inst["_g"].isna()
        else:
            mask = inst[f"_{what}"] == 1
        return self._head(inst[mask])["_i"].tolist()

    def conflicts(self, plan: _Plan) -> tuple[int, list, int | None]:
        cols = list(dict.fromkeys([plan.instance, plan.model, plan.value, *([plan.label] if plan.label else []),
                                   *([plan.group] if plan.group else []), *plan.covariates]))
        rows = self._map(self.frame[cols], _long_rows, plan)
        pairs = rows.groupby(["_i", "_aj"], dropna=False).agg({"_one": "sum", "_hmin": "min", "_hmax": "max"})
        bad = pairs[(pairs["_one"] > 1) & (pairs["_hmin"] != pairs["_hmax"])].reset_index()
        total, extra = self.compute(bad.shape[0], (pairs["_one"] - 1).sum())  # sums overcount: count pairs
        head = self._head(bad)
        return int(total), [(i, plan.values[int(a)]) for i, a in zip(head["_i"], head["_aj"])], int(extra)

    def bad_failure(self, plan: _Plan):
        s = self.frame[plan.value]
        bad = s[~s.isin([0, 1, True, False])]
        head = self._head(bad.to_frame())
        return head[plan.value].iloc[0] if len(head) else None

    def label_overlap(self, plan: _Plan, candidates: list[int]) -> dict:
        f = self.frame
        labels = self.compute(f[plan.label].dropna().drop_duplicates())
        labels = _comparable(pd.Series(labels), plan.compare)
        label_example = plain(pd.Series(labels).iloc[0]) if len(labels) else None
        out = {}
        for j in candidates:
            if plan.layout == "long":
                preds = f.loc[f[plan.model] == plan.values[plan.selected[j]], plan.value].dropna()
            else:
                preds = f[plan.values[plan.selected[j]]].dropna()
            values = self.compute(preds.drop_duplicates())
            values = pd.Series(values)
            hits = _comparable(values, plan.compare).isin(set(labels)).any()
            out[j] = (bool(hits), values.iloc[0] if len(values) else None, label_example)
        return out

    def close(self) -> None:
        pass


def _value_kind(s: pd.Series) -> str:
    """"numeric" when every value is a number (or the dtype is numeric/bool), else "text"."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return "numeric"
    nonnull = s.dropna()
    if len(nonnull) and nonnull.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).all():
        return "numeric"
    return "text"


def _comparable(s: pd.Series, compare: str) -> pd.Series:
    """Values as compared: floats for numeric labels, text otherwise."""
    if compare == "numeric":
        return pd.Series(pd.to_numeric(s.astype(object), errors="coerce").astype(float), index=s.index)
    return s.astype(object).map(str)


def _fail_array(pred: pd.Series, label: pd.Series, compare: str) -> np.ndarray:
    if compare == "failure":
        return pred.to_numpy(dtype=float, na_value=np.nan) == 1
    if compare == "numeric":
        return pred.to_numpy(dtype=float, na_value=np.nan) != label.to_numpy(dtype=float, na_value=np.nan)
    p = np.asarray(pred.astype(object).astype(str), dtype=object)  # as CAST(... AS VARCHAR) in the SQL engines
    y = np.asarray(label.astype(object).astype(str), dtype=object)
    return np.asarray(p != y, dtype=bool)


def _uncategorize(pdf: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns (e.g. dictionary-encoded Parquet) as their values: groups take min/max, labels compare."""
    cats = [c for c in pdf.columns if isinstance(pdf[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return pdf
    pdf = pdf.copy()
    for c in cats:
        levels = pdf[c].cat.categories
        if pd.api.types.is_integer_dtype(levels.dtype) or pd.api.types.is_bool_dtype(levels.dtype):
            pdf[c] = pdf[c].astype("Int64")  # nullable: a missing value stays missing
        elif levels.dtype == object and all(isinstance(v, str) for v in levels):
            pdf[c] = pdf[c].astype(pd.StringDtype())  # text, also in the empty meta partitions Dask builds to infer types
        else:
            pdf[c] = pdf[c].astype(levels.dtype)
    return pdf


def _long_rows(pdf: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Per row of a long partition: instance, decision-maker position, failure/observed/present bits, values."""
    pdf = _uncategorize(pdf)
    index = pd.Index(pd.Series(plan.values))
    aj = index.get_indexer(pd.Series(pdf[plan.model].to_numpy()))
    sel = np.full(len(plan.values) + 1, -1, dtype=np.int64)
    sel[plan.selected] = np.arange(plan.k)
    sj = sel[aj]  # -1: not selected (or unknown: aj == -1 maps to the sentinel)
    obs = pdf[plan.value].notna().to_numpy() & (sj >= 0)
    label = pdf[plan.label] if plan.label else pdf[plan.value]
    fail = obs & _fail_array(pdf[plan.value], label, plan.compare)
    bit = np.left_shift(np.int64(1), np.maximum(sj, 0) % _BITS)
    out = {"_i": pdf[plan.instance], "_aj": aj.astype(np.int64)}
    for w in range(plan.words):
        here = sj // _BITS == w
        out[f"_f{w}"] = np.where(here & fail, bit, 0).astype(np.int64)
        out[f"_o{w}"] = np.where(here & obs, bit, 0).astype(np.int64)
    pbit = np.left_shift(np.int64(1), np.maximum(aj, 0) % _BITS)
    for w in range(plan.present_words):
        out[f"_q{w}"] = np.where(aj // _BITS == w, pbit, 0).astype(np.int64)
    if plan.failure_mode:
        v = pdf[plan.value]
        out["_bad"] = (~v.isin([0, 1, True, False])).to_numpy().astype(np.int64)
    else:
        out["_bad"] = np.zeros(len(pdf), dtype=np.int64)
        out["_y"] = pdf[plan.label]
    if plan.group:
        out["_g"] = pdf[plan.group]
    for j, c in enumerate(plan.covariates):
        out[f"_c{j}"] = pdf[c]
    out["_one"] = np.ones(len(pdf), dtype=np.int64)
    hashed = [c for c in dict.fromkeys([plan.value, *([plan.label] if plan.label else []),
                                        *([plan.group] if plan.group else []), *plan.covariates])]
    h = pd.util.hash_pandas_object(pdf[hashed], index=False).to_numpy().view(np.int64) if len(pdf) else np.zeros(0, np.int64)
    out["_hmin"] = out["_hmax"] = h
    return pd.DataFrame(out, index=pdf.index)


def _wide_rows(pdf: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Per row of a wide partition: failure/observed words, label presence, values (and id, hash)."""
    pdf = _uncategorize(pdf)
    label = pdf[plan.label]
    n = len(pdf)
    out = {}
    # without an id column an instance is named by its row (the frame's index: row numbers for pandas)
    out["_i"] = pdf[plan.instance] if plan.instance else pdf.index.to_numpy()
    f = [np.zeros(n, dtype=np.int64) for _ in range(plan.words)]
    o = [np.zeros(n, dtype=np.int64) for _ in range(plan.words)]
    for j, s in enumerate(plan.selected):
        col = pdf[plan.values[s]]
        w, b = divmod(j, _BITS)
        obs = col.notna().to_numpy()
        fail = obs & _fail_array(col, label, plan.compare)
        f[w] |= np.where(fail, np.int64(1) << b, 0).astype(np.int64)
        o[w] |= np.where(obs, np.int64(1) << b, 0).astype(np.int64)
    for w in range(plan.words):
        out[f"_f{w}"], out[f"_o{w}"] = f[w], o[w]
    out["_ny"] = label.notna().to_numpy().astype(np.int64)
    if plan.group:
        out["_g"] = pdf[plan.group]
    for j, c in enumerate(plan.covariates):
        out[f"_c{j}"] = pdf[c]
    out["_one"] = np.ones(n, dtype=np.int64)
    if plan.instance:
        hashed = [c for c in pdf.columns if c != plan.instance]
        h = pd.util.hash_pandas_object(pdf[hashed], index=False).to_numpy().view(np.int64) if n else np.zeros(0, np.int64)
        out["_hmin"] = out["_hmax"] = h
    else:  # each row is an instance: the flags directly
        out["_n"] = out["_one"]
        out["_nolabel"] = 1 - out["_ny"]
        for c in ("_extra", "_conflict", "_clash", "_bad"):
            out[c] = np.zeros(n, dtype=np.int64)
    return pd.DataFrame(out, index=pdf.index)


def _popcount(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.int64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a).astype(np.int64)
    return np.unpackbits(a.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1).astype(np.int64)  # numpy < 2


def _instance_flags(inst: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Flags of each aggregated instance (duplicates, clashes, missing label) and its values."""
    out = {"_i": inst["_i"]}
    for w in range(plan.words):
        out[f"_f{w}"] = inst[f"_f{w}"].to_numpy(dtype=np.int64)
        out[f"_o{w}"] = inst[f"_o{w}"].to_numpy(dtype=np.int64)
    n = inst["_one"].to_numpy(dtype=np.int64)
    zeros = np.zeros(len(inst), dtype=np.int64)
    vals = ([] if plan.failure_mode or plan.layout == "wide" else ["_y"]) + (["_g"] if plan.group else [])
    vals += [f"_c{j}" for j in range(len(plan.covariates))]
    if plan.layout == "long":
        present = sum((_popcount(inst[f"_q{w}"].to_numpy()) for w in range(plan.present_words)), zeros)
        out["_extra"] = n - present
        out["_conflict"] = zeros
        clash = np.zeros(len(inst), dtype=bool)
        for c in vals:
            lo, hi, cnt = inst[f"{c}_min"], inst[f"{c}_max"], inst[f"{c}_count"].to_numpy(dtype=np.int64)
            differ = (lo.notna() & (lo != hi)).to_numpy(dtype=bool, na_value=True)
            clash |= differ | ((cnt > 0) & (cnt < n))
        out["_clash"] = clash.astype(np.int64)
        out["_nolabel"] = zeros if plan.failure_mode else (inst["_y_count"].to_numpy(dtype=np.int64) == 0).astype(np.int64)
        out["_bad"] = inst["_bad"].to_numpy(dtype=np.int64)
    else:
        out["_extra"] = n - 1
        out["_conflict"] = (inst["_hmin"].to_numpy() != inst["_hmax"].to_numpy()).astype(np.int64)
        out["_clash"] = zeros
        out["_nolabel"] = (inst["_ny"].to_numpy(dtype=np.int64) == 0).astype(np.int64)
        out["_bad"] = zeros
    if plan.group:
        out["_g"] = inst["_g_min"]
    for j in range(len(plan.covariates)):
        out[f"_c{j}"] = inst[f"_c{j}_min"]
    out["_n"] = np.ones(len(inst), dtype=np.int64)
    return pd.DataFrame(out, index=inst.index)
