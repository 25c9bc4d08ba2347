"""Do decision-makers fail the same instances? Logistic GEE with an exchangeable working correlation.

The model, in long format (one row per observed cell, instances as clusters):

    logit P(F_ij = 1) = b_j                      (group=False; ``0 + C(model)``)
    logit P(F_ij = 1) = b_j + d_{j, g(i)}        (group=True; ``+ C(model):C(group)``,
                                                  d = 0 for the first group level)

with a Binomial family and an exchangeable working correlation ``alpha``
between the decisions on one instance (Liang & Zeger 1986). ``alpha`` is the
classical counterpart of shared latent difficulty: 0 when decision-makers fail
instances independently, positive when they fail the same ones. The model
effects come with robust (sandwich) standard errors, valid whatever the true
within-instance dependence.

Two engines give the same numbers:

* ``"statsmodels"``: :class:`statsmodels.genmod.generalized_estimating_equations.GEE`
  on the long data (N k rows). Its per-cluster Python loop costs about 0.1 ms
  per instance; measured with k = 3 (one thread): 0.4 s at N = 1,000, 0.8 s at
  5,000, 2.3 s at 20,000, 10 s at 100,000 and 28 s (1.1 GB) at 287,000 (43 s
  wall on a busy 2-core machine).
* ``"profiles"``: the same estimating equations summed over the profile table.
  Instances with the same profile (and group) have the same mean, residuals,
  score and sandwich contribution, so every sum over instances is a sum over
  profiles weighted by their counts; the estimates, working correlation,
  scale and robust covariance equal the expanded fit's (same ddof conventions
  as statsmodels: ``ddof_scale`` = number of coefficients). Cost O(P k^2):
  2 ms at N = 287,000 or 1,000,000 with k = 3 (plus 14 / 38 ms to build the
  profile table).

statsmodels' own ``weights=`` argument is *not* such a shortcut: it enters the
sandwich's middle matrix squared (cluster weight w gives w^2 in
``GEE._covmat``) and its scale and correlation use unweighted ddof
corrections, so robust standard errors from a weighted collapsed fit differ
from the expanded fit's. It is not used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import chi2, norm

from ..data.profiles import ProfileTable
from ..errors import EcostatError, UndefinedMetricError, preview
from ._data import expand, group_design, require_two, table_of

__all__ = ["GEEResult", "gee_exchangeable", "AUTO_STATSMODELS_MAX_INSTANCES", "STATSMODELS_MAX_ROWS"]

#: ``engine="auto"`` runs statsmodels itself (and returns its results object) up to this many instances.
AUTO_STATSMODELS_MAX_INSTANCES = 5_000
#: ``engine="statsmodels"`` refuses more long-format rows (observed cells) than this (about 35-55 s, 1.3 GB).
STATSMODELS_MAX_ROWS = 1_000_000

_Z = float(norm.ppf(0.975))


@dataclass(frozen=True, eq=False)
class GEEResult:
    """A logistic GEE with exchangeable working correlation (instances as clusters).

    Attributes
    ----------
    params : pandas.DataFrame
        One row per coefficient: ``term``, ``estimate`` (log-odds), ``se``
        (robust sandwich), ``z``, ``p_value`` (two-sided, normal), ``ci_low``,
        ``ci_high`` (95%).
    correlation : float
        The exchangeable working correlation ``alpha`` of the failures of two
        decision-makers on the same instance (Pearson residual scale).
    correlation_se : float
        Robust (sandwich) standard error of ``alpha`` from the stacked
        estimating equations of (coefficients, scale, alpha), see Notes of
        :func:`gee_exchangeable`.
    correlation_ci : tuple of float
        95% Wald interval ``alpha +- 1.96 se``.
    correlation_p_value : float
        Two-sided Wald test of ``alpha = 0`` (no shared failures beyond the
        failure rates).
    scale : float
        Pearson scale ``sum r_ij^2 / (n_obs - p)`` that normalizes ``alpha``
        (statsmodels' ``GEE.estimate_scale``; about 1 for Bernoulli data;
        statsmodels' results object reports the Binomial family's fixed 1).
    n_clusters, n_obs : int
        Instances and observed cells.
    cov_robust : pandas.DataFrame
        Robust covariance of the coefficients.
    group_test : dict or None
        With group terms: robust Wald test that every ``model:group``
        coefficient is 0 (failure rates equal across groups), keys
        ``statistic``, ``df``, ``p_value``.
    engine : str
        ``"statsmodels"`` or ``"profiles"``.
    statsmodels_result : statsmodels GEEResults or None
        The statsmodels results object (engine ``"statsmodels"`` only).
    """

    params: pd.DataFrame
    correlation: float
    correlation_se: float
    correlation_ci: tuple
    correlation_p_value: float
    scale: float
    n_clusters: int
    n_obs: int
    cov_robust: pd.DataFrame
    group_test: dict | None
    engine: str
    statsmodels_result: Any = None

    def __repr__(self) -> str:
        return (f"GEEResult(correlation={self.correlation:.4g}, correlation_se={self.correlation_se:.3g}, "
                f"n_clusters={self.n_clusters}, n_params={len(self.params)}, engine={self.engine!r})")


def gee_exchangeable(fm, *, group: bool = False, engine: str = "auto",
                     max_statsmodels_rows: int = STATSMODELS_MAX_ROWS) -> GEEResult:
    """Logistic GEE of failure on decision-maker, exchangeable correlation within instances.

    Fits ``logit P(F_ij = 1) = b_j`` (``fail ~ 0 + C(model)``), plus
    model-by-group terms ``C(model):C(group)`` with ``group=True``, with a
    Binomial family, clusters = instances and an exchangeable working
    correlation (statsmodels ``GEE``, ``cov_struct=Exchangeable()``).

    Parameters
    ----------
    fm : FailureMatrix or ProfileTable
        At least two decision-makers. Missing cells are simply absent from
        the long data (an instance's cluster has fewer rows); instances are
        never dropped.
    group : bool
        Add model-by-group coefficients (the failure matrix's ``group``,
        treatment-coded against its first level).
    engine : {"auto", "profiles", "statsmodels"}
        ``"statsmodels"`` fits statsmodels' GEE on the long data and keeps its
        results object; ``"profiles"`` solves the same estimating equations on
        the profile table (identical estimates and robust SEs, milliseconds
        at any N; see the module docstring); ``"auto"`` uses statsmodels up to
        :data:`AUTO_STATSMODELS_MAX_INSTANCES` (5,000) instances, else profiles.
    max_statsmodels_rows : int
        ``engine="statsmodels"`` refuses data with more observed cells
        (default 1,000,000: about 35-55 s and 1.3 GB).

    Returns
    -------
    GEEResult

    Notes
    -----
    With only model effects and no missing cells, every cluster has the same
    design and mean, so the estimating equations reduce to
    ``sum_i (F_ij - mu_j) = 0``: ``b_j = logit`` of decision-maker j's failure
    rate, whatever ``alpha`` (and with ``group=True``, the logit of each
    group's rate).

    statsmodels' moment estimator of ``alpha`` (``Exchangeable.update``), with
    Pearson residuals ``r_ij``, ``n`` observed cells, ``p`` coefficients and
    ``n_pairs = sum_i m_i (m_i - 1) / 2``:
    ``phi = sum r_ij^2 / (n - p)``,
    ``alpha = sum_i sum_{j<l} r_ij r_il / phi / (n_pairs - p)``.
    GEE gives ``alpha`` no standard error; ``correlation_se`` is the sandwich
    of the stacked estimating equations ``(U(b; alpha), sum_j r_ij^2 - phi m_i,
    sum_{j<l} r_ij r_il - alpha phi m_i (m_i - 1) / 2)`` per instance, with
    the expected derivative of ``U`` (as in the coefficients' robust SE) and
    empirical derivatives of the other two.

    Raises
    ------
    UndefinedMetricError
        If k < 2, if a decision-maker (in a group) has no failures or only
        failures (its log-odds is infinite), or if no instance has two
        decisions (no pairs to correlate).
    DataError
        If ``group=True`` and there is no grouping.
    EcostatError
        For an unknown engine, data too large for ``engine="statsmodels"``, or
        a fit that does not converge.

    Examples
    --------
    >>> import numpy as np, ecostat as es
    >>> from ecostat.frequentist import gee_exchangeable
    >>> fm = es.simulate(n=2000, family="rasch", seed=0)
    >>> r = gee_exchangeable(fm)
    >>> r.params[["term", "estimate", "se"]].round(3)
            term  estimate     se
    0  model[m1]    -1.629  0.060
    1  model[m2]    -1.269  0.054
    2  model[m3]    -1.010  0.051
    >>> from scipy.special import logit  # no missing cells: the logit of each failure rate
    >>> bool(np.allclose(r.params["estimate"], logit(fm.failure_rates)))
    True
    >>> round(r.correlation, 3), r.n_clusters
    (0.251, 2000)
    >>> bool(r.correlation > 0 and r.correlation_p_value < 1e-6)  # they fail the same instances
    True
    """
    t = table_of(fm)
    require_two(t, "GEE")
    if engine not in ("auto", "profiles", "statsmodels"):
        raise EcostatError(f"unknown engine {engine!r}; use 'auto', 'profiles' or 'statsmodels'.")
    H, names, levels = group_design(t, group)
    _check_estimable(t, H, group, levels)
    obs = t.patterns >= 0
    m = obs.sum(axis=1)
    n_obs = int((t.counts * m).sum())
    n_pairs = float((t.counts * m * (m - 1) / 2).sum())
    if n_pairs - len(names) <= 0:
        raise UndefinedMetricError(
            f"the exchangeable correlation needs instances with two or more decisions; these data have "
            f"{n_pairs:.0f} within-instance pair(s) for {len(names)} coefficient(s). Use data where decision-makers "
            "met the same instances."
        )
    if engine == "auto":
        engine = "statsmodels" if t.n_instances <= AUTO_STATSMODELS_MAX_INSTANCES else "profiles"
    sm_result = None
    if engine == "statsmodels":
        if n_obs > max_statsmodels_rows:
            raise EcostatError(
                f"engine='statsmodels' would fit {n_obs:,} long-format rows ({t.n_instances:,} instances), above "
                f"max_statsmodels_rows = {max_statsmodels_rows:,} (statsmodels loops over clusters in Python: about "
                "30-45 s and 1.1 GB at 861,000 rows). Use engine='profiles', which gives the identical estimates and "
                "robust SEs in milliseconds, or raise max_statsmodels_rows."
            )
        sm_result, beta, alpha = _fit_statsmodels(t, H, names)
    else:
        beta, alpha = _fit_profiles(t, H)
    st = _stats(t, H, beta, alpha, len(names))
    if sm_result is not None:  # report statsmodels' own covariance for its fit
        cov = np.asarray(sm_result.cov_robust)
    else:
        cov = st["cov_robust"]
    se = np.sqrt(np.diag(cov))
    z = beta / se
    params = pd.DataFrame({"term": names, "estimate": beta, "se": se, "z": z, "p_value": 2 * norm.sf(np.abs(z)),
                           "ci_low": beta - _Z * se, "ci_high": beta + _Z * se})
    a_se = st["alpha_se"]
    group_test = None
    if group:
        k = t.n_models
        idx = np.arange(k, len(names))
        b = beta[idx]
        w = float(b @ np.linalg.solve(cov[np.ix_(idx, idx)], b))
        group_test = {"statistic": w, "df": int(idx.size), "p_value": float(chi2.sf(w, idx.size))}
    return GEEResult(
        params=params,
        correlation=float(alpha),
        correlation_se=float(a_se),
        correlation_ci=(float(alpha - _Z * a_se), float(alpha + _Z * a_se)),
        correlation_p_value=float(2 * norm.sf(abs(alpha) / a_se)),
        scale=float(st["scale"]),
        n_clusters=t.n_instances,
        n_obs=n_obs,
        cov_robust=pd.DataFrame(cov, index=names, columns=names),
        group_test=group_test,
        engine=engine,
        statsmodels_result=sm_result,
    )


# -- checks ----------------------------------------------------------------------------------------
def _check_estimable(t: ProfileTable, H: np.ndarray, group: bool, levels: list) -> None:
    """Every model (in every group) needs failures and successes, else its log-odds is infinite."""
    w = t.counts.astype(float)
    cells = [(None, np.ones(t.n_profiles, dtype=bool))]
    if group:
        cells = [(lev, t.group_codes == g) for g, lev in enumerate(levels)]
    for lev, rows in cells:
        n = (w[rows, None] * (t.patterns[rows] >= 0)).sum(axis=0)
        f = (w[rows, None] * (t.patterns[rows] == 1)).sum(axis=0)
        bad = [(t.models[j], int(f[j]), int(n[j])) for j in range(t.n_models) if f[j] == 0 or f[j] == n[j]]
        if bad:
            mname, fj, nj = bad[0]
            where = "" if lev is None else f" in {t.group_name} {lev!r}"
            what = "no failures" if fj == 0 else "only failures"
            fix = ("Leave the decision-maker out (fm.select([...]))"
                   + (", merge sparse groups, or pass group=False." if group else "."))
            raise UndefinedMetricError(
                f"decision-maker {mname!r} has {what}{where} ({fj} of {nj} decisions), so its log-odds is "
                f"{'-' if fj == 0 else '+'}infinite and GEE cannot estimate it (affected: "
                f"{preview([b[0] for b in bad])}). {fix}"
            )


# -- statsmodels engine ------------------------------------------------------------------------------
def _long(t: ProfileTable, H: np.ndarray, names: list[str]):
    """Long data (one row per observed cell, instance-major) of the profile table."""
    F, rows = expand(t)
    ii, jj = np.nonzero(F >= 0)
    k, G = t.n_models, H.shape[1]
    X = np.zeros((ii.size, G * k))
    for lev in range(G):
        X[np.arange(ii.size), lev * k + jj] = H[rows[ii], lev]
    y = (F[ii, jj] == 1).astype(float)
    return y, pd.DataFrame(X, columns=names), ii


def _fit_statsmodels(t: ProfileTable, H: np.ndarray, names: list[str]):
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

    y, X, clusters = _long(t, H, names)
    model = sm.GEE(pd.Series(y, name="fail"), X, groups=clusters, family=sm.families.Binomial(),
                   cov_struct=sm.cov_struct.Exchangeable())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", IterationLimitWarning)
        res = model.fit()
    bad = [w for w in caught if issubclass(w.category, (ConvergenceWarning, IterationLimitWarning))]
    for w in caught:  # anything else statsmodels said is passed on
        if w not in bad:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if res is None or bad:
        msg = str(bad[0].message) if bad else "no result"
        raise EcostatError(f"statsmodels' GEE did not converge ({msg}); try engine='profiles' (iterates to a tighter "
                           "tolerance), or check for decision-makers with almost no failures.")
    return res, np.asarray(res.params, dtype=float), float(model.cov_struct.dep_params)


# -- profile-table engine ----------------------------------------------------------------------------
def _fit_profiles(t: ProfileTable, H: np.ndarray, maxiter: int = 200, tol: float = 1e-10):
    """Solve the GEE on the profile table: Fisher scoring for b, moment updates of alpha (as statsmodels)."""
    G = H.shape[1]
    obs = t.patterns >= 0
    y = (t.patterns == 1).astype(float)
    w = t.counts.astype(float)
    # start: the independence fit, logit of each (model, group level) failure rate
    rate = {}
    for lev, rows in _level_rows(H):
        rate[lev] = logit((w[rows, None] * y[rows] * obs[rows]).sum(0) / (w[rows, None] * obs[rows]).sum(0))
    beta = np.concatenate([rate[0]] + [rate[lev] - rate[0] for lev in range(1, G)])
    p = beta.size
    alpha = 0.0
    for _ in range(maxiter):
        st = _stats(t, H, beta, None, p, sandwich=False)
        alpha_new = st["alpha"]
        st = _stats(t, H, beta, alpha_new, p, sandwich=False)
        step = np.linalg.solve(st["bread"], st["score"])
        beta = beta + step
        done = np.max(np.abs(step)) < tol and abs(alpha_new - alpha) < tol
        alpha = alpha_new
        if done:
            return beta, alpha
    raise EcostatError(f"the GEE on the profile table did not converge in {maxiter} iterations (last step "
                       f"{np.max(np.abs(step)):.2g}); check for decision-makers with almost no failures.")


def _stats(t: ProfileTable, H: np.ndarray, beta: np.ndarray, alpha: float | None, p: int,
           sandwich: bool = True) -> dict:
    """Sums over the profile table at (beta, alpha), each instance weighted by its count.

    ``alpha=None`` computes only the moment estimates of phi and alpha at beta.
    Otherwise: score, bread (sum of D' V^-1 D), robust covariance and the
    stacked sandwich standard error of alpha.
    """
    k, G = t.n_models, H.shape[1]
    obs = t.patterns >= 0
    y = (t.patterns == 1).astype(float)
    w = t.counts.astype(float)
    m = obs.sum(axis=1).astype(float)
    eta = H @ beta.reshape(G, k)
    mu = expit(eta)
    v = mu * (1.0 - mu)
    sd = np.sqrt(v) * obs
    r1 = np.where(obs, (y - mu) / np.sqrt(v), 0.0)  # Pearson residuals, 0 where missing
    R1 = r1.sum(axis=1)
    ss = (r1 ** 2).sum(axis=1)
    pair = (R1 ** 2 - ss) / 2
    n_obs = float((w * m).sum())
    n_pairs = float((w * m * (m - 1) / 2).sum())
    scale = float((w * ss).sum()) / (n_obs - p)
    if alpha is None:
        return {"alpha": float((w * pair).sum()) / scale / (n_pairs - p), "scale": scale}
    if not (-1.0 / max(m.max() - 1.0, 1.0) < alpha < 1.0):
        raise EcostatError(f"the exchangeable working correlation reached {alpha:.3g}, outside the range where the "
                           "working covariance is positive definite; the GEE cannot be solved on these data.")
    c = alpha / ((1 - alpha) * (1 + (m - 1) * alpha))
    # per profile: U_p = kron(H_p, u_p), u = sd r1 / (1 - alpha) - c sd R1
    u = sd * r1 / (1 - alpha) - (c * R1)[:, None] * sd
    score = ((H * w[:, None]).T @ u).ravel()
    # bread: sum_p w_p kron(H_p H_p', diag(sd^2) / (1 - alpha) - c_p sd sd')
    bread = np.zeros((G * k, G * k))
    for _lev, rows in _level_rows(H):
        h = H[rows[0]]
        ws, s = w[rows], sd[rows]
        M = np.diag((ws[:, None] * s ** 2).sum(0)) / (1 - alpha) - (s * (ws * c[rows])[:, None]).T @ s
        bread += np.kron(np.outer(h, h), M)
    out = {"score": score, "bread": bread, "scale": scale, "alpha": alpha}
    if not sandwich:
        return out
    # stacked estimating functions per profile: (U_p, psi_phi, psi_alpha) and their derivatives
    psi_phi = ss - scale * m
    psi_alpha = pair - alpha * scale * m * (m - 1) / 2
    g = np.where(obs, -np.sqrt(v) - 0.5 * r1 * (1 - 2 * mu), 0.0)  # d r1 / d eta
    d_phi = 2 * r1 * g  # d psi_phi / d eta_j
    d_alpha = g * (R1[:, None] - r1)  # d psi_alpha / d eta_j
    q = G * k
    B = np.zeros((q + 2, q + 2))
    A = np.zeros((q + 2, q + 2))
    A[:q, :q] = -bread
    for _lev, rows in _level_rows(H):
        h = H[rows[0]]
        ws = w[rows]
        Y = np.column_stack([u[rows], psi_phi[rows], psi_alpha[rows]])
        S = (Y * ws[:, None]).T @ Y
        B[:q, :q] += np.kron(np.outer(h, h), S[:k, :k])
        B[:q, q:] += np.kron(h[:, None], S[:k, k:])
        B[q:, q:] += S[k:, k:]
        A[q, :q] += np.kron(h, (ws[:, None] * d_phi[rows]).sum(0))
        A[q + 1, :q] += np.kron(h, (ws[:, None] * d_alpha[rows]).sum(0))
    B[q:, :q] = B[:q, q:].T
    A[q, q] = -n_obs
    A[q + 1, q] = -alpha * n_pairs
    A[q + 1, q + 1] = -scale * n_pairs
    Ainv = np.linalg.inv(A)
    cov_all = Ainv @ B @ Ainv.T
    binv = np.linalg.inv(bread)
    out["cov_robust"] = binv @ B[:q, :q] @ binv
    out["alpha_se"] = float(np.sqrt(cov_all[q + 1, q + 1]))
    return out


def _level_rows(H: np.ndarray):
    """Rows of the profile table grouped by their (identical) row of H."""
    if H.shape[1] == 1:
        yield 0, np.arange(H.shape[0])
        return
    codes = np.argmax(np.column_stack([H[:, 1:].sum(axis=1) == 0, H[:, 1:] > 0]), axis=1)
    for lev in np.unique(codes):
        yield int(lev), np.flatnonzero(codes == lev)
