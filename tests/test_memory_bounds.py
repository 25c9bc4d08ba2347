"""Memory bounds of the group computations: nothing builds a (replicates x groups x profiles) array.

The group metrics sum profile counts within groups (``ecostat.descriptive.groups.group_sum``); they
must equal the dense reference ``counts[..., None, :] * onehot.T`` (the former implementation) to
the bit, with and without missing cells, for the data and for batches of replicates.
"""

from __future__ import annotations

import numpy as np
import pytest

import ecostat as es
from ecostat.descriptive import bootstrap as B
from ecostat.descriptive import groups as G
from ecostat.descriptive import metrics as M


def dense_group_counts(t, counts):
    c = t.counts.astype(float) if counts is None else np.asarray(counts, dtype=float)
    return c[..., None, :] * np.eye(t.n_groups)[t.group_codes].T


def random_table(rng, missing: float, n=600, k=4, groups="abcdefg"):
    F = rng.integers(0, 2, (n, k))
    if missing:
        m = rng.random(F.shape) < missing
        m[np.arange(n), rng.integers(0, k, n)] = False
        F[m] = -1
    return es.FailureMatrix(F, group=rng.choice(list(groups), n)).profile_table()


@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_group_sums_equal_the_dense_reference(rng, missing):
    t = random_table(rng, missing)
    batch = rng.multinomial(t.n_instances, t.counts / t.n_instances, size=(3, 5))  # leading axes (3, 5)
    for counts in (None, batch):
        gc = dense_group_counts(t, counts)
        # counts are whole numbers, so every sum is exact and the results agree to the bit
        np.testing.assert_array_equal(G.group_sizes(t, counts), gc.sum(axis=-1))
        np.testing.assert_array_equal(G.group_failure_rates(t, counts), M.failure_rates(t, gc))
        np.testing.assert_array_equal(G.group_systemic_failure_rates(t, counts), M.systemic_failure_rate(t, gc))
        obs, base = G.stratified_distributions(t, counts)
        np.testing.assert_array_equal(obs, M.failure_count_distribution(t, gc))
        np.testing.assert_array_equal(base, M.independence_distribution(t, gc))


def test_a_group_drawn_empty_gives_nan_as_before(rng):
    t = random_table(rng, 0.3)
    counts = t.counts.copy()
    counts[t.group_codes == 0] = 0
    obs, base = G.stratified_distributions(t, counts)
    assert np.isnan(obs[0]).all() and np.isnan(base[0]).all() and not np.isnan(obs[1:]).any()


def test_describe_and_group_bootstrap_never_build_group_counts(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("group_counts was called")

    monkeypatch.setattr(G, "group_counts", refuse)
    fm = es.simulate(n=3000, groups={f"g{i}": 1 / 300 for i in range(300)}, seed=0)
    d = es.describe(fm, n_boot=30, seed=1)
    assert len(d.by_group) == 300 and len(d.stratified) == 301 * (fm.n_models + 1)
    d = es.describe(fm, n_boot=30, seed=1, bootstrap_by="group")
    assert d.to_dict()["bootstrap"]["by"] == "group"


def test_group_counts_refuses_a_huge_array(monkeypatch):
    t = es.simulate(n=500, groups={"a": 0.5, "b": 0.5}, seed=0).profile_table()
    monkeypatch.setattr(G, "MAX_GROUP_COUNT_CELLS", 10)
    with pytest.raises(es.DataError, match=r"group_counts would build .* cells .*GiB.*use group_sum"):
        G.group_counts(t)


def test_stored_replicates_are_bounded(monkeypatch):
    fm = es.simulate(n=500, seed=0)
    monkeypatch.setattr(B, "MAX_REPLICATE_BYTES", 1000)
    with pytest.raises(es.EcostatError, match=r"storing 200 bootstrap replicates of 1 statistic\(s\) with 3 values per "
                                             r"replicate needs .*GiB.*MAX_REPLICATE_BYTES"):
        es.bootstrap(fm, es.failure_rates, n_boot=200)
