"""Do model improvements improve systemic failures? (Toups et al. 2023, §4 and App. B.3-B.5).

A decision-maker ``m`` with two versions (columns ``m_2020`` and ``m_2021``,
whose ``name``/``version`` come from :func:`ecostat.parse_columns`) changes
between them. On the instances, split by the outcome profile of the *other*
decision-makers at version ``v1`` (``'1'`` failure, ``'0'`` success, in their
column order, all-fail first):

* potential improvements: ``m@v1`` fails;
* (gross) improvements: ``m@v1`` fails and ``m@v2`` succeeds (Toups §4, Fig. 3);
* net improvements: gross improvements minus declines per profile, divided by
  total improvements minus total declines (App. B.4, Fig. 14);
* potential declines: ``m@v1`` succeeds; declines: ``m@v1`` succeeds and
  ``m@v2`` fails (App. B.5).

A transition is an improvement when the failure rate drops by at least
``threshold`` (0.5% accuracy in Toups §4; App. B.3 sweeps it) and a decline
when it rises by at least ``threshold``.

Counting is done on the rows of ``fm.profile_table()``, so ``counts`` of
shape ``(..., P)`` (bootstrap replicates of that table) vectorize. The columns
compared must have no missing cells (a DataError says how to fix it). Shares
whose denominator is zero are NaN and the result's ``notes`` say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.failures import FailureMatrix
from ..data.profiles import resolve_counts
from ..errors import DataError, preview
from ..numeric import safe_div
from .leader import profile_labels, profile_onehot, require_complete

__all__ = ["ImprovementResult", "transitions", "improvement_arrays", "improvement_analysis", "improvements",
           "threshold_sweep"]

SHARES = ("potential", "observed", "net", "potential_decline", "decline")
COUNTS = ("n_potential", "n_observed", "n_net", "n_potential_decline", "n_decline")


@dataclass(frozen=True)
class ImprovementResult:
    """Improvement analysis of one transition ``model: v1 -> v2`` (Toups §4).

    ``table`` has one row per profile of the others with ``others_profile``,
    ``n_others_failing``, the counts ``n_potential``, ``n_observed`` (gross
    improvements), ``n_net``, ``n_potential_decline``, ``n_decline`` and their
    shares ``potential``, ``observed``, ``net``, ``potential_decline``, ``decline``
    (each sums to 1 over profiles, NaN when its total is 0; see ``notes``).
    """

    model: str
    v1: str
    v2: str
    column_v1: str
    column_v2: str
    others: tuple[str, ...]
    failure_rate_v1: float
    failure_rate_v2: float
    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def change(self) -> float:
        """Accuracy change ``failure_rate_v1 - failure_rate_v2`` (> 0: the model improved)."""
        return self.failure_rate_v1 - self.failure_rate_v2

    def kind(self, threshold: float = 0.005) -> str:
        """``'improvement'``, ``'decline'`` or ``'unchanged'`` at ``threshold``."""
        return _kind(self.change, threshold)

    def to_frame(self) -> pd.DataFrame:
        """``table`` with the transition (model, versions, columns, change) in front."""
        head = {"model": self.model, "v1": self.v1, "v2": self.v2, "column_v1": self.column_v1,
                "column_v2": self.column_v2, "others": ", ".join(self.others), "change": self.change}
        front = pd.DataFrame({k: [v] * len(self.table) for k, v in head.items()})
        return pd.concat([front, self.table.reset_index(drop=True)], axis=1)


def _kind(change: float, threshold: float) -> str:
    if change > 0 and change >= threshold - 1e-12:
        return "improvement"
    if change < 0 and change <= -threshold + 1e-12:
        return "decline"
    return "unchanged"


def _version_key(v: str):
    return tuple(int(x) for x in re.findall(r"\d+", v)), v


def _versions(meta: pd.DataFrame, name: str) -> list[str]:
    sub = meta[(meta["name"] == name) & meta["version"].notna()]
    return sorted({str(v) for v in sub["version"]}, key=_version_key)


def _column(meta: pd.DataFrame, name: str, version: str) -> int:
    hit = np.flatnonzero(((meta["name"] == name) & (meta["version"].astype(object).map(str) == version)).to_numpy())
    return int(hit[0])


def _require_fm(fm) -> FailureMatrix:
    if not isinstance(fm, FailureMatrix):
        raise DataError(f"improvement analysis needs a FailureMatrix (its columns carry decision-maker versions), "
                        f"got {type(fm).__name__}; build one with es.read_wide or es.FailureMatrix(..., columns=es.parse_columns(names)).")
    return fm


def _resolve(fm: FailureMatrix, model: str, v1, v2, others) -> tuple[str, str, str, int, int, list[int]]:
    meta = fm.columns
    v1 = None if v1 is None else str(v1)
    v2 = None if v2 is None else str(v2)
    if model not in set(meta["name"]):
        hit = meta[(meta["column"] == model) | (meta["model"] == model)]
        if len(hit) != 1:
            versioned = [n for n in dict.fromkeys(meta["name"]) if len(_versions(meta, n)) >= 2]
            raise DataError(f"unknown decision-maker {model!r}; decision-makers with two or more versions: {preview(versioned, 20)}.")
        model, v1 = str(hit["name"].iloc[0]), v1 or (None if pd.isna(hit["version"].iloc[0]) else str(hit["version"].iloc[0]))
    versions = _versions(meta, model)
    if len(versions) < 2:
        raise DataError(f"decision-maker {model!r} has {len(versions)} version(s) {preview(versions)}; improvement analysis "
                        f"needs two, e.g. columns {model}_2020 and {model}_2021 (versions are parsed from column names).")
    for v in (v1, v2):
        if v is not None and v not in versions:
            raise DataError(f"decision-maker {model!r} has no version {v!r}; its versions are {preview(versions, 20)}.")
    if v1 is None:
        v1 = versions[versions.index(v2) - 1] if v2 is not None and versions.index(v2) > 0 else versions[0]
    if v2 is None:
        pos = versions.index(v1)
        if pos == len(versions) - 1:
            raise DataError(f"version {v1!r} is the last version of {model!r}; choose v1 from {preview(versions[:-1], 20)}.")
        v2 = versions[pos + 1]
    if v1 == v2:
        raise DataError(f"v1 and v2 are both {v1!r}; choose two different versions of {model!r}.")
    j1, j2 = _column(meta, model, v1), _column(meta, model, v2)
    if others is None:
        idx = []
        for name in dict.fromkeys(meta["name"]):
            if name == model:
                continue
            sub = meta[meta["name"] == name]
            at_v1 = np.flatnonzero((sub["version"].astype(object).map(lambda v: None if pd.isna(v) else str(v)) == v1).to_numpy())
            if at_v1.size:
                idx.append(int(sub.index[at_v1[0]]))
            elif sub["version"].isna().all() and len(sub) == 1:
                idx.append(int(sub.index[0]))  # an unversioned decision-maker does not change
            else:
                raise DataError(f"decision-maker {name!r} has no column at version {v1!r} (its versions: "
                                f"{preview(_versions(meta, name), 20)}); pass others=[...] with the columns to compare against.")
    else:
        idx = fm.model_index(list(others))
        if len(set(idx)) != len(idx) or {j1, j2} & set(idx):
            raise DataError(f"others={list(others)} must name distinct columns other than {meta['column'][j1]!r} and {meta['column'][j2]!r}.")
    if not idx:
        raise DataError(f"improvement analysis of {model!r} needs at least one other decision-maker; the failure matrix has none.")
    return model, v1, v2, j1, j2, idx


def improvement_arrays(fm, model: str, v1=None, v2=None, *, others=None, counts=None) -> dict[str, np.ndarray]:
    """Improvement quantities as arrays, vectorized over bootstrap replicates (Toups §4, App. B.4-B.5).

    Parameters are as in :func:`improvement_analysis`; ``counts`` may have
    shape ``(..., P)`` for ``P = fm.profile_table().n_profiles``.

    Returns
    -------
    dict of ndarray
        The counts and shares named in :class:`ImprovementResult`, shape
        ``(..., Q)`` with profiles in the order of
        :func:`ecostat.descriptive.leader.profile_labels`; ``failure_rate_v1``,
        ``failure_rate_v2`` and ``change``, shape ``(...)``.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import improvement_arrays
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 0], [0, 0, 0], [0, 1, 1]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> improvement_arrays(fm, "a")["n_observed"].tolist()
    [1.0, 0.0]
    """
    fm = _require_fm(fm)
    model, v1, v2, j1, j2, idx = _resolve(fm, model, v1, v2, others)
    t = fm.profile_table()
    require_complete(t, [j1, j2, *idx], "improvement analysis")
    c = resolve_counts(t, counts)
    onehot = profile_onehot(t.patterns[:, idx])
    a1, a2 = t.patterns[:, j1], t.patterns[:, j2]
    out = {
        "n_potential": c @ (onehot * (a1 == 1)[:, None]),
        "n_observed": c @ (onehot * ((a1 == 1) & (a2 == 0))[:, None]),
        "n_potential_decline": c @ (onehot * (a1 == 0)[:, None]),
        "n_decline": c @ (onehot * ((a1 == 0) & (a2 == 1))[:, None]),
    }
    out["n_net"] = out["n_observed"] - out["n_decline"]
    for share, n in zip(SHARES, COUNTS):
        den = out[n].sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[share] = np.where(den != 0, out[n] / np.where(den != 0, den, 1.0), np.nan) + 0.0  # no -0.0
    total = c.sum(axis=-1)
    out["failure_rate_v1"] = safe_div(c @ (a1 == 1).astype(float), total)
    out["failure_rate_v2"] = safe_div(c @ (a2 == 1).astype(float), total)
    out["change"] = out["failure_rate_v1"] - out["failure_rate_v2"]
    return out


def improvement_analysis(fm, model: str, v1=None, v2=None, *, others=None, counts=None) -> ImprovementResult:
    """Where does a model improve, by the outcome profile of the others? (Toups §4, Fig. 3a; App. B.4-B.5).

    Parameters
    ----------
    fm : FailureMatrix
        With column metadata ``name``/``version`` (e.g. read from ``a_2020, a_2021, b_2020``).
    model : str
        Decision-maker (``'amazon'``) or one of its columns (``'amazon_2020'``, taken as ``v1``).
    v1, v2 : str, optional
        Versions compared. Default: ``v1`` the first version (or the one before
        ``v2``), ``v2`` the version after ``v1``.
    others : list of str, optional
        Columns of the other decision-makers. Default: every other
        decision-maker's column at version ``v1`` (unversioned decision-makers
        as they are); a decision-maker with no column at ``v1`` is an error.
    counts : array of shape (P,), optional
        Replacement counts of ``fm.profile_table()``; use
        :func:`improvement_arrays` for batches.

    Returns
    -------
    ImprovementResult

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import improvement_analysis
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> r = improvement_analysis(fm, "a")
    >>> r.v1, r.v2, r.change
    ('2020', '2021', 0.5)
    >>> r.table[["others_profile", "potential", "observed"]]
      others_profile  potential  observed
    0              1   0.666667       0.5
    1              0   0.333333       0.5
    """
    fm = _require_fm(fm)
    if counts is not None and np.ndim(counts) != 1:
        raise DataError(f"improvement_analysis takes counts of shape (P,), got {np.shape(counts)}; "
                        "use ecostat.descriptive.improvement.improvement_arrays for bootstrap batches.")
    model, v1, v2, j1, j2, idx = _resolve(fm, model, v1, v2, others)
    a = improvement_arrays(fm, model, v1, v2, others=[fm.columns["column"][j] for j in idx], counts=counts)
    labels = profile_labels(len(idx))
    table = pd.DataFrame({"others_profile": pd.Series(labels, dtype=object),
                          "n_others_failing": [lab.count("1") for lab in labels]})
    for n in COUNTS:
        table[n] = a[n].astype(np.int64) if counts is None or np.issubdtype(np.asarray(counts).dtype, np.integer) else a[n]
    for s in SHARES:
        table[s] = a[s]
    what = {"n_potential": "potential improvements (the model never fails at v1)",
            "n_observed": "gross improvements (no instance flips from failure to success)",
            "n_net": "net improvements (improvements equal declines)",
            "n_potential_decline": "potential declines (the model never succeeds at v1)",
            "n_decline": "declines (no instance flips from success to failure)"}
    notes = tuple(f"no {what[n]}: the {s} shares are NaN." for s, n in zip(SHARES, COUNTS) if a[n].sum() == 0)
    cols = fm.columns["column"]
    return ImprovementResult(model, v1, v2, str(cols[j1]), str(cols[j2]), tuple(str(cols[j]) for j in idx),
                             float(a["failure_rate_v1"]), float(a["failure_rate_v2"]), table, notes)


def transitions(fm, threshold: float = 0.005) -> pd.DataFrame:
    """Every consecutive version pair of every decision-maker, with its change in accuracy (Toups §4).

    Returns
    -------
    pandas.DataFrame
        ``model``, ``v1``, ``v2``, ``column_v1``, ``column_v2``,
        ``failure_rate_v1``, ``failure_rate_v2`` (over each column's observed
        cells), ``change`` = failure_rate_v1 - failure_rate_v2 and ``kind``
        (``'improvement'`` if change >= threshold, ``'decline'`` if change <=
        -threshold, else ``'unchanged'``).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import transitions
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> transitions(fm)[["model", "v1", "v2", "change", "kind"]]
      model    v1    v2  change         kind
    0     a  2020  2021     0.5  improvement
    """
    fm = _require_fm(fm)
    meta, rates, rows = fm.columns, fm.failure_rates, []
    for name in dict.fromkeys(meta["name"]):
        vs = _versions(meta, name)
        for v1, v2 in zip(vs, vs[1:]):
            j1, j2 = _column(meta, name, v1), _column(meta, name, v2)
            change = float(rates[j1] - rates[j2])
            rows.append((name, v1, v2, meta["column"][j1], meta["column"][j2], float(rates[j1]), float(rates[j2]),
                         change, _kind(change, threshold)))
    cols = ["model", "v1", "v2", "column_v1", "column_v2", "failure_rate_v1", "failure_rate_v2", "change", "kind"]
    return pd.DataFrame(rows, columns=cols).astype({c: object for c in ["model", "v1", "v2", "column_v1", "column_v2", "kind"]})


def improvements(fm, threshold: float = 0.005, *, kind: str = "improvement") -> pd.DataFrame:
    """Improvement analysis of every qualifying transition (Toups §4, Fig. 3b; App. B.5 for declines).

    Parameters
    ----------
    fm : FailureMatrix
    threshold : float
        Minimum change in failure rate (0.005 = 0.5% accuracy, Toups §4).
    kind : {'improvement', 'decline', 'both'}
        Which transitions to analyse.

    Returns
    -------
    pandas.DataFrame
        :meth:`ImprovementResult.to_frame` of each transition, stacked (one row
        per transition and profile of the others); empty if none qualifies.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import improvements
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> improvements(fm)[["model", "others_profile", "potential", "observed"]].round(3)
      model others_profile  potential  observed
    0     a              1      0.667       0.5
    1     a              0      0.333       0.5
    """
    if kind not in ("improvement", "decline", "both"):
        raise DataError(f"kind must be 'improvement', 'decline' or 'both', got {kind!r}.")
    tr = transitions(fm, threshold)
    keep = tr["kind"].isin(["improvement", "decline"] if kind == "both" else [kind])
    frames = [improvement_analysis(fm, r.model, r.v1, r.v2).to_frame() for r in tr[keep].itertuples()]
    if not frames:
        cols = ["model", "v1", "v2", "column_v1", "column_v2", "others", "change", "others_profile", "n_others_failing",
                *COUNTS, *SHARES]
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)


def threshold_sweep(fm, thresholds=(0.0, 0.005, 0.01, 0.02, 0.05, 0.1), *, aggregate: bool = True) -> pd.DataFrame:
    """Potential vs observed improvement shares for several thresholds (Toups App. B.3, Fig. 13).

    Parameters
    ----------
    fm : FailureMatrix
    thresholds : sequence of float
        Minimum improvements in failure rate; a transition qualifies when its change is > 0 and >= threshold.
    aggregate : bool
        If True, one row per (threshold, others_profile) with ``n_transitions``,
        the means of ``potential``, ``observed`` and ``net`` and
        ``share_under_improved`` (fraction of transitions with observed < potential).
        If False, the stacked :func:`improvements` rows with a ``threshold`` column.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.improvement import threshold_sweep
    >>> cols = ["a_2020", "a_2021", "b_2020"]
    >>> fm = es.FailureMatrix([[1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]], models=cols,
    ...                       columns=es.parse_columns(cols))
    >>> threshold_sweep(fm, [0.0, 0.6])[["threshold", "others_profile", "n_transitions", "observed"]]
       threshold others_profile  n_transitions  observed
    0        0.0              1              1       0.5
    1        0.0              0              1       0.5
    """
    points = improvements(fm, min(0.0, *thresholds) if len(thresholds) else 0.0)
    frames = [points[points["change"] >= t - 1e-12].assign(threshold=float(t)) for t in thresholds]
    long = pd.concat(frames, ignore_index=True) if frames else points.assign(threshold=np.nan)
    if not aggregate:
        return long
    long = long.assign(under=(long["observed"] < long["potential"]).astype(float))
    agg = long.groupby(["threshold", "others_profile", "n_others_failing"], sort=False).agg(
        n_transitions=("model", "size"), potential=("potential", "mean"), observed=("observed", "mean"),
        net=("net", "mean"), share_under_improved=("under", "mean"))
    return agg.reset_index()
