"""Datasets shipped with ecostat: the HAPI 2020 predictions of commercial ML APIs and the FER+ votes.

``es.datasets.list()`` describes them, ``es.datasets.load(name)`` gives a
:class:`~ecostat.FailureMatrix` of the three commercial APIs that Toups et al.
2023 (§3) use for the dataset, ``es.datasets.info(name)`` its columns, source
and licence, ``es.datasets.reference(name)`` the reference figures the data
reproduce, ``es.datasets.ferplus_votes()`` the FER+ annotator votes (App. A.1)
and ``es.datasets.path(name)`` the file itself (for the ``ecostat`` command:
``python -m ecostat.datasets path NAME`` prints it). Sources and licences:
``es.datasets.provenance()`` (``PROVENANCE.md``).
"""

from .catalog import (
    FERPLUS_VOTE_COLUMNS,
    ferplus_votes,
    info,
    load,
    manifest,
    names,
    path,
    provenance,
    reference,
)
from .catalog import list_datasets as list  # noqa: A001 (es.datasets.list(), as the task's verb)

__all__ = ["list", "load", "info", "path", "reference", "ferplus_votes", "names", "manifest", "provenance",
           "FERPLUS_VOTE_COLUMNS"]
