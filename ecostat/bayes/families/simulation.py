"""What every family's simulator receives, and the draws all of them share.

:func:`ecostat.simulate` validates the arguments every ecosystem has (the
number of instances, the failure rates ``f_j``, model names, groups) into a
:class:`SimulationSetup`, draws the groups, and hands the family-specific
arguments to the family (``Family.simulation``, ``Family.draw``,
``Family.true_parameters``). A family declares the arguments it reads in
``Family.simulate_args``; so a new family brings its own simulator
(``docs/architecture.md``, "The family contract").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import EcostatError

__all__ = ["SimulationSetup", "Simulated", "draw_groups", "group_shares", "shares", "check_levels"]


@dataclass(frozen=True)
class SimulationSetup:
    """The validated arguments every simulated ecosystem has.

    Attributes
    ----------
    n : int
        Instances.
    rates : ndarray of shape (k,)
        ``failure_rates``: their meaning depends on the family (see its ``simulate_args`` documentation).
    names : list of str
        Decision-maker names.
    levels : list of str
        Group levels (``["all"]`` without groups).
    groups : mapping or None
        Group -> share of instances, as given.
    """

    n: int
    rates: np.ndarray
    names: list
    levels: list
    groups: Mapping | None = None

    @property
    def k(self) -> int:
        return int(self.rates.size)


@dataclass(frozen=True)
class Simulated:
    """What a family's ``draw`` returns: the failures and, optionally, columns and covariates.

    Attributes
    ----------
    failures : ndarray of bool or int, shape (n, columns)
    columns : list of str, optional
        Column names when they differ from the model names (e.g. versions ``m1_2020``).
    version_pattern : str, optional
        Pattern splitting those columns into decision-maker and version.
    covariates : pandas.DataFrame, optional
        Instance covariates to attach.
    """

    failures: np.ndarray
    columns: list | None = None
    version_pattern: str | None = None
    covariates: pd.DataFrame | None = None


def group_shares(groups) -> Mapping | None:
    """``groups`` of :func:`ecostat.simulate` as level -> share: a mapping as given, a list of levels as equal shares.

    Examples
    --------
    >>> group_shares(["a", "b"])
    {'a': 1.0, 'b': 1.0}
    """
    if groups is None or (isinstance(groups, Mapping | list | tuple) and not groups):
        return None
    if isinstance(groups, list | tuple):
        if len(set(groups)) != len(groups):
            raise EcostatError(f"groups lists a level twice: {list(groups)}.")
        return dict.fromkeys(groups, 1.0)
    if not isinstance(groups, Mapping):
        raise EcostatError(f"groups must map each group level to its share, e.g. {{'a': 1, 'b': 2}}, or list the "
                           f"levels for equal shares; got {type(groups).__name__}.")
    return groups


def draw_groups(n: int, groups: Mapping | None, rng: np.random.Generator):
    """Group of each instance: (Categorical or None, codes, levels); the first draws of every simulation.

    Examples
    --------
    >>> cat, codes, levels = draw_groups(5, {"a": 1, "b": 1}, np.random.default_rng(0))
    >>> levels, len(codes)
    (['a', 'b'], 5)
    >>> draw_groups(4, ["x", "y"], np.random.default_rng(0))[2]  # a list of levels: equal shares
    ['x', 'y']
    """
    groups = group_shares(groups)
    if not groups:
        return None, np.zeros(n, dtype=int), ["all"]
    levels = list(groups)
    share = np.asarray([groups[g] for g in levels], dtype=float)
    if np.any(share <= 0):
        raise EcostatError("group shares must be positive.")
    gidx = rng.choice(len(levels), size=n, p=share / share.sum())
    return pd.Categorical.from_codes(gidx, categories=levels), gidx, levels


def shares(x, C: int, what: str) -> np.ndarray:
    """``C`` positive shares normalized to sum 1 (clear error otherwise).

    Examples
    --------
    >>> shares([1, 3], 2, "class_shares").tolist()
    [0.25, 0.75]
    """
    x = np.asarray(x, dtype=float)
    if x.shape != (C,) or np.any(x <= 0):
        raise EcostatError(f"{what} must be {C} positive class shares; got {x.tolist()}.")
    return x / x.sum()


def check_levels(setup: SimulationSetup, **mappings) -> None:
    """Every group a per-group mapping names must be one of the simulated groups.

    Examples
    --------
    >>> s = SimulationSetup(10, np.array([0.1, 0.2]), ["a", "b"], ["x", "y"], {"x": 1, "y": 1})
    >>> check_levels(s, group_scale={"z": 2.0})
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: group_scale names group(s) ['z'] that are not in groups ['x', 'y'].
    """
    for arg, mapping in mappings.items():
        unknown = [g for g in (mapping or {}) if g not in setup.levels]
        if unknown:
            have = setup.levels if setup.groups else "(none)"
            raise EcostatError(f"{arg} names group(s) {unknown} that are not in groups {have}.")
