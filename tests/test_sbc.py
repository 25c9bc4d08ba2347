"""Simulation-based calibration (benchmarks/sbc.py, docs/sbc.md).

Default tier: the rank and uniformity functions on inputs whose answer is known -- uniform
ranks, the ranks of an exact conjugate posterior, and the ranks of wrong posteriors (too
narrow, too wide, biased). Slow tier: a reduced SBC of every family (30 datasets each), which
must pass the documented test at a stringent level.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sbc():
    spec = importlib.util.spec_from_file_location("ecostat_sbc", ROOT / "benchmarks" / "sbc.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the worker processes look the module up by name
    spec.loader.exec_module(module)
    return module


def _beta_binomial_ranks(sbc, n_datasets, L, prior=(1.0, 1.0), used=(1.0, 1.0), scale=1.0, seed=0):
    """SBC of theta ~ Beta(prior), y ~ Binomial(40, theta) against the posterior computed with prior ``used``
    (``scale`` stretches its draws about their mean): exact when used == prior and scale == 1."""
    rng = np.random.default_rng(seed)
    ranks = []
    for _ in range(n_datasets):
        theta = rng.beta(*prior)
        y = rng.binomial(40, theta)
        draws = rng.beta(used[0] + y, used[1] + 40 - y, L)
        draws = draws.mean() + scale * (draws - draws.mean())
        ranks.append(sbc.rank_of(theta, draws, rng))
    return np.array(ranks)


def test_thin_and_rank(sbc):
    assert sbc.thin(10, 10).tolist() == list(range(10))
    assert sbc.thin(1000, 99)[[0, -1]].tolist() == [0, 999] and len(set(sbc.thin(1000, 99))) == 99
    with pytest.raises(ValueError):
        sbc.thin(50, 99)
    rng = np.random.default_rng(0)
    assert sbc.rank_of(-1.0, [0.0, 1.0], rng) == 0 and sbc.rank_of(2.0, [0.0, 1.0], rng) == 2
    # ties are split uniformly: a value equal to every draw gets each rank 0..L equally often
    tied = [sbc.rank_of(0.0, np.zeros(4), rng) for _ in range(5000)]
    assert set(tied) == {0, 1, 2, 3, 4} and stats.chisquare(np.bincount(tied)).pvalue > 1e-3


def test_bins_and_band(sbc):
    assert sbc.n_bins(100, 99) == 10 and sbc.n_bins(30, 99) == 5 and sbc.n_bins(30, 39) == 5
    assert sbc.bin_counts([0, 9, 10, 99], 99, 10).tolist() == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    with pytest.raises(ValueError):
        sbc.bin_counts([100], 99, 10)
    lo, hi = sbc.histogram_band(100, 10, 0.99)
    assert (lo, hi) == (stats.binom.ppf(0.005, 100, 0.1), stats.binom.ppf(0.995, 100, 0.1)) and lo < 10 < hi


@pytest.mark.parametrize("test", ["chi2", "ecdf"])
def test_uniform_ranks_are_accepted_at_the_nominal_rate(sbc, test):
    """Under uniform ranks the p-values are (close to) uniform: about 5% fall below 0.05."""
    rng = np.random.default_rng(1)
    L, n = 99, 100
    pvals = []
    for _ in range(300):
        ranks = rng.integers(0, L + 1, n)
        pvals.append(sbc.chi2_uniformity(ranks, L)[1] if test == "chi2" else sbc.ecdf_uniformity(ranks, L)[1])
    rate = np.mean(np.array(pvals) < 0.05)
    assert 0.02 <= rate <= 0.09, rate


def test_exact_posterior_passes(sbc):
    ranks = _beta_binomial_ranks(sbc, 300, 99)
    rows = [{"family": "toy", "dataset": i, "design": {"L": 99}, "ranks": {"theta": int(r)}} for i, r in enumerate(ranks)]
    (s,) = sbc.summarize(rows)
    assert s["passed"] and s["p_chi2"] > 0.01 and s["p_ecdf"] > 0.01 and s["datasets"] == 300


@pytest.mark.parametrize("what, kwargs", [
    ("too narrow (U-shaped ranks)", {"scale": 0.5}),
    ("too wide (peaked ranks)", {"scale": 2.0}),
    ("biased by a wrong prior", {"used": (8.0, 1.0)}),
])
def test_wrong_posteriors_fail(sbc, what, kwargs):
    ranks = _beta_binomial_ranks(sbc, 300, 99, **kwargs, seed=3)
    assert sbc.chi2_uniformity(ranks, 99)[1] < 1e-4, what
    assert sbc.ecdf_uniformity(ranks, 99)[1] < 1e-3, what
    rows = [{"family": "toy", "dataset": i, "design": {"L": 99}, "ranks": {"theta": int(r), "other": int(o)}}
            for i, (r, o) in enumerate(zip(ranks, np.random.default_rng(4).integers(0, 100, 300)))]
    decided = {s["parameter"]: s["passed"] for s in sbc.summarize(rows)}
    assert decided == {"theta": False, "other": True}


def test_bonferroni_over_parameters_and_tests(sbc):
    """A parameter fails when min(p_chi2, p_ecdf) < alpha / (2 m) for m parameters."""
    rng = np.random.default_rng(5)
    rows = [{"family": "toy", "dataset": i, "design": {"L": 99}, "ranks": {f"p{j}": int(rng.integers(0, 100))
                                                                        for j in range(5)}} for i in range(100)]
    out = sbc.summarize(rows, alpha=0.01)
    for s in out:
        assert s["p_bonferroni"] == pytest.approx(min(1.0, 10 * min(s["p_chi2"], s["p_ecdf"])))
        assert s["passed"] == (min(s["p_chi2"], s["p_ecdf"]) >= 0.001)


def test_latent_class_prior_draws_are_ordered(sbc):
    """pymc's forward sampling ignores the ordered transform; the SBC sorts m (and recomputes class_rate)."""
    from scipy.special import expit

    draws = sbc.prior_batch("latent_class")
    assert np.all(np.diff(draws["m"], axis=-1) > 0)
    np.testing.assert_allclose(draws["class_rate"], expit(draws["m"][..., :, None] + draws["d"]))
    # m_1 is the smaller of two iid Normal(0, 2.5): mean -2.5 / sqrt(pi)
    assert draws["m"][:, 0].mean() == pytest.approx(-2.5 / np.sqrt(np.pi), abs=0.25)


@pytest.mark.parametrize("family", ["independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit"])
def test_simulated_data_follow_the_true_parameters(sbc, family):
    """The simulator (es.simulate) and the family's likelihood agree on the profile probabilities."""
    t = sbc.truth(family, 3)
    fm = sbc.simulate_data(family, t, 40_000, seed=11)
    from ecostat.bayes.families import FitOptions, get_family

    draws = {name: np.asarray(v)[None] for name, v in t.items()}
    p = np.exp(get_family(family).pattern_log_prob(draws, sbc._base_design(), FitOptions()))[0, 0]
    codes = fm.failures.astype(int) @ (1 << np.arange(3))  # bit j = model j, as all_profiles orders them
    counts = np.bincount(codes, minlength=8)
    keep = p * 40_000 > 5
    assert stats.chisquare(counts[keep], p[keep] / p[keep].sum() * counts[keep].sum()).pvalue > 1e-4


# -- the reduced SBC of every family (slow) ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("family", ["independence", "hard_easy", "latent_class", "rasch", "twopl", "mvprobit"])
def test_reduced_sbc(sbc, family, tmp_path):
    """30 datasets, 2 chains x 200 draws thinned to L = 39; no parameter may fail at family-wise alpha = 0.001."""
    full = sbc.DESIGNS[family]
    design = sbc.Design(n=full.n, tune=min(full.tune, 400), draws=200 if family != "latent_class" else 400,
                        chains=2, L=39, datasets=30)
    sbc.run([family], None, workers=2, out=tmp_path, designs={family: design}, progress=lambda m: None)
    rows = sbc.load_rows(family, tmp_path)
    assert len(rows) == 30 and not [r["error"] for r in rows if "error" in r]
    failed = [(s["parameter"], s["p_chi2"], s["p_ecdf"]) for s in sbc.summarize(rows, alpha=0.001) if not s["passed"]]
    assert not failed
