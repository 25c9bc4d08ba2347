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

from ...errors import EcostatError
from .base import Family, FitOptions, MixtureFamily
from .design import Design, make_design
from .hard_easy import HardEasy
from .independence import Independence
from .latent_class import LatentClass
from .latent_trait import Rasch, TwoPL
from .mvprobit import MVProbit

__all__ = ["FAMILIES", "get_family", "register_family", "unregister_family", "families_reading",
           "formula_families", "Family", "MixtureFamily", "FitOptions", "Design", "make_design"]

FAMILIES: dict[str, Family] = {}


def register_family(family: Family) -> Family:
    """Add ``family`` (an instance of a :class:`Family` subclass) to the registry under ``family.name``.

    Examples
    --------
    >>> from ecostat.bayes.families import Independence
    >>> class Coin(Independence):
    ...     name = "coin"
    ...     formula_default = False
    >>> register_family(Coin()).name in FAMILIES
    True
    >>> unregister_family("coin")
    """
    if not isinstance(family, Family):
        raise EcostatError(f"register_family takes an instance of ecostat.bayes.families.Family; got "
                           f"{type(family).__name__}.")
    if not family.name or not family.name.isidentifier():
        raise EcostatError(f"a family needs a name that is an identifier; got {family.name!r}.")
    if family.name in FAMILIES and type(FAMILIES[family.name]) is not type(family):
        raise EcostatError(f"a family named {family.name!r} is already registered; unregister it first.")
    FAMILIES[family.name] = family
    return family


def unregister_family(name: str) -> None:
    """Remove a family from the registry."""
    FAMILIES.pop(name, None)


def get_family(name: str) -> Family:
    """The family registered under ``name`` (clear error listing the others).

    Examples
    --------
    >>> get_family("twopl").name
    'twopl'
    """
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        raise EcostatError(f"unknown family {name!r}; choose one of {sorted(FAMILIES)}.") from None


def families_reading(option: str) -> list[str]:
    """The registered families that read model option ``option`` (each family declares ``reads``).

    Examples
    --------
    >>> families_reading("n_classes")
    ['latent_class']
    """
    return sorted(n for n, fam in FAMILIES.items() if option in fam.reads)


def formula_families(latent_term: str | None) -> list[str]:
    """Families whose formula has ``latent_term`` (None, "intercept", "model"), the default first.

    Examples
    --------
    >>> formula_families("intercept")
    ['rasch', 'hard_easy', 'latent_class', 'twopl']
    """
    names = sorted(n for n, f in FAMILIES.items() if f.latent_term == latent_term)
    return sorted(names, key=lambda n: not FAMILIES[n].formula_default)


for _family in (Independence(), HardEasy(), LatentClass(), Rasch(), TwoPL(), MVProbit()):
    register_family(_family)
