"""scan_profiles: the profile table built inside an engine equals the in-memory path (read_long/read_wide).

Every engine (DuckDB, the eager pandas code, Dask on a local distributed cluster; Spark in the slow tier)
is checked against ``read_long(...).profile_table()`` / ``read_wide(...).profile_table()`` on the same data:
missing cells, groups, covariates, string and integer ids and labels, several Parquet files, more than 62
decision-makers. Bad input gets read_long's errors without loading the log into pandas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from ecostat.data.scan import scan_profiles
from ecostat.errors import DataError, EcostatError, EcostatWarning

ENGINES = ["duckdb", "pandas", "dask"]


# ------------------------------------------------------------------ helpers
def make_log(seed=0, n=400, k=4, miss=0.25, ids="int", labels="int", group=True, covariate=True, n_classes=3):
    """A long prediction log: each instance meets decision-maker m0 and each other one with prob 1 - miss."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    inst = np.repeat(np.arange(n), k)
    j = np.tile(np.arange(k), n)
    keep = (j == 0) | (rng.random(n * k) >= miss)
    inst, j = inst[keep], j[keep]
    right = rng.random(inst.size) < 0.6 + 0.05 * (j % 3)
    pred = np.where(right, y[inst], (y[inst] + 1 + rng.integers(0, n_classes - 1, inst.size)) % n_classes)
    df = pd.DataFrame({
        "instance_id": [f"case-{i}" for i in inst] if ids == "str" else inst * 7 + 3,
        "model": [f"api{m}_2020" if m % 2 else f"m{m}" for m in j],
        "prediction": [f"class {p}" for p in pred] if labels == "str" else pred,
        "label": [f"class {v}" for v in y[inst]] if labels == "str" else y[inst],
    })
    if group:
        df["skin"] = np.array(["dark", "light", "medium"])[inst % 3]
    if covariate:
        df["agree"] = (inst % 4) / 4.0
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # rows in no particular order


def assert_same(got: es.ProfileTable, want: es.ProfileTable) -> None:
    assert got.models == want.models
    np.testing.assert_array_equal(got.patterns, want.patterns)
    assert got.patterns.dtype == np.int8
    np.testing.assert_array_equal(got.counts, want.counts)
    assert got.group_name == want.group_name
    assert got.group_levels == want.group_levels
    if want.group_codes is None:
        assert got.group_codes is None
    else:
        np.testing.assert_array_equal(got.group_codes, want.group_codes)
    if want.covariates is None:
        assert got.covariates is None
    else:
        pd.testing.assert_frame_equal(got.covariates, want.covariates, check_dtype=False)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _engine(request):
    if request.param == "dask":
        request.getfixturevalue("dask_client")
    return request.param


@pytest.fixture(params=ENGINES)
def engine(request):
    return _engine(request)


@pytest.fixture(params=["duckdb", "pandas", pytest.param("dask", marks=pytest.mark.slow)])
def engine_s(request):
    """Every engine; Dask (about 1 s a call on a local cluster) only in the slow tier."""
    return _engine(request)


def scan(source, engine, **kw):
    if engine == "dask" and isinstance(source, pd.DataFrame):
        import dask.dataframe as dd

        return scan_profiles(dd.from_pandas(source, npartitions=3), **kw)  # engine chosen from the type
    return scan_profiles(source, engine=engine, **kw)


# ------------------------------------------------- equality with the in-memory path
@pytest.mark.parametrize("ids, labels", [("int", "int"), ("str", "str"), ("int", "str"), ("str", "int")])
def test_long_matches_read_long(engine, ids, labels):
    df = make_log(seed=1, ids=ids, labels=labels)
    want = es.read_long(df, group="skin", covariates=["agree"]).profile_table()
    assert want.has_missing
    assert_same(scan(df, engine, group="skin", covariates=["agree"]), want)


def test_long_without_group_or_missing_cells(engine_s):
    df = make_log(seed=2, miss=0.0, group=False, covariate=False)
    want = es.read_long(df).profile_table()
    assert not want.has_missing
    assert_same(scan(df, engine_s), want)


def test_models_selection_matches_select(engine_s):
    df = make_log(seed=3)
    fm = es.read_long(df, group="skin")
    for models in (["api1", "m0"], "m0, api3", ["m0", "api1_2020", "m2"]):
        wanted = [m.strip() for m in models.split(",")] if isinstance(models, str) else models
        assert_same(scan(df, engine_s, group="skin", models=models), fm.select(wanted).profile_table())


def test_failure_column(engine_s):
    df = make_log(seed=4)
    df["failed"] = (df["prediction"] != df["label"]).astype(int)
    df = df.drop(columns=["prediction", "label"])
    want = es.read_long(df, failure="failed", group="skin").profile_table()
    assert_same(scan(df, engine_s, failure="failed", group="skin"), want)


def test_more_than_62_decision_makers(engine_s):
    """Patterns span two 62-bit words; the in-memory path falls back to ranking rows."""
    df = make_log(seed=5, n=60, k=70, miss=0.3, group=True, covariate=False)
    want = es.read_long(df, group="skin").profile_table()
    assert want.n_models == 70
    assert_same(scan(df, engine_s, group="skin"), want)


def test_string_labels_with_integer_like_ids_and_boolean_predictions(engine_s):
    df = make_log(seed=6, n_classes=2, group=False, covariate=False)
    df["prediction"] = df["prediction"].astype(bool)
    assert_same(scan(df, engine_s), es.read_long(df).profile_table())


def test_parquet_directory_of_several_files(tmp_path, engine):
    df = make_log(seed=7, ids="str")
    folder = tmp_path / "log"
    folder.mkdir()
    for part, start in enumerate(range(0, len(df), len(df) // 4 + 1)):
        df.iloc[start:start + len(df) // 4 + 1].to_parquet(folder / f"part-{part}.parquet", index=False)
    want = es.read_long(df, group="skin", covariates=["agree"]).profile_table()
    assert_same(scan_profiles(folder, engine=engine, group="skin", covariates=["agree"]), want)
    assert_same(scan_profiles(str(folder / "*.parquet"), engine=engine, group="skin", covariates=["agree"]), want)


def test_hive_partitioned_parquet_and_csv(tmp_path):
    df = make_log(seed=8, labels="str")
    df.to_parquet(tmp_path / "by_model", partition_cols=["model"], index=False)
    want = es.read_long(df, group="skin").profile_table()
    assert_same(scan_profiles(tmp_path / "by_model", group="skin"), want)
    df.to_csv(tmp_path / "log.csv.gz", index=False)
    assert_same(scan_profiles(tmp_path / "log.csv.gz", group="skin"), want)
    assert_same(scan_profiles(tmp_path / "log.csv.gz", engine="pandas", group="skin"), want)


def test_categorical_columns(tmp_path, engine_s):
    """Dictionary-encoded Parquet columns arrive as pandas/Dask categoricals; they reduce like their values."""
    df = make_log(seed=15, covariate=False).astype({"model": "category", "skin": "category"})
    df["half"] = pd.Categorical(df["instance_id"] % 2)
    df.to_parquet(tmp_path / "log.parquet", index=False)
    for group in ("skin", "half"):
        want = es.read_long(df, group=group).profile_table()
        assert_same(scan(df, engine_s, group=group), want)
        assert_same(scan_profiles(tmp_path / "log.parquet", engine=engine_s, group=group), want)


def test_arrow_table_source():
    pa = pytest.importorskip("pyarrow")
    df = make_log(seed=9)
    assert_same(scan_profiles(pa.Table.from_pandas(df), group="skin"), es.read_long(df, group="skin").profile_table())


def wide_of(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.pivot(index="instance_id", columns="model", values="prediction")
    wide.columns = [str(c) for c in wide.columns]
    first = df.groupby("instance_id")[["label", "skin"]].first()
    return pd.concat([first, wide], axis=1).reset_index()


def test_wide_matches_read_wide(engine):
    wide = wide_of(make_log(seed=10, covariate=False))
    want = es.read_wide(wide, group="skin").profile_table()
    assert want.has_missing
    assert_same(scan(wide, engine, layout="wide", group="skin"), want)
    want = es.read_wide(wide, models=["api1", "m0"], years=[2020], group="skin").profile_table()
    assert_same(scan(wide, engine, layout="wide", models=["api1", "m0"], years=[2020], group="skin"), want)
    rows = wide.drop(columns=["instance_id", "skin"])  # no id column: each row is an instance
    assert_same(scan(rows, engine, layout="wide"), es.read_wide(rows).profile_table())


def test_wide_parquet_file(tmp_path):
    wide = wide_of(make_log(seed=11, labels="str", covariate=False))
    wide.to_parquet(tmp_path / "wide.parquet", index=False)
    want = es.read_wide(wide, group="skin").profile_table()
    for engine in ("duckdb", "pandas"):
        assert_same(scan_profiles(tmp_path / "wide.parquet", layout="wide", engine=engine, group="skin"), want)


def test_identical_duplicates_are_merged_with_a_warning(engine):
    df = make_log(seed=12, group=False, covariate=False)
    dup = pd.concat([df, df.iloc[:5]], ignore_index=True)
    with pytest.warns(EcostatWarning, match="5 identical duplicate"):
        want = es.read_long(dup).profile_table()
    with pytest.warns(EcostatWarning, match="5 identical duplicate"):
        got = scan(dup, engine)
    assert_same(got, want)
    assert_same(got, es.read_long(df).profile_table())


def test_dask_reads_files_itself(tmp_path, dask_client):
    df = make_log(seed=13)
    df.to_parquet(tmp_path / "log.parquet", index=False)
    want = es.read_long(df, group="skin").profile_table()
    assert_same(scan_profiles(tmp_path / "log.parquet", engine="dask", group="skin"), want)


def test_duckdb_settings(tmp_path):
    df = make_log(seed=14)
    t = scan_profiles(df, group="skin", memory_limit="64MB", threads=1, temp_directory=tmp_path / "spill")
    assert_same(t, es.read_long(df, group="skin").profile_table())
    assert_same(scan_profiles(df, group="skin", memory_limit=64 * 2**20), t)
    with pytest.raises(DataError, match="cannot start DuckDB"):
        scan_profiles(df, memory_limit="lots")
    big = make_log(seed=14, n=40_000, k=10, group=False, covariate=False)
    with pytest.raises(EcostatError, match="DuckDB ran out of memory .*larger memory_limit= \\(now 4MB\\)"):
        scan_profiles(big, memory_limit="4MB", threads=1)


def test_random_logs_match_read_long():
    """Property test: random small logs (ids, labels, missing cells, groups) give read_long's table."""
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(max_examples=25, deadline=None, derandomize=True)
    @hypothesis.given(seed=st.integers(0, 10**6), n=st.integers(1, 40), k=st.integers(1, 7),
                      miss=st.sampled_from([0.0, 0.3, 0.7]), ids=st.sampled_from(["int", "str"]),
                      labels=st.sampled_from(["int", "str"]), group=st.booleans())
    def check(seed, n, k, miss, ids, labels, group):
        df = make_log(seed=seed, n=n, k=k, miss=miss, ids=ids, labels=labels, group=group, covariate=False)
        kw = {"group": "skin"} if group else {}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            want = es.read_long(df, **kw).profile_table()
            for engine in ("duckdb", "pandas"):
                assert_same(scan_profiles(df, engine=engine, **kw), want)

    check()


# -------------------------------------------------------------- bad input
def long_df(**extra):
    df = pd.DataFrame({"instance_id": [1, 1, 2, 2, 3], "model": ["a", "b", "a", "b", "a"],
                       "prediction": [0, 1, 1, 1, 2], "label": [0, 0, 1, 1, 0]})
    return df.assign(**extra)


BAD_LONG = [
    ("missing column", long_df().drop(columns="label"), {}, "label column\\(s\\) 'label' not found|column\\(s\\) 'label' not found"),
    ("conflicting duplicate", pd.concat([long_df(), long_df().iloc[[0]].assign(prediction=1)]), {},
     r"1 \(instance, model\) id\(s\) repeat with conflicting values, e.g. \(1, 'a'\)"),
    ("several labels", long_df(label=[0, 1, 1, 1, 0]), {}, "instance\\(s\\) 1 have different label values"),
    ("empty label", long_df(label=[np.nan, np.nan, 1, 1, 0]), {}, "label column 'label' is empty for 1 row\\(s\\), e.g. instance\\(s\\) 1"),
    ("unknown model", long_df(), {"models": ["a", "zzz"]}, "unknown model 'zzz'"),
    ("empty instance id", long_df(instance_id=[1, 1, None, 2, 3]), {}, "instance column 'instance_id' is empty on 1 row"),
    ("empty model", long_df(model=["a", None, "a", "b", "a"]), {}, "model column 'model' is empty on 1 row"),
    ("text vs numbers", long_df(prediction=["x", "y", "x", "y", "x"]), {}, "predictions and labels must use the same label space"),
    ("empty decision-maker", long_df(prediction=[0, np.nan, 1, np.nan, 2]), {}, "prediction column 'b' is empty"),
    ("no decision", long_df(prediction=[0, 1, 1, 1, np.nan]), {}, "instance\\(s\\) 3 have no decision from any decision-maker"),
    ("no decision left", long_df(), {"models": ["b"]}, "with models \\['b'\\], instance\\(s\\) 3 have no decision left"),
    ("group missing", long_df(g=["x", "x", "y", "y", None]), {"group": "g"}, "group is missing for instance\\(s\\) 3"),
    ("group clash", long_df(g=["x", "y", "y", "y", "x"]), {"group": "g"}, "instance\\(s\\) 1 have different label/g values"),
    ("covariate missing", long_df(c=[1.0, 1.0, np.nan, np.nan, 2.0]), {"covariates": ["c"]}, "covariate 'c' is missing for instance\\(s\\) 2"),
    ("failure not 0/1", long_df(f=[0, 1, 2, 0, 1]).drop(columns=["prediction", "label"]), {"failure": "f"},
     "failure column 'f' must be 0/1"),
    ("failure empty", long_df(f=[0, 1, None, 0, 1]).drop(columns=["prediction", "label"]), {"failure": "f"},
     "failure column 'f' must be 0/1"),
    ("label space", pd.DataFrame({"instance_id": np.repeat(np.arange(30), 2), "model": ["a", "b"] * 30,
                                  "prediction": ["yes", "no"] * 30, "label": ["no"] * 60}).assign(
        prediction=lambda d: np.where(d["model"] == "a", "YES", d["prediction"])), {},
     "prediction column 'a' never uses a value of label column 'label'"),
]


DASK_FAST = {"conflicting duplicate", "several labels", "no decision"}


def _bad_params():
    for case in BAD_LONG:
        for engine in ENGINES:
            slow = engine == "dask" and case[0] not in DASK_FAST  # each Dask case costs about 0.5 s: the rest run with -m slow
            yield pytest.param(case, engine, id=f"{engine}-{case[0]}", marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("case, engine_name", list(_bad_params()))
def test_bad_long_input(case, engine_name, request):
    if engine_name == "dask":
        request.getfixturevalue("dask_client")
    engine = engine_name
    _, df, kw, match = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EcostatWarning)
        with pytest.raises(DataError, match=match):
            scan(df.reset_index(drop=True), engine, **kw)


def test_bad_wide_input(engine_s):
    wide = pd.DataFrame({"instance_id": [1, 2, 2], "label": [0, 1, 1], "a": [0, 1, 0], "b": [1, 1, 1]})
    with pytest.raises(DataError, match="1 instance id\\(s\\) repeat with conflicting values, e.g. 2"):
        scan(wide, engine_s, layout="wide")
    with pytest.raises(DataError, match="unknown model 'c'"):
        scan(wide, engine_s, layout="wide", models=["a", "c"])
    with pytest.raises(DataError, match="id column\\(s\\) 'case' not found"):
        scan(wide, engine_s, layout="wide", instance="case")
    with pytest.raises(DataError, match="label column 'label' is empty"):
        scan(wide.assign(label=[0, None, None]).iloc[[0, 1]], engine_s, layout="wide")
    with pytest.warns(EcostatWarning, match="1 identical duplicate instance"):
        t = scan(wide.iloc[[0, 1, 1]], engine_s, layout="wide")
    assert t.n_instances == 2


def test_bad_source_and_options(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        scan_profiles(tmp_path / "nope.parquet")
    with pytest.raises(DataError, match="no file matches"):
        scan_profiles(str(tmp_path / "*.parquet"))
    with pytest.raises(DataError, match="holds no Parquet or CSV"):
        scan_profiles(tmp_path)
    with pytest.raises(DataError, match="layout must be"):
        scan_profiles(long_df(), layout="tall")
    with pytest.raises(DataError, match="unknown engine 'polars'"):
        scan_profiles(long_df(), engine="polars")
    with pytest.raises(DataError, match="cannot read a dict"):
        scan_profiles({"a": [1]})
    with pytest.raises(DataError, match="no rows"):
        scan_profiles(long_df().iloc[:0])
    with pytest.raises(DataError, match="no rows"):
        scan_profiles(long_df().iloc[:0], engine="pandas")


def test_dask_frame_needs_the_dask_engine():
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(DataError, match="reduced by the dask engine"):
        scan_profiles(dd.from_pandas(long_df(), npartitions=1), engine="duckdb")


def test_missing_engine_names_the_install(monkeypatch):
    import ecostat.data.scan as scan_module

    real = scan_module.importlib.import_module

    def fake(name, *a, **k):
        if name.split(".")[0] in ("dask", "duckdb"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(scan_module.importlib, "import_module", fake)
    with pytest.raises(EcostatError, match=r"pip install 'ecostat\[dask\]'"):
        scan_profiles(long_df(), engine="dask")
    with pytest.raises(EcostatError, match="pip install duckdb"):
        scan_profiles(long_df())


def test_import_ecostat_loads_no_engine():
    code = ("import sys, ecostat, ecostat.data.scan; "
            "print(sorted(m for m in ('duckdb', 'dask', 'distributed', 'pyspark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ Spark
@pytest.mark.slow
def test_spark_matches_read_long(tmp_path):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("ecostat-test").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pyspark on pandas 3
            for labels in ("int", "str"):
                df = make_log(seed=20, ids="str", labels=labels)
                sdf = spark.createDataFrame(df)
                want = es.read_long(df, group="skin", covariates=["agree"]).profile_table()
                assert_same(scan_profiles(sdf, group="skin", covariates=["agree"]), want)
            df.to_parquet(tmp_path / "log.parquet", index=False)
            assert_same(scan_profiles(tmp_path / "log.parquet", engine="spark", group="skin", covariates=["agree"]), want)
            wide = wide_of(make_log(seed=21, covariate=False))
            assert_same(scan_profiles(spark.createDataFrame(wide), layout="wide", group="skin"),
                        es.read_wide(wide, group="skin").profile_table())
            with pytest.raises(DataError, match="have different label values"):
                scan_profiles(spark.createDataFrame(long_df(label=[0, 1, 1, 1, 0])))
            with pytest.warns(EcostatWarning, match="identical duplicate"):
                dup = pd.concat([long_df(), long_df().iloc[[0]]], ignore_index=True)
                assert_same(scan_profiles(spark.createDataFrame(dup)), es.read_long(long_df()).profile_table())
    finally:
        spark.stop()


def test_wide_rows_without_id_are_named_by_row_number():
    rng = np.random.default_rng(16)
    n = 300_000
    wide = pd.DataFrame({"label": rng.integers(0, 2, n).astype(float), "a": rng.integers(0, 2, n), "b": rng.integers(0, 2, n)})
    wide.loc[[250_001, 250_007], "label"] = np.nan
    with pytest.raises(DataError, match=r"empty for 2 row\(s\), e.g. instance\(s\) 250001, 250007;"):
        es.read_wide(wide)
    with pytest.raises(DataError, match=r"empty for 2 row\(s\), e.g. instance\(s\) 250001, 250007;"):
        scan_profiles(wide, layout="wide", threads=2)  # DuckDB scans in parallel; row numbers follow the source
    with pytest.raises(DataError, match=r"empty for 2 row\(s\), e.g. instance\(s\) 250001, 250007;"):
        scan_profiles(wide, layout="wide", engine="pandas")
