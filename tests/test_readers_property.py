"""Property-based tests of the readers (Hypothesis).

1. Round trip: random wide tables (random missing cells, label spaces of integers, text, codes with
   leading zeros and NA-like strings, random ids, column names and encodings) written as CSV,
   CSV.GZ, TSV or Parquet, or given as a DataFrame, read back (wide and long layouts) to the failure
   matrix computed here independently: a cell fails when the prediction is not the instance's class.
2. Numbers compare by value: integer classes written as ``1``, ``1.0``, ``+1``, ``1e0`` are one class.
3. Fuzz: byte-level corruptions (truncation, bit flips, overwritten or inserted garbage) of valid
   files give a FailureMatrix or a DataError, never another exception; through the command line
   (in-process) they exit with status 0 or 2 and a message, never a traceback.

The default tier keeps each test to a few seconds (few examples, derandomized so that every run
tries the same cases); ``-m slow`` runs the same properties on many more, random examples.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ecostat as es  # noqa: E402
from ecostat.data.readers import read_data  # noqa: E402

try:
    import pyarrow  # noqa: F401

    FORMATS = ("frame", "csv", "csv.gz", "tsv", "parquet")
except ImportError:  # pragma: no cover - parquet needs the optional pyarrow
    FORMATS = ("frame", "csv", "csv.gz", "tsv")

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=600, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NA_LIKE = ["NA", "None", "null", "n/a", "N/A", "NaN", "nan", "NULL", "#N/A", "<NA>"]


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------ strategies
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(",;\"'\t "),
               min_size=1, max_size=8).filter(lambda s: s.strip() != "" and not _is_number(s))


@st.composite
def classes(draw, encoding: str):
    """(kind, list of distinct class spellings as written in the file, typed values for a DataFrame)."""
    kind = draw(st.sampled_from(["int", "text", "codes", "na_like"]))
    n = draw(st.integers(1, 5))
    if kind == "int":
        values = draw(st.lists(st.integers(-50, 10**6), min_size=n, max_size=n, unique=True))
        return kind, [str(v) for v in values], values
    if kind == "codes":  # leading zeros: codes, never numbers
        texts = draw(st.lists(st.from_regex(r"\A0[0-9]{1,3}\Z"), min_size=n, max_size=n, unique=True))
        return kind, texts, texts
    if kind == "na_like":
        texts = draw(st.lists(st.sampled_from(NA_LIKE + ["cat", "dog"]), min_size=n, max_size=n, unique=True))
        return kind, texts, texts
    text = TEXT if encoding != "latin-1" else TEXT.filter(lambda s: s.encode("latin-1", "ignore").decode("latin-1") == s)
    texts = draw(st.lists(text, min_size=n, max_size=n, unique=True))
    return kind, texts, texts


@st.composite
def wide_tables(draw):
    """A wide table and the failure matrix it means."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    kind, spelled, typed = draw(classes(encoding))
    n = draw(st.integers(1, 25))
    k = draw(st.integers(1, 4))
    label = draw(st.lists(st.integers(0, len(spelled) - 1), min_size=n, max_size=n))
    pred = np.array(draw(st.lists(st.lists(st.integers(0, len(spelled) - 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    missing = np.array(draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k), min_size=n, max_size=n)))
    missing[np.arange(n), np.arange(n) % k] = False  # every instance met a decision-maker
    missing[np.arange(k) % n, np.arange(k)] = False  # every decision-maker decided once
    id_text = st.one_of(st.from_regex(r"\A[0-9]{1,4}(\.0)?\Z"), st.from_regex(r"\A0[0-9]{1,3}\Z"),
                        TEXT if encoding != "latin-1" else st.from_regex(r"\A[a-z\u00e0-\u00ff]{1,6}\Z"))
    ids = draw(st.lists(id_text, min_size=n, max_size=n, unique=True))
    names = draw(st.lists(st.from_regex(r"\A[A-Za-z][A-Za-z0-9 ]{0,6}\Z").filter(lambda s: s.strip() == s),
                          min_size=k, max_size=k, unique=True).filter(lambda ns: not {"instance_id", "label"} & set(ns)))
    expected = np.where(missing, -1, (pred != np.asarray(label)[:, None]).astype(int))
    return {"encoding": encoding, "kind": kind, "spelled": spelled, "typed": typed, "label": label, "pred": pred,
            "missing": missing, "ids": ids, "names": names, "expected": expected}


def frame_of(t, typed: bool) -> pd.DataFrame:
    values = t["typed"] if typed else t["spelled"]
    cols = {"instance_id": t["ids"], "label": [values[c] for c in t["label"]]}
    for j, name in enumerate(t["names"]):
        cols[name] = [None if t["missing"][i, j] else values[t["pred"][i, j]] for i in range(len(t["ids"]))]
    return pd.DataFrame(cols, dtype=object)


def write(t, fmt: str, folder: Path) -> tuple[object, dict]:
    """The table as a DataFrame or a file; the reader options it needs."""
    if fmt == "frame":
        return frame_of(t, typed=True), {}
    df = frame_of(t, typed=False)
    if fmt == "parquet":
        path = folder / "t.parquet"
        df.astype({c: "string" for c in df.columns}).to_parquet(path)
        return path, {}
    sep = "\t" if fmt == "tsv" else ","
    text = df.to_csv(index=False, sep=sep, lineterminator="\n")
    data = text.encode(t["encoding"])
    path = folder / f"t.{fmt}"
    path.write_bytes(gzip.compress(data, mtime=0) if fmt.endswith(".gz") else data)
    return path, ({"encoding": "latin-1"} if t["encoding"] == "latin-1" else {})


def read_quietly(source, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near-miss and NA-like warnings are expected on random class names
        return read_data(source, **kwargs)


def never_uses_a_label(t) -> bool:
    """The one refusal a well-formed table can meet: a column of >= 20 decisions never equal to any label."""
    labels = set(t["label"])
    for j in range(len(t["names"])):
        seen = ~t["missing"][:, j]
        if seen.sum() >= 20 and labels.isdisjoint(set(t["pred"][seen, j])):
            return True
    return False


# ------------------------------------------------------------------------------------------ round trips
def check_round_trip(t, fmt):
    assume(not never_uses_a_label(t))
    with tempfile.TemporaryDirectory() as folder:
        source, options = write(t, fmt, Path(folder))
        fm = read_quietly(source, models=t["names"], **options)
        assert fm.failures.tolist() == t["expected"].tolist()
        assert list(fm.instance_ids) == t["ids"]
        assert list(fm.columns["column"]) == t["names"]
        # the same decisions as a long table (absent rows = missing cells)
        long = frame_of(t, typed=fmt == "frame").melt(id_vars=["instance_id", "label"], var_name="model",
                                                       value_name="prediction").dropna(subset=["prediction"])
        if fmt != "frame":
            path = Path(folder) / "long.csv"
            long.to_csv(path, index=False, encoding=t["encoding"])
            long = path
        fl = read_quietly(long, layout="long", models=t["names"],
                          **({"encoding": "latin-1"} if t["encoding"] == "latin-1" and fmt != "frame" else {}))
        got = pd.DataFrame(fl.failures, index=list(fl.instance_ids), columns=list(fl.columns["column"]))
        want = pd.DataFrame(t["expected"], index=t["ids"], columns=t["names"])
        assert got.loc[t["ids"], t["names"]].values.tolist() == want.values.tolist()


@FAST
@given(wide_tables(), st.sampled_from(FORMATS))
def test_round_trip(t, fmt):
    check_round_trip(t, fmt)


@pytest.mark.slow
@SLOW
@given(wide_tables(), st.sampled_from(FORMATS))
def test_round_trip_many(t, fmt):
    check_round_trip(t, fmt)


@FAST
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=4, unique=True).flatmap(
    lambda classes: st.tuples(st.just(classes),
                              st.lists(st.tuples(st.integers(0, len(classes) - 1), st.integers(0, len(classes) - 1),
                                                 st.sampled_from(["{}", "{}.0", "{}.00", "{:+d}", "{}e0", "{}.0E+00"])),
                                       min_size=1, max_size=30))))
def test_numbers_compare_by_value(case):
    classes, rows = case
    text = "label,a\n" + "".join(f"{classes[y]},{fmt.format(classes[p])}\n" for y, p, fmt in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.csv"
        path.write_text(text)
        fm = read_quietly(path, models=["a"])
    assert fm.failures[:, 0].tolist() == [int(y != p) for y, p, _ in rows]


# ------------------------------------------------------------------------------------------ corruption
def valid_bytes(fmt: str) -> bytes:
    rng = np.random.default_rng(0)
    n = 60
    y = rng.integers(0, 3, n)
    df = pd.DataFrame({"instance_id": [f"i{i:03d}" for i in range(n)], "label": y,
                       "a_2020": np.where(rng.random(n) < 0.3, (y + 1) % 3, y),
                       "b_2020": np.where(rng.random(n) < 0.4, (y + 2) % 3, y).astype(object),
                       "c_2020": np.where(rng.random(n) < 0.2, (y + 1) % 3, y)})
    df.loc[5, "b_2020"] = None
    if fmt == "parquet":
        buf = io.BytesIO()
        df.to_parquet(buf)
        return buf.getvalue()
    text = df.to_csv(index=False, sep="\t" if fmt == "tsv" else ",").encode()
    return gzip.compress(text, mtime=0) if fmt == "csv.gz" else text


CORRUPTION = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), min_size=1, max_size=8)),
    st.tuples(st.just("overwrite"), st.floats(0, 1), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("replace"), st.binary(min_size=0, max_size=200)),
)


def corrupt(data: bytes, how) -> bytes:
    b = bytearray(data)

    def at(x):
        return min(int(x * len(b)), max(len(b) - 1, 0))

    if how[0] == "truncate":
        return bytes(b[: at(how[1])])
    if how[0] == "flip":
        for x, bit in how[1]:
            b[at(x)] ^= 1 << bit
        return bytes(b)
    if how[0] == "overwrite":
        i = at(how[1])
        b[i: i + len(how[2])] = how[2]
        return bytes(b)
    if how[0] == "insert":
        i = at(how[1])
        return bytes(b[:i] + how[2] + b[i:])
    return how[1]


def check_corruption(fmt, how):
    data = corrupt(valid_bytes(fmt), how)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bad.{fmt}"
        path.write_bytes(data)
        try:
            fm = read_quietly(path)
        except es.DataError as exc:
            assert str(exc)
        else:
            assert isinstance(fm, es.FailureMatrix)


def check_cli(fmt, how):
    from ecostat.interface.cli import main

    data = corrupt(valid_bytes(fmt), how)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bad.{fmt}"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        showwarning = warnings.showwarning
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rc = main(["describe", str(path), "--bootstrap", "0", "--json"])
        finally:
            warnings.showwarning = showwarning
    assert rc in (0, 2), err.getvalue()
    if rc == 2:
        assert "ecostat: error: " in err.getvalue() and "Traceback" not in err.getvalue()


@FAST
@given(st.sampled_from(FORMATS[1:]), CORRUPTION)
def test_corrupted_files_give_data_errors(fmt, how):
    check_corruption(fmt, how)


@FAST
@given(st.sampled_from(FORMATS[1:]), CORRUPTION)
def test_corrupted_files_through_the_command_line(fmt, how):
    check_cli(fmt, how)


@pytest.mark.slow
@SLOW
@given(st.sampled_from(FORMATS[1:]), CORRUPTION)
def test_corrupted_files_many(fmt, how):
    check_corruption(fmt, how)


@pytest.mark.slow
@settings(SLOW, max_examples=200)
@given(st.sampled_from(FORMATS[1:]), CORRUPTION)
def test_corrupted_files_through_the_command_line_many(fmt, how):
    check_cli(fmt, how)
