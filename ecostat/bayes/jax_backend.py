"""The JAX backend of nutpie: accelerator detection, JAX settings and the Ops JAX lacks.

``backend="jax"`` compiles a model's log density and gradient with JAX (through
PyTensor's JAX linker), so the same fit runs on the CPU or, where JAX sees one,
on a GPU or TPU. ``backend=None`` (the default) chooses JAX exactly when
:func:`accelerator` finds such a device (``docs/architecture.md`` §8).

This module imports JAX only when it is asked to: :func:`accelerator` looks for
JAX's accelerator plugins before importing anything, so a CPU-only install pays
nothing for it.
"""

from __future__ import annotations

import functools
import importlib.util
import os

__all__ = ["accelerator", "require_jax", "configure_jax", "erfcx", "erfcinv"]

#: above this argument erfcx uses its asymptotic series (relative error < 1e-15 there, see :func:`erfcx`)
_ERFCX_SERIES_FROM = 10.0
_ERFCX_TERMS = 12


def _find(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def accelerator() -> str | None:
    """The accelerator JAX would use ("gpu", "tpu", ...), or None when it has only the CPU or is not installed.

    JAX finds GPUs and TPUs through plugin packages (``jax_plugins``,
    ``jax_cuda12_plugin``, ``libtpu``, ...); without one of them JAX can only use
    the CPU, so JAX is imported only when a plugin is present. ``JAX_PLATFORMS=cpu``
    hides the accelerator, as it does for JAX itself. Checked once per process.

    Examples
    --------
    >>> from ecostat.bayes.jax_backend import accelerator
    >>> accelerator() in (None, "gpu", "tpu", "cuda", "rocm")
    True
    """
    if not _find("jax") or os.environ.get("JAX_PLATFORMS", "").strip().lower() == "cpu":
        return None
    plugins = ("jax_plugins", "jax_cuda12_plugin", "jax_cuda13_plugin", "jax_rocm60_plugin", "libtpu")
    if not any(_find(p) for p in plugins):
        return None
    try:
        import jax

        platform = jax.default_backend()
    except Exception:  # a broken plugin (no driver, wrong CUDA): JAX would fall back to the CPU, and so do we
        return None
    return None if platform == "cpu" else platform


def require_jax() -> None:
    """Raise a clear error when JAX is not installed."""
    from ..errors import EcostatError

    if not _find("jax"):
        raise EcostatError("backend='jax' needs JAX: pip install 'ecostat[jax]' (or use backend='numba').")


def configure_jax(cache: str) -> None:
    """64-bit JAX, its persistent compilation cache under ``cache`` (unless the user set one), :func:`erfcx` and :func:`erfcinv`.

    Parameters
    ----------
    cache : str
        Folder for JAX's compiled code (``ecostat.bayes.sampling.cache_dir()/jax``).
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    if not jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    _register_special_functions()


def erfcx(x):
    """The scaled complementary error function ``exp(x^2) erfc(x)`` in JAX, finite in the upper tail.

    PyTensor's JAX linker has ``erfcx`` only through TensorFlow Probability; the
    probit link's ``log Phi`` and mvprobit's GHK likelihood (Genz 1992) need it
    for arguments far in the tail. Below ``x = 10`` the product
    ``exp(x^2) erfc(x)`` is exact to rounding (``erfc(10) = 2e-45`` is a normal
    double); from 10 on, the asymptotic series
    ``1 / (x sqrt(pi)) * sum_n (-1)^n (2n - 1)!! / (2 x^2)^n`` with 12 terms has
    relative error below 1e-15. Both branches are evaluated on safe arguments,
    so gradients are finite everywhere the value is.

    Examples
    --------
    >>> import numpy as np, scipy.special as sp
    >>> from ecostat.bayes.jax_backend import erfcx
    >>> x = np.array([-3.0, 0.0, 2.5, 9.9, 10.0, 40.0, 1e6])
    >>> bool(np.allclose(np.asarray(erfcx(x)), sp.erfcx(x), rtol=1e-13))  # doctest: +SKIP
    True
    """
    import jax.numpy as jnp
    from jax.scipy.special import erfc

    x = jnp.asarray(x)
    tail = x >= _ERFCX_SERIES_FROM
    near = jnp.where(tail, 0.0, x)
    far = jnp.where(tail, x, _ERFCX_SERIES_FROM)
    inv = 1.0 / (2.0 * far * far)
    term, total = jnp.ones_like(far), jnp.ones_like(far)
    for n in range(1, _ERFCX_TERMS):
        term = -term * (2 * n - 1) * inv
        total = total + term
    series = total / (far * jnp.sqrt(jnp.pi))
    return jnp.where(tail, series, jnp.exp(near * near) * erfc(near))


def erfcinv(y):
    """The inverse complementary error function in JAX: ``erfcinv(y) = -ndtri(y / 2) / sqrt(2)``.

    Written through the normal quantile so that it keeps full relative precision
    for ``y`` near 0 (where ``erfinv(1 - y)`` would lose it); mvprobit's GHK
    likelihood draws its truncated normals with it.

    Examples
    --------
    >>> import numpy as np, scipy.special as sp
    >>> from ecostat.bayes.jax_backend import erfcinv
    >>> y = np.array([1e-300, 1e-10, 0.3, 1.0, 1.9, 2.0 - 1e-12])
    >>> bool(np.allclose(np.asarray(erfcinv(y)), sp.erfcinv(y), rtol=1e-12))  # doctest: +SKIP
    True
    """
    import jax.numpy as jnp
    from jax.scipy.special import ndtri

    return -ndtri(jnp.asarray(y) / 2.0) / jnp.sqrt(2.0)


@functools.lru_cache(maxsize=1)
def _register_special_functions() -> None:
    """PyTensor's JAX linker: ``erfcx`` and ``erfcinv`` by :func:`erfcx` and :func:`erfcinv`.

    PyTensor maps both to TensorFlow Probability, which ecostat does not need
    otherwise; JAX itself has everything to write them.
    """
    from pytensor.link.jax.dispatch import jax_funcify
    from pytensor.scalar.math import Erfcinv, Erfcx

    @jax_funcify.register(Erfcx)
    def _jax_erfcx(op, **kwargs):
        return erfcx

    @jax_funcify.register(Erfcinv)
    def _jax_erfcinv(op, **kwargs):
        return erfcinv
