"""Provenance of a result: the versions of ecostat and of the libraries that computed it."""

from __future__ import annotations

from importlib import metadata

__all__ = ["package_version", "versions"]


def package_version(name: str = "ecostat") -> str:
    """Installed version of a distribution (``"unknown"`` when it is not installed).

    Examples
    --------
    >>> package_version("numpy") != "unknown"
    True
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def versions(*names: str) -> dict[str, str]:
    """Versions of ecostat and of ``names`` (default: the Bayesian stack), for saved results and reports.

    Examples
    --------
    >>> sorted(versions("numpy"))
    ['ecostat', 'numpy']
    """
    names = names or ("pymc", "pytensor", "arviz", "numpy")
    return {"ecostat": package_version(), **{n: package_version(n) for n in names}}
