"""Validation of the numeric and choice arguments of the descriptive verbs (through the options schema).

``describe``, ``bootstrap``/``bootstrap_many``/``resample_counts``/``bootstrap_frame``,
``stratified_excess`` and ``goodness_of_fit`` call these helpers instead of checking
their arguments themselves; for a declared option they apply the options schema's
rule (:func:`ecostat.options.check`), so the rules and messages are those of the
command line and the specs too.

Rules
-----
* Counts (``n_boot``, ``n_sim``): whole numbers (``int``, NumPy integers or floats
  with an integer value such as ``1e3``); not ``bool``, not text, not ``2.5``.
* ``seed``: a non-negative whole number, or ``None`` meaning *fresh entropy*: a
  seed is drawn from the operating system and returned, so that the caller can
  report it and the run can be repeated (``describe`` records it in
  ``Description.seed`` and says so in a note). Where allowed, a
  ``numpy.random.Generator`` is used as given.
* ``ci``: a number strictly between 0 and 1.
* ``max_groups``: ``"auto"`` (``min(1000, max(10, N // 2))``), a positive whole
  number, or ``None`` (no cap).
"""

from __future__ import annotations

import secrets

import numpy as np

from ..errors import EcostatError
from ..options import OPTIONS, check, whole_number

__all__ = ["check_count", "check_seed", "check_ci", "check_choice", "check_flag", "check_max_groups", "fresh_seed",
           "MAX_GROUPS", "DEFAULT_MAX_GROUPS"]

#: Largest number of groups ``describe`` accepts by default (``max_groups="auto"``), and the floor of the
#: instances-based cap: ``min(MAX_GROUPS, max(10, N // 2))``.
MAX_GROUPS = 1000
DEFAULT_MAX_GROUPS = "auto"


def _whole(value, name: str) -> int:
    return whole_number(value, name)


def check_count(value, name: str, *, minimum: int = 0, zero: str | None = None) -> int:
    """A whole number ``>= minimum`` (``zero`` explains what 0 means, for the message).

    A declared option with the same lower bound is checked by the schema (:func:`ecostat.options.check`).

    Examples
    --------
    >>> check_count(1e3, "n_boot")
    1000
    >>> check_count("10", "n_boot")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: n_boot must be a whole number, got the text '10'. Pass n_boot=10.
    """
    if name in OPTIONS and OPTIONS[name].low == minimum:
        return check(name, value)
    n = _whole(value, name)
    if n < minimum:
        what = "a positive" if minimum == 1 else f"at least {minimum}: a"
        extra = f" ({zero})" if zero else ""
        raise EcostatError(f"{name} must be {what} number{extra}; got {n}.")
    return n


def fresh_seed() -> int:
    """A seed drawn from the operating system's entropy (63 bits, fits any JSON reader's integers)."""
    return secrets.randbits(63)


def check_seed(value, name: str = "seed", *, generator: bool = False):
    """A non-negative whole number; ``None`` draws a fresh seed (returned, to be reported).

    With ``generator=True`` a ``numpy.random.Generator`` is returned as is.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> isinstance(check_seed(None), int)
    True
    """
    if value is None:
        return fresh_seed()
    if generator and isinstance(value, np.random.Generator):
        return value
    if isinstance(value, np.random.Generator):
        raise EcostatError(f"{name} must be a whole number here (a numpy Generator cannot be recorded in the result); "
                           "pass an int, or None for a fresh seed that the result reports.")
    return check("seed", value, label=name)


def check_ci(value, name: str = "ci") -> float:
    """A coverage strictly between 0 and 1.

    Examples
    --------
    >>> check_ci(0.9)
    0.9
    """
    return check("ci", value, label=name)


def check_choice(value, name: str, choices) -> str:
    """One of ``choices``.

    Examples
    --------
    >>> check_choice("group", "bootstrap_by", ("instance", "group"))
    'group'
    """
    if not isinstance(value, str) or value not in choices:
        raise EcostatError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}.")
    return value  # (declared options: ecostat.options.check gives the same rule and message)


def check_flag(value, name: str, *, allow_none: bool = False):
    """A boolean (``None`` too where it means "decide for me")."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise EcostatError(f"{name} must be True or False{' (or None)' if allow_none else ''}; got {value!r}.")


def check_max_groups(value, n_instances: int) -> int | None:
    """The group cap: ``"auto"`` -> ``min(MAX_GROUPS, max(10, N // 2))``, a positive number, or None (no cap).

    Examples
    --------
    >>> check_max_groups("auto", 6358), check_max_groups("auto", 8), check_max_groups(None, 8)
    (1000, 10, None)
    """
    value = check("max_groups", value)
    if value == "auto":
        return min(MAX_GROUPS, max(10, int(n_instances) // 2))
    return value
