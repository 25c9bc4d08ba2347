"""Sampling a built model with NUTS (the sampler settings and the call to PyMC).

:func:`sampler_settings` validates the settings once; :func:`sample_model` runs
NUTS on a ``pymc.Model`` built by :meth:`ecostat.bayes.model.Model.build` and
returns an ``arviz.InferenceData``.
"""

from __future__ import annotations

import os
import warnings

from ..errors import EcostatError
from ..options import check_all, default

__all__ = ["SAMPLERS", "sampler_settings", "sample_model"]

SAMPLERS = ("pymc", "nutpie")  # the choices of the "sampler" option (ecostat.options)


def sampler_settings(draws=default("draws"), tune=default("tune"), chains=default("chains"), cores=default("cores"),
                     seed=default("seed"), target_accept=default("target_accept"), sampler=default("sampler")) -> dict:
    """NUTS settings checked against the options schema (:mod:`ecostat.options`), once, before sampling.

    Examples
    --------
    >>> sampler_settings(draws=500, chains=1)["cores"]
    1
    """
    s = check_all({"draws": draws, "tune": tune, "chains": chains, "cores": cores, "seed": seed,
                   "target_accept": target_accept, "sampler": sampler})
    s["cores"] = min(s["chains"], os.cpu_count() or 1) if s["cores"] is None else s["cores"]
    return s


def sample_model(model, s: dict, progressbar: bool | None = None):
    """NUTS on a built model with settings from :func:`sampler_settings`; returns InferenceData.

    ``progressbar=None`` (the default of the ``progressbar`` option) shows the
    sampler's progress bar when standard error is a terminal, not in a log file
    or a test run.
    """
    import sys

    import pymc as pm

    if progressbar is None:
        progressbar = bool(getattr(sys.stderr, "isatty", lambda: False)())

    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="pymc")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        kw = dict(draws=s["draws"], tune=s["tune"], chains=s["chains"], random_seed=s["seed"],
                  progressbar=progressbar, compute_convergence_checks=False)
        if s["sampler"] == "nutpie":
            try:
                import nutpie  # noqa: F401
            except ImportError:
                raise EcostatError("sampler='nutpie' needs the nutpie package: pip install nutpie.") from None
            return pm.sample(nuts_sampler="nutpie", target_accept=s["target_accept"], **kw)
        # a dense mass matrix absorbs the strong b-sigma correlation of rare failures (HAPI amnist: ESS 430 -> 2000)
        return pm.sample(cores=s["cores"], target_accept=s["target_accept"], init="jitter+adapt_full", **kw)
