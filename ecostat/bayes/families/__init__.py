"""Bayesian latent-difficulty families, in a registry (``docs/architecture.md``, "The family contract").

Each family is a small module declaring what it fits (formula terms), what it
reads (model options), its priors and how to simulate from it; :data:`FAMILIES`
maps its name to an instance. The formula parser, :class:`ecostat.bayes.model.Model`,
:func:`ecostat.simulate`, the TOML specs and the command line all dispatch
through this registry, so a family registered with :func:`register_family`
(e.g. in a user's script or a test) works everywhere without editing ecostat.

Examples
--------
>>> from ecostat.bayes.families import FAMILIES, get_family
>>> sorted(FAMILIES)
['hard_easy', 'independence', 'latent_class', 'mvprobit', 'rasch', 'twopl']
>>> get_family("rasch").links
('logit', 'probit')
"""

from __future__ import annotations

from .base import Family, FitOptions, MixtureFamily
from .design import Design, make_design
from .hard_easy import HardEasy
from .independence import Independence
from .latent_class import LatentClass
from .latent_trait import Rasch, TwoPL
from .mvprobit import MVProbit
from .registry import (
    FAMILIES,
    families_reading,
    formula_families,
    get_family,
    register_family,
    unregister_family,
)

__all__ = ["FAMILIES", "get_family", "register_family", "unregister_family", "families_reading",
           "formula_families", "Family", "MixtureFamily", "FitOptions", "Design", "make_design"]

for _family in (Independence(), HardEasy(), LatentClass(), Rasch(), TwoPL(), MVProbit()):
    register_family(_family)
