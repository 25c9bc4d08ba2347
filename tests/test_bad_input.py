"""docs/architecture.md §11: every bad input raises an ecostat error (a ValueError) naming the problem and the fix."""

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
    # ecostat/datasets/PROVENANCE.md: COMMAND repeats file names across words; stripping the
    # '<label>/' prefix of instance_id yields conflicting duplicates, which must be an error.
    from conftest import hapi_path

    df = pd.read_csv(hapi_path("command"))
    df["instance_id"] = df["instance_id"].str.split("/", n=1).str[1]
    with pytest.raises(es.DataError, match=r"instance id\(s\) repeat with conflicting values"):
        es.read_wide(df, models=["google_2020", "ibm_2020", "microsoft_2020"])


# ------------------------------------------------------------------ numeric arguments of the descriptive verbs
@pytest.mark.parametrize("kwargs, match", [
    ({"n_boot": "10"}, r"n_boot must be a whole number, got the text '10'. Pass n_boot=10."),
    ({"n_boot": 2.5}, r"n_boot must be a whole number, got 2.5; ecostat does not round it"),
    ({"n_boot": True}, r"n_boot must be a whole number, not a boolean"),
    ({"n_boot": -1}, r"n_boot must be at least 0: a number \(0 means no intervals\); got -1"),
    ({"seed": "3"}, r"seed must be a whole number, got the text '3'.*None \(fresh seed\)"),
    ({"seed": -2}, r"seed must be a non-negative whole number"),
    ({"seed": 1.5}, r"seed must be a whole number, got 1.5"),
    ({"ci": 95}, r"ci must be between 0 and 1 \(e.g. 0.95\); got 95"),
    ({"ci": "0.9"}, r"ci must be between 0 and 1"),
    ({"hard_easy": "yes"}, r"hard_easy must be True or False"),
    ({"hard_easy_rule": "loose"}, r"hard_easy_rule must be one of 'strict', 'paper'"),
    ({"bootstrap_by": "row"}, r"bootstrap_by must be one of 'instance', 'group'"),
    ({"max_groups": 0}, r"max_groups must be a positive number"),
])
@pytest.mark.filterwarnings("ignore:describe\\(hard_easy_rule:DeprecationWarning")  # the old name, still checked
def test_describe_arguments_are_checked(kwargs, match):
    fm = es.simulate(n=200, groups={"a": 0.5, "b": 0.5}, seed=0)
    with pytest.raises(es.EcostatError, match=match):
        es.describe(fm, **{"n_boot": 10, **kwargs})


def test_integral_floats_are_counts_and_seed_none_is_reported():
    fm = es.simulate(n=300, seed=0)
    assert es.describe(fm, n_boot=20.0).n_boot == 20
    d = es.describe(fm, n_boot=20, seed=None)
    assert isinstance(d.seed, int) and any(f"seed={d.seed}" in n for n in d.notes)
    again = es.describe(fm, n_boot=20, seed=d.seed)
    assert again.scalars["homogenization"].lo == d.scalars["homogenization"].lo
    r = es.bootstrap(fm, es.systemic_failure_rate, n_boot=20, seed=None)
    assert r.seed is not None and es.bootstrap(fm, es.systemic_failure_rate, n_boot=20, seed=r.seed).lo == r.lo
    g = es.goodness_of_fit(fm, n_sim=19, seed=None)
    assert es.goodness_of_fit(fm, n_sim=19, seed=g.seed).p_value == g.p_value


def test_bootstrap_and_gof_counts_are_checked():
    fm = es.simulate(n=200, seed=0)
    with pytest.raises(es.EcostatError, match=r"n_sim must be a positive number.*do not call goodness_of_fit"):
        es.goodness_of_fit(fm, n_sim=0)
    with pytest.raises(es.EcostatError, match="n_sim must be a whole number"):
        es.goodness_of_fit(fm, n_sim="99")
    with pytest.raises(es.EcostatError, match="baseline must be one of"):
        es.goodness_of_fit(fm, "uniform")
    with pytest.raises(es.EcostatError, match="n_boot must be a whole number, got 2.5"):
        es.bootstrap(fm, es.systemic_failure_rate, n_boot=2.5)
    with pytest.raises(es.EcostatError, match="n_boot must be a whole number"):
        es.resample_counts(fm, "5")
    with pytest.raises(es.EcostatError, match="n_boot must be a whole number"):
        es.stratified_excess(fm.with_group(["a", "b"] * 100), n_boot=1.5)


def test_grouping_by_an_id_is_refused_unless_asked():
    fm = es.simulate(n=400, seed=0)
    by_id = fm.with_group([f"i{i}" for i in range(400)], name="instance_id")
    with pytest.raises(es.EcostatError, match=r"the grouping 'instance_id' has 400 groups for 400 instances \(1.0 per group"
                                             r".*an id column.*max_groups=400\) or max_groups=None"):
        es.describe(by_id, n_boot=0)
    assert len(es.describe(by_id, n_boot=0, max_groups=None).by_group) == 400
    many = fm.with_group([f"g{i % 150}" for i in range(400)])
    big = es.simulate(n=2500, seed=1)
    with pytest.raises(es.EcostatError, match=r"1001 groups, more than the default cap min\(1000, max\(10, N / 2\)\) allows "
                                             r"\(1000\)"):
        es.describe(big.with_group([f"g{i % 1001}" for i in range(2500)]), n_boot=0)
    with pytest.raises(es.EcostatError, match=r"150 groups, more than max_groups allows \(100\)"):
        es.describe(many, n_boot=0, max_groups=100)
    assert len(es.describe(many, n_boot=10).by_group) == 150


def test_hard_easy_without_a_valid_cell_keeps_everything_else():
    F = np.ones((50, 3), int)
    F[:5, 0] = 0
    d = es.describe(es.FailureMatrix(F), n_boot=20, hard_easy=True)
    assert d.hard_easy is None and d.scalars["systemic_failure_rate"].estimate == pytest.approx(0.9)
    note = next(n for n in d.notes if n.startswith("hard/easy baseline skipped"))
    assert "at most 0.833" in note and "'m2' fails 1.000" in note and "widen" not in note
    assert "hard/easy" in d.summary().as_text()


def test_integer_codes_never_matching_the_labels_are_read_with_a_warning(tmp_path):
    """A slice whose labels are all one class that a decision-maker never predicts is real data: every decision
    of that decision-maker is a failure, and the reader says so instead of refusing the file."""
    path = tmp_path / "slice.csv"
    path.write_text("label,a,b\n" + "1,0,1\n" * 25 + "1,0,0\n" * 5)
    with pytest.warns(es.EcostatWarning, match=r"'a' never uses a value of label column 'label' \(it predicts 0"):
        fm = es.read_wide(path, models=["a", "b"])
    assert fm.failure_rates.round(3).tolist() == [1.0, 0.167]


def test_integer_codes_never_matching_the_labels_same_through_scan(tmp_path):
    """The out-of-core reader reads the same one-class slice the same way (a warning, the same failures)."""
    pytest.importorskip("duckdb")
    path = tmp_path / "slice.csv"
    rows = [(i, m, 0 if m == "a" else (1 if i < 25 else 0), 1) for i in range(30) for m in ("a", "b")]
    path.write_text("instance_id,model,prediction,label\n" + "".join(f"{i},{m},{p},{y}\n" for i, m, p, y in rows))
    with pytest.warns(es.EcostatWarning, match=r"'a' never uses a value of label column 'label'"):
        pt = es.scan_profiles(str(path))
    rates = dict(zip(pt.models, es.failure_rates(pt)))
    assert rates["a"] == 1.0 and rates["b"] == pytest.approx(5 / 30)
