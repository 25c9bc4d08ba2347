"""Fit files: safe to write, verified when read (``docs/architecture.md``, "Results").

A fit is saved as one netCDF-4 file: the InferenceData of the sampler, the
design (``constant_data``) and, as JSON attributes of ``constant_data``, the
metadata (family, options, sampler settings, versions, design digest,
**format version**) and a record of **SHA-256 checksums** of everything that
decides a number ecostat reports from the file:

* every variable (coordinates included) of every group of the InferenceData:
  its name, dimensions, dtype, shape and bytes -- the posterior draws, the
  sample stats (divergences, ...), the design arrays;
* the metadata JSON text.

Writing (:func:`save_fit`) never loses anything: :func:`check_output_path`
refuses a target that cannot be written, that is an input file or that exists
(unless ``force``), and the command line calls it *before* sampling; the file
is written to a temporary name in the target directory and renamed into
place, so an interrupted save leaves no half-written file and never a damaged
old one.

Reading (:func:`read_fit`) verifies the format version, the checksums and the
design digest, and refuses an empty, text, truncated, corrupted, edited or
foreign file with an :class:`~ecostat.errors.EcostatError` naming the file and
what is wrong. Files written by ecostat 0.1 (format 1) carry no checksum: they
load with an :class:`~ecostat.errors.EcostatWarning` saying their draws cannot
be verified (their design digest still is).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..errors import EcostatError, EcostatWarning

__all__ = ["FORMAT_VERSION", "check_output_path", "write_atomic", "save_fit", "read_fit", "fit_checksums"]

#: version of the fit-file layout written by :func:`save_fit` (1: ecostat 0.1, no checksums)
FORMAT_VERSION = 2
#: attributes of the ``constant_data`` group holding the metadata and the checksums
META_ATTR = "ecostat"
CHECKSUM_ATTR = "ecostat_sha256"
#: what each checksummed part is called in messages
_PARTS = {"metadata": "the metadata (family, options, settings)", "posterior": "the posterior draws",
          "sample_stats": "the sample stats", "constant_data": "the design"}
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_META_KEYS = ("family", "options", "settings", "versions", "digest", "models", "group_levels", "group_name",
              "covariate_names")
_WRITTEN_BY = "fit files are netCDF-4 files written by `ecostat fit --out` or FitResult.save"


# -- writing ------------------------------------------------------------------------------------------
def check_output_path(path, *, inputs=(), force: bool = False) -> Path:
    """Check that a result can be written to ``path``, before anything expensive is computed.

    The directory must exist and be writable; ``path`` must not be a
    directory, nor one of ``inputs`` (compared by resolved path and by inode,
    so a symbolic or hard link to the data is caught; ``force`` does not
    override this: nothing may overwrite the data), nor an existing file
    unless ``force=True``.

    Parameters
    ----------
    path : str or path-like
        Where the result will be written.
    inputs : sequence of str or path-like
        Files the analysis reads (the data).
    force : bool
        Replace an existing file at ``path``.

    Returns
    -------
    Path

    Raises
    ------
    EcostatError
        Naming the path and what is wrong with it.

    Examples
    --------
    >>> check_output_path("no/such/dir/fit.nc")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: cannot write to no/such/dir/fit.nc: the directory no/such/dir does not exist; create it (mkdir -p no/such/dir) or choose another path.
    """
    text = os.fspath(path)
    if not str(text).strip():
        raise EcostatError("the output path is empty; give a file name such as fit.nc.")
    path = Path(text)
    if path.is_dir() or str(text).endswith(("/", os.sep)):
        raise EcostatError(f"{text} is a directory; give a file name inside it, e.g. {path / 'fit.nc'}.")
    parent = path.parent
    if not parent.exists():
        raise EcostatError(f"cannot write to {text}: the directory {parent} does not exist; create it "
                           f"(mkdir -p {parent}) or choose another path.")
    if not parent.is_dir():
        raise EcostatError(f"cannot write to {text}: {parent} is not a directory.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EcostatError(f"cannot write to {text}: no permission to create files in the directory {parent}.")
    for source in inputs:
        if source is not None and _same_file(path, Path(os.fspath(source))):
            raise EcostatError(f"{text} is the input file {os.fspath(source)}; writing the result there would destroy "
                               "the data. Choose another path.")
    if (path.exists() or path.is_symlink()) and not force:
        raise EcostatError(f"{text} already exists; choose another path, or pass --force (force=True) to replace it.")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: not the data
        pass
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_fit(result, path, *, force: bool = False) -> Path:
    """Write ``result`` (a :class:`~ecostat.bayes.results.FitResult`) to one netCDF-4 file.

    The target is checked first (:func:`check_output_path`); the file is
    written under a temporary name in the same directory and renamed into
    place (atomically: a failure leaves neither a partial file nor a damaged
    old one). It holds the InferenceData, the design, the metadata with the
    format version, and SHA-256 checksums of all of them (module docstring).

    Parameters
    ----------
    result : FitResult
    path : str or path-like
    force : bool
        Replace an existing file.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import ecostat as es
    >>> res = es.fit(es.simulate(n=500, seed=0), "rasch", draws=100, tune=100, seed=0)  # doctest: +SKIP
    >>> save_fit(res, "fit.nc")  # doctest: +SKIP
    PosixPath('fit.nc')
    """
    import xarray as xr

    path = check_output_path(path, force=force)
    idata = result.idata.copy()
    arrays = result.design.to_arrays()
    design = xr.Dataset({f"design_{key}": (tuple(f"design_{key}_dim{i}" for i in range(np.ndim(v))), np.asarray(v))
                         for key, v in arrays.items()})
    meta = json.dumps({**_meta(result), "format": FORMAT_VERSION}, sort_keys=True)
    design.attrs[META_ATTR] = meta
    if "constant_data" in idata.groups():
        del idata.constant_data
    idata.add_groups(constant_data=design)
    # the checksums cover variables and the metadata text, not attributes: adding them changes nothing they cover
    idata.constant_data.attrs[CHECKSUM_ATTR] = json.dumps(fit_checksums(idata, meta), sort_keys=True)

    return write_atomic(path, lambda tmp: idata.to_netcdf(str(tmp), engine="h5netcdf"), force=force, what="the fit")


def write_atomic(path, write, *, force: bool = False, what: str = "the file") -> Path:
    """Write a file by ``write(tmp_path)`` under a temporary name beside ``path``, then move it into place.

    A failure leaves neither a partial file nor a damaged old one; without
    ``force`` an existing ``path`` (even one that appeared after
    :func:`check_output_path`) is never replaced. Call
    :func:`check_output_path` first, before the expensive work.

    Parameters
    ----------
    path : Path
        The target (already checked).
    write : callable
        ``write(tmp)`` writes the whole content to the path ``tmp``.
    force : bool
        Replace an existing file.
    what : str
        What is written, for the error message.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "page.html"
    >>> write_atomic(target, lambda tmp: tmp.write_text("<p>hi</p>")).read_text()
    '<p>hi</p>'
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path)
    except FileExistsError:
        raise EcostatError(f"{path} appeared while {what} was being written; choose another path, or pass "
                           "--force (force=True) to replace it.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _link_no_clobber(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path`` unless ``path`` exists (raise FileExistsError), atomically where links work."""
    try:
        os.link(tmp, path)  # fails if path exists, even if it appeared after the check
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(tmp, path)


def _meta(result) -> dict:
    d = result.design
    return {"family": result.family, "options": result.options.to_dict(), "settings": result.settings,
            "versions": result.versions, "digest": result.digest, "models": list(d.models),
            "group_levels": list(d.group_levels), "group_name": d.group_name,
            "covariate_names": list(d.covariate_names), "formula": result.formula}


# -- checksums ----------------------------------------------------------------------------------------
def _update(h, *parts) -> None:
    for p in parts:
        b = p if isinstance(p, bytes) else str(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)


def _group_digest(ds) -> str:
    """SHA-256 of every variable of a Dataset: name, dims, dtype, shape and values (text as UTF-8 JSON)."""
    h = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        v = ds.variables[name]
        values = np.asarray(v.values)
        if values.dtype.kind in "OUSa":  # text: its characters, whatever width or object dtype stores them
            _update(h, name, v.dims, "text", values.shape,
                    json.dumps([x.decode() if isinstance(x, bytes) else str(x) for x in values.ravel()]))
        else:
            _update(h, name, v.dims, values.dtype.str, values.shape, np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def fit_checksums(idata, meta_text: str) -> dict[str, str]:
    """SHA-256 of the metadata text and of each group of ``idata`` (every variable: dims, dtype, shape, bytes).

    Examples
    --------
    >>> import arviz as az
    >>> idata = az.from_dict(posterior={"b": np.zeros((1, 4))})
    >>> sorted(fit_checksums(idata, "{}"))
    ['metadata', 'posterior']
    """
    sums = {"metadata": hashlib.sha256(meta_text.encode()).hexdigest()}
    for group in idata.groups():
        sums[group] = _group_digest(getattr(idata, group))
    return sums


# -- reading ------------------------------------------------------------------------------------------
def _describe_start(head: bytes) -> str:
    """What the first bytes of a file look like, for a message."""
    if head.startswith((b"CDF\x01", b"CDF\x02", b"CDF\x05")):
        return "a netCDF-3 file"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.strip() and all(c.isprintable() or c in "\r\n\t" for c in text):
        first = text.strip().splitlines()[0][:40]
        return f"a text file (it begins with {first!r})"
    return f"not a netCDF-4/HDF5 file (it begins with bytes {head[:8]!r})"


def _read_idata(path: Path):
    """The InferenceData in ``path``, loaded into memory; EcostatError for anything unreadable."""
    import arviz as az

    size = path.stat().st_size
    if size == 0:
        raise EcostatError(f"{path} is empty (0 bytes), not an ecostat fit; {_WRITTEN_BY}.")
    with open(path, "rb") as fh:
        head = fh.read(512)
    if len(head) < len(_HDF5_SIGNATURE) and _HDF5_SIGNATURE.startswith(head):
        raise EcostatError(f"{path} is truncated: it holds only the first {len(head)} byte(s) of a netCDF-4 file. "
                           "Save or copy the fit again.")
    if not head.startswith(_HDF5_SIGNATURE):
        raise EcostatError(f"{path} is not an ecostat fit: it is {_describe_start(head)}; {_WRITTEN_BY}.")
    problem = None
    with _quiet_half_open_files() as failed:
        try:
            import h5py

            with h5py.File(path, "r"):  # a file HDF5 cannot open fails here, before h5netcdf half-opens it
                pass
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = az.from_netcdf(str(path), engine="h5netcdf")
                for g in idata.groups():
                    getattr(idata, g).load()
        except Exception as exc:  # h5py, netCDF decoding, xarray: any failure to read means a damaged file
            problem = (type(exc).__name__, str(exc).strip())
            failed.append(True)
    if problem is None:
        return idata
    name, msg = problem
    m = re.search(r"eof = (\d+).*stored_eof = (\d+)", msg)
    if m:
        raise EcostatError(f"{path} is truncated: it has {int(m.group(1))} of the {int(m.group(2))} bytes "
                           "written; the copy or download was cut short. Save or copy the fit again.")
    raise EcostatError(f"{path} is corrupt: it cannot be read as a netCDF-4 fit file ({name}: "
                       f"{msg or 'no detail'}). Save or copy the fit again.")


@contextlib.contextmanager
def _quiet_half_open_files():
    """Silence h5netcdf's complaint when a file it failed to open is garbage-collected.

    ``h5netcdf.File.__del__`` of a file whose opening failed raises ``AttributeError:
    '_writable'``; Python prints it as "Exception ignored in ..." with a traceback on stderr.
    The file is damaged and reported as such; that noise is dropped, anything else is passed on.
    """
    previous = sys.unraisablehook

    def hook(unraisable):
        exc = unraisable.exc_value
        if isinstance(exc, AttributeError) and "_writable" in str(exc):
            return
        previous(unraisable)

    failed: list = []
    sys.unraisablehook = hook
    try:
        yield failed
    finally:
        if failed:
            gc.collect()  # the half-open file may sit in a reference cycle with the traceback
        sys.unraisablehook = previous


def read_fit(path) -> tuple:
    """Read a fit file written by :func:`save_fit`, verifying its format version and checksums.

    :meth:`FitResult.load <ecostat.bayes.results.FitResult.load>` (and :func:`ecostat.load_fit`)
    builds the result from what this returns and checks the design digest; this module does not
    know the result class, so it sits below it in the import graph.

    Returns
    -------
    idata : arviz.InferenceData
    meta : dict
        The stored metadata (family, settings, versions, digest, ...).
    design : Design
    options : FitOptions

    Raises
    ------
    EcostatError
        For a missing, empty, text, truncated, corrupted, edited or foreign
        file, naming the file and what is wrong.

    Warns
    -----
    EcostatWarning
        For a file of ecostat 0.1 (format 1), whose draws cannot be verified.

    Examples
    --------
    >>> read_fit("no/such/file.nc")
    Traceback (most recent call last):
    ...
    ecostat.errors.EcostatError: no fit file at no/such/file.nc; write one with FitResult.save or `ecostat fit --out`.
    """
    path = Path(os.fspath(path))
    if not path.exists():
        raise EcostatError(f"no fit file at {path}; write one with FitResult.save or `ecostat fit --out`.")
    if path.is_dir():
        raise EcostatError(f"{path} is a directory, not a fit file; {_WRITTEN_BY}.")
    idata = _read_idata(path)
    if "constant_data" not in idata.groups() or META_ATTR not in idata.constant_data.attrs:
        raise EcostatError(f"{path} is not an ecostat fit: a netCDF file without ecostat's metadata (no design/spec "
                           f"in constant_data); {_WRITTEN_BY}.")
    attrs = idata.constant_data.attrs
    meta_text = attrs[META_ATTR]
    meta = _parse_meta(meta_text, path)
    fmt = meta.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise EcostatError(f"{path} is corrupt: its format version {fmt!r} is not a positive integer.")
    if fmt > FORMAT_VERSION:
        written = (meta.get("versions") or {}).get("ecostat", "a newer version") if isinstance(meta.get("versions"), dict) \
            else "a newer version"
        raise EcostatError(f"{path} has fit-file format {fmt}, written by ecostat {written}; this ecostat reads formats "
                           f"1 to {FORMAT_VERSION}. Upgrade ecostat to read it.")
    if fmt == 1:
        warnings.warn(f"{path} was written by ecostat 0.1 (fit-file format 1) without checksums: its draws cannot be "
                      "verified. Save it again (es.load_fit(path).save(new_path)) to add them.", EcostatWarning,
                      stacklevel=3)
    else:
        _verify_checksums(idata, meta_text, attrs.get(CHECKSUM_ATTR), path)
    design, options = _rebuild(idata, meta, path)
    return idata, meta, design, options


def _parse_meta(text, path: Path) -> dict:
    if not isinstance(text, str):
        raise EcostatError(f"{path} is corrupt: its ecostat metadata is not text.")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EcostatError(f"{path} is corrupt: its ecostat metadata is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict):
        raise EcostatError(f"{path} is corrupt: its ecostat metadata is not a JSON object.")
    missing = [k for k in _META_KEYS if k not in meta]
    if missing:
        raise EcostatError(f"{path} is corrupt: its ecostat metadata lacks {', '.join(missing)}.")
    return meta


def _verify_checksums(idata, meta_text: str, record, path: Path) -> None:
    if record is None:
        raise EcostatError(f"{path} is corrupt: it has no checksum record, which every file of format "
                           f"{FORMAT_VERSION} carries.")
    try:
        stored = json.loads(record)
        if not isinstance(stored, dict) or not all(isinstance(v, str) for v in stored.values()):
            raise ValueError("not a table of hex digests")
    except (ValueError, TypeError) as exc:
        raise EcostatError(f"{path} is corrupt: its checksum record is unreadable ({exc}).") from None
    actual = fit_checksums(idata, meta_text)
    if "metadata" not in stored or "posterior" not in stored or "constant_data" not in stored:
        raise EcostatError(f"{path} is corrupt: its checksum record lacks the metadata, posterior or design.")
    changed = [g for g in stored if actual.get(g) != stored[g]]
    extra = [g for g in actual if g not in stored]
    if changed or extra:
        what = [f"{_PARTS.get(g, f'the {g} group')} ({g})" + (" is missing" if g not in actual else "")
                for g in changed] + [f"the {g} group (not in the saved file)" for g in extra]
        raise EcostatError(f"{path} does not match its SHA-256 checksums: {', '.join(what)} changed after the fit was "
                           "saved (the file was edited or is corrupt). Fit files must not be edited; fit again or use "
                           "an intact copy.")


def _rebuild(idata, meta: dict, path: Path) -> tuple:
    from .families import FitOptions, get_family
    from .families.design import design_from_arrays

    try:
        get_family(meta["family"])
    except EcostatError:
        raise EcostatError(f"{path} holds a fit of family {meta['family']!r}, which is not registered; register it "
                           "(ecostat.bayes.families.register_family) before loading.") from None
    if "posterior" not in idata.groups():
        raise EcostatError(f"{path} is corrupt: it has no posterior draws.")
    try:
        arrays = {v[len("design_"):]: idata.constant_data[v].values for v in idata.constant_data.data_vars}
        design = design_from_arrays(arrays, meta["models"], meta["group_levels"], meta["group_name"],
                                    meta["covariate_names"])
        options = FitOptions(**meta["options"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise EcostatError(f"{path} is corrupt: its design or options cannot be rebuilt ({type(exc).__name__}: "
                           f"{exc}).") from None
    return design, options
