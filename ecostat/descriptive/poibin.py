"""The Poisson-Binomial distribution: number of failures of independent models.

Toups et al. 2023, eq. 2: under independence, the number of models that fail an
instance follows Poisson-Binomial(f_1, ..., f_k).
"""

from __future__ import annotations

import numpy as np

from ..errors import EcostatError

__all__ = ["poisson_binomial_pmf"]


def poisson_binomial_pmf(p, *, validate: bool = True) -> np.ndarray:
    """Probability mass of the number of successes of independent Bernoullis.

    Computed by the recursive convolution ``pmf_j(t) = pmf_{j-1}(t) (1-p_j) +
    pmf_{j-1}(t-1) p_j``: every term is a sum of non-negative products, so there
    is no cancellation and the result is accurate to a few ulp for k in the
    hundreds (unlike the characteristic-function/FFT method, whose absolute
    error ~1e-16 swamps tail probabilities). Cost O(k^2), vectorized over leading
    axes.

    Parameters
    ----------
    p : array-like of shape (..., k)
        Success probabilities in [0, 1].
    validate : bool
        Raise if a probability is outside [0, 1]. ``False`` only serves to
        reproduce the hard/easy grid of Toups App. A.3 under the paper's own
        (looser) validity rule, which lets rates above 1 through.

    Returns
    -------
    ndarray of shape (..., k + 1)
        ``pmf[..., t]`` = P(exactly t successes).

    Examples
    --------
    >>> poisson_binomial_pmf([0.5, 0.5]).tolist()
    [0.25, 0.5, 0.25]
    """
    p = np.asarray(p, dtype=float)
    if validate and not np.all((p >= 0) & (p <= 1)):
        raise EcostatError("Poisson-Binomial probabilities must lie in [0, 1]; got values outside it (or NaN).")
    k = p.shape[-1]
    pmf = np.zeros(p.shape[:-1] + (k + 1,))
    pmf[..., 0] = 1.0
    for j in range(k):
        pj = p[..., j, None]
        head = pmf[..., : j + 2]
        shifted = np.concatenate([np.zeros(head.shape[:-1] + (1,)), head[..., :-1]], axis=-1)
        pmf[..., : j + 2] = head * (1.0 - pj) + shifted * pj
    return pmf
