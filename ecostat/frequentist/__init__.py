"""Classical (statsmodels) counterparts of the Bayesian fits.

Each answers one question a Bayesian latent-difficulty fit answers, with a
classical test or estimator that is cheap and familiar to reviewers
(docs/architecture.md §8: "shown beside the Bayesian fit"):

* :func:`cochrans_q`, :func:`mcnemar_pairs`: do the decision-makers' failure
  rates differ? (the model effects ``b_j``)
* :func:`gee_exchangeable`: do decision-makers fail the same instances? The
  exchangeable working correlation of a logistic GEE with instances as
  clusters is the classical counterpart of shared latent difficulty.
* :func:`bayes_mixed_glm`: the per-instance GLMM ``fail ~ 0 + model + (1 | instance)``
  by statsmodels' variational Bayes, for small N.
* :func:`classical_counterparts`: the tables a fit summary shows beside the posterior.
"""

from .gee import GEEResult, gee_exchangeable
from .mixed_glm import MixedGLMResult, bayes_mixed_glm
from .paired import CochranQResult, cochrans_q, mcnemar_pairs
from .report import classical_counterparts

__all__ = [
    "cochrans_q",
    "CochranQResult",
    "mcnemar_pairs",
    "gee_exchangeable",
    "GEEResult",
    "bayes_mixed_glm",
    "MixedGLMResult",
    "classical_counterparts",
]
