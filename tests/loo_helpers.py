"""Test helper: per-row log-likelihood from complete-pattern probabilities (an independent route to a family's
``row_log_lik``, used to test PSIS-LOO on the profile table)."""

from __future__ import annotations

import numpy as np

from ecostat.errors import EcostatError, preview


def _bits(k: int) -> np.ndarray:
    """(2^k, k) complete patterns in the order of :func:`ecostat.descriptive.baselines.all_profiles`."""
    return ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1).astype(np.int8)


def row_loglik(P, strata, patterns) -> np.ndarray:
    """Log-likelihood of each profile row under each posterior draw .

    ``loglik[s, r] = log sum_y P[s, strata[r], y]`` over the complete patterns
    ``y`` consistent with row r's observed cells; a missing cell (-1) is
    marginalized over.

    Parameters
    ----------
    P : array of shape (S, U, 2^k)
        Probability of each complete pattern per draw and stratum; bit j of
        the pattern index is decision-maker j's outcome.
    strata : int array of shape (R,)
        Stratum (index into U) of each row.
    patterns : int array of shape (R, k)
        1 failure, 0 success, -1 missing.

    Returns
    -------
    ndarray of shape (S, R)
        ``-inf`` where a row has probability 0.

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[[0.4, 0.1, 0.2, 0.3]]])      # one draw, one stratum, k = 2
    >>> np.exp(row_loglik(P, [0, 0], [[1, 1], [1, -1]])).round(3).tolist()
    [[0.3, 0.4]]
    """
    P = np.asarray(P, dtype=float)
    patterns = np.asarray(patterns, dtype=np.int64)
    strata = np.asarray(strata, dtype=np.int64)
    if P.ndim != 3:
        raise EcostatError(f"P must have shape (draws, strata, 2^k); got {P.shape}.")
    R, k = patterns.shape
    if P.shape[-1] != 2 ** k:
        raise EcostatError(f"P has {P.shape[-1]} patterns in its last axis; {k} decision-makers need 2^{k} = {2 ** k}.")
    if strata.shape != (R,) or (R and (strata.min() < 0 or strata.max() >= P.shape[1])):
        raise EcostatError(f"strata must be {R} indices in 0..{P.shape[1] - 1}; got {preview(strata)}.")
    out = np.empty((P.shape[0], R))
    complete = (patterns >= 0).all(axis=1)
    if complete.any():
        y = patterns[complete] @ (1 << np.arange(k))
        out[:, complete] = P[:, strata[complete], y]
    rows = np.flatnonzero(~complete)
    if rows.size:
        bits = _bits(k)
        pat = patterns[rows]
        mask = ((pat[:, None, :] < 0) | (bits[None, :, :] == pat[:, None, :])).all(axis=-1).astype(float)
        for u in np.unique(strata[rows]):
            sel = strata[rows] == u
            out[:, rows[sel]] = P[:, u, :] @ mask[sel].T
    with np.errstate(divide="ignore"):
        return np.log(np.clip(out, 0.0, None))
