"""2x2 failure tables of every pair of decision-makers: the sufficient statistic of pairwise measures.

For a pair (a, b): ``n11`` both fail, ``n10`` only a fails, ``n01`` only b fails,
``n00`` neither, over the instances both met (Kuncheva & Whitaker 2003, Table 1;
missing cells as in Bommasani et al. 2022, App. A.3). One matrix product over the
profile table gives all of them, for the data or for a batch of replicate counts.
The descriptive agreement measures (:mod:`ecostat.descriptive.pairwise`), the
tetrachoric correlations and the McNemar tests (:mod:`ecostat.frequentist.paired`)
read them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .profiles import as_table, resolve_counts

__all__ = ["PairTables", "pair_tables"]


class PairTables(NamedTuple):
    """Counts of the 2x2 failure tables of all pairs, each of shape (..., k, k)."""

    n11: np.ndarray
    n10: np.ndarray
    n01: np.ndarray
    n00: np.ndarray

    @property
    def n(self) -> np.ndarray:
        """Instances observed for both decision-makers of each pair."""
        return self.n11 + self.n10 + self.n01 + self.n00


def pair_tables(data, counts=None) -> PairTables:
    """2x2 failure tables of every pair of decision-makers (Kuncheva & Whitaker 2003, Table 1).

    ``n11[a, b] = #{i: F[i, a] = 1, F[i, b] = 1}``, and likewise ``n10``, ``n01``,
    ``n00``, over the instances where both a and b are observed.

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
    counts : array of shape (..., P), optional
        Replacement profile counts (bootstrap replicates).

    Returns
    -------
    PairTables
        Named tuple ``(n11, n10, n01, n00)`` of float arrays of shape (..., k, k).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.data.pair_tables import pair_tables
    >>> fm = es.FailureMatrix([[1, 1], [1, 0], [0, 0], [0, 0]], models=["a", "b"])
    >>> tab = pair_tables(fm)
    >>> [float(x[0, 1]) for x in tab]  # n11, n10, n01, n00
    [1.0, 1.0, 0.0, 2.0]
    """
    t = as_table(data)
    hit = _LAST.get("key")
    if hit is not None and hit[0] is t and hit[1] is counts:
        return _LAST["value"]
    c = resolve_counts(t, counts)
    fail = (t.patterns == 1).astype(float)
    ok = (t.patterns == 0).astype(float)
    cf = np.swapaxes(c[..., :, None] * fail, -1, -2)  # (..., k, P)
    co = np.swapaxes(c[..., :, None] * ok, -1, -2)
    value = PairTables(cf @ fail, cf @ ok, co @ fail, co @ ok)
    # one-entry cache: the measures of one (table, counts) pair share their 2x2 tables
    # (the cache holds the objects themselves, so an identity match is the same data)
    _LAST.update(key=(t, counts), value=value)
    return value


_LAST: dict = {}
