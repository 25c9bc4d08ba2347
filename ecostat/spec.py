"""Declarative specs of named analyses (``models/*.toml``).

A spec names an analysis and fixes every setting that changes its numbers
(decision-makers, bootstrap replicates, seeds, validity rule), so that a
published figure can be re-run by name:
``ecostat describe DATA --spec models/toups2023_homogeneous_outcomes.toml``.
Settings given on the command line override the spec's.

Format (TOML)::

    name = "toups2023-homogeneous-outcomes"
    kind = "describe"                 # or "baseline"
    description = "..."

    [data]                            # optional: label, id, models, years, group
    models = ["google", "microsoft", "facepp"]

    [options]                         # per kind, see OPTIONS
    n_boot = 1000
    seed = 0
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EcostatError, preview

__all__ = ["Spec", "load_spec", "OPTIONS", "DATA_KEYS"]

#: settings of the data section and their types
DATA_KEYS: dict[str, type | tuple] = {"label": str, "id": str, "models": list, "years": list, "group": str}
#: options of each kind of analysis and their types
OPTIONS: dict[str, dict[str, type | tuple]] = {
    "describe": {"n_boot": int, "seed": int, "ci": float, "bootstrap_by": str, "hard_easy": bool, "rule": str},
    "baseline": {"rule": str, "n_sim": int, "seed": int},
}
_CHOICES = {"rule": ("strict", "paper"), "bootstrap_by": ("instance", "group")}
_TYPE_NAMES = {int: "whole number", float: "number", str: "text value", bool: "true/false", list: "list"}


class SpecError(EcostatError):
    """A spec file is malformed."""


@dataclass(frozen=True)
class Spec:
    """A named analysis: what to run and with which settings.

    Attributes
    ----------
    name, kind, description : str
    data : dict
        Data-reading settings (``label``, ``id``, ``models``, ``years``, ``group``).
    options : dict
        Settings of the analysis (see :data:`OPTIONS`).
    path : Path or None
    """

    name: str
    kind: str
    description: str = ""
    data: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    path: Path | None = None

    def read(self, data_path):
        """Read ``data_path`` (wide table) with the spec's data settings."""
        from .io import read_wide

        d = self.data
        return read_wide(data_path, label=d.get("label", "label"), id=d.get("id", "instance_id"), models=d.get("models"),
                         years=d.get("years"), group=d.get("group"))

    def run(self, data):
        """Run the analysis on a path or FailureMatrix; returns a Description (describe) or a dict (baseline).

        Examples
        --------
        >>> import ecostat as es
        >>> spec = es.Spec("demo", "describe", options={"n_boot": 100, "seed": 1})
        >>> spec.run(es.simulate(n=1000, seed=0)).n_boot
        100
        """
        from .failures import FailureMatrix

        fm = data if isinstance(data, FailureMatrix) else self.read(data)
        o = self.options
        if self.kind == "describe":
            from .describe import describe

            return describe(fm, n_boot=o.get("n_boot", 1000), seed=o.get("seed", 0), ci=o.get("ci", 0.95),
                            bootstrap_by=o.get("bootstrap_by", "instance"), hard_easy=o.get("hard_easy", False),
                            hard_easy_rule=o.get("rule", "strict"))
        from .baseline_analysis import baseline_analysis

        return baseline_analysis(fm, rule=o.get("rule", "strict"), n_sim=o.get("n_sim", 999), seed=o.get("seed", 0))


def load_spec(path) -> Spec:
    """Read and validate a spec file.

    Raises
    ------
    SpecError
        Naming the file, the key and what is expected.

    Examples
    --------
    >>> import ecostat as es, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.toml")
    >>> _ = open(p, "w").write('name = "x"\\nkind = "describe"\\n[options]\\nn_boot = 200\\n')
    >>> es.load_spec(p).options
    {'n_boot': 200}
    """
    path = Path(path)
    if not path.exists():
        raise SpecError(f"spec file {str(path)!r} does not exist; the named analyses are in models/.")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec {str(path)!r} is not valid TOML ({exc}).") from None
    where = f"spec {path.name!r}"
    _only(raw, {"name", "kind", "description", "data", "options"}, where)
    for key in ("name", "kind"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SpecError(f"{where} needs a text value for {key!r} (e.g. {key} = \"...\").")
    kind = raw["kind"]
    if kind not in OPTIONS:
        raise SpecError(f"{where}: kind {kind!r} is not known; use one of {preview(OPTIONS)}.")
    data = _section(raw, "data", DATA_KEYS, where)
    options = _section(raw, "options", OPTIONS[kind], where)
    return Spec(raw["name"], kind, str(raw.get("description", "")), data, options, path)


def _only(table: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SpecError(f"{where} has unknown key(s) {preview(unknown)}; allowed: {preview(sorted(allowed))}.")


def _section(raw: dict, name: str, schema: dict, where: str) -> dict:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [{name}] must be a table of settings.")
    _only(table, set(schema), f"{where} [{name}]")
    for key, value in table.items():
        want = schema[key]
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise SpecError(f"{where} [{name}] {key} = {value!r}: expected a {_TYPE_NAMES[want]}.")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise SpecError(f"{where} [{name}] {key} = {value!r}: use one of {preview(_CHOICES[key])}.")
        if want is int and value < 0:
            raise SpecError(f"{where} [{name}] {key} = {value}: expected 0 or more.")
    return dict(table)
