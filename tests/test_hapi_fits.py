"""Bayesian families on the real HAPI data: convergence, honest PPCs, mvprobit vs tetrachoric ML.

The full set (8 datasets x 4 families) is slow-marked; FER+ with rasch and
independence runs by default.
"""

from __future__ import annotations

import numpy as np
import pytest

import ecostat as es
from conftest import PAPER_APIS
from ecostat.descriptive.tetrachoric import tetrachoric_matrix

ALL = list(PAPER_APIS)
FAST = ["ferplus"]


def _marks(name):
    return () if name in FAST else (pytest.mark.slow,)


def _fit(hapi, name, family, draws=1000):
    return es.fit(hapi(name), family, draws=draws, tune=1000, chains=2, seed=0)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in ALL])
def test_independence_is_rejected_by_its_own_ppc(hapi, name):
    res = _fit(hapi, name, "independence", draws=500)
    ppc = res.ppc(seed=0).to_dict()
    # far more systemic failures than independent decision-makers could produce
    assert ppc["systemic_failure_count"]["p_value"] < 0.01
    assert min(ppc["pairwise_cofailures"]["p_values"]) < 0.01


@pytest.mark.parametrize("family", ["rasch", "latent_class"])
@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in ALL])
def test_latent_families_converge_on_hapi(hapi, name, family):
    if family == "latent_class" and name in FAST:
        pytest.skip("latent_class on HAPI runs in the slow tier")
    res = _fit(hapi, name, family)
    d = res.diagnostics
    assert d["r_hat_max"] < 1.01 and d["divergences"] == 0, d
    H = res.quantity("homogenization")
    assert H["p_greater"] > 0.99  # homogeneous beyond independence, as Toups §3 finds everywhere
    ppc = res.ppc(seed=0).to_dict()
    assert 0.0 <= ppc["systemic_failure_count"]["p_value"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_mvprobit_correlations_match_tetrachoric_ml(hapi, name):
    fm = hapi(name)
    res = es.fit(fm, "mvprobit", draws=500, tune=500, chains=2, seed=0)
    assert res.diagnostics["r_hat_max"] < 1.01
    tet = tetrachoric_matrix(fm).to_numpy()
    rho = res.draws["rho"].mean(axis=0)
    iu = np.triu_indices(fm.n_models, 1)
    np.testing.assert_allclose(rho, tet[iu], atol=0.03)
