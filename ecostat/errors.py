"""Exceptions and warnings raised by ecostat.

Every error a user can provoke with bad input is an :class:`EcostatError`, a
subclass of :class:`ValueError`, whose message names the offending column, row
or value and says how to fix it (docs/architecture.md §11).
"""

from __future__ import annotations

__all__ = [
    "EcostatError",
    "DataError",
    "UndefinedMetricError",
    "FormulaError",
    "EcostatWarning",
]


class EcostatError(ValueError):
    """Base class of all ecostat input errors (a ``ValueError``)."""


class DataError(EcostatError):
    """The data given to ecostat cannot be turned into a failure matrix."""


class UndefinedMetricError(EcostatError):
    """A metric is mathematically undefined on these data (e.g. a 0/0 ratio)."""


class FormulaError(EcostatError):
    """A formula cannot be read or asks for something no family provides."""


class EcostatWarning(UserWarning):
    """Something was done on the user's behalf that they should know about."""


def preview(values, limit: int = 5) -> str:
    """Render the first ``limit`` items of ``values`` for an error message."""
    values = [plain(v) for v in values]
    shown = ", ".join(repr(v) for v in values[:limit])
    more = len(values) - limit
    return shown + (f", ... ({more} more)" if more > 0 else "")


def plain(value):
    """A numpy scalar as the Python value it holds (for readable messages)."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value
