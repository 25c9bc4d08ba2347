"""Numeric helpers shared by every stage (pure numpy, no ecostat imports).

* :func:`safe_div`: a ratio that is NaN where the denominator is 0 (metrics are
  undefined there; callers decide whether that is an error);
* :func:`as_scalar`: a 0-d array as a float, anything else unchanged (metrics
  return floats for one set of counts and arrays for bootstrap replicates);
* :func:`all_profiles` and :func:`profile_index`: the 2^k complete failure
  profiles, bit j of the index being decision-maker j;
* :func:`jsonable`: plain Python values for JSON (NaN and infinities become ``null``).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["safe_div", "as_scalar", "all_profiles", "profile_index", "jsonable", "MAX_ENUMERATED_K"]

#: largest k for which all 2^k profiles are enumerated
MAX_ENUMERATED_K = 20


def safe_div(num, den):
    """``num / den`` elementwise, NaN where ``den <= 0``.

    Examples
    --------
    >>> safe_div(np.array([1.0, 1.0]), np.array([2.0, 0.0])).tolist()
    [0.5, nan]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def as_scalar(x):
    """A 0-d array as a Python float; arrays of higher dimension unchanged.

    Examples
    --------
    >>> as_scalar(np.array(0.5)), as_scalar(np.array([0.5])).shape
    (0.5, (1,))
    """
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def all_profiles(k: int) -> np.ndarray:
    """All 2^k binary profiles, shape (2^k, k); row y has bit j of y in column j.

    Examples
    --------
    >>> all_profiles(2).tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    if k > MAX_ENUMERATED_K:
        from .errors import EcostatError

        raise EcostatError(f"enumerating all 2^k profiles needs k <= {MAX_ENUMERATED_K}; got k = {k}.")
    return ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1).astype(np.int8)


def profile_index(patterns) -> np.ndarray:
    """Row of :func:`all_profiles` of each complete profile (0/1 array of shape (..., k)).

    Examples
    --------
    >>> profile_index([[1, 0], [1, 1]]).tolist()
    [1, 3]
    """
    p = np.asarray(patterns, dtype=np.int64)
    return p @ (1 << np.arange(p.shape[-1], dtype=np.int64))


def jsonable(obj):
    """A JSON-ready copy: numpy scalars and arrays become Python values, NaN and infinities ``None``.

    Examples
    --------
    >>> jsonable({"h": np.float64("nan"), "n": np.int64(3), "f": np.array([0.5, np.inf])})
    {'h': None, 'n': 3, 'f': [0.5, None]}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):  # numpy scalar or array
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
