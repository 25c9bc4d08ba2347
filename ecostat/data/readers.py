"""Readers: prediction tables (wide, long, HAPI compact CSV) -> FailureMatrix.

A failure is ``prediction != label`` (Toups et al. 2023, §2.1). Thin I/O
layer, one path: :func:`read_data` (and :func:`read_wide`, :func:`read_long`,
:func:`read_hapi` built on the same internals) reads what the file says and
every message names the file, column, row or value and the fix.

Reading rules:

* **Missing cells.** Only empty (or whitespace-only) cells are missing. A cell
  holding ``NA``, ``None``, ``null`` or ``n/a`` is a value (a class may be
  called ``NA``); pass ``na_values=["NA"]`` to read such markers as missing.
  A prediction that is an NA-like string which no label uses, or a label that
  is an NA-like string that no decision-maker predicts, gives a warning.
* **Ids** are text, exactly as written (``7``, ``007`` and ``7.0`` are three
  instances), unless declared ``dtype={"instance_id": "number"}``. An empty id
  is an error.
* **Labels and predictions.** A cell is a *number* when it is written as a
  decimal number without leading zeros (``1``, ``1.0``, ``-2``, ``0.5``,
  ``1e3``; not ``007``, which is a code, nor integers of more than 15 digits,
  which a float would round); anything else is text. A prediction equals its
  label when both are numbers of equal value (``1`` = ``1.0``) or both are the
  same text, character for character. A column declared
  ``dtype={col: "text"}`` compares its cells as written (``1`` != ``1.0``).
  Predictions that match their label only after ignoring case, surrounding
  whitespace or number formatting (``"Cat "`` vs ``"cat"``, ``7`` vs ``007``)
  count as failures and give a warning.
* **Label space.** Numeric labels with a prediction column holding text cells
  is an error naming the cells (``six`` among ``0..6``); numeric predictions
  against text labels are an error only if no prediction is ever a label
  value. Predictions with fractional values against integer labels
  (probability scores), or 0.0/1.0 written as decimals with no missing cell
  against integer 0/1 labels (rounded scores?), give a warning.
* **Which columns are decision-makers.** With ``models`` given, exactly those.
  Without it, every column that is not the id, label, group or a covariate,
  provided it *looks like predictions*: some of its values are label values,
  no fractional numbers against integer labels, and at most
  ``max(5, #label values)`` distinct values that are not label values.
  Otherwise the read is refused with a message listing the columns and telling
  to pass ``models=`` or ``covariates=``.
* **Files.** CSV, TSV, CSV.GZ (and .bz2/.xz/.zip, or any gzip file by its
  content), Parquet. UTF-8 by default (a byte-order mark is honoured; UTF-16
  with a BOM is read as such); pass ``encoding="latin-1"`` for other
  encodings. Empty files, directories, corrupted or mislabelled compression,
  undecodable bytes, duplicate or unnamed header columns, ragged rows and
  header-only files are :class:`~ecostat.errors.DataError` naming the file and
  the fix. Blank rows (every cell empty) hold nothing and are skipped.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import os
import re
import sys
import warnings
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, EcostatWarning, plain, preview, user_stacklevel
from .failures import DEFAULT_VERSION_PATTERN, FailureMatrix, merge_duplicate_rows, parse_columns

__all__ = ["read_data", "read_table", "read_wide", "read_long", "read_hapi", "from_predictions", "prediction_columns", "NA_LIKE"]

#: Strings that other tools read as missing (pandas' defaults); ecostat reads them as values unless
#: ``na_values`` names them, and warns where one looks like a missing-value marker.
NA_LIKE = frozenset(["#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                     "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"])

_COMPRESSION_SUFFIX = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip", ".zst": "zstd"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"PK\x03\x04", "zip"), (b"BZh", "bz2"), (b"(\xb5/\xfd", "zstd"))
_SPREADSHEET = (".xlsx", ".xls", ".xlsm", ".xlsb", ".ods", ".numbers")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$", re.ASCII)
_CODE = re.compile(r"^\s*[+-]?0\d", re.ASCII)  # a leading zero: 007 is a code, not the number 7
_DIGITS = re.compile(r"\d", re.ASCII)
_MAX_EXACT_DIGITS = 15  # integers with more significant digits are not exact as floats: read them as text


# ------------------------------------------------------------------------------------------------- tables
@dataclass
class _Table:
    """Cells as read (text for delimited files, typed for DataFrames/Parquet) and where they came from."""

    df: pd.DataFrame
    name: str | None = None  # file name for messages
    lines: bool = False  # df.index holds the file's line numbers
    dtype: dict = field(default_factory=dict)  # declared column kinds: "text" / "number"

    def where(self, index_values, ids=None, limit: int = 3) -> str:
        """``instance 'x' (line 9)``-style location of rows for messages."""
        index_values = list(index_values)
        n = len(index_values)
        idx = index_values[:limit]
        unit = "line" if self.lines else "row"
        rows = ", ".join(str(plain(i)) for i in idx) + (f", ... ({n - limit} more)" if n > limit else "")
        rows = f"{unit}{'s' if n > 1 else ''} {rows}"
        if ids is not None:
            shown = list(ids)[:limit]
            return f"instance{'s' if n > 1 else ''} {preview(shown, limit)}{', ...' if n > limit else ''} ({rows})"
        return rows


def _user_stacklevel() -> int:
    """Stack level of the first frame outside ecostat (warnings point at the caller's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("ecostat"):
        frame, level = frame.f_back, level + 1
    return level


def _warn(message: str) -> None:
    warnings.warn(message, EcostatWarning, stacklevel=_user_stacklevel())


def _na_list(na_values) -> list[str]:
    if na_values is None:
        return []
    if isinstance(na_values, str):
        na_values = [na_values]
    try:
        out = [str(v) for v in na_values]
    except TypeError:
        raise DataError(f"na_values must be a list of strings (e.g. ['NA', 'null']); got {na_values!r}.") from None
    return out


def _declared(dtype) -> dict:
    if dtype is None:
        return {}
    if not isinstance(dtype, Mapping):
        raise DataError(f"dtype must map column names to 'text' or 'number' (e.g. {{'instance_id': 'number'}}); got {dtype!r}.")
    out = {}
    for col, kind in dtype.items():
        kind = {str: "text", float: "number", int: "number"}.get(kind, kind)
        if kind not in ("text", "number"):
            raise DataError(f"dtype[{col!r}] must be 'text' or 'number'; got {kind!r}.")
        out[col] = kind
    return out


def _load(source, na_values=None, encoding=None, dtype=None) -> _Table:
    """The table of a DataFrame or a file, missing cells as NaN, checked header."""
    na = _na_list(na_values)
    declared = _declared(dtype)
    if isinstance(source, pd.DataFrame):
        tab = _Table(source, None, False, declared)
        _check_header(list(source.columns), None)
    elif isinstance(source, (str, os.PathLike)):
        tab = _read_file(Path(source), na, encoding)
        tab.dtype = declared
    else:
        raise DataError(f"expected a DataFrame or a file path, got {type(source).__name__}.")
    df = _blank_to_missing(tab.df, na)
    blank_rows = df.isna().all(axis=1)
    if blank_rows.any():  # blank lines, ",,,": nothing to read
        df = df.loc[~blank_rows.to_numpy()]
    if len(df) == 0:
        where = f"file {tab.name!r}" if tab.name else "the table"
        raise DataError(f"{where} has a header ({preview([str(c) for c in df.columns], 8)}) but no data rows; "
                        "give a table with one row per instance (wide) or per decision (long).")
    unknown = [c for c in declared if c not in df.columns]
    if unknown:
        raise DataError(f"dtype names column(s) {preview(unknown)} that the table does not have; available columns: "
                        f"{preview(list(df.columns), 30)}.")
    for col, kind in declared.items():
        if kind == "number":
            df = _assign(df, {col: _as_declared_number(df[col], col, tab)})
    tab.df = df
    return tab


def _bools(x: pd.Series) -> np.ndarray:
    """A boolean Series of any pandas dtype (NA as False) as a NumPy bool array."""
    return x.astype(object).fillna(False).to_numpy(dtype=bool)


def _blank_to_missing(df: pd.DataFrame, na: list[str]) -> pd.DataFrame:
    """Empty and whitespace-only text cells, and cells equal to one of ``na``, become missing (NaN)."""
    na_set = set(na)
    na_numbers = {float(v) for v in na if _NUMBER.match(v)}
    changed = {}
    for j in range(df.shape[1]):
        s = df.iloc[:, j]
        if s.dtype != object and pd.api.types.is_string_dtype(s):  # pandas' string dtypes: vectorized
            mask = _bools(s.str.isspace()) | _bools(s == "")
            if na_set:
                mask |= _bools(s.isin(list(na_set)))
            if mask.any():
                changed[j] = s.mask(mask)
        elif s.dtype == object:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            blank = np.array([isinstance(u, str) and (u.strip() == "" or u in na_set)
                              or (bool(na_numbers) and isinstance(u, (int, float, np.number)) and not isinstance(u, bool)
                                  and float(u) in na_numbers) for u in uniques] + [False], dtype=bool)
            mask = blank[codes]  # code -1 (already missing) reads the trailing False
            if mask.any():
                changed[j] = s.astype(object).mask(mask)
        elif na_numbers and s.dtype.kind in "iuf":
            mask = s.isin(list(na_numbers)).to_numpy()
            if mask.any():
                changed[j] = s.mask(mask)
    if not changed:
        return df
    df = df.copy()
    for j, values in changed.items():
        df.isetitem(j, values)
    return df


def _assign(df: pd.DataFrame, cols: dict) -> pd.DataFrame:
    df = df.copy()
    for k, v in cols.items():
        df[k] = v
    return df


def _as_declared_number(s: pd.Series, col, tab: _Table) -> pd.Series:
    values = pd.to_numeric(s, errors="coerce")
    bad = values.isna() & s.notna()
    if bad.any():
        raise DataError(f"column {col!r} is declared a number (dtype) but holds {preview(pd.unique(s[bad]))} "
                        f"({tab.where(s.index[bad.to_numpy()])}); fix these cells or declare it 'text'.")
    return values


def _check_header(names: list, file: str | None) -> None:
    where = f"the header of {file!r}" if file else "the table"
    dup = pd.Index(names)[pd.Index(names).duplicated()].unique().tolist()
    if dup:
        pos = {d: [j + 1 for j, n in enumerate(names) if n == d] for d in dup}
        detail = "; ".join(f"{d!r} in columns {', '.join(map(str, p))}" for d, p in pos.items())
        raise DataError(f"{where} names the same column twice ({detail}); every column needs a distinct name. "
                        "Rename or remove the duplicate.")
    boms = [n for n in names if isinstance(n, str) and ("\ufeff" in n or n.startswith("ï»¿"))]
    if boms:
        raise DataError(f"{where} holds a byte-order mark inside column name {boms[0]!r}: the file is UTF-8 with a BOM but "
                        "was read with another encoding. Leave encoding out (ecostat detects the BOM), or save the file "
                        "as UTF-8 without a BOM.")


# ------------------------------------------------------------------------------------------------- files
def _compression(path: Path, head: bytes) -> str | None:
    by_content = next((c for magic, c in _MAGIC if head.startswith(magic)), None)
    by_name = _COMPRESSION_SUFFIX.get(path.suffix.lower())
    if by_name is not None and by_content != by_name:
        shown = head[:8]
        plain_name = path.name[: -len(path.suffix)]
        raise DataError(f"file {str(path)!r} is named {path.suffix} but its content is not {by_name}-compressed (it starts "
                        f"with {shown!r}). If it is a plain text table, rename it to {plain_name!r}; otherwise it is "
                        "corrupted: download or write it again.")
    if by_content == "bz2" and by_name is None:
        return None  # "BZh" can begin a plain header: trust bzip2 only with its suffix
    return by_content


def _open_decompressed(path: Path, comp: str | None):
    if comp is None:
        return open(path, "rb")
    if comp == "gzip":
        return gzip.open(path, "rb")
    if comp == "bz2":
        return bz2.open(path, "rb")
    if comp == "xz":
        return lzma.open(path, "rb")
    if comp == "zip":
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise DataError(f"zip archive {str(path)!r} holds {len(members)} files ({preview(members)}); ecostat reads a zip "
                            "with exactly one table in it. Extract the table you mean and give its path.")
        return zf.open(members[0])
    return None  # zstd: only through pandas


_DECOMPRESS_ERRORS = (zlib.error, EOFError, gzip.BadGzipFile, lzma.LZMAError, zipfile.BadZipFile, OSError)


def _corrupt(path: Path, comp: str | None, exc: BaseException) -> DataError:
    what = f"{comp}-compressed " if comp else ""
    return DataError(f"cannot read {what}file {str(path)!r}: it is truncated or corrupted ({type(exc).__name__}: {exc}). "
                     "Download or write the file again (check its size or checksum).")


def _encoding_of(head: bytes, encoding: str | None) -> str:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(f"unknown encoding {encoding!r}; use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'.") from None
        if codecs.lookup(encoding).name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return encoding
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _bad_byte_line(path: Path, comp: str | None, encoding: str) -> str:
    """Line number and byte of the first undecodable line (for the message)."""
    try:
        with _open_decompressed(path, comp) as f:
            dec = codecs.getincrementaldecoder(encoding)()
            for lineno, line in enumerate(f, start=1):
                try:
                    dec.decode(line)
                except UnicodeDecodeError as exc:
                    return f"line {lineno}, byte {line[exc.start:exc.start + 1]!r}"
    except Exception:  # noqa: BLE001 - only a better message is at stake
        pass
    return "somewhere in the file"


def _encoding_error(path: Path, comp, encoding: str) -> DataError:
    where = _bad_byte_line(path, comp, encoding)
    return DataError(f"file {str(path)!r} is not valid {encoding} text ({where}). If it was saved as Latin-1 or Windows-1252 "
                     "(e.g. by Excel), pass encoding='latin-1' or 'cp1252' (--encoding on the command line), or save it as "
                     "UTF-8. If it is not a text table at all, give a CSV, CSV.GZ, TSV or Parquet file.")


def _sniff_sep(path: Path, first_line: str) -> str:
    name = path.name.lower()
    for suffix in _COMPRESSION_SUFFIX:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith((".tsv", ".tab")):
        return "\t"
    if "," in first_line:
        return ","
    return next((d for d in ("\t", ";", "|") if d in first_line), ",")


def _read_file(path: Path, na: list[str], encoding: str | None) -> _Table:
    name = str(path)
    if not path.exists():
        raise DataError(f"file {name!r} does not exist; check the path.")
    if path.is_dir():
        raise DataError(f"{name!r} is a directory, not a file; give the path of a CSV, CSV.GZ, TSV or Parquet file in it.")
    if path.name.lower().endswith(_SPREADSHEET):
        raise DataError(f"{name!r} is a spreadsheet; ecostat reads CSV, CSV.GZ, TSV or Parquet. Save the sheet as CSV (UTF-8).")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise DataError(f"cannot open {name!r} ({exc.strerror or exc}); check that it is a readable file.") from None
    if size == 0:
        raise DataError(f"file {name!r} is empty (0 bytes); it needs a header line and one row per instance. "
                        "Check that it was written completely.")
    if path.name.lower().endswith((".parquet", ".pq")) or head.startswith(b"PAR1"):
        return _read_parquet(path)
    comp = _compression(path, head)
    # peek at the decompressed start: encoding (BOM), delimiter and the exact header names
    try:
        opened = _open_decompressed(path, comp)
        if opened is None:
            sample = b""
        else:
            with opened as f:
                sample = f.read(1 << 16)
    except DataError:
        raise
    except _DECOMPRESS_ERRORS as exc:
        raise _corrupt(path, comp, exc) from None
    enc = _encoding_of(sample[:4] if sample else head, encoding)
    try:
        text = codecs.getincrementaldecoder(enc)().decode(sample, final=False)
    except UnicodeDecodeError:
        raise _encoding_error(path, comp, enc) from None
    if opened is not None and not text.strip():
        raise DataError(f"file {name!r} holds no table ({'only whitespace' if text else 'no text'}"
                        f"{' after decompression' if comp else ''}); it needs a header line and one row per instance.")
    first_line = text.splitlines()[0] if text else ""
    sep = _sniff_sep(path, first_line)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=sep), []) if text else None
    except csv.Error as exc:
        raise DataError(f"cannot parse the header line of {name!r} ({exc}); fix its quoting.") from None
    try:
        raw = pd.read_csv(path, sep=sep, header=None, dtype=str, keep_default_na=False, na_values=[""] + na,
                          encoding=enc, compression=comp, skip_blank_lines=False, low_memory=False)
    except UnicodeError:
        raise _encoding_error(path, comp, enc) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"file {name!r} holds no table (no header line); it needs a header line and one row per instance.") from None
    except pd.errors.ParserError as exc:
        raise _parser_error(name, sep, exc) from None
    except _DECOMPRESS_ERRORS as exc:
        raise _corrupt(path, comp, exc) from None
    except Exception as exc:  # noqa: BLE001 - any other failure of the parser is a bad file, never a traceback
        raise DataError(f"cannot read {name!r} as a delimited text table ({type(exc).__name__}: {exc}); give a CSV, "
                        "CSV.GZ, TSV or Parquet file.") from None
    if raw.shape[0] == 0:
        raise DataError(f"file {name!r} holds no table (no header line); it needs a header line and one row per instance.")
    if header is None:
        header = [("" if pd.isna(v) else str(v)) for v in raw.iloc[0]]
    if len(header) != raw.shape[1]:
        # the csv module and pandas disagree (exotic quoting): fall back to pandas' reading of line 1
        header = [("" if pd.isna(v) else str(v)) for v in raw.iloc[0]]
    df = raw.iloc[1:]
    df.index = df.index + 1  # raw row r is line r + 1
    keep = []
    for j, col in enumerate(header):
        if col.strip() == "":
            values = df.iloc[:, j].dropna()
            if len(values):
                raise DataError(f"column {j + 1} of {name!r} has no name in the header but holds values (e.g. "
                                f"{plain(values.iloc[0])!r} on line {values.index[0]}); name it in the header line, or "
                                "write the table without its index (DataFrame.to_csv(..., index=False)).")
            continue  # a trailing delimiter: an unnamed, empty column
        keep.append(j)
    names = [header[j] for j in keep]
    _check_header(names, name)
    df = df.iloc[:, keep]
    df.columns = names
    return _Table(df, name, True)


def _parser_error(name: str, sep: str, exc: Exception) -> DataError:
    msg = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    shown = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(sep, repr(sep))
    if m:
        want, line, got = m.groups()
        return DataError(f"line {line} of {name!r} has {got} fields but the header has {want}: a value that contains the "
                         f"delimiter ({shown}) must be quoted, or the line is damaged. Fix that line.")
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return DataError(f"{name!r} has an unclosed quote (\") starting on line {int(m.group(1)) + 1}; close the quote or "
                         "remove it.")
    return DataError(f"cannot parse {name!r} as a delimited text table ({msg}); give a CSV, CSV.GZ, TSV or Parquet file.")


def _read_parquet(path: Path) -> _Table:
    try:
        df = pd.read_parquet(path)
    except ImportError:
        raise DataError("reading Parquet needs pyarrow: pip install 'ecostat[parquet]' (or pyarrow), "
                        "or save the table as CSV.") from None
    except Exception as exc:  # noqa: BLE001 - a damaged Parquet file is a bad file, never a traceback
        raise DataError(f"cannot read Parquet file {str(path)!r}: it is truncated, corrupted or not Parquet "
                        f"({type(exc).__name__}: {str(exc)[:200]}). Write or download it again, or give a CSV.") from None
    if not isinstance(df.index, pd.RangeIndex):  # an index saved with the table is a column like the others
        df = df.reset_index()
    _check_header(list(df.columns), str(path))
    return _Table(df.reset_index(drop=True), str(path), False)


def read_table(path: str | os.PathLike, *, na_values: Sequence[str] | None = None, encoding: str | None = None,
               dtype: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV, CSV.GZ, TSV or Parquet file into a DataFrame, as ecostat reads it.

    Only empty cells are missing (``na_values`` adds markers such as
    ``"NA"``). A column whose every cell is a number (no leading zeros) becomes
    numeric; the others stay text. ``dtype={"col": "text"}`` keeps a column as
    written, ``"number"`` requires numbers. The delimiter is the tab for
    ``.tsv``/``.tab`` files, else the first of ``,``, tab, ``;``, ``|`` that
    the header line contains.

    Parameters
    ----------
    path : str or path
    na_values : list of str, optional
        Cell values to read as missing, besides empty cells.
    encoding : str, optional
        Text encoding (default UTF-8; a byte-order mark is honoured).
    dtype : dict, optional
        ``{column: "text" | "number"}``.

    Raises
    ------
    DataError
        Missing, empty, corrupted or unreadable files, duplicate header names,
        ragged rows, a header without data rows.

    Examples
    --------
    >>> import tempfile, os, ecostat as es
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("instance_id,label,a,b\\n007,NA,0,1\\n")
    >>> df = es.read_table(p, dtype={"instance_id": "text"})
    >>> df.shape, df["instance_id"].tolist(), df["label"].tolist(), df["a"].tolist()
    ((1, 4), ['007'], ['NA'], [0])
    """
    tab = _load(path, na_values, encoding, dtype)
    out = {c: (tab.df[c] if tab.dtype.get(c) == "text" else _typed(tab.df[c])) for c in tab.df.columns}
    return pd.DataFrame(out, index=tab.df.index).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------- cells
@dataclass
class _Cells:
    """A column factorized: per-row codes (-1 missing) and, per distinct value, its reading."""

    codes: np.ndarray
    values: np.ndarray  # distinct values as given
    is_num: np.ndarray  # read as a number
    num: np.ndarray  # its value (NaN for text)
    decimal: np.ndarray  # written with a decimal point/exponent (or a float dtype)
    key: np.ndarray  # comparison key: canonical number text, or the text itself
    norm: np.ndarray  # lenient key: number value (leading zeros too) or stripped, case-folded text
    declared_text: bool = False
    used: np.ndarray = None  # type: ignore[assignment]  # distinct values that occur (all, after factorize)

    def __post_init__(self):
        if self.used is None:
            self.used = np.arange(len(self.values))

    @property
    def all_numeric(self) -> bool:
        return bool(self.is_num[self.used].all()) if self.used.size else False


def _canon(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _read_value(v, as_text: bool) -> tuple[bool, float, bool, str, str]:
    """(is_num, num, decimal, key, norm) of one distinct cell value."""
    if as_text:
        s = v if isinstance(v, str) else str(plain(v))
        return False, np.nan, False, s, _canon(float(s)) if _NUMBER.match(s) else " ".join(s.split()).casefold()
    if isinstance(v, (bool, np.bool_)):
        return True, float(v), False, _canon(float(v)), _canon(float(v))
    if isinstance(v, (int, np.integer)):
        return True, float(v), False, str(int(v)), str(int(v))
    if isinstance(v, (float, np.floating)):
        if np.isfinite(v):
            return True, float(v), True, _canon(v), _canon(v)
        return False, np.nan, True, repr(float(v)), repr(float(v))
    s = v if isinstance(v, str) else str(v)
    if _NUMBER.match(s):
        x = float(s)
        norm = _canon(x) if np.isfinite(x) else s.strip().casefold()
        mantissa = s.strip().lower().split("e")[0]
        too_long = len(_DIGITS.findall(mantissa.lstrip("+-0.") or "0")) > _MAX_EXACT_DIGITS and "." not in mantissa
        if np.isfinite(x) and not _CODE.match(s) and not too_long:
            return True, x, any(ch in s for ch in ".eE"), _canon(x), norm
        return False, np.nan, False, s, norm
    return False, np.nan, False, s, " ".join(s.split()).casefold()


def _cells(series: pd.Series, as_text: bool = False) -> _Cells:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    read = [_read_value(v, as_text) for v in uniques]
    if read:
        is_num, num, dec, key, norm = (np.array(x) for x in zip(*read))
        key, norm = key.astype(object), norm.astype(object)
    else:
        is_num = dec = np.zeros(0, bool)
        num = np.zeros(0)
        key = norm = np.zeros(0, object)
    if series.dtype.kind == "f":
        dec = np.ones_like(is_num, dtype=bool)
    return _Cells(np.asarray(codes, dtype=np.int64), uniques, is_num.astype(bool), num.astype(float), dec.astype(bool),
                  key, norm, as_text)


def _example(c: _Cells, u: int):
    """Distinct value ``u`` for a message: the number it reads as, or the text."""
    if c.is_num[u]:
        x = c.num[u]
        return int(x) if float(x).is_integer() else float(x)
    return plain(c.values[u])


def _typed(series: pd.Series) -> pd.Series:
    """Numbers where every cell is a number (instance-level columns and read_table); else as read."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series
    c = _cells(series)
    if not c.all_numeric:
        return series
    values = np.where(c.codes >= 0, c.num[np.maximum(c.codes, 0)], np.nan)
    if not np.isnan(values).any() and not c.decimal[c.used].any():
        return pd.Series(values.astype(np.int64), index=series.index, name=series.name)
    return pd.Series(values, index=series.index, name=series.name)


# ------------------------------------------------------------------------------------------------- selection
def _require_columns(df: pd.DataFrame, cols: Sequence, role: str) -> None:
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        hint = ""
        stripped = {str(c).strip().casefold(): c for c in df.columns}
        near = [stripped[str(m).strip().casefold()] for m in missing if str(m).strip().casefold() in stripped]
        if near:
            hint = f" Did you mean {preview(near)} (the header differs in spaces or case)?"
        raise DataError(f"{role} column(s) {preview(missing)} not found; available columns: {preview(list(df.columns), 30)}.{hint}")


def _model_list(models) -> list[str] | None:
    if models is None:
        return None
    if isinstance(models, str):
        names = [m.strip() for m in models.split(",")]
        names = [m for m in names if m]
    else:
        try:
            names = [str(m).strip() if isinstance(m, str) else m for m in models]
        except TypeError:
            raise DataError(f"models must be a list of names or a comma-separated string; got {models!r}.") from None
    if not names:
        raise DataError(f"models={models!r} names no decision-maker; give column or decision-maker names (e.g. "
                        "models=['google', 'ibm'] or 'google,ibm'; --models google,ibm), or leave models out to use "
                        "every prediction column.")
    dup = pd.Index(names)[pd.Index(names).duplicated()].unique().tolist()
    if dup:
        raise DataError(f"models names {preview(dup)} more than once ({names}); name each decision-maker once.")
    return names


def _select_models(candidates: list, models: list | None, version_pattern, years) -> list:
    """Columns of the named models (a column name or a decision-maker with its versions)."""
    if models is None:
        if not candidates:
            raise DataError("no prediction columns found besides the id/label/group/covariate columns.")
        return list(candidates)
    meta = parse_columns([str(c) for c in candidates], version_pattern)
    chosen: list = []
    for m in models:
        hits = [c for c in candidates if c == m or str(c) == str(m)]
        if not hits:
            hits = [candidates[i] for i in np.flatnonzero((meta["name"] == str(m)).to_numpy())]
        if not hits:
            raise DataError(f"unknown model {m!r}: no column or decision-maker of that name. Available: {preview(candidates, 30)}.")
        if len(hits) > 1 and years is None:
            raise DataError(f"decision-maker {m!r} has {len(hits)} columns ({preview(hits)}); an ecosystem usually takes one "
                            "version per decision-maker. Pass years=[...] (--years) or name the columns themselves.")
        twice = [h for h in hits if h in chosen]
        if twice:
            raise DataError(f"model {m!r} selects column {twice[0]!r} that another name in models already selects; "
                            "name each column once.")
        chosen.extend(hits)
    return chosen


def _apply_years(cols: list, models: list | None, years, version_pattern) -> list:
    if years is None:
        return cols
    if isinstance(years, (str, int, np.integer)):
        years = [y.strip() for y in str(years).split(",") if y.strip()]
    wanted = {str(y) for y in years}
    if not wanted:
        raise DataError(f"years={years!r} names no version; give e.g. years=[2020] (--years 2020), or leave it out.")
    meta = parse_columns([str(c) for c in cols], version_pattern)
    keep = (meta["version"].astype(str).isin(wanted) | meta["version"].isna()).to_numpy()  # unversioned columns stay
    if not (keep & meta["version"].notna().to_numpy()).any():
        raise DataError(f"no selected column has a version in {sorted(wanted)}; versions present: "
                        f"{preview(sorted(set(meta['version'].dropna())))}.")
    for m in models or []:
        mine = ((meta["column"] == str(m)) | (meta["name"] == str(m))).to_numpy()
        if not (mine & keep).any():
            have = sorted(set(meta.loc[mine, "version"].dropna()))
            raise DataError(f"model {m!r} has no column for years {sorted(wanted)} (it has {preview(have)}); "
                            "choose years it has or leave it out.")
    return [c for c, k in zip(cols, keep) if k]


def prediction_columns(candidates: list, models=None, years=None, version_pattern=DEFAULT_VERSION_PATTERN) -> list:
    """The prediction columns that ``models`` and ``years`` select among ``candidates`` (the rules of every reader).

    Examples
    --------
    >>> prediction_columns(["google_2020", "google_2021", "ibm_2020"], models=["google", "ibm"], years=[2020])
    ['google_2020', 'ibm_2020']
    """
    names = _model_list(models)
    return _apply_years(_select_models(list(candidates), names, version_pattern, years), names, years, version_pattern)


def _looks_like_predictions(c: _Cells, lab: _Cells) -> str | None:
    """None if the column reads as predictions of these labels, else why not."""
    used = c.used
    if used.size == 0:
        return None  # empty columns get their own message
    lab_used = lab.used
    label_integers = lab.is_num[lab_used].all() and all(float(x).is_integer() for x in lab.num[lab_used])
    if label_integers and c.is_num[used].all():
        fractional = [float(x) for x in c.num[used] if not float(x).is_integer()]
        if fractional:
            return f"it holds fractional numbers such as {fractional[0]!r} while every label is an integer"
    label_keys = set(lab.key[lab.used])
    keys = c.key[used]
    in_labels = np.array([k in label_keys for k in keys])
    if not in_labels.any():
        label_norms = set(lab.norm[lab.used])
        if not any(v in label_norms for v in c.norm[used]):  # 'HAPPY' vs 'happy' are predictions, misspelt
            return "none of its values is a label value"
    extra = int((~in_labels).sum())
    if extra > max(5, len(label_keys)):
        return f"{extra} of its distinct values are not label values"
    return None


# ------------------------------------------------------------------------------------------------- failures
def _failures(tab: _Table, preds: pd.DataFrame, labels: pd.Series, label_name, ids, *, index=None, lines=None,
              cells: dict | None = None) -> np.ndarray:
    """0/1/-1 failure matrix of prediction columns against a label column, with the reading checks.

    ``index`` (N,) holds each row's table index (file line numbers), ``lines``
    (N, k) each cell's, for the messages; ``cells`` caches factorized columns.
    """
    lab = _cells(labels, as_text=tab.dtype.get(label_name) == "text")
    cells = cells or {}
    ids = None if ids is None else np.asarray(ids)
    index = np.arange(len(labels)) if index is None else np.asarray(index)

    def where_of(rows, j):
        rows = np.asarray(rows, dtype=np.int64)
        at = index[rows] if lines is None else lines[rows, j]
        return tab.where(at, None if ids is None else ids[rows])

    n, k = preds.shape
    F = np.empty((n, k), dtype=np.int8)
    # keys compared as integer ids: a prediction's key id is its label-key id, or -1 if no label has that key
    key_id = {key: i for i, key in enumerate(lab.key)}
    norm_id: dict = {}
    lab_norm = np.array([norm_id.setdefault(v, len(norm_id)) for v in lab.norm], dtype=np.int64)
    label_key_rows = np.arange(len(lab.key))[lab.codes]
    label_norm_rows = lab_norm[lab.codes]
    lab_used = lab.used
    label_numeric = bool(lab.is_num[lab_used].all())
    label_integers = label_numeric and all(float(x).is_integer() for x in lab.num[lab_used])
    label_binary = label_integers and set(lab.num[lab_used]) <= {0.0, 1.0}
    label_decimal = bool(lab.decimal[lab_used].any())
    label_key_set = set(lab.key[lab_used])
    predicted_keys: set = set()
    normalised, scores, rounded = [], [], []
    for j, col in enumerate(preds.columns):
        as_text = tab.dtype.get(col) == "text" or lab.declared_text
        c = cells[col] if col in cells and cells[col].declared_text == as_text else _cells(preds.iloc[:, j], as_text=as_text)
        seen = c.codes >= 0
        if not seen.any():
            raise DataError(f"prediction column {col!r} is empty (no decision on any instance); leave it out of the "
                            "models (--models / models=[...]).")
        used = c.used
        # label space: numbers against text
        if label_numeric and not c.declared_text and not c.is_num[used].all():
            bad_codes = used[~c.is_num[used]]
            bad_rows = np.flatnonzero(np.isin(c.codes, bad_codes))
            first = plain(c.values[bad_codes[0]])
            fix = (f" If {first!r} means 'no prediction', pass na_values=[{first!r}] (--na on the command line)."
                   if len(bad_rows) < seen.sum() else "")
            raise DataError(
                f"prediction column {col!r} holds text values ({preview(c.values[bad_codes])} in {len(bad_rows)} cell(s): "
                f"{where_of(bad_rows, j)}) but label column {label_name!r} holds numeric values (e.g. {_example(lab, 0)!r}); "
                f"predictions and labels must use the same label space. Fix these cells or map one onto the other before "
                f"reading.{fix}")
        keys = c.key[used]
        if not label_numeric and not lab.declared_text and c.is_num[used].all() and label_key_set.isdisjoint(keys):
            raise DataError(
                f"prediction column {col!r} holds numeric values (e.g. {_example(c, 0)!r}) but label column "
                f"{label_name!r} holds text values (e.g. {_example(lab, int(np.flatnonzero(~lab.is_num)[0]))!r}); predictions and labels must use the same "
                "label space. Map one onto the other before reading.")
        if seen.sum() >= 20 and label_key_set.isdisjoint(keys):
            near_miss = set(c.norm[used]) & set(lab.norm[lab_used])
            hint = (f" They match only when case, whitespace or number formatting is ignored (e.g. {next(iter(near_miss))!r})."
                    if near_miss else "")
            integer_codes = c.is_num[used].all() and all(float(x).is_integer() for x in c.num[used])
            if label_integers and integer_codes and not near_miss:
                # integer class codes on both sides: a slice whose labels are all one class, which a decision-maker
                # never predicts, is real data (every decision a failure); say so instead of refusing it
                _warn(f"prediction column {col!r} never uses a value of label column {label_name!r} (it predicts "
                      f"{preview(sorted({int(x) for x in c.num[used]}))}; the labels are "
                      f"{preview(sorted({int(x) for x in lab.num[lab_used]}))}), so every one of its decisions is a "
                      "failure. If the codes mean different classes, map the predictions onto the label values first.")
            else:
                if label_integers and c.is_num[used].all() and not integer_codes:
                    hint = (" It holds fractional numbers while every label is an integer: probability scores? Turn "
                            "them into class decisions first (e.g. (score >= 0.5).astype(int)).")
                raise DataError(
                    f"prediction column {col!r} never uses a value of label column {label_name!r} (e.g. "
                    f"{_example(c, 0)!r} vs {_example(lab, 0)!r}), so every one of its decisions would count as a "
                    f"failure.{hint} Check the label encoding, spelling, case and whitespace, and map predictions onto "
                    "the label values first.")
        pred_key = np.array([key_id.get(key, -1) for key in c.key], dtype=np.int64)
        codes = np.maximum(c.codes, 0)
        fail = pred_key[codes] != label_key_rows
        F[:, j] = np.where(seen, fail, -1)
        predicted_keys.update(keys)
        # warnings: near-misses, NA-like strings, probability scores
        pred_norm = np.array([norm_id.get(v, -1) for v in c.norm], dtype=np.int64)
        near = seen & fail & (pred_norm[codes] == label_norm_rows)
        if near.any():
            r = int(np.flatnonzero(near)[0])
            normalised.append(f"{col!r} on {int(near.sum())} row(s) (e.g. {plain(c.values[c.codes[r]])!r} vs label "
                              f"{plain(lab.values[lab.codes[r]])!r}, {where_of([r], j)})")
        na_like = [v for v, u_num, key in zip(c.values[used], c.is_num[used], keys)
                   if not u_num and isinstance(v, str) and v.strip() in NA_LIKE and key not in label_key_set]
        if na_like:
            count = int(np.isin(c.codes, used[[v in na_like for v in c.values[used]]]).sum())
            _warn(f"prediction column {col!r} holds {preview(na_like)} in {count} cell(s), which no label uses: ecostat reads "
                  f"it as a prediction (a failure), because only empty cells are missing by default. If it means 'no "
                  f"prediction', pass na_values=[{na_like[0]!r}] (--na on the command line).")
        if label_integers and c.is_num[used].all() and not c.declared_text:
            vals = c.num[used]
            fractional = [float(x) for x in vals if not float(x).is_integer()]
            if fractional:
                kind = "probability scores" if ((vals >= 0) & (vals <= 1)).all() else "continuous scores"
                scores.append(f"{col!r} (e.g. {fractional[0]!r}; looks like {kind})")
            elif (label_binary and not label_decimal and c.decimal[used].all() and seen.all()
                  and set(vals) <= {0.0, 1.0}):
                rounded.append(repr(col))
    if normalised:
        _warn("predictions that differ from their label only in case, surrounding whitespace or number formatting count as "
              f"failures (ecostat compares exactly): {'; '.join(normalised)}. If they mean the same class, clean the values "
              "(strip, lower-case) before reading.")
    if scores:
        _warn(f"prediction column(s) {', '.join(scores)} hold fractional numbers while every label is an integer: every "
              "value other than the exact label counts as a failure. Turn scores into class decisions first (e.g. "
              "(score >= 0.5).astype(int)).")
    if rounded:
        _warn(f"prediction column(s) {', '.join(rounded)} hold only 0.0 and 1.0 written as decimals while the labels are the "
              "integers 0/1: they are compared as classes (1.0 = 1). If they are rounded probability scores, check that "
              "rounding at 0.5 is the decision rule you mean; write them as integers to silence this warning.")
    na_labels = [v for v, key, num in zip(lab.values[lab_used], lab.key[lab_used], lab.is_num[lab_used])
                 if not num and isinstance(v, str) and v.strip() in NA_LIKE and key not in predicted_keys]
    if na_labels:
        count = int(np.isin(lab.codes, lab_used[[v in na_labels for v in lab.values[lab_used]]]).sum())
        _warn(f"label column {label_name!r} holds {preview(na_labels)} on {count} row(s) and no decision-maker ever predicts "
              f"it: it is read as a class, so every decision on those rows is a failure. If it marks a missing label, pass "
              f"na_values=[{na_labels[0]!r}] (--na on the command line) and remove those rows or fill in their labels.")
    return F


def _check_labels(labels: pd.Series, ids, column: str, tab: _Table | None = None, index=None) -> None:
    bad = np.flatnonzero(pd.isna(labels).to_numpy())
    if bad.size:
        where = f"instance(s) {preview(np.asarray(ids)[bad])}"
        if tab is not None and tab.lines and index is not None:
            where += f" ({tab.where(np.asarray(index)[bad])})"
        raise DataError(
            f"label column {column!r} is empty for {bad.size} row(s), e.g. {where}; every instance needs a label. "
            "Remove those rows or fill in their labels."
        )


def _check_ids(ids: pd.Series, column: str, tab: _Table) -> None:
    bad = ids.isna().to_numpy()
    if bad.any():
        raise DataError(f"id column {column!r} is empty on {int(bad.sum())} row(s) ({tab.where(ids.index[bad])}); every row "
                        "needs an instance id. Fill them in, remove those rows, or read without ids (id=None) to number "
                        "the rows.")


def _instance_columns(df: pd.DataFrame, tab: _Table, group, covariates) -> tuple:
    group_values = None
    if group is not None:
        g = df[group] if tab.dtype.get(group) == "text" else _typed(df[group])
        group_values = g.to_numpy()
    cov = None
    if covariates:
        cov = pd.DataFrame({c: (df[c] if tab.dtype.get(c) == "text" else _typed(df[c])) for c in covariates}).reset_index(drop=True)
    return group_values, cov


# ------------------------------------------------------------------------------------------------- readers
def read_data(source, *, layout: str = "wide", label: str | None = "label", id: str | None = "instance_id", models=None,
              years=None, group: str | None = None, covariates: Sequence[str] = (), model_col: str = "model",
              prediction_col: str | None = "prediction", failure_col: str | None = None,
              na_values: Sequence[str] | None = None, encoding: str | None = None, dtype: Mapping[str, str] | None = None,
              version_pattern: str | None = DEFAULT_VERSION_PATTERN) -> FailureMatrix:
    """Read a prediction table (wide or long; DataFrame or file) into a FailureMatrix.

    The one entry of every reader (the command line, named specs, formula
    models): see the module docstring for the reading rules.

    Parameters
    ----------
    source : DataFrame or path
        CSV, TSV, CSV.GZ (.bz2, .xz, .zip) or Parquet.
    layout : {"wide", "long"}
        ``wide``: one row per instance, one prediction column per
        decision-maker. ``long``: one row per (instance, decision-maker).
    label : str or None
        Label column (long layout with ``failure_col``: None).
    id : str or None
        Instance id column. Absent with the default ``"instance_id"`` (wide
        layout): rows are numbered instead.
    models : list of str or comma-separated str, optional
        Decision-makers: a column / model name (``google_2020``) or a
        decision-maker with all its versions (``google``). Default (wide): every
        column that is not the id, label, group or a covariate, if it looks like
        predictions (else an error listing the columns); long: every model.
    years : sequence, optional
        Keep only versions in ``years`` (columns or model names without a
        version stay).
    group : str, optional
        Column holding each instance's group.
    covariates : sequence of str
        Instance covariate columns (never taken for decision-makers).
    model_col, prediction_col : str
        Long layout: decision-maker and prediction columns.
    failure_col : str, optional
        Long layout: a 0/1 failure column instead of prediction/label.
    na_values : list of str, optional
        Cell values that mean "missing" besides empty cells (e.g. ``["NA"]``).
    encoding : str, optional
        Text encoding of a delimited file (default UTF-8, BOM honoured).
    dtype : dict, optional
        ``{column: "text" | "number"}`` overriding how a column is read (ids
        are text by default; a label declared text is compared as written).
    version_pattern : str or None
        Regex splitting names into decision-maker and version
        (:func:`ecostat.data.failures.parse_columns`).

    Returns
    -------
    FailureMatrix

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> from ecostat.data.readers import read_data
    >>> df = pd.DataFrame({"instance_id": ["x", "y"], "label": ["NA", "cat"],
    ...                    "a_2020": ["NA", "dog"], "b_2020": ["cat", "cat"]})
    >>> read_data(df).failures.tolist()
    [[0, 1], [1, 0]]
    >>> long = pd.DataFrame({"instance_id": [1, 1, 2], "model": ["a_2020", "b_2021", "a_2020"],
    ...                      "prediction": [0, 1, 1], "label": [0, 0, 1]})
    >>> read_data(long, layout="long", years=[2020]).models
    ('a',)
    """
    if layout not in ("wide", "long"):
        raise DataError(f"layout must be 'wide' or 'long', not {layout!r}.")
    covariates = _string_list(covariates, "covariates")
    tab = _load(source, na_values, encoding, dtype)
    if layout == "wide":
        if failure_col is not None:
            raise DataError("failure_col is for the long layout; a wide table holds predictions (or build a FailureMatrix "
                            "from a 0/1 table with ecostat.FailureMatrix).")
        return _wide(tab, label=label, id=id, models=models, years=years, group=group, covariates=covariates,
                     version_pattern=version_pattern)
    return _long(tab, id=id, model_col=model_col, prediction_col=prediction_col, label=label, failure_col=failure_col,
                 models=models, years=years, group=group, covariates=covariates, version_pattern=version_pattern)


def _string_list(values, what: str) -> list:
    if values is None:
        return []
    if isinstance(values, str):
        return [v.strip() for v in values.split(",") if v.strip()]
    return list(values)


def _wide(tab: _Table, *, label, id, models, years, group, covariates, version_pattern) -> FailureMatrix:
    df = tab.df
    if label is None:
        raise DataError("a wide table needs a label column (label=...); for 0/1 failures build ecostat.FailureMatrix.")
    if id is not None and id not in df.columns:
        if id != "instance_id":
            _require_columns(df, [id], "id")
        id = None
    _require_columns(df, [label, group, *covariates], "label/group/covariate")
    names = _model_list(models)
    exclude = {c for c in [id, label, group, *covariates] if c is not None}
    candidates = [c for c in df.columns if c not in exclude]
    cols = _select_models(candidates, names, version_pattern, years)
    cols = _apply_years(cols, names, years, version_pattern)
    if id is not None:
        keep = list(dict.fromkeys([id, label, *cols] + ([group] if group else []) + covariates))  # a column may play two roles
        _check_ids(df[id], id, tab)
        df = merge_duplicate_rows(df[keep], id, "instance")
        ids = df[id].to_numpy()
    else:
        ids = np.arange(len(df))
    _check_labels(df[label], ids, label, tab, df.index)
    cells: dict = {}
    if names is None:  # columns taken by default must look like predictions
        lab = _cells(df[label], as_text=tab.dtype.get(label) == "text")
        refused = {}
        for c in cols:
            cells[c] = _cells(df[c], as_text=tab.dtype.get(c) == "text" or tab.dtype.get(label) == "text")
            why = _looks_like_predictions(cells[c], lab)
            if why:
                refused[c] = f"{c!r} (e.g. {preview([_example(cells[c], u) for u in cells[c].used], 2)}: {why})"
        if refused:
            others = [c for c in cols if c not in refused]
            name_them = (f"models={others!r}; --models {','.join(map(str, others))} on the command line" if others else
                         "models=[...]; --models on the command line")
            raise DataError(
                f"column(s) {'; '.join(refused.values())} do not look like predictions of label column {label!r}. Without "
                "models=, ecostat takes every column other than the id, label, group and covariates as a decision-maker. "
                f"Name the prediction columns ({name_them}) or declare the others covariates "
                f"(covariates={list(refused)!r}).")
    F = _failures(tab, df[cols], df[label], label, ids, index=df.index, cells=cells)
    meta = parse_columns([str(c) for c in cols], version_pattern)
    group_values, cov = _instance_columns(df, tab, group, covariates)
    return FailureMatrix(F, models=meta["model"].tolist(), instance_ids=ids, group=group_values,
                         group_name=group or "group", covariates=cov, columns=meta)


def _long(tab: _Table, *, id, model_col, prediction_col, label, failure_col, models, years, group, covariates,
          version_pattern) -> FailureMatrix:
    df = tab.df
    if id is None:
        raise DataError("a long table needs an instance id column (id=...), to know which rows are the same instance.")
    if failure_col is None:
        if prediction_col is None or label is None:
            raise DataError("a long table needs prediction and label columns (prediction_col=, label=) or a 0/1 failure "
                            "column (failure_col=).")
        _require_columns(df, [id, model_col, prediction_col, label], "instance/model/prediction/label")
        value_cols = [prediction_col]
        inst_cols = [label]
    else:
        _require_columns(df, [id, model_col, failure_col], "instance/model/failure")
        value_cols = [failure_col]
        inst_cols = []
    _require_columns(df, [group, *covariates], "group/covariate")
    inst_cols += [c for c in [group, *covariates] if c and c not in inst_cols]
    df = df[list(dict.fromkeys([id, model_col, *value_cols, *inst_cols]))]
    _check_ids(df[id], id, tab)
    empty_model = df[model_col].isna().to_numpy()
    if empty_model.any():
        raise DataError(f"model column {model_col!r} is empty on {int(empty_model.sum())} row(s) "
                        f"({tab.where(df.index[empty_model])}); every row needs the decision-maker's name.")
    df = df.assign(**{model_col: df[model_col].map(lambda v: v if isinstance(v, str) else str(plain(v)))})
    key = "__ecostat_key__"
    df = df.assign(**{key: list(zip(df[id], df[model_col]))})
    df = merge_duplicate_rows(df, key, "(instance, model)",
                              fix="keep one decision per instance and decision-maker (several versions need distinct model names)").drop(columns=key)
    inst_codes, instances = pd.factorize(df[id])
    instances = pd.Index(instances)
    if inst_cols:
        per_row = df[[id, *inst_cols]]
        distinct = per_row.drop_duplicates()
        clash = distinct[id].duplicated(keep=False)
        if clash.any():
            bad = distinct.loc[clash, id].unique()
            first = df.index[(df[id] == bad[0]).to_numpy()]
            raise DataError(f"instance(s) {preview(bad)} have different {'/'.join(inst_cols)} values on different rows "
                            f"(e.g. {tab.where(first)}); instance-level columns must be constant within an instance.")
    first_row = np.unique(inst_codes, return_index=True)[1]
    per_inst = df.iloc[first_row].reset_index(drop=True)  # instance order = first appearance
    per_inst_index = df.index[first_row]
    model_codes, model_names = pd.factorize(df[model_col], sort=True)
    model_names = [str(m) for m in model_names]
    chosen = _select_models(model_names, _model_list(models), version_pattern, years)
    chosen = _apply_years(chosen, _model_list(models), years, version_pattern)
    pos = {m: i for i, m in enumerate(model_names)}
    n, k = len(instances), len(model_names)
    values = np.full((n, k), np.nan, dtype=object)
    values[inst_codes, model_codes] = df[value_cols[0]].to_numpy(dtype=object)
    lines = np.full((n, k), -1, dtype=np.int64)
    if tab.lines:
        lines[inst_codes, model_codes] = df.index.to_numpy()
    idx = [pos[m] for m in chosen]
    values, lines = values[:, idx], lines[:, idx]
    wide = pd.DataFrame(values, columns=chosen)
    if failure_col is not None:
        F = _failure_column(tab, wide, failure_col, lines)
    else:
        _check_labels(per_inst[label], instances, label, tab, per_inst_index)
        F = _failures(tab, wide, per_inst[label], label, instances, index=per_inst_index,
                      lines=lines if tab.lines else None)
    observed = (F >= 0).any(axis=1)
    if not observed.all():
        missing = instances[~observed]
        raise DataError(f"with models {chosen}, instance(s) {preview(missing)} have no decision left; choose models that "
                        "every instance met, or drop those instances first.")
    meta = parse_columns(chosen, version_pattern)
    group_values, cov = _instance_columns(per_inst, tab, group, covariates)
    return FailureMatrix(F, models=meta["model"].tolist(), instance_ids=instances, group=group_values,
                         group_name=group or "group", covariates=cov, columns=meta)


def _failure_column(tab: _Table, wide: pd.DataFrame, name: str, lines) -> np.ndarray:
    F = np.full(wide.shape, -1, dtype=np.int8)
    for j, col in enumerate(wide.columns):
        c = _cells(wide[col])
        seen = c.codes >= 0
        ok = c.is_num & np.isin(c.num, [0.0, 1.0])
        bad = seen & ~ok[np.maximum(c.codes, 0)]
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            where = tab.where([lines[r, j]]) if tab.lines else f"model {col!r}"
            raise DataError(f"failure column {name!r} must be 0/1 (1 = failure); {where} holds {plain(c.values[c.codes[r]])!r}. "
                            "Fix the cell, or read predictions and labels instead (prediction_col=, label=).")
        F[:, j] = np.where(seen, c.num[np.maximum(c.codes, 0)], -1).astype(np.int8)
    return F


def read_wide(data, *, label: str = "label", id: str | None = "instance_id", models=None, group: str | None = None,
              covariates: Sequence[str] = (), years: Sequence | None = None,
              version_pattern: str | None = DEFAULT_VERSION_PATTERN, na_values: Sequence[str] | None = None,
              encoding: str | None = None, dtype: Mapping[str, str] | None = None) -> FailureMatrix:
    """Build a FailureMatrix from a wide table: a label column and one prediction column per decision-maker.

    ``read_data(data, layout="wide", ...)``; see :func:`read_data` and the
    reading rules of :mod:`ecostat.data.readers`.

    Parameters
    ----------
    data : DataFrame or path
        Wide table (CSV, CSV.GZ, TSV, Parquet), one row per instance.
    label : str
        Label column.
    id : str or None
        Instance id column (read as text). If the column is absent and ``id``
        is the default ``"instance_id"``, rows are numbered instead.
    models : list of str or comma-separated str, optional
        Prediction columns to use: a column name (``google_2020``) or a
        decision-maker (``google``, all its versions). Default: every other
        column that looks like predictions.
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
    na_values, encoding, dtype :
        See :func:`read_data`.

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
    return read_data(data, layout="wide", label=label, id=id, models=models, years=years, group=group,
                     covariates=covariates, version_pattern=version_pattern, na_values=na_values, encoding=encoding,
                     dtype=dtype)


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
    return read_data(path, layout="wide", label="label", id="instance_id", models=models, years=years,
                     group=group, covariates=covariates)


_DEPRECATED = object()


def read_long(data, *, id: str = "instance_id", model: str = "model", prediction: str | None = "prediction",
              label: str | None = "label", failure: str | None = None, group: str | None = None,
              covariates: Sequence[str] = (), models=None, years: Sequence | None = None,
              version_pattern: str | None = DEFAULT_VERSION_PATTERN, na_values: Sequence[str] | None = None,
              encoding: str | None = None, dtype: Mapping[str, str] | None = None,
              instance=_DEPRECATED) -> FailureMatrix:
    """Build a FailureMatrix from a long table: one row per (instance, decision-maker).

    ``read_data(data, layout="long", ...)``; see :func:`read_data`.

    Parameters
    ----------
    data : DataFrame or path
    id, model : str
        Instance id and decision-maker columns (``instance=`` is a deprecated
        alias of ``id``).
    prediction, label : str
        Prediction and label columns (failure = prediction != label).
    failure : str, optional
        A 0/1 failure column to use instead of prediction/label.
    group, covariates : optional
        Instance-level columns; they must be constant within an instance.
    models, years : optional
        Decision-makers and versions to keep, as in :func:`read_wide`.
    version_pattern, na_values, encoding, dtype :
        See :func:`read_data`.

    Pairs (instance, decision-maker) absent from the table are missing cells.

    Examples
    --------
    >>> import pandas as pd, ecostat as es
    >>> df = pd.DataFrame({"instance_id": [1, 1, 2], "model": ["a", "b", "a"],
    ...                    "prediction": [0, 1, 1], "label": [0, 0, 0]})
    >>> es.read_long(df).failures.tolist()
    [[0, 1], [1, -1]]
    """
    if instance is not _DEPRECATED:
        warnings.warn("read_long(instance=...) is deprecated; use id=... (as in read_wide and read_data).",
                      DeprecationWarning, stacklevel=user_stacklevel())
        if id != "instance_id" and id != instance:
            raise DataError(f"read_long got both id={id!r} and the deprecated instance={instance!r}; pass id= only.")
        id = instance
    return read_data(data, layout="long", id=id, model_col=model, prediction_col=prediction, label=label,
                     failure_col=failure, models=models, years=years, group=group, covariates=covariates,
                     version_pattern=version_pattern, na_values=na_values, encoding=encoding, dtype=dtype)


def from_predictions(predictions, labels, *, models: Sequence[str] | None = None, instance_ids=None, group=None,
                     group_name: str = "group", covariates: pd.DataFrame | None = None) -> FailureMatrix:
    """Build a FailureMatrix from an (N, k) prediction array and N labels.

    Predictions and labels are compared by the reading rules of
    :mod:`ecostat.data.readers` (numbers by value, text as written).

    Examples
    --------
    >>> import numpy as np, ecostat as es
    >>> es.from_predictions(np.array([[0, 1], [2, 2]]), [0, 2], models=["a", "b"]).failures.tolist()
    [[0, 1], [0, 0]]
    """
    preds = pd.DataFrame(predictions)
    labels = pd.Series(np.asarray(labels, dtype=object) if not isinstance(labels, pd.Series) else labels.to_numpy())
    if len(labels) != len(preds):
        raise DataError(f"{len(labels)} labels for {len(preds)} rows of predictions; give one label per row.")
    names = list(models) if models is not None else [f"m{j + 1}" for j in range(preds.shape[1])]
    if len(names) != preds.shape[1]:
        raise DataError(f"{len(names)} model names for {preds.shape[1]} prediction columns; give one name per column.")
    preds.columns = names
    ids = np.arange(len(preds)) if instance_ids is None else np.asarray(instance_ids)
    tab = _Table(preds)
    labels = labels.mask(labels.map(lambda v: isinstance(v, str) and v.strip() == ""))
    _check_labels(labels, ids, "labels")
    F = _failures(tab, preds, labels, "labels", ids)
    return FailureMatrix(F, models=names, instance_ids=ids, group=group, group_name=group_name, covariates=covariates)
