"""Sampling a built model: the sampler settings, NUTS through nutpie or PyMC, and the approximate path.

:func:`sampler_settings` validates the settings once; :func:`sample_model` runs
them on a ``pymc.Model`` built by :meth:`ecostat.bayes.model.Model.build` and
returns an ``arviz.InferenceData``.

Samplers (``sampler=``):

* ``"nutpie"`` (default): nutpie's NUTS (Rust) on the model's log-density and
  gradient: for the pooled logit rasch and twopl models a hand-written numba
  kernel that nutpie calls as a C function (:mod:`ecostat.bayes.kernels`, cached
  on disk by numba; the chains run in parallel), otherwise
  compiled by PyTensor with ``backend="numba"`` (the default on a CPU; PyTensor
  caches the compiled code on disk), ``"c"`` (PyTensor's C backend, cached in its
  compile directory) or ``"jax"`` (nutpie's JAX path, :mod:`ecostat.bayes.jax_backend`;
  the default where JAX sees a GPU or TPU; compiled code cached in JAX's
  persistent cache under :func:`cache_dir`). The mass matrix is
  adapted as a diagonal plus a low-rank correction (``mass_matrix="low_rank"``,
  default; it absorbs the strong b-sigma correlation of rare failures) or
  diagonal (``"diag"``). The per-step cost is the model's, not Python's: 2 x
  2,000 iterations of the AFNET rasch model take well under a second.
  The compiled model is kept per (family, options, data) in this process, so
  refitting the same model costs only the sampling.
* ``"pymc"``: PyMC's NUTS, dense mass matrix (``init="jitter+adapt_full"``), the
  sampler of ecostat <= 0.1; the same posterior (tests/test_sampling.py checks
  means within 3 Monte Carlo standard errors).

``method="laplace"`` replaces sampling by a fast approximation (see
:mod:`ecostat.bayes.laplace`): a normal distribution at the posterior mode on the
unconstrained scale; results say that they are approximate.
"""

from __future__ import annotations

import os
import time
import warnings
from collections import OrderedDict

import numpy as np

from ..errors import EcostatError, EcostatWarning, user_stacklevel
from ..options import check_all, default

__all__ = ["SAMPLERS", "BACKENDS", "MASS_MATRICES", "METHODS", "sampler_settings", "default_target_accept", "sample_model",
           "cache_dir",
           "estimated_gradient_seconds", "estimated_fit_seconds", "warn_if_slow", "quadrature_error", "warn_if_coarse_grid"]

SAMPLERS = ("nutpie", "pymc")
BACKENDS = ("numba", "c", "jax")
MASS_MATRICES = ("low_rank", "diag", "dense")
METHODS = ("nuts", "laplace")
#: compiled models kept in this process (most recent last)
_COMPILED: OrderedDict = OrderedDict()
_MAX_COMPILED = 8
#: calibrated cost of one log-density + gradient: seconds per (profile row x node x decision-maker), and
#: per (stratum x node x (decision-maker + cell)) for the rasch sufficient statistics (bench_speed.py, 2 cores)
SECONDS_PER_ROW_NODE_MODEL = 7.0e-10
SECONDS_PER_RASCH_ELEMENT = 2.0e-8
#: seconds per (grid node, decision-maker) of the numba rasch kernel (BENCHMARKS.md, many decision-makers: 1.7 ms at
#: k = 1,000 on 471 nodes, 0.057 ms at k = 100 on 150) and a kernel's fixed cost per call from nutpie (C callback)
SECONDS_PER_KERNEL_ELEMENT = 3.6e-9
KERNEL_CALL_SECONDS = 6.0e-6
#: seconds per profile row, and per (row, decision-maker), of the twopl kernel (BENCHMARKS.md: 6.2 ms for 19,971 rows
#: at k = 100, 9.2 ms for 5,000 rows at k = 1,000), plus its softplus sums per (node, decision-maker)
SECONDS_PER_TWOPL_ROW = 3.0e-7
SECONDS_PER_TWOPL_ROW_MODEL = 1.5e-9
SECONDS_PER_TWOPL_NODE_MODEL = 1.0e-8
#: seconds per (profile row, QMC point, decision-maker) of mvprobit's GHK kernel (BENCHMARKS.md, mvprobit: 1.9 ms
#: per log density + gradient on LSAT's 30 rows x 1,024 points x 5 items)
SECONDS_PER_GHK_ELEMENT = 1.2e-8
#: a fit estimated to take longer than this many seconds warns before it starts
SLOW_FIT_SECONDS = 120.0
#: NUTS's target acceptance rate unless the user sets one (:func:`default_target_accept`)
TARGET_ACCEPT = 0.95
#: ... and for the pooled logit rasch model with at least LARGE_RASCH_K decision-makers
LARGE_RASCH_TARGET_ACCEPT = 0.8
LARGE_RASCH_K = 100


def sampler_settings(draws=default("draws"), tune=default("tune"), chains=default("chains"), cores=default("cores"),
                     seed=default("seed"), target_accept=default("target_accept"), sampler=default("sampler"),
                     backend=default("backend"), mass_matrix=default("mass_matrix"), method=default("method")) -> dict:
    """Sampler settings checked against the options schema (:mod:`ecostat.options`), once, before sampling.

    Parameters
    ----------
    draws, tune, chains : int
        Draws and tuning steps per chain, chains.
    cores : int, optional
        Parallel chains (default: min(chains, CPUs)).
    seed : int
    target_accept : float, optional
        Default :data:`TARGET_ACCEPT`; :meth:`ecostat.bayes.model.Model.fit`
        resolves it per model first (:func:`default_target_accept`).
    sampler : {"nutpie", "pymc"}, optional
        NUTS implementation (default nutpie).
    backend : {"numba", "c", "jax"}, optional
        How nutpie's log-density is compiled (default: jax where JAX sees a GPU or TPU, else numba, where
        the pooled logit rasch model uses ecostat's numba kernel); not used by pymc.
    mass_matrix : {"low_rank", "diag", "dense"}, optional
        Mass matrix adaptation: nutpie takes low_rank (default) or diag, pymc
        dense (default) or diag.
    method : {"nuts", "laplace"}
        ``"laplace"``: the fast approximation of :mod:`ecostat.bayes.laplace`
        (``draws`` draws, no chains); results are marked approximate.

    Examples
    --------
    >>> s = sampler_settings(draws=500, chains=1)
    >>> s["cores"], s["sampler"], s["backend"], s["mass_matrix"]
    (1, 'nutpie', 'numba', 'low_rank')
    >>> sampler_settings(sampler="pymc")["mass_matrix"]
    'dense'
    """
    c = check_all({"draws": draws, "tune": tune, "chains": chains, "cores": cores, "seed": seed,
                   "target_accept": target_accept, "sampler": sampler, "backend": backend,
                   "mass_matrix": mass_matrix, "method": method})
    draws, tune, chains, cores, seed, target_accept = (c[k] for k in ("draws", "tune", "chains", "cores", "seed",
                                                                      "target_accept"))
    sampler, backend, mass_matrix, method = c["sampler"], c["backend"], c["mass_matrix"], c["method"]
    sampler = "nutpie" if sampler is None else sampler
    target_accept = TARGET_ACCEPT if target_accept is None else target_accept
    if seed is None:  # a fresh seed, recorded in the settings (and so in the result)
        import secrets

        seed = secrets.randbits(63)
    if sampler == "nutpie" and tune == 0:  # nutpie's adaptation needs at least one tuning step
        warnings.warn("tune=0: nutpie needs tuning steps, so PyMC's NUTS samples this fit (sampler='pymc').",
                      EcostatWarning, stacklevel=user_stacklevel())
        sampler, backend = "pymc", None
        mass_matrix = None if mass_matrix in ("low_rank", None) else mass_matrix
    if sampler == "nutpie":
        if backend is None:  # JAX where it sees a GPU or TPU (docs/architecture.md §8), else numba
            from .jax_backend import accelerator
            backend = "jax" if accelerator() else "numba"
        if backend not in BACKENDS:
            raise EcostatError(f"backend must be one of {BACKENDS}; got {backend!r}.")
        mass_matrix = "low_rank" if mass_matrix is None else mass_matrix
        if mass_matrix not in ("low_rank", "diag"):
            raise EcostatError(f"sampler 'nutpie' adapts a 'low_rank' or 'diag' mass matrix; got {mass_matrix!r} "
                               "(sampler='pymc' takes 'dense').")
    else:
        if backend is not None:
            raise EcostatError(f"backend={backend!r} applies to sampler='nutpie' only; PyMC's NUTS uses PyTensor's "
                               "C backend.")
        mass_matrix = "dense" if mass_matrix is None else mass_matrix
        if mass_matrix not in ("dense", "diag"):
            raise EcostatError(f"sampler 'pymc' adapts a 'dense' or 'diag' mass matrix; got {mass_matrix!r}.")
    cores = min(chains, os.cpu_count() or 1) if cores is None else int(cores)
    return {"draws": int(draws), "tune": int(tune), "chains": int(chains), "cores": cores, "seed": int(seed),
            "target_accept": float(target_accept), "sampler": sampler, "backend": backend,
            "mass_matrix": mass_matrix, "method": method}


def default_target_accept(design, family: str, options) -> float:
    """NUTS's target acceptance rate when the user gives none: 0.95, or 0.8 for the large pooled logit rasch model.

    0.95 (small steps) keeps the hierarchical group models and the small
    models, whose scale sigma can sit near 0, free of divergent transitions.
    The pooled logit rasch model (:func:`ecostat.bayes.kernels.pooled_logit`)
    with :data:`LARGE_RASCH_K` or more decision-makers has no group hierarchy,
    its instance difficulties are integrated out, and every instance informs
    sigma through k responses, so its posterior is close to Gaussian: NUTS's
    usual 0.8 samples it with about half the leapfrog steps and no divergences
    (BENCHMARKS.md: k = 100 to 1,000, sigma from 0.01 to 1.5; at k = 10 and 30
    with sigma near 0, 0.8 gave a few divergences, so smaller models keep 0.95).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import FitOptions, make_design
    >>> fm = es.simulate(n=200, failure_rates=[0.2] * 100, seed=0)
    >>> default_target_accept(make_design(fm), "rasch", FitOptions()), default_target_accept(make_design(fm), "twopl", FitOptions())
    (0.8, 0.95)
    """
    from .kernels import kernel_for

    if design.k >= LARGE_RASCH_K and family == "rasch" and kernel_for(design, family, options) is not None:
        return LARGE_RASCH_TARGET_ACCEPT
    return TARGET_ACCEPT


def cache_dir() -> str:
    """Where ecostat keeps compiled code between processes (``$ECOSTAT_CACHE_DIR``, else the user cache)."""
    base = os.environ.get("ECOSTAT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "ecostat")
    return base


def _n_parameters(design, options, family: str) -> int:
    k, G = design.k, design.n_groups
    per = {"rasch": k + 1, "twopl": 2 * k, "latent_class": options.n_classes * (k + 2), "hard_easy": k + 2,
           "independence": k * G, "mvprobit": k + k * (k - 1) // 2}
    return per.get(family, k) + (2 * G if G > 1 else 0) + len(design.covariate_names)


def estimated_gradient_seconds(design, options, family: str, sampler: str | None = None) -> float:
    """Estimated seconds of one log-density + gradient of ``family`` on ``design``.

    Profile rows x latent values x decision-makers (the size of the row
    products, :func:`ecostat.bayes.families.base._row_terms`) times
    :data:`SECONDS_PER_ROW_NODE_MODEL`; the logit rasch likelihood uses its
    sufficient statistics instead: (decision-makers + cells) x nodes per stratum
    times :data:`SECONDS_PER_RASCH_ELEMENT`, or, where nutpie runs the numba
    kernel (``sampler="nutpie"``, pooled logit rasch), nodes x decision-makers
    times :data:`SECONDS_PER_KERNEL_ELEMENT`; the pooled logit twopl kernel
    costs per profile row (:data:`SECONDS_PER_TWOPL_ROW`). The nodes are those of
    :func:`~ecostat.bayes.families.latent_trait.trait_quadrature` (more than
    ``quadrature`` for large k). The constants are calibrated in
    ``benchmarks/bench_speed.py`` (parts b, c2) on a 2-core machine.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import FitOptions, make_design
    >>> d = make_design(es.simulate(n=500, seed=0))
    >>> estimated_gradient_seconds(d, FitOptions(), "twopl") < 1e-3
    True
    """
    from .families.latent_trait import trait_quadrature

    rows, k, U = len(design.counts), design.k, design.n_strata
    grid = trait_quadrature(k, options.quadrature)
    nodes = {"latent_class": options.n_classes, "independence": 1, "hard_easy": 2}.get(family, grid)
    from .kernels import kernel_for

    kernel = kernel_for(design, family, options) if sampler == "nutpie" else None
    if kernel is not None and family == "twopl":
        return (rows * (SECONDS_PER_TWOPL_ROW + SECONDS_PER_TWOPL_ROW_MODEL * k)
                + SECONDS_PER_TWOPL_NODE_MODEL * grid * k + KERNEL_CALL_SECONDS)
    if family == "rasch" and options.link == "logit":
        if kernel is not None:
            return SECONDS_PER_KERNEL_ELEMENT * grid * k + KERNEL_CALL_SECONDS
        return SECONDS_PER_RASCH_ELEMENT * U * grid * (k + min(rows, k + 1)) + 5e-5
    if family == "mvprobit":
        return 1024 * rows * k * SECONDS_PER_GHK_ELEMENT + 5e-5
    return rows * nodes * (k + 10) * SECONDS_PER_ROW_NODE_MODEL + 5e-5


def estimated_fit_seconds(design, options, family: str, settings: dict) -> float:
    """Estimated seconds of a fit: gradients per iteration (NUTS) or of the Laplace approximation, times their cost."""
    per = estimated_gradient_seconds(design, options, family, settings.get("sampler"))
    d = _n_parameters(design, options, family)
    if settings.get("method") == "laplace":
        return per * (60 + (2 * d if d <= 150 else d)) + 200 * per / 3
    steps = 2.0 + 5.0 * d ** 0.3  # 7 at AFNET, 23 at k = 300, 45 at k = 1000 (rasch, target_accept 0.95)
    # smaller steps take more of them: 31 per draw at 0.95 and 15 at 0.8 (rasch, k = 1,000; BENCHMARKS.md)
    steps *= float(np.clip(0.5 + (settings.get("target_accept", TARGET_ACCEPT) - 0.8) / 0.3, 0.4, 1.5))
    from .kernels import kernel_for
    # chains run side by side where the log density needs no GIL: PyMC's processes and the compiled kernels
    kernel = (settings["sampler"] == "nutpie" and settings.get("backend") in ("numba", "c")
              and kernel_for(design, family, options) is not None)
    parallel = min(settings["cores"], settings["chains"]) if settings["sampler"] == "pymc" or kernel else 1
    return per * steps * (settings["draws"] + settings["tune"]) * settings["chains"] / max(1, parallel)


def warn_if_slow(design, options, family: str, settings: dict) -> float:
    """Warn (EcostatWarning) before a fit whose estimated time exceeds :data:`SLOW_FIT_SECONDS`; return the estimate."""
    total = estimated_fit_seconds(design, options, family, settings)
    per = estimated_gradient_seconds(design, options, family, settings.get("sampler"))
    if total > SLOW_FIT_SECONDS:
        what = "approximation" if settings.get("method") == "laplace" else "fit"
        hint = "" if settings.get("method") == "laplace" else (
            " For a quick look, method='laplace' approximates the posterior with a few hundred gradients;"
            " fewer draws or decision-makers also help.")
        from .kernels import kernel_for
        if (family == "rasch" and kernel_for(design, family, options) is not None and settings.get("method") != "laplace"
                and settings.get("target_accept", 0) > LARGE_RASCH_TARGET_ACCEPT):
            hint += (" The pooled rasch posterior has no funnel: target_accept=0.8 about halves the leapfrog steps "
                     "(BENCHMARKS.md).")
        elif (settings.get("method") != "laplace" and settings.get("backend") == "numba" and per > 0.01
              and kernel_for(design, family, options) is None):
            hint += (" backend='jax' (pip install jax) fuses the log density with XLA: 2x faster per gradient for "
                     "a twopl graph at k = 100 on 2 CPU cores, and it uses a GPU where there is one (BENCHMARKS.md).")
        warnings.warn(f"this {family} {what} of {design.n_instances} instances x {design.k} decision-makers "
                      f"({len(design.counts)} profile rows) will take about {_duration(total)} "
                      f"(one log-density gradient ~ {per * 1e3:.3g} ms).{hint}", EcostatWarning,
                      stacklevel=user_stacklevel())
    return total


def quadrature_error(design, options, family: str, draws: dict) -> tuple[float, int]:
    """Bound on the relative error of the latent-trait grid, and the nodes that would make it negligible.

    Integrating difficulty out with the trapezoid rule (:func:`~ecostat.bayes.families.latent_trait.normal_grid`)
    is accurate while the node spacing ``h = 18 sigma / (Q - 1)`` is not wider than
    the posterior sd of one instance's difficulty, which shrinks like
    ``s = 2 / sqrt(sum_j a_j^2)`` with k decision-makers (worst case, every
    failure probability 1/2). The relative error of a profile probability is
    then about ``2 exp(-2 pi^2 s^2 / h^2)``: 5e-8 at k = 100 with sigma = 1.5 and
    128 nodes, 8e-11 at k = 1,000 on the 471 nodes of
    :func:`~ecostat.bayes.families.latent_trait.trait_quadrature`. Returns that bound at the largest posterior
    scale, and ``Q = 1 + 18 sigma / s`` (error ~ 5e-9).

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.bayes.families import FitOptions, make_design
    >>> d = make_design(es.simulate(n=200, seed=0))
    >>> err, q = quadrature_error(d, FitOptions(), "rasch", {"sigma": np.array([1.5])})
    >>> err < 1e-20, q
    (True, 25)
    """
    if family not in ("rasch", "twopl"):
        return 0.0, options.quadrature
    if "sigma_group" in draws:
        sigma = float(np.max(draws["sigma_group"]))
    elif "sigma" in draws:
        sigma = float(np.max(draws["sigma"]))
    else:
        sigma = 1.0
    from .families.latent_trait import trait_quadrature

    a2 = np.max(np.sum(np.asarray(draws["a"]) ** 2, axis=-1)) if "a" in draws else float(design.k)
    s = 2.0 / np.sqrt(a2)
    h = 18.0 * sigma / (trait_quadrature(design.k, options.quadrature) - 1)
    return float(2.0 * np.exp(-2.0 * np.pi ** 2 * (s / h) ** 2)), int(np.ceil(1 + 18.0 * sigma / s))


def warn_if_coarse_grid(design, options, family: str, draws: dict) -> None:
    """Warn (EcostatWarning) when the quadrature grid is too coarse for this many decision-makers (see :func:`quadrature_error`)."""
    from .families.latent_trait import trait_quadrature

    err, need = quadrature_error(design, options, family, draws)
    if err > 1e-6:
        warnings.warn(f"with {design.k} decision-makers one instance's difficulty is known more precisely than the "
                      f"{trait_quadrature(design.k, options.quadrature)}-node grid resolves (posterior scale up to "
                      f"{float(np.max(draws.get('sigma_group', draws.get('sigma', 1.0)))):.2f}): profile probabilities "
                      f"may be off by up to {err:.1g} (relative). Refit with quadrature={need} or more.",
                      EcostatWarning, stacklevel=user_stacklevel())


def _duration(s: float) -> str:
    return f"{s / 60:.0f} minutes" if s < 5400 else f"{s / 3600:.1f} hours"




def sample_model(model, s: dict, progressbar: bool | None = None, cache_key=None, spec=None):
    """Sample a built model with settings from :func:`sampler_settings`; returns InferenceData.

    Parameters
    ----------
    model : pymc.Model or callable
        The model, or a function returning it (called only when ``cache_key``
        has no compiled model yet).
    s : dict
        From :func:`sampler_settings`.
    progressbar : bool, optional
        Show the sampler's progress bar; None (the default of the ``progressbar``
        option) shows it when standard error is a terminal, not in a log file or
        a test run.
    cache_key : hashable, optional
        Identity of the model (family, options, data digest): a second fit with
        the same key in this process reuses the compiled model.
    spec : tuple (design, family, options), optional
        What the model is: lets nutpie's numba backend use the compiled kernel of
        the pooled logit rasch model (:mod:`ecostat.bayes.rasch_kernel`).
    """
    if progressbar is None:
        import sys

        progressbar = bool(getattr(sys.stderr, "isatty", lambda: False)())
    with _one_blas_thread():
        if s.get("method", "nuts") == "laplace":
            from .cfunc_model import CallbackFlat
            from .kernels import kernel_callbacks, kernel_for
            from .laplace import laplace_sample
            if s.get("backend") == "jax":
                model = _jax_ready(model)
            elif spec is not None and kernel_for(*spec) is not None:  # the kernel nutpie would sample
                return laplace_sample(None, s, CallbackFlat(kernel_callbacks(*spec)))
            return laplace_sample(model() if callable(model) else model, s)
        if s["sampler"] == "pymc":
            return _sample_pymc(model() if callable(model) else model, s, progressbar)
        return _sample_nutpie(model, s, progressbar, cache_key, spec)


def _one_blas_thread():
    """One BLAS thread per chain while sampling (threadpoolctl, if installed).

    Chains run in parallel; with BLAS's own threads on top, a 2-core machine is
    oversubscribed and a large matrix product ran 20-100x slower (0.17 s instead
    of 1.1 ms for the twopl row products at k = 100 under load).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _sample_pymc(model, s: dict, progressbar: bool):
    import pymc as pm

    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="pymc")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        # a dense mass matrix absorbs the strong b-sigma correlation of rare failures (HAPI amnist: ESS 430 -> 2000)
        init = "jitter+adapt_full" if s.get("mass_matrix", "dense") == "dense" else "jitter+adapt_diag"
        return pm.sample(draws=s["draws"], tune=s["tune"], chains=s["chains"], random_seed=s["seed"],
                         progressbar=progressbar, compute_convergence_checks=False, cores=s["cores"],
                         target_accept=s["target_accept"], init=init)


def _nutpie():
    try:
        import nutpie
    except ImportError:
        raise EcostatError("sampler='nutpie' needs the nutpie package: pip install nutpie "
                           "(or pass sampler='pymc').") from None
    return nutpie


def compiled_model(model, backend: str = "numba", cache_key=None, spec=None):
    """The nutpie model of a ``pymc.Model`` (or a builder), compiled once per ``cache_key`` in this process."""
    from .kernels import compile_kernel, kernel_for

    kernel = backend in ("numba", "c") and spec is not None and kernel_for(*spec) is not None
    key = None if cache_key is None else (cache_key, "kernel" if kernel else backend)
    if key is not None and key in _COMPILED:
        _COMPILED.move_to_end(key)
        return _COMPILED[key]
    if kernel:
        compiled, names = compile_kernel(*spec)
        return _remember(key, compiled, names)
    if backend == "jax":
        model = _jax_ready(model)
        compiled = _compile_jax(_nutpie(), model)
        return _remember(key, compiled, [rv.name for rv in model.unobserved_RVs])
    model = model() if callable(model) else model
    from .nutpie_pyfunc import compile_pyfunc
    compiled = compile_pyfunc(model, mode="NUMBA" if backend == "numba" else None)
    return _remember(key, compiled, [rv.name for rv in model.unobserved_RVs])


def _jax_ready(model):
    """JAX configured (:func:`ecostat.bayes.jax_backend.configure_jax`) and the model built for it.

    ecostat's compiled likelihood Ops (rasch sufficient statistics, mvprobit's
    GHK) run numba code JAX cannot trace, so a model still to be built is built
    as expression graphs.
    """
    from . import jax_backend
    from .families.rasch_stats import expression_graph

    jax_backend.require_jax()
    jax_backend.configure_jax(os.path.join(cache_dir(), "jax"))
    if callable(model):
        with expression_graph():
            model = model()
    return model


def _compile_jax(nutpie, model):
    """nutpie's JAX model; a family's initial values (latent_class's ordered class locations) are passed to nutpie.

    PyMC's model freezing, which nutpie's JAX path needs, refuses models with
    initial values, so they are lifted off the model while it compiles and handed
    to nutpie's initial-point function instead: the same starting points as the
    numba backend.
    """
    initial = {rv.name: value for rv, value in model.rvs_to_initial_values.items() if value is not None}
    saved = dict(model.rvs_to_initial_values)
    try:
        for rv in saved:
            model.rvs_to_initial_values[rv] = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax", initial_points=initial)
    finally:
        model.rvs_to_initial_values.update(saved)


def _remember(key, compiled, keep):
    if key is not None:
        _COMPILED[key] = (compiled, keep)
        while len(_COMPILED) > _MAX_COMPILED:
            _COMPILED.popitem(last=False)
    return compiled, keep


def _sample_nutpie(model, s: dict, progressbar: bool, cache_key, spec=None):
    nutpie = _nutpie()
    compiled, keep = compiled_model(model, s["backend"], cache_key, spec)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            idata = nutpie.sample(compiled, draws=s["draws"], tune=s["tune"], chains=s["chains"], cores=s["cores"],
                                  seed=s["seed"], target_accept=s["target_accept"], progress_bar=progressbar,
                                  save_warmup=False, low_rank_modified_mass_matrix=s["mass_matrix"] == "low_rank")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # nutpie's Rust panics are BaseExceptions; its state is not reusable
            _COMPILED.pop(cache_key, None)
            raise EcostatError(f"nutpie failed while sampling ({type(exc).__name__}: {exc}); try sampler='pymc' "
                               "(--sampler pymc) or other settings.") from None
    elapsed = time.perf_counter() - t0
    drop = [v for v in idata.posterior.data_vars if v not in keep]
    if drop:
        idata.posterior = idata.posterior.drop_vars(drop)
    idata.posterior.attrs["sampling_time"] = elapsed
    idata.posterior.attrs["sampler"] = f"nutpie ({s['backend']})"
    return idata
