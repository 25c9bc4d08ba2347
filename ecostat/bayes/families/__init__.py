"""Bayesian latent-difficulty families (DESIGN §5), in a registry.

Each family is a small module; :data:`FAMILIES` maps its name to an instance.

Examples
--------
>>> from ecostat.bayes.families import FAMILIES, get_family
>>> sorted(FAMILIES)
['hard_easy', 'independence', 'latent_class', 'mvprobit', 'rasch', 'twopl']
>>> get_family("rasch").links
('logit', 'probit')
"""

from __future__ import annotations

from ...errors import EcostatError
from .base import Family, FitOptions
from .design import Design, make_design
from .hard_easy import HardEasy
from .independence import Independence
from .latent_class import LatentClass
from .latent_trait import Rasch, TwoPL
from .mvprobit import MVProbit

__all__ = ["FAMILIES", "get_family", "Family", "FitOptions", "Design", "make_design"]

FAMILIES: dict[str, Family] = {f.name: f for f in (Independence(), HardEasy(), LatentClass(), Rasch(), TwoPL(), MVProbit())}


def get_family(name: str) -> Family:
    """The family registered under ``name`` (clear error listing the others)."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise EcostatError(f"unknown family {name!r}; choose one of {sorted(FAMILIES)}.") from None
