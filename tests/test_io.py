"""Readers: wide, long, HAPI, arrays; versions; missing cells; attaching groups and covariates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ecostat as es
from conftest import hapi_path


@pytest.fixture
def predictions():
    return pd.DataFrame({
        "instance_id": ["p1", "p2", "p3", "p4", "p5"],
        "label": [0, 1, 2, 1, 0],
        "google_2020": [0, 1, 1, 1, np.nan],
        "google_2021": [0, 1, 2, 0, 0],
        "ibm_2020": [1, 1, 2, 0, 0],
        "tone": ["dark", "light", "dark", "light", "light"],
        "agree": [0.9, 0.5, 0.7, 1.0, 0.8],
    })


def test_wide_failures_versions_and_missing(predictions):
    fm = es.read_wide(predictions, group="tone", covariates=["agree"])
    assert fm.models == ("google_2020", "google_2021", "ibm")
    assert fm.columns[["name", "version"]].values.tolist() == [["google", "2020"], ["google", "2021"], ["ibm", "2020"]]
    # failure = prediction != label; the empty cell stays a missing cell (-1), no row dropped
    assert fm.failures.tolist() == [[0, 0, 1], [0, 0, 0], [1, 0, 0], [0, 1, 1], [-1, 0, 0]]
    assert fm.n_instances == 5 and fm.has_missing
    assert list(fm.group) == ["dark", "light", "dark", "light", "light"]
    assert fm.covariates["agree"].tolist() == [0.9, 0.5, 0.7, 1.0, 0.8]
    np.testing.assert_allclose(fm.failure_rates, [1 / 4, 1 / 5, 2 / 5])


def test_model_and_year_selection(predictions):
    df = predictions.drop(columns=["tone", "agree"])
    with pytest.raises(es.DataError, match=r"'google' has 2 columns.*years"):
        es.read_wide(df, models="google")
    assert es.read_wide(df, models="google", years=[2020, 2021]).models == ("google_2020", "google_2021")
    with pytest.raises(es.DataError, match=r"model 'ibm' has no column for years \['2021'\] \(it has '2020'\)"):
        es.read_wide(df, models="google,ibm", years=[2021])
    one_year = es.read_wide(df, years=[2020])
    assert one_year.models == ("google", "ibm")
    assert es.read_wide(df, models=["ibm_2020", "google_2021"]).models == ("ibm", "google")
    fm = es.read_wide(df)
    assert fm.select(["google_2021", "ibm"]).models == ("google", "ibm")


def test_version_pattern_is_configurable():
    meta = es.parse_columns(["resnet_50", "gpt@v2", "bert_2019"])
    assert meta["name"].tolist() == ["resnet_50", "gpt", "bert"]
    assert es.parse_columns(["a_2020"], version_pattern=None)["name"].tolist() == ["a_2020"]
    custom = es.parse_columns(["resnet-50"], version_pattern=r"^(?P<name>.+)-(?P<version>\d+)$")
    assert custom[["name", "version"]].values.tolist() == [["resnet", "50"]]


def test_long_equals_wide(predictions):
    df = predictions.drop(columns=["tone", "agree"])
    wide = es.read_wide(df)
    long = df.melt(id_vars=["instance_id", "label"], var_name="model", value_name="prediction").dropna()
    fm = es.read_long(long.sample(frac=1, random_state=0))
    fm = fm.select(list(wide.models))
    fm_rows = pd.DataFrame(fm.failures, index=fm.instance_ids).loc[wide.instance_ids]
    assert fm_rows.values.tolist() == wide.failures.tolist()


def test_long_with_failure_column_and_group():
    df = pd.DataFrame({"id": [1, 1, 2, 2, 3], "who": ["a", "b", "a", "b", "a"], "fail": [1, 0, 1, 1, 0],
                       "g": ["x", "x", "y", "y", "y"]})
    fm = es.read_long(df, id="id", model="who", failure="fail", prediction=None, label=None, group="g")
    assert fm.failures.tolist() == [[1, 0], [1, 1], [0, -1]]
    assert list(fm.group) == ["x", "y", "y"]


def test_text_labels():
    df = pd.DataFrame({"label": ["cat", "dog", "cat"], "a": ["cat", "cat", "cat"], "b": ["dog", "dog", None]})
    fm = es.read_wide(df)
    assert fm.failures.tolist() == [[0, 1], [1, 0], [0, -1]]
    assert list(fm.instance_ids) == [0, 1, 2]


def test_from_predictions_and_array():
    fm = es.from_predictions(np.array([[3, 3], [1, 2]]), [3, 2], models=["a", "b"], group=["g", "h"])
    assert fm.failures.tolist() == [[0, 0], [1, 0]]
    arr = es.FailureMatrix(np.array([[True, False], [False, False]]))
    assert arr.failures.dtype == np.int8 and arr.models == ("m1", "m2")
    df = es.FailureMatrix(pd.DataFrame({"x": [1.0, np.nan], "y": [0.0, 1.0]}))
    assert df.failures.tolist() == [[1, 0], [-1, 1]]
    assert df.models == ("x", "y")
    named = es.FailureMatrix(pd.DataFrame({"x": [1, 0]}, index=["p", "q"]))
    assert list(named.instance_ids) == ["p", "q"]
    assert df.to_frame().isna().sum().tolist() == [1, 0]


def test_attach_by_id(predictions):
    fm = es.read_wide(predictions.drop(columns=["tone", "agree"]))
    extra = predictions[["instance_id", "tone", "agree"]].iloc[::-1]
    fm2 = fm.attach(extra, on="instance_id", group="tone", covariates=["agree"])
    assert list(fm2.group) == ["dark", "light", "dark", "light", "light"]
    assert fm2.covariates["agree"].tolist() == [0.9, 0.5, 0.7, 1.0, 0.8]
    with pytest.raises(es.DataError, match="have no row in the attached table"):
        fm.attach(extra.iloc[:3], on="instance_id", group="tone")


def test_read_table_formats(tmp_path, predictions):
    csv = tmp_path / "p.csv.gz"
    predictions.to_csv(csv, index=False)
    tsv = tmp_path / "p.tsv"
    predictions.to_csv(tsv, index=False, sep="\t")
    a = es.read_wide(csv, group="tone", covariates=["agree"])
    b = es.read_wide(tsv, group="tone", covariates=["agree"])
    assert a.failures.tolist() == b.failures.tolist()


def test_hapi_reader_years_and_ferplus_votes(hapi):
    path = hapi_path("ferplus")
    fm = es.read_hapi(path, models=["google", "microsoft", "facepp"], years=[2020])
    assert fm.models == ("google", "microsoft", "facepp")
    assert fm.columns["version"].tolist() == ["2020"] * 3
    votes = pd.read_csv(hapi_path("ferplus_votes"))  # the raw vote counts (es.datasets.ferplus_votes adds columns)
    emotions = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    labels = pd.read_csv(path, usecols=["instance_id", "label"]).set_index("instance_id")["label"]
    v = votes.set_index("instance_id").loc[labels.index]
    votes_for_label = v[emotions].to_numpy()[np.arange(len(v)), labels.to_numpy()]
    table = pd.DataFrame({"instance_id": labels.index, "votes": votes_for_label})
    fm = fm.attach(table, on="instance_id", covariates=["votes"])
    grouped = es.bin_covariate(fm, "votes", [-0.5, 5.5, 7.5, 9.5, 10.5])
    rates = es.groups.group_systemic_failure_rates(grouped)
    # ecostat/datasets/PROVENANCE.md (data curators): systemic failure rate by votes for the label
    # (5 or fewer: 0.200, 6-7: 0.106, 8-9: 0.034, 10/10: 0.018)
    np.testing.assert_allclose(rates, [0.200, 0.106, 0.034, 0.018], atol=5e-4)


def test_profile_table_is_sufficient(rng):
    F = rng.integers(0, 2, size=(2000, 4))
    F[rng.random(F.shape) < 0.05] = -1
    F[(F == -1).all(axis=1), 0] = 1
    fm = es.FailureMatrix(F, group=rng.choice(["a", "b"], 2000))
    t = fm.profile_table()
    assert t.counts.sum() == 2000
    assert (t.patterns[t.inverse] == fm.failures).all()
    assert t.n_profiles <= 2 * 3 ** 4
    frame = t.to_frame()
    assert list(frame.columns) == ["m1", "m2", "m3", "m4", "group", "count"]


def test_semicolon_csv_is_read(tmp_path, predictions):
    path = tmp_path / "semi.csv"
    predictions.to_csv(path, index=False, sep=";")
    assert es.read_wide(path, group="tone", covariates=["agree"]).n_instances == 5


def test_parquet_without_pyarrow_explains(tmp_path, predictions):
    pytest.importorskip("pandas")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path = tmp_path / "p.parquet"
        path.write_bytes(b"PAR1")
        with pytest.raises(es.DataError, match="pip install 'ecostat\\[parquet\\]'"):
            es.read_table(path)
    else:
        path = tmp_path / "p.parquet"
        predictions.to_parquet(path)
        assert es.read_table(path).shape == predictions.shape


def test_label_can_also_be_the_group(hapi):
    fm = es.read_hapi(hapi_path("digit"), models=["google", "ibm", "microsoft"], group="label")
    assert fm.group_name == "label" and len(fm.group.categories) == 10
    d = es.describe(fm, n_boot=0)
    assert len(d.by_group) == 10


def test_attach_with_incompatible_ids():
    fm = es.FailureMatrix([[1, 0], [0, 1]])
    with pytest.raises(es.DataError, match="cannot match the instance ids"):
        fm.attach(pd.DataFrame({"id": ["a", "b"], "g": ["x", "y"]}), on="id", group="g")


# ------------------------------------------------------------------ reading what the file says
def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_read_data_is_the_one_path(tmp_path, predictions):
    from ecostat.data.readers import read_data

    df = predictions.drop(columns=["tone", "agree"])
    assert read_data(df).failures.tolist() == es.read_wide(df).failures.tolist()
    long = df.melt(id_vars=["instance_id", "label"], var_name="model", value_name="prediction").dropna()
    fm = read_data(long, layout="long", models=["google_2021", "ibm"])
    assert fm.models == ("google", "ibm")
    with pytest.raises(es.DataError, match="layout must be 'wide' or 'long'"):
        read_data(df, layout="tall")


def test_na_strings_are_classes_unless_declared(tmp_path):
    # a class named NA/None/null/n/a is a class; pandas' default NA strings are not missing cells
    text = "instance_id,label,a,b\n" + "".join(
        f"i{i},{c},{c if i % 3 else 'cat'},{c}\n" for i, c in enumerate(["NA", "None", "null", "n/a", "cat"] * 4))
    fm = es.read_wide(write(tmp_path, "na.csv", text))
    assert not fm.has_missing
    np.testing.assert_allclose(fm.failure_rates, [np.mean([(i % 3 == 0) and c != "cat" for i, c in
                                                           enumerate(["NA", "None", "null", "n/a", "cat"] * 4)]), 0.0])
    # declared missing: the label NA is then an empty label (an error naming the line)
    with pytest.raises(es.DataError, match=r"label column 'label' is empty for 4 row\(s\).*'i0'.*\(lines 2, 7"):
        es.read_wide(write(tmp_path, "na.csv", text), na_values=["NA"])


def test_na_like_prediction_and_label_warn(tmp_path):
    text = "label,a,b\n" + "cat,cat,NA\ndog,dog,dog\n" * 10
    with pytest.warns(es.EcostatWarning, match=r"prediction column 'b' holds 'NA' in 10 cell\(s\).*na_values=\['NA'\]"):
        fm = es.read_wide(write(tmp_path, "p.csv", text))
    assert fm.failure_rates.tolist() == [0.0, 0.5]
    assert es.read_wide(write(tmp_path, "p.csv", text), na_values=["NA"]).failures[0].tolist() == [0, -1]
    text = "label,a,b\n" + "cat,cat,cat\nNA,dog,dog\n" * 10
    with pytest.warns(es.EcostatWarning, match=r"label column 'label' holds 'NA' on 10 row\(s\) and no decision-maker"):
        es.read_wide(write(tmp_path, "l.csv", text))


def test_ids_are_text(tmp_path):
    text = "instance_id,label,a,b\n7,0,0,1\n007,0,0,0\n7.0,1,1,1\n"
    fm = es.read_wide(write(tmp_path, "ids.csv", text))
    assert list(fm.instance_ids) == ["7", "007", "7.0"]
    with pytest.raises(es.DataError, match=r"repeat with conflicting values, e.g. 7"):
        es.read_wide(write(tmp_path, "ids.csv", text), dtype={"instance_id": "number"})
    with pytest.raises(es.DataError, match=r"id column 'instance_id' is empty on 1 row\(s\) \(line 3\)"):
        es.read_wide(write(tmp_path, "e.csv", "instance_id,label,a,b\nx,0,0,1\n,1,1,1\nz,0,1,0\n"))
    with pytest.raises(es.DataError, match=r"is empty on 3 row\(s\) \(lines 3, 4, 5\)"):
        es.read_wide(write(tmp_path, "e.csv", "instance_id,label,a,b\nx,0,0,1\n,1,1,1\n,0,1,0\n ,1,0,0\n"))


def test_numbers_compare_by_value_codes_and_declared_text_as_written(tmp_path):
    text = "label,a,b\n1,1.0,1\n2,2.00,+2\n3,3e0,3\n"
    assert es.read_wide(write(tmp_path, "n.csv", text)).failures.tolist() == [[0, 0]] * 3
    # 007 is a code: it equals only 007 (and a near miss of 7 is reported)
    text = "label,a,b\n007,007,7\n008,008,008\n"
    with pytest.warns(es.EcostatWarning, match=r"'b' on 1 row\(s\) \(e.g. '7' vs label '007'"):
        fm = es.read_wide(write(tmp_path, "c.csv", text), models=["a", "b"])
    assert fm.failures.tolist() == [[0, 1], [0, 0]]
    # declared text: compared as written
    text = "label,a,b\n1,1.0,1\n2,2,2\n"
    with pytest.warns(es.EcostatWarning, match="number formatting"):
        fm = es.read_wide(write(tmp_path, "t.csv", text), dtype={"label": "text"}, models=["a", "b"])
    assert fm.failures.tolist() == [[1, 0], [0, 0]]


def test_case_and_whitespace_near_misses_warn(tmp_path):
    labels = ["cat", "dog"] * 10
    df = pd.DataFrame({"label": labels, "a": labels, "b": [s + " " for s in labels[:5]] + labels[5:],
                       "c": [s.upper() for s in labels[:3]] + labels[3:]})
    with pytest.warns(es.EcostatWarning, match=r"'b' on 5 row\(s\).*'cat ' vs label 'cat'.*'c' on 3 row\(s\)") as rec:
        fm = es.read_wide(df)
    assert len(rec) == 1
    np.testing.assert_allclose(fm.failure_rates, [0, 0.25, 0.15])


def test_probability_scores_warn_or_are_refused():
    y = np.tile([0, 1], 15)
    scores = np.linspace(0.05, 0.95, 30)
    df = pd.DataFrame({"label": y, "a": y, "p": scores})
    with pytest.raises(es.DataError, match=r"'p' .*fractional numbers such as 0.05.*covariates=\['p'\]"):
        es.read_wide(df)
    with pytest.raises(es.DataError, match=r"'p' never uses a value of label column.*probability scores\?"):
        es.read_wide(df, models=["a", "p"])
    df["p"] = np.r_[0.0, 1.0, scores[2:]]
    with pytest.warns(es.EcostatWarning, match=r"'p' \(e.g. 0.1120\d*; looks like probability scores\)"):
        es.read_wide(df, models=["a", "p"])
    rounded = pd.DataFrame({"label": y, "a": y, "p": scores.round()})
    with pytest.warns(es.EcostatWarning, match=r"'p' hold only 0.0 and 1.0 written as decimals"):
        fm = es.read_wide(rounded)
    assert fm.failure_rates[1] == np.mean(scores.round() != y)


def test_numeric_covariate_is_not_taken_for_a_model(tmp_path):
    df = pd.DataFrame({"instance_id": range(30), "label": np.tile([0, 1], 15), "a": np.tile([0, 1], 15),
                       "b": np.tile([1, 1], 15), "age": np.arange(20, 50)})
    with pytest.raises(es.DataError, match=r"'age' \(e.g. 20, 21.*none of its values is a label value\).*"
                                           r"models=\['a', 'b'\].*--models a,b.*covariates=\['age'\]"):
        es.read_wide(df)
    assert es.read_wide(df, covariates=["age"]).models == ("a", "b")
    assert es.read_wide(df, models="a,b").models == ("a", "b")


def test_one_bad_value_in_a_numeric_column_is_named(tmp_path):
    text = "instance_id,label,a,b\n" + "".join(f"i{i},{i % 7},{'six' if i == 7 else i % 7},{(i + 1) % 7}\n" for i in range(10))
    with pytest.raises(es.DataError, match=r"'a' holds text values \('six' in 1 cell\(s\): instance 'i7' \(line 9\)\) but "
                                           r"label column 'label' holds numeric values \(e.g. 0\).*na_values=\['six'\]"):
        es.read_wide(write(tmp_path, "six.csv", text))


def test_model_lists_are_checked():
    df = pd.DataFrame({"label": [0, 1], "a": [0, 1], "b": [1, 1]})
    for bad in ("", ",", " , ", []):
        with pytest.raises(es.DataError, match="names no decision-maker"):
            es.read_wide(df, models=bad)
    with pytest.raises(es.DataError, match=r"models names 'a' more than once"):
        es.read_wide(df, models=["a", "a"])


def test_long_layout_id_years_and_deprecated_instance():
    from ecostat.data.readers import read_data

    df = pd.DataFrame({"id": [1, 1, 2, 2], "model": ["a_2020", "a_2021", "a_2020", "b_2020"],
                       "prediction": [0, 1, 1, 0], "label": [0, 0, 1, 1]})
    assert es.read_long(df, id="id", years=[2020]).models == ("a", "b")
    with pytest.raises(es.DataError, match=r"no selected column has a version in \['1999'\]"):
        read_data(df, layout="long", id="id", years=[1999])
    with pytest.warns(DeprecationWarning, match=r"read_long\(instance=\.\.\.\) is deprecated; use id="):
        fm = es.read_long(df, instance="id", models=["a_2021", "b"])
    assert fm.failures.tolist() == [[1, -1], [-1, 1]]
    with pytest.raises(es.DataError, match="model column 'model' is empty"):
        es.read_long(df.assign(model=["a_2020", None, "a_2020", "b_2020"]), id="id")


@pytest.mark.parametrize("case, content, match", [
    ("empty.csv", b"", r"is empty \(0 bytes\)"),
    ("blank.csv", b"\n\n  \n", r"holds no table"),
    ("header.csv", b"instance_id,label,a,b\n", r"has a header \('instance_id', 'label', 'a', 'b'\) but no data rows"),
    ("dup.csv", b"instance_id,label,a,a\n1,0,0,1\n", r"names the same column twice \('a' in columns 3, 4\)"),
    ("plain.csv.gz", b"instance_id,label,a\n1,0,0\n", r"named \.gz but its content is not gzip-compressed.*rename it to 'plain.csv'"),
    ("ragged.csv", b"label,a,b\n0,0,1\n1,1,1,1\n", r"line 3 of .* has 4 fields but the header has 3"),
    ("quote.csv", b'label,a,b\n0,"0,1\n1,1,1\n', r"unclosed quote"),
    ("latin.csv", "label,a,b\ncaf\u00e9,caf\u00e9,th\u00e9\n".encode("latin-1"), r"not valid utf-8 text \(line 2, byte b'\\xe9'\).*encoding='latin-1'"),
    ("index.csv", b",label,a,b\n0,0,0,1\n1,1,1,1\n", r"column 1 of .* has no name in the header but holds values"),
    ("sheet.xlsx", b"PK\x03\x04", r"is a spreadsheet"),
    ("bad.parquet", b"PAR1garbage", r"cannot read Parquet file"),
])
def test_file_level_failures_are_data_errors(tmp_path, case, content, match):
    if case.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    path = write(tmp_path, case, content)
    with pytest.raises(es.DataError, match=match) as err:
        es.read_wide(path)
    assert str(path) in str(err.value) or case in ("sheet.xlsx",)


def test_directory_and_corrupted_gzip(tmp_path):
    import gzip

    with pytest.raises(es.DataError, match="is a directory, not a file"):
        es.read_wide(tmp_path)
    data = gzip.compress(("instance_id,label,a,b\n" + "".join(f"i{i},{i % 2},0,1\n" for i in range(2000))).encode())
    write(tmp_path, "t.csv.gz", data[: len(data) // 2])
    with pytest.raises(es.DataError, match=r"gzip-compressed file .* is truncated or corrupted \(EOFError"):
        es.read_wide(tmp_path / "t.csv.gz")
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0xFF
    write(tmp_path, "c.csv.gz", bytes(bad))
    with pytest.raises(es.DataError, match="truncated or corrupted"):
        es.read_wide(tmp_path / "c.csv.gz")
    write(tmp_path, "hidden.csv", data)  # gzip content without the suffix: read by its content
    assert es.read_wide(tmp_path / "hidden.csv").n_instances == 2000


def test_encodings_boms_and_blank_rows(tmp_path):
    text = "instance_id,label,a,b\n\u00e9,caf\u00e9,caf\u00e9,th\u00e9\n\n,,,\nz,th\u00e9,th\u00e9,th\u00e9\n"
    for enc in ("utf-8", "utf-8-sig", "utf-16"):
        fm = es.read_wide(write(tmp_path, f"{enc}.csv", text, enc))
        assert list(fm.instance_ids) == ["\u00e9", "z"] and fm.failures.tolist() == [[0, 1], [0, 0]]
    assert es.read_wide(write(tmp_path, "l.csv", text, "latin-1"), encoding="latin-1").n_instances == 2
    with pytest.raises(es.DataError, match="byte-order mark"):
        es.read_wide(write(tmp_path, "bom.csv", text, "utf-8-sig"), encoding="latin-1")
    with pytest.raises(es.DataError, match="unknown encoding"):
        es.read_wide(write(tmp_path, "x.csv", text), encoding="no-such-codec")


def test_read_table_types(tmp_path):
    path = write(tmp_path, "t.csv", "instance_id,label,x,code,note\n1,0,0.5,007,NA\n2,1,1.5,012,\n")
    df = es.read_table(path)
    assert df["instance_id"].tolist() == [1, 2] and df["x"].tolist() == [0.5, 1.5]
    assert df["code"].tolist() == ["007", "012"] and df["note"].iloc[0] == "NA" and pd.isna(df["note"].iloc[1])
    assert es.read_table(path, dtype={"instance_id": "text"})["instance_id"].tolist() == ["1", "2"]
    assert es.read_table(path, na_values=["NA"])["note"].isna().all()


def test_header_with_spaces_is_hinted(tmp_path):
    with pytest.raises(es.DataError, match=r"Did you mean ' label'"):
        es.read_wide(write(tmp_path, "s.csv", "instance_id, label, a, b\n1,0,0,1\n"))
