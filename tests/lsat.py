"""The LSAT data (Bock & Lieberman 1970; R's ltm ``LSAT``) as a profile table, from tests/results/lsat.json."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

import ecostat as es
from conftest import RESULTS


@lru_cache(maxsize=1)
def reference() -> dict:
    """The published pattern table and ltm's fits (provenance inside the file)."""
    return json.loads((RESULTS / "lsat.json").read_text())


def responses() -> tuple[np.ndarray, np.ndarray]:
    """(32, 5) correct = 1 patterns and their counts."""
    ref = reference()
    return np.array([[int(c) for c in r] for r in ref["responses"]]), np.array(ref["counts"])


def table() -> es.ProfileTable:
    """LSAT as ecostat sees it: failure = 1 - correct, one decision-maker per item."""
    correct, counts = responses()
    return es.ProfileTable.from_counts(1 - correct, counts, models=[f"item{j + 1}" for j in range(correct.shape[1])])


def failure_matrix() -> es.FailureMatrix:
    """The 1,000 examinees x 5 items, expanded from the pattern table."""
    t = table()
    return es.FailureMatrix(np.repeat(t.patterns, t.counts, axis=0), models=list(t.models))
