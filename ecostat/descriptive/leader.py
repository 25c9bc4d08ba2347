"""Leader following: how one model's failure changes what the others do (Toups et al. 2023, App. B.2).

For each decision-maker j the instances are split by the *outcome profile of
the other models* ``y`` (a string of ``'1'`` failure / ``'0'`` success, in the
order of the other models). Leader following compares

* ``P(others = y)``, the marginal distribution of that profile, with
* ``P(others = y | F_j = 1)``, the distribution among the instances j fails,

and in particular the systemic case ``y = 1...1`` (Toups Fig. 12): the
probability that every other model fails given that j fails, against the
marginal probability and the independence value ``prod_{l != j} f_l``.

Everything is a function of the profile table, and every function takes an
optional ``counts`` array of shape ``(..., P)`` (bootstrap replicates).

Missing cells are not allowed: "the others' profile" is undefined for an
instance that never met one of the others, and conditioning on complete rows
only would silently drop instances. Such data raise a :class:`DataError`
naming the columns and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.profiles import as_table, require_complete, resolve_counts
from ..errors import DataError
from ..numeric import safe_div
from .metrics import require_two_models

__all__ = ["leader_statistics", "leader_following", "leader_following_systemic", "profile_labels"]

#: Largest number of "other" models for which all 2^m profiles are enumerated.
MAX_ENUMERATED = 12


def profile_labels(m: int) -> list[str]:
    """All ``2**m`` outcome profiles of ``m`` models, all-fail first.

    Profiles are strings of ``'1'`` (failure) and ``'0'`` (success), ordered as
    in Toups Fig. 3a: ``[X, X], [X, ✓], [✓, X], [✓, ✓]``.

    Examples
    --------
    >>> from ecostat.descriptive.leader import profile_labels
    >>> profile_labels(2)
    ['11', '10', '01', '00']
    """
    if m > MAX_ENUMERATED:
        raise DataError(f"{m} other models give 2^{m} outcome profiles; analyse at most {MAX_ENUMERATED} "
                        "other models at a time (select them with fm.select([...])).")
    return [format(code, f"0{m}b") if m else "" for code in range(2**m - 1, -1, -1)]


def profile_onehot(patterns: np.ndarray) -> np.ndarray:
    """(P, 2**m) indicator of each row's profile over the m columns of ``patterns`` (0/1 only).

    Columns follow :func:`profile_labels` (all-fail first).
    """
    m = patterns.shape[1]
    profile_labels(m)  # size check
    weights = 2 ** np.arange(m - 1, -1, -1, dtype=np.int64)
    code = patterns.astype(np.int64) @ weights
    return np.eye(2**m)[(2**m - 1) - code]


def leader_statistics(data, counts=None, *, profiles: bool = True) -> dict[str, np.ndarray]:
    """Leader-following quantities as arrays, vectorized over bootstrap replicates (Toups App. B.2).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        Without missing cells, k >= 2.
    counts : array of shape (..., P), optional
        Replacement profile counts (bootstrap replicates).
    profiles : bool
        Also compute the full distributions over the others' profiles
        (``p_marginal``, ``p_given_fail``; needs k <= 13). ``False`` gives only
        the systemic quantities, for any k.

    Returns
    -------
    dict of ndarray
        ``p_marginal`` and ``p_given_fail``, shape ``(..., k, 2**(k-1))``:
        ``P(others = y)`` and ``P(others = y | F_j = 1)`` with profiles ``y``
        in the order of :func:`profile_labels`. ``failure_rate``,
        ``p_all_others_fail_given_fail``, ``p_all_others_fail`` and
        ``p_independent`` (``prod_{l != j} f_l``), shape ``(..., k)``.
        Conditional quantities are NaN for a model that never fails.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.descriptive.leader import leader_statistics
    >>> fm = es.FailureMatrix([[1, 1], [1, 0], [0, 0], [0, 1]], models=["a", "b"])
    >>> s = leader_statistics(fm)
    >>> s["p_given_fail"][0].tolist(), s["p_marginal"][0].tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    t = as_table(data)
    require_two_models(t, "leader following")
    require_complete(t, range(t.n_models), "leader following")
    c = resolve_counts(t, counts)
    k = t.n_models
    fail = (t.patterns == 1).astype(float)
    total = c.sum(axis=-1)
    n_fail = c @ fail                                          # (..., k)
    p_marg, p_cond = [], []
    for j in range(k if profiles else 0):  # loop over models, not instances
        others = [o for o in range(k) if o != j]
        onehot = profile_onehot(t.patterns[:, others])         # (P, Q)
        p_marg.append(safe_div(c @ onehot, total[..., None]))
        p_cond.append(safe_div((c * fail[:, j]) @ onehot, n_fail[..., j, None]))
    # (P, k): every model but j fails <=> the profile has k - 1 failures outside column j
    all_fail = ((fail.sum(axis=1, keepdims=True) - fail) == k - 1).astype(float)
    rates = safe_div(n_fail, total[..., None])
    log_rates = np.log(np.where(rates > 0, rates, 1.0))
    zero = (rates == 0).astype(float)
    # prod_{l != j} f_l without dividing by f_j (exact when some rate is 0)
    prod_others = np.exp(log_rates.sum(axis=-1, keepdims=True) - log_rates)
    prod_others = np.where(zero.sum(axis=-1, keepdims=True) - zero > 0, 0.0, prod_others)
    out = {"p_marginal": np.stack(p_marg, axis=-2), "p_given_fail": np.stack(p_cond, axis=-2)} if profiles else {}
    return out | {
        "failure_rate": rates,
        "p_all_others_fail_given_fail": safe_div(c @ (all_fail * fail), n_fail),
        "p_all_others_fail": safe_div(c @ all_fail, total[..., None]),
        "p_independent": prod_others,
    }


def _replicate_frame(arrays: dict[str, np.ndarray], trailing: int, models, labels=None) -> pd.DataFrame:
    """Flatten arrays (..., k[, Q]) into a long frame with a `replicate` column for batch axes."""
    first = next(iter(arrays.values()))
    lead = first.shape[: first.ndim - trailing]
    n_rep = int(np.prod(lead)) if lead else 1
    k = len(models)
    q = 1 if labels is None else len(labels)
    cols: dict[str, object] = {}
    if lead:
        cols["replicate"] = np.repeat(np.arange(n_rep), k * q)
    cols["model"] = np.tile(np.repeat(np.asarray(models, dtype=object), q), n_rep)
    if labels is not None:
        cols["others_profile"] = np.tile(np.asarray(labels, dtype=object), n_rep * k)
        cols["n_others_failing"] = np.tile([lab.count("1") for lab in labels], n_rep * k)
    for name, arr in arrays.items():
        cols[name] = np.asarray(arr, dtype=float).reshape(-1)
    return pd.DataFrame(cols)


def leader_following(data, counts=None) -> pd.DataFrame:
    """Change in each profile of the other models upon observing model j fail (Toups App. B.2, Fig. 12).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        Without missing cells, k >= 2 (at most 13 models: 2^(k-1) profiles are listed).
    counts : array of shape (..., P), optional
        Replacement profile counts; with leading axes the frame gains a
        ``replicate`` column (flat index over those axes).

    Returns
    -------
    pandas.DataFrame
        One row per (model j, profile ``y`` of the others) with ``model``,
        ``others_profile`` (``'1'`` failure / ``'0'`` success in the order of
        the other models, all-fail first), ``n_others_failing``,
        ``p_marginal`` = P(others = y), ``p_given_fail`` = P(others = y | F_j = 1),
        ``difference`` = p_given_fail - p_marginal and ``ratio`` =
        p_given_fail / p_marginal (NaN when P(others = y) = 0, or when j never fails).

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1, 1], [1, 0, 0], [0, 0, 0], [0, 1, 1]], models=["a", "b", "c"])
    >>> from ecostat.descriptive.leader import leader_following
    >>> df = leader_following(fm)
    >>> df[df.model == "a"][["others_profile", "p_marginal", "p_given_fail"]]
      others_profile  p_marginal  p_given_fail
    0             11         0.5           0.5
    1             10         0.0           0.0
    2             01         0.0           0.0
    3             00         0.5           0.5
    """
    t = as_table(data)
    s = leader_statistics(t, counts)
    arrays = {
        "p_marginal": s["p_marginal"],
        "p_given_fail": s["p_given_fail"],
        "difference": s["p_given_fail"] - s["p_marginal"],
        "ratio": safe_div(s["p_given_fail"], s["p_marginal"]),
    }
    return _replicate_frame(arrays, 2, t.models, profile_labels(t.n_models - 1))


def leader_following_systemic(data, counts=None) -> pd.DataFrame:
    """P(all others fail | j fails) vs P(all others fail) vs independence (Toups App. B.2, Fig. 12).

    Parameters
    ----------
    data : FailureMatrix or ProfileTable
        Without missing cells, k >= 2.
    counts : array of shape (..., P), optional
        Replacement profile counts; with leading axes the frame gains a
        ``replicate`` column. For bootstrap arrays use :func:`leader_statistics`.

    Returns
    -------
    pandas.DataFrame
        One row per model with ``model``, ``failure_rate``,
        ``p_all_others_fail_given_fail``, ``p_all_others_fail``,
        ``p_independent`` (= prod_{l != j} f_l), ``lift`` = conditional /
        marginal and ``lift_vs_independence`` = conditional / independent.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.FailureMatrix([[1, 1, 1], [1, 0, 0], [0, 0, 0], [0, 1, 1]], models=["a", "b", "c"])
    >>> from ecostat.descriptive.leader import leader_following_systemic
    >>> df = leader_following_systemic(fm)
    >>> df[["model", "p_all_others_fail_given_fail", "p_all_others_fail", "p_independent"]]
      model  p_all_others_fail_given_fail  p_all_others_fail  p_independent
    0     a                           0.5               0.50           0.25
    1     b                           0.5               0.25           0.25
    2     c                           0.5               0.25           0.25
    """
    t = as_table(data)
    s = leader_statistics(t, counts)
    keys = ["failure_rate", "p_all_others_fail_given_fail", "p_all_others_fail", "p_independent"]
    arrays = {key: s[key] for key in keys}
    arrays["lift"] = safe_div(s["p_all_others_fail_given_fail"], s["p_all_others_fail"])
    arrays["lift_vs_independence"] = safe_div(s["p_all_others_fail_given_fail"], s["p_independent"])
    return _replicate_frame(arrays, 1, t.models)
