"""The hand-written kernels that replace a PyMC graph under nutpie's numba (or C) backend.

Each is a compiled C callback pair (:mod:`ecostat.bayes.cfunc_model`) for one
common model, the same density as the PyMC model (each module's tests check
value and gradient against PyMC's compiled ``logp``):

- :mod:`ecostat.bayes.rasch_kernel`: pooled logit rasch, through its sufficient statistics;
- :mod:`ecostat.bayes.twopl_kernel`: pooled logit twopl, two numbers per profile row.

Other models, and the JAX backend, sample the PyMC graph.
"""

from __future__ import annotations

__all__ = ["PRIORS", "compile_kernel", "kernel_callbacks", "kernel_for", "pooled_logit"]

#: the prior scales each kernel's ``callbacks(design, options, *scales)`` takes, in order, by family
PRIORS = {"rasch": ("b_sd", "sigma_sd"), "twopl": ("b_sd", "a_sd")}


def pooled_logit(design, options) -> bool:
    """Whether the model is the pooled one the kernels write: logit link, one stratum, no groups, covariates or
    model-by-group effects."""
    return (options.link == "logit" and design.n_strata == 1 and design.n_groups == 1
            and not design.covariate_names and not options.model_by_group)


def kernel_for(design, family: str, options):
    """The kernel module of this model (:mod:`~ecostat.bayes.rasch_kernel`, :mod:`~ecostat.bayes.twopl_kernel`),
    else None."""
    from . import rasch_kernel, twopl_kernel

    if family not in PRIORS or not pooled_logit(design, options):
        return None
    return {"rasch": rasch_kernel, "twopl": twopl_kernel}[family]


def kernel_callbacks(design, family: str, options):
    """The compiled callbacks of the kernel for this model (:class:`ecostat.bayes.cfunc_model.Callbacks`)."""
    from .families import get_family

    module = kernel_for(design, family, options)
    if module is None:
        raise ValueError(f"no kernel for this {family} model")
    fam = get_family(family)
    return module.callbacks(design, options, *(fam.prior(options, name) for name in PRIORS[family]))


def compile_kernel(design, family: str, options) -> tuple[object, list[str]]:
    """nutpie's model of the kernel for this model, and its trace variables (``kernel_for`` must hold)."""
    from .cfunc_model import nutpie_model

    callbacks = kernel_callbacks(design, family, options)
    return nutpie_model(callbacks), list(callbacks.names)
