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
    votes = pd.read_csv(path.parent / "ferplus_votes.csv.gz")
    emotions = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    labels = pd.read_csv(path, usecols=["instance_id", "label"]).set_index("instance_id")["label"]
    v = votes.set_index("instance_id").loc[labels.index]
    votes_for_label = v[emotions].to_numpy()[np.arange(len(v)), labels.to_numpy()]
    table = pd.DataFrame({"instance_id": labels.index, "votes": votes_for_label})
    fm = fm.attach(table, on="instance_id", covariates=["votes"])
    grouped = es.bin_covariate(fm, "votes", [-0.5, 5.5, 7.5, 9.5, 10.5])
    rates = es.groups.group_systemic_failure_rates(grouped)
    # shared/data/hapi/README.md: systemic failure rate by votes for the label
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
