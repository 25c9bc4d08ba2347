"""Deprecated module paths of ecostat 0.1 (flat layout), kept importable with a warning.

ecostat 0.2 groups its modules in folders by stage of the data flow
(``docs/architecture.md``). Code that imported a module by its old path, e.g.
``from ecostat.leader import leader_following_systemic``, keeps working: the old
name resolves to the module's new home and a :class:`DeprecationWarning` names it.
Names exported at the top level (``es.leader_following_systemic``) never moved.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__all__ = ["MOVED", "install"]

#: old module path -> new module path
MOVED = {
    "ecostat.failures": "ecostat.data.failures", "ecostat.profiles": "ecostat.data.profiles",
    "ecostat.io": "ecostat.data.readers", "ecostat.simulate": "ecostat.bayes.simulate",
    "ecostat.poibin": "ecostat.descriptive.poibin", "ecostat.metrics": "ecostat.descriptive.metrics",
    "ecostat.groups": "ecostat.descriptive.groups", "ecostat.pairwise": "ecostat.descriptive.pairwise",
    "ecostat.alternatives": "ecostat.descriptive.alternatives", "ecostat.leader": "ecostat.descriptive.leader",
    "ecostat.improvement": "ecostat.descriptive.improvement", "ecostat.baselines": "ecostat.descriptive.baselines",
    "ecostat.gof": "ecostat.descriptive.gof", "ecostat.bootstrap": "ecostat.descriptive.bootstrap",
    "ecostat.describe": "ecostat.descriptive.describe", "ecostat.description": "ecostat.descriptive.description",
    "ecostat.tetrachoric": "ecostat.descriptive.tetrachoric", "ecostat.families": "ecostat.bayes.families",
    "ecostat.formula": "ecostat.bayes.formula", "ecostat.unfitted_model": "ecostat.bayes.model",
    "ecostat.results": "ecostat.bayes.results", "ecostat.posterior": "ecostat.bayes.posterior",
    "ecostat.ppc": "ecostat.bayes.ppc", "ecostat.prior_predictive": "ecostat.bayes.prior_predictive",
    "ecostat.loo": "ecostat.bayes.loo", "ecostat.summary": "ecostat.report.summary",
    "ecostat.cli": "ecostat.interface.cli", "ecostat.spec": "ecostat.interface.spec",
    "ecostat.demo": "ecostat.interface.demo",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old module path to the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if _new_name(fullname) else None

    def create_module(self, spec):
        new = _new_name(spec.name)
        warnings.warn(f"{spec.name} moved to {new} in ecostat 0.2; import it from there (the old path will be "
                      "removed in 0.3).", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module):
        pass


def _new_name(fullname: str) -> str | None:
    """New path of an old module path or of a module inside an old package (``ecostat.families.ghk``)."""
    for old, new in MOVED.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old):]
    return None


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())  # before the path finder, which would load a second copy
