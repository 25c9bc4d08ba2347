"""The registry of Bayesian families: name -> family (``docs/architecture.md`` §5).

Every dispatch on a family (formula, model, simulate, specs, command line)
looks the family up here; :func:`register_family` adds one.
"""

from __future__ import annotations

from ...errors import EcostatError

__all__ = ["FAMILIES", "get_family", "register_family", "unregister_family", "families_reading", "formula_families"]

#: name -> family instance
FAMILIES: dict = {}


def register_family(family):
    """Add ``family`` (an instance of a :class:`Family` subclass) to the registry under ``family.name``.

    Examples
    --------
    >>> from ecostat.bayes.families.independence import Independence
    >>> class Coin(Independence):
    ...     name = "coin"
    ...     formula_default = False
    >>> register_family(Coin()).name in FAMILIES
    True
    >>> unregister_family("coin")
    """
    if not all(hasattr(family, a) for a in ("name", "build", "pattern_log_prob", "reads", "terms")):
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


def get_family(name: str):
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
