"""Maximised log-likelihood, AIC and BIC of a family on its profile table (``FitResult.information_criteria``).

LOO (:mod:`ecostat.bayes.loo`) is the Bayesian answer to "which model predicts
better"; other tools (ltm, mirt, girth, poLCA, StepMix) report the maximised
log-likelihood and the information criteria instead. To set a fit beside
theirs, this module maximises the *same* collapsed likelihood the sampler
sees, with the priors off (docs/architecture.md §5):

``logLik(params) = sum_r n_r log p(y_r | params)``

over the profile rows r with counts n_r (the family's ``Potential("loglik")``:
latent difficulty or class integrated out per row, missing cells
marginalized). It equals the log-likelihood of the expanded N x k data, so it
is the number those tools print (their multinomial constant is not included
either). The maximum is found by L-BFGS (``scipy.optimize.minimize``) on the
family's unconstrained parameters (log of scales, log-odds of rates, simplex
and zero-sum coordinates, ordered classes: PyMC's transforms), with the exact
gradient of the compiled PyTensor graph, started at the posterior mean; the
likelihood does not depend on how it is parameterised, so the maximum is the
MLE of the family's own parameters.

* ``n_parameters`` counts the unconstrained coordinates the likelihood depends
  on: a zero-sum vector of G values has G - 1, a simplex of C shares C - 1;
  prior hyperparameters that the likelihood does not see (``tau_gamma``) are
  not parameters. rasch: k + 1 (b_j and sigma); twopl: 2k; latent_class with C
  classes: C - 1 + C k; hard_easy: k + 2; independence: k (G k with groups);
  mvprobit: k + k (k - 1) / 2.
* ``AIC = -2 logLik + 2 p``, ``BIC = -2 logLik + p log N`` with N the number
  of instances (ltm's, mirt's and poLCA's convention).

Latent-trait families integrate difficulty out on their trapezoid grid
(``quadrature`` nodes on +-9 sd), which is exact to ~1e-15 at these scales;
ltm uses 21 Gauss-Hermite points and mirt 61 rectangular points, so their
printed values can differ from the exact maximum in the third decimal.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import EcostatError

__all__ = ["InformationCriteria", "maximum_likelihood"]


@dataclass(frozen=True)
class InformationCriteria:
    """The maximised log-likelihood of a family on a profile table, and AIC/BIC.

    Attributes
    ----------
    loglik : float
        ``max sum_r n_r log p(y_r)`` (the priors off).
    n_parameters : int
        Free parameters the likelihood depends on (see the module docstring).
    n_instances : int
        N, the ``log N`` of BIC.
    converged : bool
        Whether the optimizer reported convergence (gradient and change tolerances met).
    estimates : dict of str -> ndarray
        The maximum-likelihood estimates of every variable of the family (its
        parameters on their own scale and the derived ones, e.g. ``class_rate``
        or ``corr``), in the shapes of the posterior draws.
    loglik_start : float
        The log-likelihood at the start (the posterior mean).
    iterations : int
        Optimizer iterations.
    message : str
        The optimizer's message.

    Examples
    --------
    >>> ic = InformationCriteria(loglik=-2466.938, n_parameters=6, n_instances=1000, converged=True)
    >>> round(ic.aic, 3), round(ic.bic, 3)
    (4945.876, 4975.323)
    """

    loglik: float
    n_parameters: int
    n_instances: int
    converged: bool
    estimates: dict = field(default_factory=dict, repr=False)
    loglik_start: float = float("nan")
    iterations: int = 0
    message: str = ""

    @property
    def aic(self) -> float:
        """Akaike's criterion ``-2 logLik + 2 p``."""
        return -2.0 * self.loglik + 2.0 * self.n_parameters

    @property
    def bic(self) -> float:
        """Schwarz's criterion ``-2 logLik + p log N``."""
        return -2.0 * self.loglik + self.n_parameters * math.log(self.n_instances)

    def to_dict(self) -> dict:
        """The JSON object of a fit's ``"information_criteria"``."""
        return {"loglik": self.loglik, "n_parameters": self.n_parameters, "n_instances": self.n_instances,
                "aic": self.aic, "bic": self.bic, "converged": self.converged,
                "method": "maximum likelihood of the collapsed profile-table likelihood (priors off), "
                          "L-BFGS from the posterior mean"}


def maximum_likelihood(design, family: str, options=None, start: dict | None = None) -> InformationCriteria:
    """Maximise a family's collapsed log-likelihood on a design; logLik, parameters, AIC and BIC.

    Parameters
    ----------
    design : Design
        The collapsed data (:func:`ecostat.bayes.families.make_design`).
    family : str
        A registered family; its ``build`` must add ``pm.Potential("loglik", ...)``
        (the family contract, docs/architecture.md §5).
    options : FitOptions, optional
    start : dict of str -> array, optional
        Starting values of the family's free variables on their own scale
        (e.g. posterior means: ``{"b": ..., "sigma": ...}``). Missing ones start
        at PyMC's initial point.

    Returns
    -------
    InformationCriteria

    Examples
    --------
    The independence family's MLE is the observed failure rates, in closed form:

    >>> import numpy as np, ecostat as es
    >>> from ecostat.bayes.families import make_design
    >>> t = es.ProfileTable.from_counts([[0, 0], [1, 0], [0, 1], [1, 1]], [40, 10, 30, 20])
    >>> ic = maximum_likelihood(make_design(t), "independence")
    >>> np.round(ic.estimates["f"], 6).tolist(), ic.n_parameters
    ([0.3, 0.5], 2)
    >>> exact = 30 * np.log(0.3) + 70 * np.log(0.7) + 50 * np.log(0.5) * 2
    >>> bool(abs(ic.loglik - exact) < 1e-8)
    True
    """
    import pymc as pm
    from scipy import optimize

    from .families import FitOptions, get_family
    from .laplace import negative_log_density

    options = options or FitOptions()
    fam = get_family(family)
    fam.check(design, options)
    with pm.Model(coords=fam.coords(design, options)) as model:  # the model ecostat.bayes.model.build_model builds
        fam.build(design, options)
    f, expand, x0, names, n_free = _compile(model, start or {})
    neg, calls = negative_log_density(f)

    start_ll = -neg(x0)[0]
    if not np.isfinite(start_ll) or start_ll <= -1e299:
        raise EcostatError(f"the {family} log-likelihood is not finite at the starting point; the fit's posterior "
                           "mean lies outside the support. Refit, or start from other values.")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        opt = optimize.minimize(neg, x0, jac=True, method="L-BFGS-B",
                                options={"maxiter": 20000, "maxfun": 40000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-9})
        x = opt.x if -opt.fun >= start_ll else x0
        # a restart with a fresh curvature memory tightens an optimum that L-BFGS left on a relative-change stop
        again = optimize.minimize(neg, x, jac=True, method="L-BFGS-B",
                                  options={"maxiter": 5000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-10})
        if -again.fun > -neg(x)[0]:
            x = again.x
    loglik = -neg(x)[0]
    grad = neg(x)[1]
    scale = max(1.0, abs(loglik))
    converged = bool(opt.success or np.max(np.abs(grad)) <= 1e-5 * scale)
    values = expand(np.ascontiguousarray(x, dtype="float64"))
    estimates = {name: np.asarray(v, dtype=float) for name, v in zip(names, values)}
    return InformationCriteria(loglik=float(loglik), n_parameters=int(n_free), n_instances=int(design.n_instances),
                               converged=converged, estimates=estimates, loglik_start=float(start_ll),
                               iterations=int(opt.nit), message=str(opt.message))


def _compile(model, start: dict):
    """``x -> (loglik, gradient)`` over the free coordinates the likelihood depends on, and ``x -> variables``.

    Returns ``(f, expand, x0, names, n_free)``: ``x0`` holds the unconstrained
    start (``start`` mapped through each variable's transform), ``expand``
    gives the variables named ``names`` on their own scale.
    """
    import pytensor
    import pytensor.tensor as pt
    from pymc.pytensorf import compile as compile_pymc
    try:
        from pytensor.graph.traversal import ancestors
    except ImportError:  # pytensor < 2.32
        from pytensor.graph.basic import ancestors

    pot = next((p for p in model.potentials if p.name == "loglik"), None)
    if pot is None:
        raise EcostatError("the family's model has no Potential named 'loglik' (the collapsed log-likelihood of the "
                           "family contract); its maximum cannot be found.")
    (loglik,) = model.replace_rvs_by_values([pot])
    point = model.initial_point()
    upstream = set(ancestors([loglik]))
    free, fixed = [], {}
    for rv in model.free_RVs:
        value = model.rvs_to_values[rv]
        x = np.asarray(point[value.name], dtype=float)
        if rv.name in start:
            x = _unconstrained(model, rv, start[rv.name], x)
        if value in upstream:
            free.append((value, x))
        else:
            fixed[value] = x
    n = int(sum(x.size for _, x in free))
    xs = pt.vector("mle_point", dtype="float64", shape=(n,))
    repl, off = {}, 0
    for value, x in free:
        repl[value] = xs[off:off + x.size].reshape(x.shape).astype(value.dtype)
        off += x.size
    for value, x in fixed.items():
        repl[value] = pt.constant(x.astype(value.dtype))
    grad = pt.grad(loglik, [v for v, _ in free]) if free else []
    grad = pt.concatenate([g.ravel() for g in grad]) if free else pt.zeros(0)
    keep = {rv.name for rv in model.unobserved_RVs}
    outs = [v for v in model.unobserved_value_vars if v.name in keep]
    names = [v.name for v in outs]
    ll_x, grad_x, *outs_x = pytensor.clone_replace([loglik, grad, *outs], repl)
    with model:
        f = compile_pymc([xs], [ll_x, grad_x], mode=None)
        expand = compile_pymc([xs], outs_x, mode=None)
    x0 = np.concatenate([x.ravel() for _, x in free]) if free else np.zeros(0)
    return f, expand, x0.astype("float64"), names, n


def _unconstrained(model, rv, value, fallback: np.ndarray) -> np.ndarray:
    """``value`` (on the variable's own scale) mapped to its unconstrained coordinates; ``fallback`` if that fails."""
    import pytensor.tensor as pt

    value = np.asarray(value, dtype=float)
    transform = model.rvs_to_transforms.get(rv)
    try:
        if transform is None:
            out = value
        else:
            out = np.asarray(transform.forward(pt.as_tensor_variable(value), *rv.owner.inputs).eval(), dtype=float)
    except Exception:  # a start outside the support (e.g. a boundary mean): PyMC's initial point instead
        return fallback
    if out.shape != fallback.shape or not np.all(np.isfinite(out)):
        return fallback
    return out
