"""Shared fixtures: paths to the HAPI data and small hand-made failure matrices."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ecostat as es  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HAPI = ROOT.parent / "shared" / "data" / "hapi"
RESULTS = Path(__file__).resolve().parent / "results"

PAPER_APIS = {
    "ferplus": ["google", "microsoft", "facepp"],
    "fluent": ["google", "ibm", "microsoft"],
    "digit": ["google", "ibm", "microsoft"],
    "amnist": ["google", "ibm", "microsoft"],
    "shop": ["google", "amazon", "baidu"],
    "yelp": ["google", "amazon", "baidu"],
    "imdb": ["google", "amazon", "baidu"],
    "waimai": ["google", "amazon", "baidu"],
}


def hapi_path(name: str) -> Path:
    path = HAPI / f"{name}.csv.gz"
    if not path.exists():
        pytest.skip(f"HAPI data not found at {path} (tests read ../shared/data/hapi)")
    return path


@pytest.fixture(scope="session")
def hapi():
    """Loader: hapi('ferplus') -> FailureMatrix of the paper's three APIs (cached)."""
    cache: dict[str, es.FailureMatrix] = {}

    def load(name: str, models=None) -> es.FailureMatrix:
        key = (name, tuple(models or PAPER_APIS[name]))
        if key not in cache:
            cache[key] = es.read_hapi(hapi_path(name), models=list(key[1]))
        return cache[key]

    return load


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture
def small_fm():
    """8 instances, 3 models, 2 groups, one hand-checkable ecosystem."""
    F = np.array([
        [1, 1, 1],
        [1, 1, 0],
        [0, 1, 1],
        [0, 0, 0],
        [1, 1, 1],
        [0, 0, 1],
        [0, 0, 0],
        [1, 0, 0],
    ])
    group = ["a", "a", "a", "a", "b", "b", "b", "b"]
    return es.FailureMatrix(F, models=["m1", "m2", "m3"], group=group)


def random_fm(rng, n=300, k=4, missing=0.0):
    """Random failure matrix with two correlated columns (and optional missing cells)."""
    F = (rng.random((n, k)) < rng.uniform(0.2, 0.6, k)).astype(float)
    F[:, 1] = np.where(rng.random(n) < 0.6, F[:, 0], F[:, 1])  # correlate two columns
    if missing:
        F[rng.random((n, k)) < missing] = np.nan
        F = F[~np.isnan(F).all(axis=1)]
    return es.FailureMatrix(F, models=[f"x{j}" for j in range(k)])
