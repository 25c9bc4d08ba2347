"""Readers: prediction tables (wide, long, HAPI compact CSV) -> FailureMatrix.

A failure is ``prediction != label`` (Toups et al. 2023, §2.1). Empty
prediction cells become explicit missing cells; empty labels are an error.
Thin I/O layer: all validation messages name the column/row and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, plain, preview
from .failures import DEFAULT_VERSION_PATTERN, FailureMatrix, merge_duplicate_rows, parse_columns

__all__ = ["read_table", "read_wide", "read_long", "read_hapi", "from_predictions"]


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV, CSV.GZ, TSV or Parquet file into a DataFrame.

    Examples
    --------
    >>> import tempfile, os, ecostat as es
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("instance_id,label,a,b\\n1,0,0,1\\n")
    >>> es.read_table(p).shape
    (1, 4)
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"file {str(path)!r} does not exist; check the path.")
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise DataError("reading Parquet needs pyarrow: pip install 'ecostat[parquet]' (or pyarrow), "
                            "or save the table as CSV.") from None
    sep = "\t" if name.endswith((".tsv", ".tsv.gz", ".tab")) else ","
    try:
        df = pd.read_csv(path, sep=sep, low_memory=False)
        if df.shape[1] == 1:  # one column: probably another delimiter (e.g. ';' from a European spreadsheet)
            header = str(df.columns[0])
            other = next((d for d in (";", "\t", "|") if d in header), None)
            if other is not None:
                df = pd.read_csv(path, sep=other, low_memory=False)
        return df
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse {str(path)!r} as a delimited text file ({exc}); give a CSV, CSV.GZ, TSV or Parquet file.") from None


def _frame(data) -> pd.DataFrame:
    if isinstance(data, (str, os.PathLike)):
        return read_table(data)
    if isinstance(data, pd.DataFrame):
        return data
    raise DataError(f"expected a DataFrame or a file path, got {type(data).__name__}.")


def _require_columns(df: pd.DataFrame, cols: Sequence[str], role: str) -> None:
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        raise DataError(f"{role} column(s) {preview(missing)} not found; available columns: {preview(list(df.columns), 30)}.")


def _check_labels(labels: pd.Series, ids, column: str) -> None:
    bad = np.flatnonzero(pd.isna(labels).to_numpy())
    if bad.size:
        raise DataError(
            f"label column {column!r} is empty for {bad.size} row(s), e.g. instance(s) {preview(np.asarray(ids)[bad])}; "
            "every instance needs a label. Remove those rows or fill in their labels."
        )


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return "numeric"
    nonnull = s.dropna()
    if len(nonnull) and pd.to_numeric(nonnull, errors="coerce").notna().all() and nonnull.map(lambda v: isinstance(v, (int, float, np.number))).all():
        return "numeric"
    return "text"


def failures_from_predictions(preds: pd.DataFrame, labels: pd.Series, label_name: str) -> np.ndarray:
    """0/1/-1 failure array from prediction columns and a label column (``pred != label``)."""
    lk = _kind(labels)
    for c in preds.columns:
        col = preds[c]
        if col.isna().all():
            raise DataError(f"prediction column {c!r} is empty (no decision on any instance); leave it out of the "
                            "models (--models / models=[...]).")
        ck = _kind(col)
        if ck != lk:
            example = col.dropna().iloc[0]
            raise DataError(
                f"prediction column {c!r} holds {ck} values (e.g. {plain(example)!r}) but label column {label_name!r} holds "
                f"{lk} values (e.g. {plain(labels.iloc[0])!r}); predictions and labels must use the same label space. "
                "Map one onto the other before reading."
            )
    if lk == "numeric":
        P = preds.to_numpy(dtype=float, na_value=np.nan)
        y = labels.to_numpy(dtype=float)
    else:
        P = preds.astype(object).to_numpy()
        y = labels.astype(object).to_numpy()
    missing = pd.isna(preds).to_numpy()
    F = (P != y[:, None]).astype(np.int8)
    F[missing] = -1
    _check_label_space(preds, labels, F, label_name)
    return F


def _check_label_space(preds: pd.DataFrame, labels: pd.Series, F: np.ndarray, label_name: str) -> None:
    """A column whose predictions never take any label value is a label-space mismatch, not a 100% failure rate."""
    label_values = set(pd.unique(labels.dropna()))
    for j, c in enumerate(preds.columns):
        seen = F[:, j] >= 0
        if seen.sum() < 20 or (F[seen, j] == 0).any():
            continue
        values = pd.unique(preds[c].dropna())
        if label_values.isdisjoint(values):
            raise DataError(
                f"prediction column {c!r} never uses a value of label column {label_name!r} (e.g. {plain(values[0])!r} vs "
                f"{plain(next(iter(label_values)))!r}), so every one of its decisions would count as a failure. Check the "
                "label encoding, spelling, case and whitespace, and map predictions onto the label values first."
            )


def _select_prediction_columns(df: pd.DataFrame, models, exclude: Sequence[str], version_pattern, years=None) -> list[str]:
    candidates = [c for c in df.columns if c not in set(exclude)]
    if models is None:
        if not candidates:
            raise DataError("no prediction columns found besides the id/label/group/covariate columns.")
        return candidates
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    meta = parse_columns(candidates, version_pattern)
    chosen: list[str] = []
    for m in models:
        hits = [c for c in candidates if c == m]
        if not hits:
            hits = meta.loc[meta["name"] == m, "column"].tolist()
        if not hits:
            raise DataError(f"unknown model {m!r}: no column or decision-maker of that name. Available: {preview(candidates, 30)}.")
        if len(hits) > 1 and years is None:
            raise DataError(f"decision-maker {m!r} has {len(hits)} columns ({preview(hits)}); an ecosystem usually takes one "
                            "version per decision-maker. Pass years=[...] (--years) or name the columns themselves.")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def read_wide(data, *, label: str = "label", id: str | None = "instance_id", models=None, group: str | None = None,
              covariates: Sequence[str] = (), years: Sequence | None = None,
              version_pattern: str | None = DEFAULT_VERSION_PATTERN) -> FailureMatrix:
    """Build a FailureMatrix from a wide table: a label column and one prediction column per decision-maker.

    Parameters
    ----------
    data : DataFrame or path
        Wide table (CSV, CSV.GZ, TSV, Parquet), one row per instance.
    label : str
        Label column.
    id : str or None
        Instance id column. If the column is absent and ``id`` is the default
        ``"instance_id"``, rows are numbered instead.
    models : list of str or comma-separated str, optional
        Prediction columns to use: a column name (``google_2020``) or a
        decision-maker (``google``, all its versions). Default: every other column.
    group : str, optional
        Column holding each instance's group.
    covariates : sequence of str
        Columns holding instance covariates.
    years : sequence, optional
        Keep only versioned columns whose version is one of these (columns
        without a version are kept). A decision-maker named in ``models`` with
        several versioned columns needs ``years`` (or explicit column names).
    version_pattern : str or None
        Regex splitting column names into decision-maker and version
        (see :func:`ecostat.data.failures.parse_columns`).

    Returns
    -------
    FailureMatrix

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> df = pd.DataFrame({"instance_id": [1, 2, 3], "label": [0, 1, 1],
    ...                    "a_2020": [0, 0, 1], "b_2020": [1, 0, None]})
    >>> fm = es.read_wide(df)
    >>> fm.models, fm.failures.tolist()
    (('a', 'b'), [[0, 1], [1, 1], [0, -1]])
    """
    df = _frame(data)
    if id is not None and id not in df.columns:
        if id != "instance_id":
            _require_columns(df, [id], "id")
        id = None
    covariates = list(covariates)
    _require_columns(df, [label, group, *covariates], "label/group/covariate")
    exclude = [c for c in [id, label, group, *covariates] if c is not None]
    cols = _select_prediction_columns(df, models, exclude, version_pattern, years)
    meta = parse_columns(cols, version_pattern)
    if years is not None:
        wanted = {str(y) for y in years}
        keep = (meta["version"].astype(str).isin(wanted) | meta["version"].isna()).to_numpy()  # unversioned columns stay
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
        cols = [c for c, k in zip(cols, keep) if k]
        meta = parse_columns(cols, version_pattern)
    if id is not None:
        keep = list(dict.fromkeys([id, label, *cols] + ([group] if group else []) + covariates))  # a column may play two roles
        df = merge_duplicate_rows(df[keep], id, "instance")
        ids = df[id].to_numpy()
    else:
        ids = np.arange(len(df))
    _check_labels(df[label], ids, label)
    F = failures_from_predictions(df[cols], df[label], label)
    return FailureMatrix(F, models=meta["model"].tolist(), instance_ids=ids,
                         group=None if group is None else df[group].to_numpy(), group_name=group or "group",
                         covariates=df[covariates].reset_index(drop=True) if covariates else None,
                         columns=meta)


def read_hapi(path, models=None, years=None, *, group: str | None = None, covariates: Sequence[str] = ()) -> FailureMatrix:
    """Read a HAPI compact CSV (``instance_id,label,<api>_<year>,...``).

    Parameters
    ----------
    path : str or path
        E.g. ``es.datasets.path("ferplus")`` (the HAPI files shipped with ecostat).
    models : list of str, optional
        APIs (``google``) or columns (``google_2020``); default all.
    years : list, optional
        Years to keep (e.g. ``[2020]``); default all.

    Examples
    --------
    >>> import ecostat as es, pandas as pd, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "toy.csv")
    >>> pd.DataFrame({"instance_id": ["a", "b"], "label": [0, 1], "google_2020": [0, 0],
    ...               "ibm_2020": [1, 1]}).to_csv(p, index=False)
    >>> es.read_hapi(p, models=["google", "ibm"], years=[2020]).failure_rates.tolist()
    [0.5, 0.5]
    """
    return read_wide(path, label="label", id="instance_id", models=models, years=years,
                     group=group, covariates=covariates)


def read_long(data, *, instance: str = "instance_id", model: str = "model", prediction: str | None = "prediction",
              label: str | None = "label", failure: str | None = None, group: str | None = None,
              covariates: Sequence[str] = (), version_pattern: str | None = DEFAULT_VERSION_PATTERN) -> FailureMatrix:
    """Build a FailureMatrix from a long table: one row per (instance, decision-maker).

    Parameters
    ----------
    data : DataFrame or path
    instance, model : str
        Instance id and decision-maker columns.
    prediction, label : str
        Prediction and label columns (failure = prediction != label).
    failure : str, optional
        A 0/1 failure column to use instead of prediction/label.
    group, covariates : optional
        Instance-level columns; they must be constant within an instance.

    Pairs (instance, decision-maker) absent from the table are missing cells.

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> df = pd.DataFrame({"instance_id": [1, 1, 2], "model": ["a", "b", "a"],
    ...                    "prediction": [0, 1, 1], "label": [0, 0, 0]})
    >>> es.read_long(df).failures.tolist()
    [[0, 1], [1, -1]]
    """
    df = _frame(data)
    covariates = list(covariates)
    if failure is None:
        _require_columns(df, [instance, model, prediction, label], "instance/model/prediction/label")
    else:
        _require_columns(df, [instance, model, failure], "instance/model/failure")
    _require_columns(df, [group, *covariates], "group/covariate")
    value_cols = [failure] if failure else [prediction, label]
    inst_cols = [c for c in [group, *covariates] if c]
    if not failure:
        inst_cols = [label, *inst_cols]
    df = df[list(dict.fromkeys([instance, model, *value_cols, *inst_cols]))]
    key = "__ecostat_key__"
    df = df.assign(**{key: list(zip(df[instance], df[model]))})
    df = merge_duplicate_rows(df, key, "(instance, model)",
                              fix="keep one decision per instance and decision-maker (several versions need distinct model names)").drop(columns=key)
    instances = pd.Index(pd.unique(df[instance]))
    per_inst = df.drop_duplicates(subset=[instance, *inst_cols])
    clash = per_inst[instance].duplicated(keep=False)
    if clash.any():
        bad = per_inst.loc[clash, instance].unique()
        raise DataError(f"instance(s) {preview(bad)} have different {'/'.join(inst_cols)} values on different rows; "
                        "instance-level columns must be constant within an instance.")
    per_inst = per_inst.set_index(instance).loc[instances]
    if failure:
        vals = df[failure]
        bad = ~vals.isin([0, 1, True, False])
        if bad.any():
            raise DataError(f"failure column {failure!r} must be 0/1; row {int(np.flatnonzero(bad.to_numpy())[0])} holds {vals[bad].iloc[0]!r}.")
        wide = df.pivot(index=instance, columns=model, values=failure).reindex(instances)
        F = wide.to_numpy(dtype=float, na_value=np.nan)
    else:
        _check_labels(per_inst[label], instances, label)
        wide = df.pivot(index=instance, columns=model, values=prediction).reindex(instances)
        F = failures_from_predictions(wide, per_inst[label].reset_index(drop=True).set_axis(wide.index), label)
    cols = [str(c) for c in wide.columns]
    meta = parse_columns(cols, version_pattern)
    return FailureMatrix(F, models=meta["model"].tolist(), instance_ids=instances,
                         group=None if group is None else per_inst[group].to_numpy(), group_name=group or "group",
                         covariates=per_inst[covariates].reset_index(drop=True) if covariates else None, columns=meta)


def from_predictions(predictions, labels, *, models: Sequence[str] | None = None, instance_ids=None, group=None,
                     group_name: str = "group", covariates: pd.DataFrame | None = None) -> FailureMatrix:
    """Build a FailureMatrix from an (N, k) prediction array and N labels.

    Examples
    --------
    >>> import numpy as np, ecostat as es
    >>> es.from_predictions(np.array([[0, 1], [2, 2]]), [0, 2], models=["a", "b"]).failures.tolist()
    [[0, 1], [0, 0]]
    """
    preds = pd.DataFrame(predictions)
    labels = pd.Series(np.asarray(labels))
    if len(labels) != len(preds):
        raise DataError(f"{len(labels)} labels for {len(preds)} rows of predictions; give one label per row.")
    names = list(models) if models is not None else [f"m{j + 1}" for j in range(preds.shape[1])]
    if len(names) != preds.shape[1]:
        raise DataError(f"{len(names)} model names for {preds.shape[1]} prediction columns; give one name per column.")
    preds.columns = names
    ids = np.arange(len(preds)) if instance_ids is None else np.asarray(instance_ids)
    _check_labels(labels, ids, "labels")
    F = failures_from_predictions(preds, labels, "labels")
    return FailureMatrix(F, models=names, instance_ids=ids, group=group, group_name=group_name, covariates=covariates)
