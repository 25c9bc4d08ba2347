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
    "warn_at_caller",
    "user_stacklevel",
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


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in the calling function that points at the user's line.

    That is the first frame outside the ecostat package: a fixed ``stacklevel``
    points into the library whenever the warning is raised a few calls deep
    (``es.fit`` -> ``Model.fit`` -> ``FitResult``). Use as
    ``warnings.warn(msg, EcostatWarning, stacklevel=user_stacklevel())``.
    """
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "ecostat":
        frame, level = frame.f_back, level + 1
    return level


def warn_at_caller(message: str, category: type[Warning] = EcostatWarning) -> None:
    """``warnings.warn`` pointing at the user's line: the first frame outside the ecostat package.

    The ``file:line`` of the message (and a ``-W error`` traceback) names the
    user's call, and ``DeprecationWarning`` s are shown (Python shows them for
    code in ``__main__`` only).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_at_caller("look here")
    >>> caught[0].category.__name__, caught[0].filename.endswith("errors.py")
    ('EcostatWarning', False)
    """
    import sys
    import warnings

    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "ecostat":
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def preview(values, limit: int = 5) -> str:
    """Render the first ``limit`` items of ``values`` for an error message."""
    values = [plain(v) for v in values]
    shown = ", ".join(repr(v) for v in values[:limit])
    more = len(values) - limit
    return shown + (f", ... ({more} more)" if more > 0 else "")


def plain(value):
    """A numpy scalar as the Python value it holds (for readable messages)."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value
