"""Number formatting shared by every rendered table (text, LaTeX, HTML)."""

from __future__ import annotations

import numpy as np

__all__ = ["fmt"]


def fmt(v, digits: int) -> str:
    """Fixed decimals; small values keep ``digits`` significant digits; rounding noise prints as 0.

    Examples
    --------
    >>> fmt(0.123456, 4), fmt(float("nan"), 4)
    ('0.1235', '--')
    """
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "--"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        if abs(v) < 1e-12:
            return f"{0.0:.{digits}f}"
        if abs(v) >= 1e6 or abs(v) < 1e-7:
            return f"{v:.{digits - 1}e}"
        if abs(v) < 10 ** -(digits - 1):
            return np.format_float_positional(v, precision=digits, unique=False, fractional=False, trim="k")
        return f"{v:.{digits}f}"
    return str(v)
