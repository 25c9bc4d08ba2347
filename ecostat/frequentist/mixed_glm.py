"""The per-instance GLMM by statsmodels' variational Bayes: ``fail ~ 0 + model + (1 | instance)``.

:class:`statsmodels.genmod.bayes_mixed_glm.BinomialBayesMixedGLM` with one
fixed effect per decision-maker and one random intercept per instance,

    logit P(F_ij = 1) = b_j + theta_i,   theta_i ~ Normal(0, s^2),

which is the rasch family of :func:`ecostat.fit` (docs/architecture.md §5) with theta
integrated by a mean-field variational approximation instead of sampled:
``b_j`` are the model effects at difficulty 0, ``s`` the spread of latent
difficulty. Priors (statsmodels'): ``b_j ~ Normal(0, fe_p^2)``,
``log s ~ Normal(0, vcp_p^2)``. statsmodels parameterizes the variance
component as ``log s`` (``vcp``), with a Gaussian variational posterior; the
result reports ``s = exp(E[log s])`` (the posterior median of ``s`` under the
approximation) and ``exp`` of the interval of ``log s``.

Size. The model has one random effect per instance, so the variational
problem has ``2 (k + 1 + N)`` parameters. statsmodels' default optimizer
(BFGS) keeps a dense inverse Hessian of that size: measured on this project's
shared 2-core machine, 8 s at N = 500, 58 s at N = 1,000 and 535 s (0.9 GB) at
N = 2,000. This module uses L-BFGS-B (memory linear in N; same optimum as
BFGS where both run). Alone, L-BFGS-B (and Newton-CG, TNC) can stop far from
the optimum while reporting success once N reaches about 10,000 (measured:
gradient components of 1e2-1e4, model effects off by 0.3-0.8): trial points
of the line search overflow ``exp`` and the search stalls. So every run is
checked: the largest component of the ELBO gradient (in the means and
log-sds) must be at most :data:`GRADIENT_TOL`, else L-BFGS-B restarts from
where it stopped with a fresh curvature memory (at most :data:`MAX_RESTARTS`
times), else an error. Measured CPU time with one thread, k = 3 (wall time
on a busy 2-core machine is up to 2-3 times longer): 0.4 s at N = 1,000,
1.2 s at 5,000, 2-6.5 s at 10,000, 2-21 s at 20,000 (k = 5 slowest),
28 s at 50,000; memory 145-230 MB. All 50 fits of a sweep (5 simulated
designs x 2 seeds x N = 1,000-20,000) converged. The default
``max_instances`` is 10,000: seconds, with margin. For large N use
:func:`ecostat.fit` with the rasch family, which collapses identical profiles
(docs/architecture.md §5) and samples the exact posterior.

Mean-field VB underestimates the random-effect spread when each instance has
few decisions (k = 3): on ``ecostat.bayes.simulate(family="rasch")`` data with
true ``s = 1.5`` it gives ``s`` of 1.30-1.46 at N = 10,000-20,000 and model
effects shrunk towards 0 by up to 0.2 (true ``s = 3``: 2.6-2.7). Read it as a quick, approximate counterpart.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import logit
from scipy.stats import norm

from ..data.failures import FailureMatrix
from ..errors import EcostatError, UndefinedMetricError, preview
from ._data import expand, require_two, table_of

__all__ = ["MixedGLMResult", "bayes_mixed_glm", "DEFAULT_MAX_INSTANCES", "GRADIENT_TOL"]

#: Largest N fitted by default (at most about 6.5 s CPU at k <= 5 in the measurements of the module docstring).
DEFAULT_MAX_INSTANCES = 10_000
#: A fit is accepted when every component of the ELBO gradient (means and log-sds) is below this.
#: Converged fits measured here: 1e-4 to 3e-2; stalled ones: 1e2 to 1e4.
GRADIENT_TOL = 1.0
#: L-BFGS-B runs after the first, each from where the previous one stalled.
MAX_RESTARTS = 10

_Z = float(norm.ppf(0.975))


@dataclass(frozen=True, eq=False)
class MixedGLMResult:
    """Variational-Bayes fit of ``fail ~ 0 + model + (1 | instance)`` (statsmodels).

    Attributes
    ----------
    fixed_effects : pandas.DataFrame
        One row per decision-maker: ``term``, ``post_mean``, ``post_sd`` (of
        the Gaussian variational posterior, log-odds at difficulty 0),
        ``ci_low``, ``ci_high`` (mean +- 1.96 sd).
    instance_sd : float
        ``exp(E[log s])``: the spread of instance difficulty (logit scale).
    instance_sd_ci : tuple of float
        ``exp(E[log s] +- 1.96 sd(log s))``.
    log_sd_mean, log_sd_sd : float
        Variational posterior of ``log s`` (statsmodels' ``vcp_mean``, ``vcp_sd``).
    n_instances, n_obs : int
        Instances (random effects) and observed cells.
    max_gradient : float
        Largest absolute ELBO gradient component at the returned point.
    statsmodels_result : BayesMixedGLMResults
        statsmodels' result (``.summary()``, ``.random_effects()``).
    """

    fixed_effects: pd.DataFrame
    instance_sd: float
    instance_sd_ci: tuple
    log_sd_mean: float
    log_sd_sd: float
    n_instances: int
    n_obs: int
    max_gradient: float
    statsmodels_result: Any = None

    def __repr__(self) -> str:
        return (f"MixedGLMResult(instance_sd={self.instance_sd:.4g}, n_instances={self.n_instances}, "
                f"fixed_effects={self.fixed_effects['post_mean'].round(4).tolist()})")


def bayes_mixed_glm(fm, *, max_instances: int = DEFAULT_MAX_INSTANCES, vcp_p: float = 1.0,
                    fe_p: float = 2.0) -> MixedGLMResult:
    """Fit ``fail ~ 0 + C(model) + (1 | instance)`` with statsmodels' BinomialBayesMixedGLM.

    Variational Bayes (``fit_vb``, L-BFGS-B, deterministic start) with one
    random intercept per instance. See the module docstring for the model,
    the priors, the size limit and the accuracy of the approximation.

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        At least two decision-makers. Missing cells are absent from the long
        data (no instance is dropped). The grouping, if any, is not used.
    max_instances : int
        Refuse larger data (default :data:`DEFAULT_MAX_INSTANCES` = 10,000).
    vcp_p, fe_p : float
        Prior sds of ``log s`` and of the model effects (statsmodels' defaults).

    Returns
    -------
    MixedGLMResult

    Raises
    ------
    EcostatError
        Above ``max_instances`` (the message gives the fix), or when the
        optimizer stops away from the optimum.
    UndefinedMetricError
        If k < 2 or a decision-maker has no failures or only failures.

    Examples
    --------
    >>> import ecostat as es
    >>> from ecostat.frequentist import bayes_mixed_glm
    >>> r = bayes_mixed_glm(es.simulate(n=500, family="rasch", seed=0))
    >>> r.fixed_effects[["term", "post_mean"]].round(1)
            term  post_mean
    0  model[m1]       -2.1
    1  model[m2]       -1.8
    2  model[m3]       -1.3
    >>> round(r.instance_sd, 1)  # simulated: b = logit([0.1, 0.15, 0.2]) = [-2.2, -1.7, -1.4], sd 1.5
    1.5
    """
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    t = table_of(fm)
    require_two(t, "bayes_mixed_glm")
    N, k = t.n_instances, t.n_models
    if N > max_instances:
        raise EcostatError(
            f"bayes_mixed_glm fits one random effect per instance and these data have N = {N:,} instances, above "
            f"max_instances = {max_instances:,} (statsmodels' variational fit takes seconds at 10,000 instances, "
            "about half a minute at 50,000, and needs restarts to converge as N grows). Use ecostat.fit(fm, 'rasch'), "
            "which fits the same model fail ~ model + (1 | instance) on the collapsed profile table at any N; or fit a "
            "random subsample: "
            f"keep = np.sort(np.random.default_rng(0).choice(fm.n_instances, {max_instances}, replace=False)); "
            "bayes_mixed_glm(es.FailureMatrix(fm.failures[keep], models=fm.models)); or pass a larger max_instances."
        )
    if isinstance(fm, FailureMatrix):
        F = fm.failures
    else:
        F, _ = expand(t)
    ii, jj = np.nonzero(F >= 0)
    y = (F[ii, jj] == 1).astype(float)
    n_fail = np.bincount(jj, weights=y, minlength=k)
    n_seen = np.bincount(jj, minlength=k)
    bad = [j for j in range(k) if n_fail[j] == 0 or n_fail[j] == n_seen[j]]
    if bad:
        j = bad[0]
        raise UndefinedMetricError(
            f"decision-maker {t.models[j]!r} has {'no' if n_fail[j] == 0 else 'only'} failures "
            f"({int(n_fail[j])} of {int(n_seen[j])}), so its effect is not identified beyond the prior "
            f"(affected: {preview([t.models[b] for b in bad])}). Leave it out (fm.select([...]))."
        )
    names = [f"model[{m}]" for m in t.models]
    X = pd.DataFrame(np.eye(k)[jj], columns=names)
    Z = sparse.csr_array((np.ones(ii.size), (np.arange(ii.size), ii)), shape=(ii.size, N))
    model = BinomialBayesMixedGLM(y, X, Z, np.zeros(N, dtype=int), vcp_p=vcp_p, fe_p=fe_p,
                                  vcp_names=["instance"])
    mean = np.concatenate([logit(n_fail / n_seen), [0.0], np.zeros(N)])
    sd = np.concatenate([np.full(k, 0.1), [0.1], np.full(N, 0.5)])
    grad, messages = np.inf, []
    for _ in range(MAX_RESTARTS + 1):
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # trial points of the line search overflow exp(); the returned point is checked by its gradient
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = model.fit_vb(mean=mean, sd=sd, fit_method="L-BFGS-B")
            vb_sd = np.concatenate([res.fe_sd, res.vcp_sd, res.vc_sd])
            g_mean, g_sd = model.vb_elbo_grad(np.asarray(res.params), vb_sd)
        grad = float(np.max(np.abs(np.concatenate([g_mean, g_sd * vb_sd]))))
        messages.append(str(res.optim_retvals.message))
        finite = bool(np.all(np.isfinite(res.params)) and np.all(np.isfinite(vb_sd)))
        if not finite:
            break
        if grad <= GRADIENT_TOL:
            break
        mean, sd = np.asarray(res.params, dtype=float), vb_sd  # restart from here with a fresh curvature memory
    if not finite or not np.isfinite(grad) or grad > GRADIENT_TOL:
        raise EcostatError(
            f"statsmodels' variational fit stopped away from the optimum after {len(messages)} run(s) of L-BFGS-B "
            f"(largest ELBO gradient {grad:.3g} > {GRADIENT_TOL}; last optimizer message: {messages[-1]}). "
            "Use ecostat.fit(fm, 'rasch'), the same model fitted on the collapsed profile table, or a smaller subsample."
        )
    fe_mean, fe_sd = np.asarray(res.fe_mean, dtype=float), np.asarray(res.fe_sd, dtype=float)
    fixed = pd.DataFrame({"term": names, "post_mean": fe_mean, "post_sd": fe_sd,
                          "ci_low": fe_mean - _Z * fe_sd, "ci_high": fe_mean + _Z * fe_sd})
    m, s = float(res.vcp_mean[0]), float(res.vcp_sd[0])
    return MixedGLMResult(
        fixed_effects=fixed,
        instance_sd=float(np.exp(m)),
        instance_sd_ci=(float(np.exp(m - _Z * s)), float(np.exp(m + _Z * s))),
        log_sd_mean=m,
        log_sd_sd=s,
        n_instances=N,
        n_obs=int(ii.size),
        max_gradient=grad,
        statsmodels_result=res,
    )
