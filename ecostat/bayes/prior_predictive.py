"""Prior predictive checks of a model (docs/architecture.md §7): what the priors say before the data.

Parameters are drawn from the priors (``pymc.sample_prior_predictive``; the
collapsed likelihood is a ``Potential`` and is not used), turned into profile
probabilities by the family's own equations, and summarized exactly as a
posterior is: implied failure rates, systemic failure, homogenization H and the
ensemble gap, each with an interval; and replicated ecosystem statistics of a
dataset of the observed size, set against the observed ones. Priors that put
the observed statistics far in the tails deserve a second look before fitting.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cached_property

import arviz as az
import pandas as pd

from ..options import default, interval_mass
from ..report.result import Result
from ..report.summary import Summary

__all__ = ["PriorPredictive", "prior_predictive"]


@dataclass(eq=False, repr=False)
class PriorPredictive(Result):
    """Prior draws of a :class:`~ecostat.model.Model` and what they imply.

    Attributes
    ----------
    model : Model
    idata : arviz.InferenceData
        ``prior`` group: the prior draws of every parameter.
    seed : int

    Examples
    --------
    >>> import ecostat as es
    >>> pp = es.model("fail ~ model + (1 | instance)", es.simulate(n=300, seed=0)).prior_predictive(draws=30)
    >>> pp.n_draws, pp.quantities()["quantity"].iloc[3]
    (30, 'homogenization H')
    """

    model: object
    idata: az.InferenceData
    seed: int

    @cached_property
    def _draws(self):
        from .results import FitResult

        m = self.model
        as_posterior = az.InferenceData(posterior=self.idata.prior)
        return FitResult(m.family, m.options, m.design, as_posterior, {"draws": self.n_draws, "chains": 1,
                                                                       "seed": self.seed, "prior": True},
                         check=False, formula=m.formula)

    @property
    def n_draws(self) -> int:
        return int(self.idata.prior.sizes["draw"])

    def quantity(self, name: str, by_group: bool = False, ci: float = default("ci"), prob: float | None = None) -> dict:
        """Prior summary (mean, sd, interval, P(> independence)) of an ecosystem quantity (docs/architecture.md §6)."""
        ci = interval_mass(ci, prob)
        return self._draws.quantity(name, by_group, ci)

    def quantity_draws(self, name: str, by_group: bool = False):
        """Prior draws of an ecosystem quantity."""
        return self._draws.quantity_draws(name, by_group)

    @cached_property
    def check(self):
        """Replicated ecosystem statistics of data of the observed size vs the observed (a PPCResult)."""
        return self._draws.ppc(n_draws=self.n_draws, seed=self.seed)

    def quantities(self, ci: float = default("ci"), prob: float | None = None) -> pd.DataFrame:
        """Implied ecosystem quantities against independence, one row each."""
        ci = interval_mass(ci, prob)
        from .fit_summary import quantities_frame

        return quantities_frame(self._draws, ci)

    def summary(self, ci: float = default("ci"), prob: float | None = None) -> Summary:
        """Priors, implied quantities and the prior predictive check, as a :class:`~ecostat.report.summary.Summary`."""
        ci = interval_mass(ci, prob)
        m = self.model
        header = [("Family", m.family), ("Formula", m.formula or "keyword API"),
                  ("Instances", str(m.design.n_instances)), ("Decision-makers", ", ".join(m.design.models)),
                  ("Prior draws", f"{self.n_draws} (seed {self.seed})")]
        hyper = pd.DataFrame({"hyperparameter": list(m.hyperparameters()), "value": list(m.hyperparameters().values())})
        tables = [("Priors", m.priors()), ("Hyperparameters", hyper),
                  (f"Implied ecosystem quantities ({ci:.0%} interval)", self.quantities(ci))]
        if m.design.complete:
            tables.append(("Prior predictive statistics vs observed", self.check.to_frame(ci)))
        notes = ["p is P(T_rep > T_obs) + 0.5 P(T_rep = T_obs) over prior replicates; values near 0 or 1 say the "
                 "prior finds the observed statistic implausible."]
        return Summary(f"ecostat prior predictive: {m.family}", header, tables, notes)

    def to_dict(self, ci: float = default("ci")) -> dict:
        """JSON-ready prior draws summary: implied quantities (mean and interval) and the predictive check."""
        from ..quantities import reported

        out = {"family": self.model.family, "formula": self.model.formula, "n_draws": self.n_draws, "seed": self.seed,
               "hyperparameters": self.model.hyperparameters(), "quantities": {}}
        for name in reported("posterior", "scalar"):
            q = self.quantity(name, ci=ci)
            out["quantities"][name] = {"mean": float(q["mean"]), "interval": [float(q["hdi_low"]), float(q["hdi_high"])]}
        if self.model.design.complete:
            out["check"] = self.check.to_dict()
        return out

    def __repr__(self) -> str:
        return f"<PriorPredictive {self.model.family}: {self.n_draws} prior draws>"


def prior_predictive(model, draws: int = 500, seed: int = 0) -> PriorPredictive:
    """Draw from the priors of ``model`` (see :meth:`ecostat.model.Model.prior_predictive`)."""
    import pymc as pm

    from ..errors import EcostatError

    if not isinstance(draws, int) or draws < 1:
        raise EcostatError(f"draws must be an integer >= 1; got {draws!r}.")
    pm_model = model.build()
    log = logging.getLogger("pymc")
    level = log.level
    log.setLevel(logging.WARNING)  # no "Sampling: [...]" line
    try:
        with pm_model, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "the effect of Potentials is ignored": intended, the loglik is one
            idata = pm.sample_prior_predictive(draws=draws, random_seed=seed)
    finally:
        log.setLevel(level)
    return PriorPredictive(model, idata, int(seed))
