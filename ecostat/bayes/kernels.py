"""The hand-written kernels that replace a PyMC graph under nutpie's numba (or C) backend.

Each is a compiled C callback pair (:mod:`ecostat.bayes.cfunc_model`) for one
common model, the same density as the PyMC model (each module's tests check
value and gradient against PyMC's compiled ``logp``):

- :mod:`ecostat.bayes.rasch_kernel`: pooled logit rasch, through its sufficient statistics;
- :mod:`ecostat.bayes.twopl_kernel`: pooled logit twopl, two numbers per profile row.

Other models, and the JAX backend, sample the PyMC graph.
"""

from __future__ import annotations

__all__ = ["compile_kernel", "kernel_callbacks", "kernel_for"]


def kernel_for(design, family: str, options):
    """The kernel module whose ``applies(design, family, options)`` holds, else None."""
    from . import rasch_kernel, twopl_kernel

    for module in (rasch_kernel, twopl_kernel):
        if module.applies(design, family, options):
            return module
    return None


def kernel_callbacks(design, family: str, options):
    """The compiled callbacks of the kernel for this model (:class:`ecostat.bayes.cfunc_model.Callbacks`;
    ``kernel_for`` must hold)."""
    from . import rasch_kernel, twopl_kernel
    from .families import get_family

    fam = get_family(family)
    prior = lambda name: fam.prior(options, name)  # noqa: E731
    module = kernel_for(design, family, options)
    if module is rasch_kernel:
        return rasch_kernel.rasch_callbacks(design, options, prior("b_sd"), prior("sigma_sd"))
    if module is twopl_kernel:
        return twopl_kernel.twopl_callbacks(design, options, prior("b_sd"), prior("a_sd"))
    raise ValueError(f"no kernel for this {family} model")


def compile_kernel(design, family: str, options) -> tuple[object, list[str]]:
    """nutpie's model of the kernel for this model, and its trace variables (``kernel_for`` must hold)."""
    from .cfunc_model import nutpie_model

    callbacks = kernel_callbacks(design, family, options)
    return nutpie_model(callbacks), list(callbacks.names)
