"""DESIGN §11: every bad input raises an ecostat error (a ValueError) naming the problem and the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ecostat as es


def wide(**over):
    df = pd.DataFrame({"instance_id": ["a", "b", "c", "d"], "label": [0, 1, 1, 0],
                       "m1_2020": [0, 1, 0, 1], "m2_2020": [1, 1, 0, 0]})
    for k, v in over.items():
        df[k] = v
    return df


def test_errors_are_value_errors():
    assert issubclass(es.EcostatError, ValueError)
    assert issubclass(es.DataError, es.EcostatError)
    assert issubclass(es.UndefinedMetricError, es.EcostatError)


def test_mismatched_lengths():
    with pytest.raises(es.DataError, match="3 model names .* 2 columns"):
        es.FailureMatrix([[0, 1]], models=["a", "b", "c"])
    with pytest.raises(es.DataError, match="2 labels for 3 rows"):
        es.from_predictions([[0, 1], [1, 1], [0, 0]], [0, 1], models=["a", "b"])
    with pytest.raises(es.DataError, match="group has 1 entries"):
        es.FailureMatrix([[0, 1], [1, 1]], group=["x"])
    with pytest.raises(es.DataError, match="covariates have 1 rows"):
        es.FailureMatrix([[0, 1], [1, 1]], covariates=pd.DataFrame({"c": [1.0]}))
    with pytest.raises(es.DataError, match="instance_ids has 1 entries"):
        es.FailureMatrix([[0, 1], [1, 1]], instance_ids=["a"])


def test_missing_labels_name_the_rows():
    with pytest.raises(es.DataError, match=r"label column 'label' is empty for 1 row.*'c'.*fill in"):
        es.read_wide(wide(label=[0, 1, None, 0]))


def test_conflicting_duplicate_ids_are_an_error():
    df = pd.concat([wide(), wide().iloc[[0]].assign(m1_2020=1)])
    with pytest.raises(es.DataError, match=r"conflicting values, e.g. 'a'"):
        es.read_wide(df)


def test_identical_duplicate_ids_warn_once_and_merge():
    df = pd.concat([wide(), wide().iloc[[0, 1]]])
    with pytest.warns(es.EcostatWarning, match="2 identical duplicate instance row") as rec:
        fm = es.read_wide(df)
    assert len(rec) == 1
    assert fm.n_instances == 4


def test_duplicate_ids_in_failure_matrix():
    with pytest.raises(es.DataError, match="duplicate instance ids"):
        es.FailureMatrix([[0, 1], [1, 1]], instance_ids=["a", "a"])


def test_unknown_column_or_model():
    with pytest.raises(es.DataError, match=r"unknown model 'nope'.*Available"):
        es.read_wide(wide(), models=["nope"])
    with pytest.raises(es.DataError, match=r"group/covariate column\(s\) 'skin'"):
        es.read_wide(wide(), group="skin")
    with pytest.raises(es.DataError, match="label/group/covariate column"):
        es.read_wide(wide(), label="truth")
    fm = es.read_wide(wide())
    with pytest.raises(es.DataError, match="unknown model 'zzz'"):
        fm.select(["zzz"])
    with pytest.raises(es.DataError, match="no selected column has a version in"):
        es.read_wide(wide(), years=[1999])


def test_k_below_two():
    fm = es.FailureMatrix([[1], [0]], models=["solo"])
    with pytest.raises(es.UndefinedMetricError, match="at least two decision-makers"):
        es.homogenization(fm)
    with pytest.raises(es.UndefinedMetricError, match="k >= 2"):
        es.describe(fm, n_boot=0)


def test_model_with_zero_failures_explains_why():
    fm = es.FailureMatrix([[1, 0], [1, 0], [0, 0]], models=["bad", "perfect"])
    with pytest.raises(es.UndefinedMetricError, match=r"'perfect' never fail.*0/0"):
        es.homogenization(fm)
    d = es.describe(fm, n_boot=20).to_dict()
    assert d["homogenization"]["estimate"] is None
    assert "never fail" in d["homogenization"]["undefined"]
    assert d["systemic_failure_rate"]["estimate"] == 0.0


def test_empty_group_is_an_error():
    cat = pd.Categorical(["x", "x", "y"], categories=["x", "y", "z"])
    with pytest.raises(es.DataError, match=r"group level\(s\) 'z' have no instances.*remove_unused_categories"):
        es.FailureMatrix([[0, 1], [1, 1], [0, 0]], group=cat)


def test_missing_group_value():
    with pytest.raises(es.DataError, match="group is missing for instance"):
        es.FailureMatrix([[0, 1], [1, 1]], group=["x", None])


def test_labels_and_predictions_of_different_types():
    df = wide()
    df["m2_2020"] = ["cat", "dog", "cat", "dog"]
    # named as a model: a label-space error; taken by default: not a prediction column at all
    with pytest.raises(es.DataError, match=r"prediction column 'm2_2020' holds text values.*'label' holds numeric"):
        es.read_wide(df, models=["m1_2020", "m2_2020"])
    with pytest.raises(es.DataError, match=r"'m2_2020' \(e.g. 'cat', 'dog': none of its values is a label value\) do not "
                                           r"look like predictions.*models=\['m1_2020'\].*covariates=\['m2_2020'\]"):
        es.read_wide(df)


def test_non_binary_cells():
    with pytest.raises(es.DataError, match=r"cell \(row 0, column 1\) is 2.0"):
        es.FailureMatrix([[0, 2]])
    with pytest.raises(es.DataError, match="non-numeric"):
        es.FailureMatrix([["a", "b"]])
    with pytest.raises(es.DataError, match="2-dimensional"):
        es.FailureMatrix([0, 1])


def test_instance_without_any_decision():
    with pytest.raises(es.DataError, match=r"instance\(s\) 1 have no decision.*remove these rows"):
        es.FailureMatrix([[0, 1], [np.nan, np.nan]])


def test_missing_file():
    with pytest.raises(es.DataError, match="does not exist"):
        es.read_wide("/no/such/file.csv")


def test_long_table_conflicts(tmp_path):
    df = pd.DataFrame({"instance_id": [1, 1, 2], "model": ["a", "a", "a"], "prediction": [0, 1, 1], "label": [0, 0, 0]})
    with pytest.raises(es.DataError, match=r"\(instance, model\) id\(s\) repeat with conflicting"):
        es.read_long(df)
    df2 = pd.DataFrame({"instance_id": [1, 1], "model": ["a", "b"], "prediction": [0, 1], "label": [0, 1]})
    with pytest.raises(es.DataError, match="different label values"):
        es.read_long(df2)


def test_bootstrap_and_interval_arguments():
    fm = es.simulate(n=200, seed=0)
    with pytest.raises(es.EcostatError, match="n_boot must be a positive"):
        es.resample_counts(fm, 0)
    with pytest.raises(es.EcostatError, match="ci must be between 0 and 1"):
        es.bootstrap(fm, es.systemic_failure_rate, n_boot=10, ci=95)


def test_hard_easy_rule_and_paper_warning():
    fm = es.simulate(n=500, seed=0)
    with pytest.raises(es.EcostatError, match="rule must be one of"):
        es.hard_easy_grid(fm, rule="loose")
    with pytest.warns(es.EcostatWarning, match="hard failure rate exceeds 1"):
        es.hard_easy_grid(fm, rule="paper")


def test_no_warning_on_clean_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        es.describe(es.read_wide(wide(grp=["x", "x", "y", "y"]), group="grp"), n_boot=50)


def test_label_space_mismatch_is_not_a_failure_rate_of_one():
    labels = ["happy", "sad"] * 15
    df = pd.DataFrame({"label": labels, "a": labels, "b": [s.upper() for s in labels]})
    with pytest.raises(es.DataError, match=r"'b' never uses a value of label column 'label' \(e.g. 'HAPPY' vs"):
        es.read_wide(df)


def test_empty_prediction_column():
    df = wide(m3_2020=[np.nan] * 4)
    with pytest.raises(es.DataError, match="prediction column 'm3_2020' is empty"):
        es.read_wide(df)


def test_command_ids_without_label_prefix_conflict():
    # shared/data/hapi/README.md: COMMAND repeats file names across words; stripping the
    # '<label>/' prefix of instance_id yields conflicting duplicates, which must be an error.
    from conftest import hapi_path

    df = pd.read_csv(hapi_path("command"))
    df["instance_id"] = df["instance_id"].str.split("/", n=1).str[1]
    with pytest.raises(es.DataError, match=r"instance id\(s\) repeat with conflicting values"):
        es.read_wide(df, models=["google_2020", "ibm_2020", "microsoft_2020"])
