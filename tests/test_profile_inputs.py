"""Every descriptive analysis accepts a profile table (pattern table with counts) wherever it accepts a
FailureMatrix, with the same result; the command line's ``--engine`` reads files into a profile table out of core
and prints the same JSON as the in-memory path.

References: the FailureMatrix path of the same functions (the table is the sufficient statistic,
docs/architecture.md §2); the published LSAT pattern table (tests/results/lsat.json) against its expansion to
1,000 rows.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest
from lsat import failure_matrix, table

import ecostat as es
from conftest import PAPER_APIS, hapi_path
from ecostat.descriptive import alternatives as A
from ecostat.descriptive import groups as G
from ecostat.descriptive import leader as L
from ecostat.descriptive import metrics as M
from ecostat.descriptive import pairwise as P
from ecostat.descriptive.tetrachoric import tetrachoric_matrix
from ecostat.interface.cli import main


def _with_missing(fm: es.FailureMatrix, seed: int = 0) -> es.FailureMatrix:
    F = fm.failures.copy()
    rng = np.random.default_rng(seed)
    hole = rng.random(F.shape) < 0.05
    hole[hole.all(axis=1), 0] = False  # every instance keeps a decision
    F[hole] = -1
    return es.FailureMatrix(F, models=list(fm.models), group=fm.group, group_name=fm.group_name)


def _matrices():
    grouped = es.simulate(n=3000, groups={"a": 0.6, "b": 0.4}, group_scale={"b": 2.0}, seed=1)
    cov = es.simulate(n=1500, covariate_effect=0.5, covariate_levels=4, seed=2)
    return {"grouped": grouped, "missing": _with_missing(grouped), "covariates": cov,
            "k5": es.simulate(n=2000, failure_rates=[0.1, 0.3, 0.2, 0.25, 0.15], seed=3)}


MATRICES = _matrices()


@pytest.mark.parametrize("name", sorted(MATRICES))
def test_describe_of_the_table_is_describe_of_the_matrix(name):
    fm = MATRICES[name]
    kw = {"n_boot": 200, "seed": 5, "hard_easy": name != "missing"}
    a, b = es.describe(fm, **kw), es.describe(fm.profile_table(), **kw)
    assert a.to_dict() == b.to_dict()
    assert a.as_text() == b.as_text()
    if name == "k5":  # models= selects by name, and the result is that of the matrix with the same selection
        sel = ["m4", "m1", "m2"]
        assert es.describe(fm, models=sel, **kw).to_dict() == es.describe(fm.profile_table(), models=sel, **kw).to_dict()
    if name == "grouped":
        kw["bootstrap_by"] = "group"
        assert es.describe(fm, **kw).to_dict() == es.describe(fm.profile_table(), **kw).to_dict()


def test_published_pattern_table_lsat():
    """The 32-pattern LSAT table (two zero counts) gives what its 1,000 expanded rows give."""
    t, fm = table(), failure_matrix()
    assert t.n_instances == 1000 and np.allclose(1 - es.failure_rates(t), [0.924, 0.709, 0.553, 0.763, 0.870])
    # the published table keeps its two zero-count patterns, so sums run over 32 rows instead of 30: equal to rounding
    _close(es.describe(t, n_boot=100, seed=0, hard_easy=True).to_dict(),
           es.describe(fm, n_boot=100, seed=0, hard_easy=True).to_dict())
    _close(es.baseline(t, n_sim=19, seed=1).to_dict(), es.baseline(fm, n_sim=19, seed=1).to_dict())
    for b in ("independence", "hard_easy"):
        _close(es.goodness_of_fit(t, b, n_sim=49, seed=2).to_dict(), es.goodness_of_fit(fm, b, n_sim=49, seed=2).to_dict())


def _close(a, b, rtol=1e-12):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k], rtol)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y, rtol)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rtol, abs=1e-15, nan_ok=True)
    else:
        assert a == b


#: every public descriptive function of one data argument (the metrics, groups, pairwise, leader, alternatives)
FUNCTIONS = [M.failure_rates, M.failure_count_distribution, M.independence_distribution, M.systemic_failure_rate,
             M.expected_systemic_failure_rate, M.homogenization, M.systemic_excess, G.group_sizes,
             G.group_failure_rates, G.group_systemic_failure_rates, G.h_avg, G.h_unif, G.h_worst, G.unfairness,
             G.stratified_distributions, G.stratified_difference, G.stratified_ratio, G.stratified_excess,
             P.pair_tables, P.cohens_kappa, P.double_fault, P.yules_q, P.disagreement, P.pairwise_agreement_frame,
             L.leader_statistics, L.leader_following, L.leader_following_systemic, A.pair_covariance, A.pair_pmi,
             A.pair_pearson, A.pair_homogenization, A.pairwise_metrics, A.alternative_metrics_frame, A.min_exp,
             A.exp_exp, A.loss_homogenization, A.min_exp_losses, A.exp_exp_losses, es.hard_easy_grid, es.fit_hard_easy,
             tetrachoric_matrix]


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (pd.DataFrame, pd.Series)):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
        return True
    if hasattr(a, "to_dict"):
        return _same(a.to_dict(), b.to_dict())
    if isinstance(a, (str, bool)):
        return a == b
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-13, atol=1e-15)
    return True


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_every_metric_takes_a_table(fn):
    fm = MATRICES["grouped"]
    if fn in (es.hard_easy_grid, es.fit_hard_easy, tetrachoric_matrix) or fn.__module__.endswith("alternatives"):
        fm = es.FailureMatrix(fm.failures, models=list(fm.models))  # no group needed
    assert _same(fn(fm), fn(fm.profile_table()))


def test_loss_measures_of_a_table_are_the_zero_one_loss():
    t = MATRICES["missing"].profile_table()
    assert A.loss_homogenization(t) == pytest.approx(es.homogenization(t), rel=1e-12)
    assert A.loss_homogenization(t) == pytest.approx(A.loss_homogenization(MATRICES["missing"]), rel=1e-12)


def test_bootstrap_of_a_table():
    fm = MATRICES["grouped"]
    t = fm.profile_table()
    np.testing.assert_array_equal(es.resample_counts(fm, 20, seed=3), es.resample_counts(t, 20, seed=3))
    a, b = es.bootstrap(fm, M.homogenization, n_boot=100, seed=4), es.bootstrap(t, M.homogenization, n_boot=100, seed=4)
    np.testing.assert_array_equal(a.replicates, b.replicates)


def test_bin_covariate_of_a_table():
    """Quantile bins over instances (rows counted by their counts): the grouping of the expanded matrix."""
    fm = MATRICES["covariates"]
    t = fm.profile_table()
    a, b = es.bin_covariate(fm, "x", 3), es.bin_covariate(t, "x", 3)
    assert [str(c) for c in a.group.categories] == [str(c) for c in b.group_levels]
    for fn in (G.h_avg, G.h_worst, G.unfairness, G.group_failure_rates):
        np.testing.assert_allclose(fn(a), fn(b), rtol=1e-12)
    c = es.bin_covariate(t, "x", [-5, 0, 5])
    np.testing.assert_allclose(G.h_avg(c), G.h_avg(es.bin_covariate(fm, "x", [-5, 0, 5])), rtol=1e-12)


def test_what_a_table_lacks_is_named():
    t = MATRICES["k5"].profile_table()
    with pytest.raises(es.DataError, match="unknown decision-maker"):
        es.describe(t, models=["m1", "nope"], n_boot=0)
    with pytest.raises(es.DataError, match="versions"):
        es.improvements(t)  # the improvement analysis needs the columns' versions, which a table does not carry
    with pytest.raises(es.EcostatError, match="ProfileTable"):
        es.describe(np.zeros((3, 2)), n_boot=0)


def test_formula_model_of_a_table():
    fm = MATRICES["grouped"]
    a = es.model("fail ~ model + (1 | instance) + group", fm)
    b = es.model("fail ~ model + (1 | instance) + group", fm.profile_table())
    assert a == b


# -- the command line: --engine ----------------------------------------------------------------------------------


def _run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


def _json(*argv) -> dict:
    rc, out, err = _run(*argv)
    assert rc == 0, err
    return json.loads(out)


@pytest.mark.parametrize("engine", ["duckdb", "pandas", "dask"])
def test_describe_and_baseline_with_an_engine(engine):
    models = ",".join(PAPER_APIS["digit"])
    path = hapi_path("digit")
    args = ["describe", path, "--models", models, "--group", "label", "--bootstrap", "100", "--seed", "3", "--json"]
    assert _json(*args, "--engine", engine) == _json(*args)
    args = ["baseline", path, "--models", models, "--gof", "19", "--json"]
    assert _json(*args, "--engine", engine) == _json(*args)


def test_fit_with_an_engine(tmp_path):
    args = ["fit", hapi_path("digit"), "--models", ",".join(PAPER_APIS["digit"]), "--family", "independence",
            "--draws", "200", "--tune", "200", "--seed", "1", "--json"]
    a, b = _json(*args), _json(*args, "--engine", "duckdb")
    assert a == b and "information_criteria" in b


def test_spec_with_an_engine(tmp_path):
    path = hapi_path("digit")
    spec = es.Spec("s", "describe", data={"engine": "duckdb", "models": PAPER_APIS["digit"]},
                   options={"n_boot": 50, "seed": 0})
    in_memory = es.Spec("s", "describe", data={"models": PAPER_APIS["digit"]}, options={"n_boot": 50, "seed": 0})
    assert spec.run(path).to_dict() == in_memory.run(path).to_dict()
    toml = tmp_path / "s.toml"
    toml.write_text('name = "s"\nkind = "describe"\n[data]\nengine = "pandas"\n[options]\nn_boot = 50\n')
    assert es.load_spec(toml).data["engine"] == "pandas"


def test_engine_refuses_in_memory_reading_options():
    rc, _, err = _run("describe", hapi_path("digit"), "--engine", "duckdb", "--na", "NA")
    assert rc == 2 and "--na" in err and "leave --engine out" in err
