"""Shared fixtures: the HAPI data shipped in ecostat.datasets and small hand-made failure matrices."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ecostat as es  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"

#: the three commercial APIs the papers use per dataset (Toups 2023 §3); es.datasets.load's default, checked against
#: the manifest in test_datasets.py
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


def pin_module():
    """``models/reference/pin.py`` as a module: its ``resolve`` turns a pinned command's placeholders into paths."""
    spec = importlib.util.spec_from_file_location("ecostat_pin", ROOT / "models" / "reference" / "pin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hapi_path(name: str) -> Path:
    """Path of a HAPI file shipped in the package (``es.datasets.path``), e.g. for the command line."""
    return es.datasets.path(name)


@pytest.fixture(scope="session")
def hapi():
    """Loader: hapi('ferplus') -> FailureMatrix of the paper's three APIs (cached), from es.datasets."""
    cache: dict[str, es.FailureMatrix] = {}

    def load(name: str, models=None) -> es.FailureMatrix:
        key = (name, tuple(models or PAPER_APIS[name]))
        if key not in cache:
            cache[key] = es.datasets.load(name, models=list(key[1]))
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
