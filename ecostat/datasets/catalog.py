"""The catalogue of the datasets shipped with ecostat: listing, loading, describing, reference figures.

The data are the 2020 predictions of commercial ML APIs from HAPI (Chen et al.
2022) that Toups et al. 2023 analyse (§3, App. A-B), one gzip CSV per dataset in
HAPI's compact wide layout (``instance_id,label,<api>_<year>,...``), plus the
FER+ crowd votes (Barsoum et al. 2016) that the paper uses as a proxy of
ambiguity (App. A.1). Provenance, licences and the reference figures are in
``PROVENANCE.md`` next to this module; ``manifest.json`` describes every file.

Nothing is read when :mod:`ecostat` is imported: the manifest is read on first
use and each data file only when asked for.
"""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.failures import FailureMatrix, parse_columns
from ..data.readers import read_hapi
from ..errors import DataError, EcostatError, preview

__all__ = ["names", "list_datasets", "load", "info", "path", "reference", "ferplus_votes", "manifest", "provenance",
           "FERPLUS_VOTE_COLUMNS"]

PACKAGE = __name__.rpartition(".")[0]  # "ecostat.datasets"
DATA = "data"
VOTES = "ferplus_votes"
TASKS = {"fer": "facial emotion recognition", "scr": "spoken command recognition", "sa": "sentiment analysis"}
#: vote columns of ``ferplus_votes.csv.gz`` for the FER label codes 0..6 (anger .. neutral)
FERPLUS_VOTE_COLUMNS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
SOURCE = "HAPI (Chen et al. 2022), 2020 slice of FrugalML"
LICENCE = "Apache-2.0"


# -- files -------------------------------------------------------------------------------------------------


def _resource(filename: str):
    return resources.files(PACKAGE) / DATA / filename


@functools.cache
def _extracted_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="ecostat_datasets_"))


def _file(filename: str) -> Path:
    """A real path to a packaged file (extracted once per process if the package is zipped)."""
    res = _resource(filename)
    if isinstance(res, Path):
        return res
    target = _extracted_folder() / filename  # e.g. an installation inside a zip archive
    if not target.exists():
        target.write_bytes(res.read_bytes())
    return target


@functools.cache
def _manifest() -> dict:
    return json.loads(_resource("manifest.json").read_text(encoding="utf-8"))


@functools.cache
def _references() -> dict:
    return json.loads(_resource("reference.json").read_text(encoding="utf-8"))


def manifest() -> dict:
    """The manifest of the shipped files (a copy): source, and per dataset N, labels, columns, sha256.

    Examples
    --------
    >>> import ecostat as es
    >>> m = es.datasets.manifest()
    >>> m["source"]["repo"], m["datasets"]["ferplus"]["n"]
    ('lchen001/FrugalML', 6358)
    """
    return copy.deepcopy(_manifest())


def provenance() -> str:
    """The provenance document of the shipped data (``PROVENANCE.md``): sources, licences, reference figures.

    Examples
    --------
    >>> import ecostat as es
    >>> es.datasets.provenance().splitlines()[0]
    '# Data shipped with ecostat: provenance and licences'
    """
    return (resources.files(PACKAGE) / "PROVENANCE.md").read_text(encoding="utf-8")


def names() -> tuple[str, ...]:
    """Names of the shipped datasets, grouped by task (FER, SCR, SA).

    Examples
    --------
    >>> import ecostat as es
    >>> es.datasets.names()
    ('ferplus', 'fluent', 'digit', 'amnist', 'command', 'shop', 'yelp', 'imdb', 'waimai')
    """
    return tuple(_manifest()["datasets"])


def _entry(name) -> dict:
    datasets = _manifest()["datasets"]
    if not isinstance(name, str):
        raise DataError(f"a dataset name is a string, got {name!r}; available: {', '.join(datasets)}.")
    key = name.strip().lower()
    if key in datasets:
        return datasets[key]
    if key == VOTES:
        raise DataError(f"{name!r} holds annotator votes, not decisions: read it with es.datasets.ferplus_votes() "
                        "(or es.datasets.path('ferplus_votes') for the file).")
    raise DataError(f"unknown dataset {name!r}; available: {', '.join(datasets)} (es.datasets.list() describes them).")


def path(name: str) -> Path:
    """Path of a shipped data file, e.g. to give it to the ``ecostat`` command or to pandas.

    Parameters
    ----------
    name : str
        A dataset name (:func:`names`) or ``"ferplus_votes"``.

    Returns
    -------
    pathlib.Path
        The gzip CSV inside the installed package (read-only: write copies elsewhere).

    Examples
    --------
    >>> import ecostat as es
    >>> p = es.datasets.path("digit")
    >>> p.name, p.exists()
    ('digit.csv.gz', True)

    From a shell: ``ecostat describe "$(python -m ecostat.datasets path digit)" --models google,ibm,microsoft``.
    """
    if isinstance(name, str) and name.strip().lower() == VOTES:
        return _file(_manifest()[VOTES]["file"])
    return _file(_entry(name)["file"])


# -- the catalogue -----------------------------------------------------------------------------------------


def _years(columns: Sequence[str]) -> list[str]:
    return sorted({v for v in parse_columns(columns)["version"] if isinstance(v, str)})


def _is_paper_dataset(name: str) -> bool:
    return name in _references()["computed_2020"]["datasets"]


def list_datasets() -> pd.DataFrame:
    """One row per shipped dataset (``es.datasets.list()``).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``task``, ``n_instances``, ``n_classes``, ``models`` (the three commercial APIs the papers
        use: the default of :func:`load`), ``columns`` (every decision column of the file, the papers' APIs
        and one open-source model), ``years``, ``label`` (the label column), ``in_papers`` (False for COMMAND,
        which Toups et al. 2023 App. B exclude), ``source``, ``licence``, ``file``, ``bytes``.

    Examples
    --------
    >>> import ecostat as es
    >>> table = es.datasets.list()
    >>> table[["name", "task", "n_instances", "models"]].head(3)
          name task  n_instances                     models
    0  ferplus  fer         6358  google, microsoft, facepp
    1   fluent  scr        30043     google, ibm, microsoft
    2    digit  scr         2000     google, ibm, microsoft
    >>> int(table.n_instances[table.in_papers].sum())
    188162
    """
    rows = []
    for name, e in _manifest()["datasets"].items():
        rows.append({"name": name, "task": e["task"], "n_instances": e["n"], "n_classes": len(e["label_values"]),
                     "models": ", ".join(e["paper_apis"]), "columns": ", ".join(e["columns"]),
                     "years": ", ".join(_years(e["columns"])), "label": "label", "in_papers": _is_paper_dataset(name),
                     "source": SOURCE, "licence": LICENCE, "file": e["file"], "bytes": e["bytes"]})
    return pd.DataFrame(rows)


def load(name: str, *, models: Sequence[str] | str | None = None, years: Sequence | None = None,
         group: str | None = None, raw: bool = False) -> FailureMatrix | pd.DataFrame:
    """Load a shipped dataset as a :class:`~ecostat.FailureMatrix` (or its raw table).

    Parameters
    ----------
    name : str
        One of :func:`names`: ``"ferplus"``, ``"fluent"``, ``"digit"``, ``"amnist"``, ``"shop"``, ``"yelp"``,
        ``"imdb"``, ``"waimai"`` (the papers' eight) or ``"command"`` (excluded by the papers).
    models : list of str, str or None
        Decision-makers (``"google"``) or columns (``"google_2020"``). Default: the three commercial APIs that
        Toups et al. 2023 (§3) and Bommasani et al. 2022 use for the dataset's task (FER google, microsoft,
        facepp; SCR google, ibm, microsoft; SA google, amazon, baidu). ``"all"``: every column, the
        open-source fourth model included.
    years : list, optional
        Years to keep; default every year in the file (the shipped files hold 2020 only).
    group : str, optional
        A column to group instances by, e.g. ``"label"`` (Bommasani et al. 2022 §4).
    raw : bool
        Return the file as a pandas DataFrame (``instance_id``, ``label``, one column per decision-maker and
        year) instead of a FailureMatrix; ``models``, ``years`` and ``group`` must then be left out.

    Returns
    -------
    FailureMatrix or pandas.DataFrame

    Raises
    ------
    DataError
        For an unknown name (the message lists the available ones) or a model the file does not have.

    Examples
    --------
    >>> import ecostat as es
    >>> fm = es.datasets.load("ferplus")
    >>> fm.models, fm.n_instances
    (('google', 'microsoft', 'facepp'), 6358)
    >>> round(float(es.homogenization(fm)), 3)   # reference figure: 3.627
    3.627
    >>> es.datasets.load("ferplus", models="all").models
    ('google', 'microsoft', 'facepp', 'vgg19')
    >>> es.datasets.load("digit", raw=True).columns.tolist()
    ['instance_id', 'label', 'google_2020', 'ibm_2020', 'microsoft_2020', 'deepspeech_2020']
    >>> es.datasets.load("mnist")
    Traceback (most recent call last):
    ...
    ecostat.errors.DataError: unknown dataset 'mnist'; available: ferplus, fluent, digit, amnist, command, shop, yelp, imdb, waimai (es.datasets.list() describes them).
    """
    entry = _entry(name)
    file = _file(entry["file"])
    if raw:
        given = [k for k, v in {"models": models, "years": years, "group": group}.items() if v is not None]
        if given:
            raise EcostatError(f"raw=True returns the whole file; {', '.join(given)} cannot be applied to it. Leave "
                               f"{'it' if len(given) == 1 else 'them'} out, or drop raw=True to get a FailureMatrix.")
        return pd.read_csv(file)
    if models is None:
        models = entry["paper_apis"]
    elif isinstance(models, str) and models.strip().lower() == "all":
        models = None
    return read_hapi(file, models=models, years=years, group=group)


def _labels(entry: dict) -> str:
    values, label_names = entry["label_values"], entry["label_names"]
    if not label_names:
        return f"codes {values[0]}-{values[-1]} (the source gives no names)"
    if all(str(v) == n for v, n in zip(values, label_names)):
        text = f"{values[0]}-{values[-1]} (the digit itself)"
    else:
        text = ", ".join(f"{v} {n}" for v, n in zip(values, label_names))
    extra = label_names[len(values):]
    if extra:  # DIGIT, AMNIST: prediction 10 = "not a digit", always a failure
        text += "; a prediction " + ", ".join(f"{len(values) + i} = {n!r}" for i, n in enumerate(extra))
        text += " (never a label: always a failure)"
    return text


def info(name: str) -> str:
    """A description of a shipped dataset: columns, labels, decision-makers, source, licence, size.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    str

    Examples
    --------
    >>> import ecostat as es
    >>> print(es.datasets.info("digit"))  # doctest: +ELLIPSIS
    digit: spoken command recognition (scr), 2000 instances, 10 classes, year 2020
      columns: instance_id, label, google_2020, ibm_2020, microsoft_2020, deepspeech_2020
      label: 0-9 (the digit itself); a prediction 10 = '<not a digit>' (never a label: always a failure)
      decision-makers: google, ibm, microsoft (the papers' three APIs, the default of es.datasets.load); also deepspeech (models="all")
      ...
    """
    entry = _entry(name)
    key = name.strip().lower()
    meta = parse_columns(entry["columns"])
    extra = [m for m in meta["name"] if m not in entry["paper_apis"]]
    src = _manifest()["source"]
    years = _years(entry["columns"])
    lines = [
        f"{key}: {TASKS.get(entry['task'], entry['task'])} ({entry['task']}), {entry['n']} instances, "
        f"{len(entry['label_values'])} classes, year{'s' if len(years) > 1 else ''} {', '.join(years)}",
        f"  columns: instance_id, label, {', '.join(entry['columns'])}",
        f"  label: {_labels(entry)}",
        f"  decision-makers: {', '.join(entry['paper_apis'])} (the papers' three APIs, the default of "
        f"es.datasets.load)" + (f"; also {', '.join(extra)} (models=\"all\")" if extra else ""),
        f"  source: HAPI (Chen, Jin, Eyuboglu, Ré, Zaharia & Zou, NeurIPS 2022 Datasets and Benchmarks), "
        f"{src['year']} slice from github.com/{src['repo']} commit {src['commit'][:7]}",
        f"  licence: {LICENCE} (© Lingjiao Chen; licenses/Apache-2.0.txt in ecostat.datasets)",
        f"  file: {entry['file']} ({entry['bytes']:,} bytes, sha256 {entry['sha256'][:12]}...)",
    ]
    lines += [f"  note: {n}" for n in entry["notes"]]
    if _is_paper_dataset(key):
        lines.append(f"  reference figures: es.datasets.reference({key!r}) (PROVENANCE.md)")
    else:
        lines.append("  not analysed by the papers (Toups et al. 2023 App. B: the source repeats instance names)")
    if key == "ferplus":
        votes = _manifest()[VOTES]
        lines.append(f"  annotator votes: es.datasets.ferplus_votes() (ten per image; github.com/{votes['source_repo']}, "
                     f"{votes['license']} licence, © Microsoft Corporation)")
    return "\n".join(lines)


def reference(name: str) -> dict:
    """Reference figures of a paper dataset, computed independently of ecostat (see ``PROVENANCE.md``).

    Parameters
    ----------
    name : str
        One of the papers' eight datasets (every name of :func:`names` but ``"command"``).

    Returns
    -------
    dict
        From the 2020 files, the papers' three APIs: ``n``, ``failure_rates`` (per API), ``systemic_failure_rate``
        (Bommasani et al. 2022 eq. 2), ``homogenization`` (eq. 3), ``observed`` and ``independence`` (shares of
        instances with 0..3 failures, Toups et al. 2023 eq. 1-2), ``hard_easy`` (best ``alpha``, ``delta``,
        ``l1`` on the grid of App. A.3, strict rule); ``paper_table1``: the figures printed in Toups et al.
        2023 Table 1 (which mixes later HAPI years for some APIs, so they differ in places); for ``"ferplus"``
        also ``systemic_by_votes_for_label`` (App. A.1).

    Examples
    --------
    >>> import ecostat as es
    >>> ref = es.datasets.reference("ferplus")
    >>> ref["homogenization"], ref["hard_easy"]
    (3.627, {'alpha': 0.2, 'delta': 1.6, 'l1': 0.0066})
    >>> ref["paper_table1"]["systemic_failure_rate"]
    0.066
    >>> ref["systemic_by_votes_for_label"]
    {'<=5': 0.2, '6-7': 0.106, '8-9': 0.034, '10': 0.018}
    """
    _entry(name)
    key = name.strip().lower()
    refs = _references()
    if not _is_paper_dataset(key):
        have = ", ".join(refs["computed_2020"]["datasets"])
        raise DataError(f"no reference figures for {key!r}: the papers do not analyse it (Toups et al. 2023 App. B); "
                        f"figures exist for {have}.")
    out = copy.deepcopy(refs["computed_2020"]["datasets"][key])
    out["paper_table1"] = copy.deepcopy(refs["toups2023_table1"]["datasets"][key])
    if key == "ferplus":
        out["systemic_by_votes_for_label"] = dict(refs["ferplus_systemic_by_votes_for_label"]["rates"])
    return out


def ferplus_votes() -> pd.DataFrame:
    """The ten FER+ annotator votes per image, with the agreement with the label (Toups et al. 2023 App. A.1).

    Returns
    -------
    pandas.DataFrame
        One row per FER+ instance, in the order of ``load("ferplus")``: ``instance_id``, ``label`` (FER code
        0-6), ``usage`` (FER2013 split), the vote counts ``neutral, happiness, surprise, sadness, anger,
        disgust, fear, contempt, unknown, NF``, ``votes_for_label`` (votes for the image's label, 0-10),
        ``n_votes`` (all votes) and ``agreement`` = ``votes_for_label / n_votes``. Attach a column as a
        covariate with ``fm.attach(votes, on="instance_id", covariates=[...])``.

    Examples
    --------
    >>> import ecostat as es
    >>> votes = es.datasets.ferplus_votes()
    >>> len(votes), int(votes.votes_for_label.max())
    (6358, 10)
    >>> fm = es.datasets.load("ferplus").attach(votes, on="instance_id", covariates=["votes_for_label"])
    >>> by_votes = es.bin_covariate(fm, "votes_for_label", [-0.5, 5.5, 7.5, 9.5, 10.5],
    ...                             labels=["<=5", "6-7", "8-9", "10"])
    >>> es.groups.group_systemic_failure_rates(by_votes).round(3).tolist()   # App. A.1
    [0.2, 0.106, 0.034, 0.018]
    """
    fer = pd.read_csv(path("ferplus"), usecols=["instance_id", "label"])
    votes = pd.read_csv(path(VOTES))
    missing = ~fer["instance_id"].isin(votes["instance_id"])
    if missing.any() or votes["instance_id"].duplicated().any():  # the shipped files are complete and unique
        raise DataError(f"the FER+ votes do not match the FER+ instances one to one "
                        f"(e.g. {preview(fer.loc[missing, 'instance_id'])}); the package data are damaged: reinstall.")
    counts = [c for c in votes.columns if c not in ("instance_id", "usage")]
    v = votes.set_index("instance_id").loc[fer["instance_id"]].reset_index()
    codes = fer["label"].to_numpy()
    for_label = v[list(FERPLUS_VOTE_COLUMNS)].to_numpy()[np.arange(len(v)), codes]
    n_votes = v[counts].sum(axis=1).to_numpy()
    return pd.DataFrame({"instance_id": fer["instance_id"], "label": codes, "usage": v["usage"],
                         **{c: v[c].to_numpy() for c in counts},
                         "votes_for_label": for_label, "n_votes": n_votes, "agreement": for_label / n_votes})
