"""The result protocol: what every verb returns (``docs/architecture.md``, "The result protocol").

``describe``, ``baseline``, ``goodness_of_fit``, ``fit``, ``compare``, the demo
and the prior predictive check each return a :class:`Result`:

* :meth:`Result.summary` gives a :class:`~ecostat.report.summary.Summary`, which
  renders as text, LaTeX, HTML and a DataFrame;
* :meth:`Result.to_dict` gives the JSON object the command line prints with
  ``--json`` (the command line only prints it: ``print(result.to_json())``).

Results also render directly (``as_text``, ``as_latex``, ``as_html``,
``to_frame``, ``tables`` go through the summary) and show their summary in
notebooks.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from ..numeric import jsonable

__all__ = ["Result"]


class Result(ABC):
    """Base class of every result (see the module docstring).

    Examples
    --------
    >>> import ecostat as es
    >>> d = es.describe(es.simulate(n=300, seed=0), n_boot=20)
    >>> isinstance(d, Result), sorted(d.to_dict())[:2]
    (True, ['bootstrap', 'exp_exp'])
    """

    @abstractmethod
    def summary(self):
        """The result's tables, header and notes as a :class:`~ecostat.report.summary.Summary`."""

    @abstractmethod
    def to_dict(self) -> dict:
        """The result as a JSON-ready dict (the object ``--json`` prints)."""

    def to_json(self, indent: int = 2) -> str:
        """:meth:`to_dict` as JSON text (NaN and infinities as ``null``)."""
        return json.dumps(jsonable(self.to_dict()), indent=indent, allow_nan=False)

    # -- rendering through the summary ------------------------------------------------------------
    def as_text(self) -> str:
        """Plain-text rendering of :meth:`summary`."""
        return self.summary().as_text()

    def as_latex(self, *args, **kwargs) -> str:
        """LaTeX rendering of :meth:`summary` (see :meth:`Summary.as_latex`)."""
        return self.summary().as_latex(*args, **kwargs)

    def as_html(self, *args, **kwargs) -> str:
        """HTML rendering of :meth:`summary` (see :meth:`Summary.as_html`)."""
        return self.summary().as_html(*args, **kwargs)

    def to_frame(self):
        """Every table of :meth:`summary` stacked in one DataFrame."""
        return self.summary().to_frame()

    @property
    def tables(self) -> list:
        """The named tables of :meth:`summary`."""
        return self.summary().tables

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __str__(self) -> str:
        return self.summary().as_text()
