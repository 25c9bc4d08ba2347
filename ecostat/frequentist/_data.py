"""Shared input handling of the classical tests: tables, complete rows, long format."""

from __future__ import annotations

import numpy as np

from ..data.profiles import ProfileTable, as_table
from ..errors import DataError, UndefinedMetricError, preview

__all__ = ["table_of", "require_two", "require_complete_rows", "expand", "group_design"]


def table_of(data) -> ProfileTable:
    """The profile table of a FailureMatrix (or the ProfileTable itself), without empty rows."""
    t = as_table(data)
    if (t.counts < 0).any():
        raise DataError("profile counts must be non-negative.")
    return t


def require_two(t: ProfileTable, what: str) -> None:
    """Raise unless there are at least two decision-makers and one instance."""
    if t.n_models < 2:
        raise UndefinedMetricError(
            f"{what} compares decision-makers and needs at least two (k >= 2); these data have k = {t.n_models} "
            f"({preview(t.models)}). Add decision-makers (models=[...]; --models on the command line)."
        )
    if t.n_instances == 0:
        raise DataError(f"{what} needs at least one instance; these data have none.")


def require_complete_rows(t: ProfileTable, what: str) -> None:
    """Raise, with the count and the fix, if some instance lacks a decision."""
    miss = (t.patterns < 0).any(axis=1) & (t.counts > 0)
    if miss.any():
        n = int(t.counts[miss].sum())
        cols = [t.models[j] for j in np.flatnonzero(((t.patterns < 0) & (t.counts[:, None] > 0)).any(axis=0))]
        raise DataError(
            f"{what} needs a decision from every decision-maker on every instance, but {n} of {t.n_instances} "
            f"instance(s) have missing cells (in {preview(cols)}); ecostat does not drop them for you. "
            "Restrict to the complete instances explicitly: keep = (fm.failures >= 0).all(axis=1); "
            "fm_complete = es.FailureMatrix(fm.failures[keep], models=fm.models, instance_ids=fm.instance_ids[keep]) "
            "(add group=np.asarray(fm.group)[keep], group_name=fm.group_name to keep the grouping), or select "
            "decision-makers every instance "
            "met: fm.select([...])."
        )


def expand(t: ProfileTable) -> tuple[np.ndarray, np.ndarray]:
    """Instance-level rows of the table: ``(patterns (N, k), profile index (N,))``."""
    rows = np.repeat(np.arange(t.n_profiles), t.counts)
    return t.patterns[rows], rows


def group_design(t: ProfileTable, group: bool) -> tuple[np.ndarray, list[str], list]:
    """Per-profile group coding ``H`` (P, G) and the coefficient names of ``0 + model + model:group``.

    Without ``group`` ``H`` is a column of ones (G = 1). With it, column 0 is 1
    and column l (l >= 1) indicates group level l (treatment coding against the
    first level). Coefficient ``l * k + j`` is model j's effect (l = 0) or model
    j's difference between level l and the first level; the name list is in
    that order.
    """
    models = list(t.models)
    if not group:
        return np.ones((t.n_profiles, 1)), [f"model[{m}]" for m in models], []
    if t.group_codes is None:
        raise DataError("group=True needs a grouping; build the failure matrix with group=... "
                        "(or fm.with_group(values, name)) or pass group=False.")
    levels = list(t.group_levels)
    if len(levels) < 2:
        raise DataError(f"group=True needs at least two group levels; {t.group_name!r} has {len(levels)} "
                        f"({preview(levels)}). Pass group=False.")
    G = len(levels)
    H = np.zeros((t.n_profiles, G))
    H[:, 0] = 1.0
    for lev in range(1, G):
        H[:, lev] = t.group_codes == lev
    names = [f"model[{m}]" for m in models]
    for lev in range(1, G):
        names += [f"model[{m}]:{t.group_name}[T.{levels[lev]}]" for m in models]
    return H, names, levels
