"""The textbook per-instance Rasch model, the reference the collapsed likelihood is checked against.

One latent difficulty per instance (non-centered ``theta_i = sigma z_i``), the
same priors as :class:`~ecostat.bayes.families.latent_trait.Rasch` with the logit
link, and a Bernoulli likelihood per cell. It shares no code with the collapsed
families; ``tests/test_collapsed.py`` and ``benchmarks/bench_fit.py`` compare
the two (docs/architecture.md §5, §12). Its cost grows with N; never use it for real data.
"""

from __future__ import annotations

import numpy as np
import pymc as pm

__all__ = ["per_instance_rasch", "PRIOR_SD"]

#: sd of the priors of b and sigma on the logit scale (Rasch.priors: 2.55)
PRIOR_SD = 1.5 * 1.7


def per_instance_rasch(F) -> pm.Model:
    """PyMC model of ``F`` (N x k, 0/1, complete) with one theta per instance.

    Examples
    --------
    >>> m = per_instance_rasch(np.array([[1, 0], [0, 0], [1, 1]]))
    >>> sorted(v.name for v in m.free_RVs)
    ['b', 'sigma', 'z']
    """
    F = np.asarray(F, dtype=int)
    n, k = F.shape
    with pm.Model(coords={"model": [f"m{j + 1}" for j in range(k)], "instance": np.arange(n)}) as model:
        b = pm.Normal("b", 0.0, PRIOR_SD, dims="model")
        sigma = pm.HalfNormal("sigma", PRIOR_SD)
        z = pm.Normal("z", 0.0, 1.0, dims="instance")
        pm.Bernoulli("y", logit_p=(sigma * z)[:, None] + b[None, :], observed=F)
    return model
