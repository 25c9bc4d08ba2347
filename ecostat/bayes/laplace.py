"""Fast approximate posterior: the Laplace approximation on the unconstrained scale (``method="laplace"``).

For fits NUTS would take too long (many decision-makers with many distinct
profiles: twopl or latent_class at k = 100), the posterior is approximated by
a normal distribution at its mode on the unconstrained scale (log of scales,
log-odds of rates, ...), with covariance the inverse of the negative Hessian of
the log-density there:

1. the mode by L-BFGS (``scipy.optimize.minimize``) from PyMC's initial point,
   with the model's exact gradient;
2. the Hessian by central differences of that gradient (2 d gradients for d
   parameters; forward differences, d gradients, above 150 parameters),
   symmetrized; eigenvalues are floored if it is not negative definite (the
   result then says so);
3. ``draws`` draws from the normal, mapped to the model's variables;
4. a check of the approximation: Pareto-smoothed importance sampling of up to
   200 of the draws (log posterior, without its gradient, minus log normal density) gives the Pareto
   k-hat (Vehtari et al. 2024, "Pareto smoothed importance sampling"): below
   0.7 the normal is close to the posterior for these purposes; above it, do
   not trust the approximation's tails.

The cost is a few hundred gradient evaluations instead of tens of thousands.
The approximation is good when the posterior is close to normal on the
unconstrained scale, as with many instances per parameter; it has no
multimodality (latent_class label switching is removed by the ordered
transform) and ignores skewness. Every result made this way says that it is
approximate (a warning at fit time, ``idata.posterior.attrs["approximation"]``,
the settings' ``method``, the summary's notes and the JSON's ``approximation``).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import EcostatWarning

__all__ = ["negative_log_density", "laplace_sample", "PARETO_K_LIMIT"]

#: above this Pareto k-hat the normal approximation's importance weights are unreliable
PARETO_K_LIMIT = 0.7
#: draws used for the importance-sampling check
CHECK_DRAWS = 200
#: above this many parameters the Hessian uses forward differences
CENTRAL_MAX = 150



def negative_log_density(logp_dlogp):
    """``(neg, calls)``: the minimizer's objective ``x -> (-log p, -gradient)`` of a flat log density and a
    one-element list counting its calls. A non-finite log density becomes 1e300 with a zero gradient, so
    scipy's line search backs off instead of failing.

    Examples
    --------
    >>> import numpy as np
    >>> neg, calls = negative_log_density(lambda x: (-0.5 * float(x @ x), -x))
    >>> value, grad = neg(np.array([1.0, 2.0]))
    >>> value, grad.tolist(), calls
    (2.5, [1.0, 2.0], [1])
    """
    calls = [0]

    def neg(x):
        calls[0] += 1
        lp, g = logp_dlogp(np.ascontiguousarray(x, dtype="float64"))
        lp = float(lp)
        if not np.isfinite(lp):
            return 1e300, np.zeros_like(x)
        return -lp, -np.asarray(g, dtype=float)

    return neg, calls

def laplace_sample(model, s: dict, flat=None):
    """Laplace approximation of a built model's posterior; returns InferenceData with ``s["draws"]`` draws, one chain.

    ``flat``: the log density as flat-vector functions (a compiled kernel's
    :class:`ecostat.bayes.cfunc_model.CallbackFlat`); by default compiled from
    ``model`` by PyTensor (:class:`ecostat.bayes.nutpie_pyfunc.FlatModel`).
    """
    import arviz as az
    from scipy import optimize

    from .nutpie_pyfunc import FlatModel

    t0 = time.perf_counter()
    if flat is None:
        flat = FlatModel(model, mode={"numba": "NUMBA", "jax": "JAX"}.get(s.get("backend")))  # None: PyTensor's C
    neg, n_grad = negative_log_density(flat.logp_dlogp)

    x0 = flat.point_fn(s["seed"])
    with np.errstate(all="ignore"):
        opt = optimize.minimize(neg, x0, jac=True, method="L-BFGS-B",
                                options={"maxiter": 5000, "maxcor": 30, "ftol": 1e-13, "gtol": 1e-7})
    mode = opt.x
    H = _hessian(lambda x: neg(x)[1], mode)  # Hessian of -logp
    H = 0.5 * (H + H.T)
    vals, vecs = np.linalg.eigh(H)
    floored = int(np.sum(vals <= 1e-8 * max(1.0, np.max(np.abs(vals)))))
    vals = np.maximum(vals, 1e-8 * max(1.0, np.max(np.abs(vals))))
    scale = vecs / np.sqrt(vals)  # cov = scale @ scale.T = H^-1
    rng = np.random.default_rng(s["seed"])
    z = rng.standard_normal((s["draws"], flat.n))
    X = mode + z @ scale.T
    values = [flat.expand(np.ascontiguousarray(x)) for x in X]
    posterior = {name: np.stack([np.asarray(v[i], dtype=float) for v in values])[None]
                 for i, name in enumerate(flat.names)}
    # importance-sampling check on a subset of the draws
    m = min(CHECK_DRAWS, s["draws"])
    logp_only = flat.logp
    log_p = np.array([float(logp_only(np.ascontiguousarray(x))) for x in X[:m]])
    log_q = -0.5 * np.sum(z[:m] ** 2, axis=1)
    log_r = log_p - log_q
    log_r = np.where(np.isfinite(log_r), log_r, -np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, khat = az.psislw(log_r - np.max(log_r))
    khat = float(khat)
    elapsed = time.perf_counter() - t0
    note = (f"approximate posterior: Laplace approximation (normal at the mode on the unconstrained scale; "
            f"{n_grad[0]} gradient evaluations, {elapsed:.1f} s), not NUTS; Pareto k-hat of the importance "
            f"ratios {khat:.2f}" + (" (> 0.7: the approximation is poor; use NUTS)" if khat > PARETO_K_LIMIT else
                                   " (<= 0.7: close to the posterior)")
            + (f"; {floored} Hessian eigenvalues floored (flat directions)" if floored else "")
            + ("" if opt.success else f"; the optimizer stopped early ({opt.message})"))
    warnings.warn(note + ".", EcostatWarning, stacklevel=4)
    idata = az.from_dict(posterior=posterior, coords=flat.coords, dims={k: list(v) for k, v in flat.dims.items()},
                         sample_stats={"diverging": np.zeros((1, s["draws"]), dtype=bool)})
    idata.posterior.attrs.update({"approximation": note, "method": "laplace", "pareto_k": khat,
                                  "gradient_evaluations": n_grad[0], "sampling_time": elapsed,
                                  "optimizer_converged": int(bool(opt.success))})
    return idata


def _hessian(grad, x: np.ndarray) -> np.ndarray:
    d = len(x)
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    H = np.empty((d, d))
    if d <= CENTRAL_MAX:
        for i in range(d):
            e = np.zeros(d)
            e[i] = h[i]
            H[:, i] = (grad(x + e) - grad(x - e)) / (2 * h[i])
    else:
        g0 = grad(x)
        for i in range(d):
            e = np.zeros(d)
            e[i] = h[i]
            H[:, i] = (grad(x + e) - g0) / h[i]
    return H
