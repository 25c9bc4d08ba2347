"""Fit files (ecostat.bayes.persistence): exact round trips, safe writes, and every kind of damaged file refused.

No sampling: fits are mocked InferenceData on a real design (groups and a covariate), except
the command-line test of ``--force``, where NUTS is replaced by prior draws.
"""

from __future__ import annotations

import json
import os
import shutil

import arviz as az
import h5py
import numpy as np
import pytest
import xarray as xr

import ecostat as es
from ecostat.bayes import persistence
from ecostat.bayes.families import FitOptions, make_design
from ecostat.bayes.persistence import FORMAT_VERSION, check_output_path, save_fit
from ecostat.bayes.results import FitResult, load_fit
from ecostat.interface.cli import main


# -- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def design():
    fm = es.simulate(n=1500, family="rasch", groups={"light": 0.6, "dark": 0.4}, covariate_effect=0.5,
                     covariate_levels=5, seed=7)
    return make_design(fm, covariates=["x"])


def _mock_fit(design, seed=0, chains=2, draws=60) -> FitResult:
    """A rasch FitResult with draws of every variable a grouped, covariate fit has (and several stat dtypes)."""
    rng = np.random.default_rng(seed)
    G, k = design.n_groups, design.k
    post = {"b": -1.5 + 0.05 * rng.standard_normal((chains, draws, k)),
            "mu_group": np.stack([v := 0.1 * rng.standard_normal((chains, draws)), -v], axis=-1),
            "sigma_group": 1.2 + 0.05 * np.abs(rng.standard_normal((chains, draws, G))),
            "beta": 0.4 + 0.05 * rng.standard_normal((chains, draws, 1))}
    stats = {"diverging": rng.random((chains, draws)) < 0.01, "tree_depth": rng.integers(1, 5, (chains, draws)),
             "lp": rng.standard_normal((chains, draws)).astype(np.float32),
             "step_size": np.full((chains, draws), 0.3)}
    idata = az.from_dict(posterior=post, sample_stats=stats, observed_data={"n": np.array([design.n_instances])},
                         coords={"model": list(design.models), "group": list(design.group_levels), "covariate": ["x"]},
                         dims={"b": ["model"], "mu_group": ["group"], "sigma_group": ["group"], "beta": ["covariate"]})
    options = FitOptions(priors={"sigma_group_sd": 2.0}, quadrature=64)
    return FitResult("rasch", options, design, idata, {"draws": draws, "chains": chains, "seed": seed, "tune": 100},
                     check=False, formula="fail ~ model + (1 | instance:group) + group + x")


@pytest.fixture(scope="module")
def saved(design, tmp_path_factory):
    """(FitResult, path of its saved file, the file's bytes)."""
    res = _mock_fit(design)
    path = save_fit(res, tmp_path_factory.mktemp("saved") / "fit.nc")
    return res, path, path.read_bytes()


def _assert_same_fit(back: FitResult, res: FitResult) -> None:
    for group in res.idata.groups():
        xr.testing.assert_identical(getattr(back.idata, group), getattr(res.idata, group))
    assert back.family == res.family and back.options == res.options and back.settings == res.settings
    assert back.formula == res.formula and back.versions == res.versions and back.digest == res.digest
    for key, value in res.design.to_arrays().items():
        got = back.design.to_arrays()[key]
        assert got.dtype == value.dtype and got.shape == value.shape
        np.testing.assert_array_equal(got, value)
    for attr in ("models", "group_levels", "group_name", "covariate_names"):
        assert getattr(back.design, attr) == getattr(res.design, attr)


def _cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- round trip ------------------------------------------------------------------------------------------
def test_round_trip_is_exact(saved):
    res, path, _ = saved
    back = load_fit(path)
    _assert_same_fit(back, res)
    assert set(back.idata.groups()) == set(res.idata.groups()) | {"constant_data"}
    np.testing.assert_array_equal(back.pattern_probabilities, res.pattern_probabilities)
    meta = json.loads(back.idata.constant_data.attrs["ecostat"])
    assert meta["format"] == FORMAT_VERSION == 2
    sums = json.loads(back.idata.constant_data.attrs["ecostat_sha256"])
    assert set(sums) == {"metadata", "constant_data", *res.idata.groups()}  # every group, the derived ones included
    assert {"posterior", "sample_stats", "observed_data", "log_likelihood", "posterior_predictive"} <= set(sums)
    # the public wrappers are the same functions
    _assert_same_fit(es.load_fit(path), res)
    _assert_same_fit(FitResult.load(path), res)


def test_round_trip_of_a_loaded_fit_is_byte_for_byte_the_same_content(saved, tmp_path):
    res, path, _ = saved
    again = load_fit(path).save(tmp_path / "again.nc")
    _assert_same_fit(load_fit(again), res)


def test_saved_file_has_ordinary_permissions(saved):
    _, path, _ = saved
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == 0o666 & ~mask


# -- damaged and foreign files -----------------------------------------------------------------------------
def _write(tmp_path, data: bytes, name="damaged.nc"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("fraction", [0.0, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999])
def test_truncated_file(saved, tmp_path, fraction):
    _, _, data = saved
    size = max(1, int(len(data) * fraction))
    p = _write(tmp_path, data[:size])
    with pytest.raises(es.EcostatError, match=r"is truncated") as err:
        load_fit(p)
    assert str(p) in str(err.value)


def _flip_trials(saved, tmp_path, trials: int, seed: int) -> None:
    res, _, data = saved
    rng = np.random.default_rng(seed)
    refused, harmless = 0, 0
    for trial in range(trials):
        b = bytearray(data)
        for off in rng.integers(0, len(b), int(rng.integers(1, 4))):
            b[off] ^= 1 << int(rng.integers(0, 8))
        p = _write(tmp_path, bytes(b), f"flip{trial}.nc")
        try:
            back = load_fit(p)
        except es.EcostatError as exc:
            assert str(p) in str(exc)
            refused += 1
            continue
        _assert_same_fit(back, res)
        harmless += 1
    assert refused >= trials // 6 and harmless + refused == trials


def test_flipped_bytes_are_refused_or_harmless(saved, tmp_path):
    """Seeded flips of 1-3 bits anywhere: a clear EcostatError, or (a flip in HDF5 padding or an uncovered
    attribute) a file that loads with everything the checksums cover unchanged. Never another exception."""
    _flip_trials(saved, tmp_path, 40, 20181)


@pytest.mark.slow
def test_many_flipped_bytes_are_refused_or_harmless(saved, tmp_path):
    _flip_trials(saved, tmp_path, 300, 2022)


@pytest.mark.parametrize("where", ["posterior", "sample_stats", "constant_data", "observed_data"])
def test_flips_inside_every_group_are_caught(saved, tmp_path, where):
    """Flipped bits in the stored bytes of a group's data: refused (HDF5's zlib checks or the checksums), or --
    a bit of a deflate stream's padding -- the same values."""
    _, path, data = saved
    spans = []

    def stored_bytes(name, obj):
        if not isinstance(obj, h5py.Dataset) or obj.id.get_storage_size() == 0:
            return
        if obj.chunks is None:  # contiguous
            spans.append((obj.id.get_offset(), obj.id.get_storage_size()))
        else:  # chunked (compressed): every chunk
            for i in range(obj.id.get_num_chunks()):
                info = obj.id.get_chunk_info(i)
                spans.append((info.byte_offset, info.size))

    with h5py.File(path, "r") as f:
        f[where].visititems(stored_bytes)
    assert spans
    rng = np.random.default_rng(5)
    sizes = np.array([size for _, size in spans])
    picks = rng.choice(len(spans), size=12, p=sizes / sizes.sum())  # 12 bytes, uniform over the stored data
    refused = tried = 0
    for start, size in (spans[i] for i in picks):
        for off in start + rng.integers(0, size, 1):
            b = bytearray(data)
            b[off] ^= 0x10
            p = _write(tmp_path, bytes(b))
            tried += 1
            try:
                back = load_fit(p)
            except es.EcostatError as exc:
                assert "corrupt" in str(exc) or "does not match its SHA-256 checksums" in str(exc)
                refused += 1
                continue
            _assert_same_fit(back, saved[0])
    assert refused >= 0.75 * tried


def test_empty_file(tmp_path):
    with pytest.raises(es.EcostatError, match=r"empty\.nc is empty \(0 bytes\), not an ecostat fit"):
        load_fit(_write(tmp_path, b"", "empty.nc"))


def test_text_file(tmp_path):
    p = _write(tmp_path, b"instance_id,label,m1,m2\n0,1,1,0\n", "data.csv")
    with pytest.raises(es.EcostatError, match=r"data\.csv is not an ecostat fit: it is a text file \(it begins with "
                                              r"'instance_id,label,m1,m2'\)"):
        load_fit(p)


def test_binary_and_netcdf3_files(tmp_path):
    with pytest.raises(es.EcostatError, match=r"not a netCDF-4/HDF5 file \(it begins with bytes"):
        load_fit(_write(tmp_path, bytes(range(256)) * 4, "random.bin"))
    nc3 = tmp_path / "classic.nc"
    xr.Dataset({"x": ("t", np.arange(5.0))}).to_netcdf(nc3, engine="scipy")
    with pytest.raises(es.EcostatError, match="it is a netCDF-3 file"):
        load_fit(nc3)


@pytest.mark.parametrize("kind", ["xarray", "arviz", "hdf5"])
def test_foreign_netcdf_files(tmp_path, kind):
    p = tmp_path / f"{kind}.nc"
    if kind == "xarray":
        xr.Dataset({"x": ("t", np.arange(5.0))}, attrs={"title": "not a fit"}).to_netcdf(p, engine="h5netcdf")
    elif kind == "arviz":
        az.from_dict(posterior={"a": np.zeros((1, 5))}).to_netcdf(str(p), engine="h5netcdf")
    else:
        with h5py.File(p, "w") as f:
            f["x"] = np.arange(3)
    with pytest.raises(es.EcostatError, match=r"is not an ecostat fit: a netCDF file without ecostat's metadata"):
        load_fit(p)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(es.EcostatError, match="no fit file at"):
        load_fit(tmp_path / "absent.nc")
    with pytest.raises(es.EcostatError, match="is a directory, not a fit file"):
        load_fit(tmp_path)


def _copy(saved, tmp_path, name="edited.nc"):
    p = tmp_path / name
    shutil.copyfile(saved[1], p)
    return p


def test_edited_draw_with_h5py(saved, tmp_path):
    p = _copy(saved, tmp_path)
    with h5py.File(p, "r+") as f:
        f["posterior/b"][0, 0, 0] = f["posterior/b"][0, 0, 0] + 1e-9
    with pytest.raises(es.EcostatError, match=r"does not match its SHA-256 checksums: the posterior draws \(posterior\) "
                                              "changed after the fit was saved"):
        load_fit(p)


def test_edited_draw_rewritten_with_xarray(saved, tmp_path):
    """The whole file rewritten by arviz/xarray with one draw changed (attributes, checksums included, kept)."""
    idata = az.from_netcdf(str(saved[1]), engine="h5netcdf")
    for g in idata.groups():
        getattr(idata, g).load()
    idata.posterior["sigma_group"][1, 5, 0] = 1.0
    p = tmp_path / "rewritten.nc"
    idata.to_netcdf(str(p), engine="h5netcdf")
    with pytest.raises(es.EcostatError, match=r"the posterior draws \(posterior\) changed"):
        load_fit(p)
    # rewritten unchanged, it loads (the checksums cover values, not the file's layout)
    idata.posterior["sigma_group"][1, 5, 0] = saved[0].idata.posterior["sigma_group"].values[1, 5, 0]
    p2 = tmp_path / "rewritten_same.nc"
    idata.to_netcdf(str(p2), engine="h5netcdf")
    _assert_same_fit(load_fit(p2), saved[0])


@pytest.mark.parametrize("edit, part", [
    (lambda f: f["sample_stats/diverging"].__setitem__((0, 0), True), r"the sample stats \(sample_stats\)"),
    (lambda f: f["constant_data/design_counts"].__setitem__(0, f["constant_data/design_counts"][0] + 1),
     r"the design \(constant_data\)"),
    (lambda f: f["observed_data/count"].__setitem__(0, f["observed_data/count"][0] + 1), r"the observed_data group \(observed_data\)"),
])
def test_edited_stats_design_and_other_groups(saved, tmp_path, edit, part):
    p = _copy(saved, tmp_path)
    with h5py.File(p, "r+") as f:
        edit(f)
    with pytest.raises(es.EcostatError, match=part + " changed"):
        load_fit(p)


def _set_attr(path, name, value):
    with h5py.File(path, "r+") as f:
        f["constant_data"].attrs[name] = value


def test_edited_metadata(saved, tmp_path):
    p = _copy(saved, tmp_path)
    meta = json.loads(load_fit(p).idata.constant_data.attrs["ecostat"])
    _set_attr(p, "ecostat", json.dumps({**meta, "settings": {**meta["settings"], "seed": 99}}, sort_keys=True))
    with pytest.raises(es.EcostatError, match=r"the metadata \(family, options, settings\) \(metadata\) changed"):
        load_fit(p)
    _set_attr(p, "ecostat", "{not json")
    with pytest.raises(es.EcostatError, match="its ecostat metadata is not valid JSON"):
        load_fit(p)
    _set_attr(p, "ecostat", json.dumps({"family": "rasch"}))
    with pytest.raises(es.EcostatError, match="its ecostat metadata lacks options, settings"):
        load_fit(p)


def test_checksum_record_missing_or_damaged(saved, tmp_path):
    p = _copy(saved, tmp_path)
    with h5py.File(p, "r+") as f:
        del f["constant_data"].attrs["ecostat_sha256"]
    with pytest.raises(es.EcostatError, match="it has no checksum record"):
        load_fit(p)
    _set_attr(p, "ecostat_sha256", "[1, 2")
    with pytest.raises(es.EcostatError, match="its checksum record is unreadable"):
        load_fit(p)


def test_newer_format_is_refused(saved, tmp_path):
    p = _copy(saved, tmp_path)
    meta = json.loads(load_fit(p).idata.constant_data.attrs["ecostat"])
    _set_attr(p, "ecostat", json.dumps({**meta, "format": 3, "versions": {**meta["versions"], "ecostat": "9.0"}}))
    with pytest.raises(es.EcostatError, match=r"has fit-file format 3, written by ecostat 9\.0; this ecostat reads "
                                              r"formats 1 to 2\. Upgrade ecostat"):
        load_fit(p)


def test_unregistered_family(saved, tmp_path):
    p = _copy(saved, tmp_path)
    meta = json.loads(load_fit(p).idata.constant_data.attrs["ecostat"])
    _set_attr(p, "ecostat", json.dumps({**meta, "family": "coin"}))
    with pytest.raises(es.EcostatError, match="changed|family 'coin', which is not registered"):
        load_fit(p)


# -- files of ecostat 0.1 (format 1, no checksums) -----------------------------------------------------------
def _save_v1(res: FitResult, path) -> None:
    """How ecostat 0.1 wrote a fit (FitResult.save before format 2), for compatibility tests."""
    idata = res.idata.copy()
    arrays = res.design.to_arrays()
    ds = xr.Dataset({f"design_{key}": (tuple(f"design_{key}_dim{i}" for i in range(np.ndim(v))), np.asarray(v))
                     for key, v in arrays.items()})
    d = res.design
    ds.attrs["ecostat"] = json.dumps({"family": res.family, "options": res.options.to_dict(), "settings": res.settings,
                                      "versions": res.versions, "digest": res.digest, "models": list(d.models),
                                      "group_levels": list(d.group_levels), "group_name": d.group_name,
                                      "covariate_names": list(d.covariate_names), "formula": res.formula, "format": 1})
    if "constant_data" in idata.groups():
        del idata.constant_data
    idata.add_groups(constant_data=ds)
    idata.to_netcdf(str(path), engine="h5netcdf")


def test_format_1_files_load_with_a_warning(saved, tmp_path):
    res = saved[0]
    p = tmp_path / "old.nc"
    _save_v1(res, p)
    with pytest.warns(es.EcostatWarning, match=r"written by ecostat 0\.1 \(fit-file format 1\) without checksums: "
                                               "its draws cannot be verified"):
        back = load_fit(p)
    _assert_same_fit(back, res)
    # saving it again adds the checksums
    again = load_fit(back.save(tmp_path / "new.nc"))
    _assert_same_fit(again, res)


def test_format_1_files_still_check_the_design_digest(saved, tmp_path):
    p = tmp_path / "old.nc"
    _save_v1(saved[0], p)
    with h5py.File(p, "r+") as f:
        f["constant_data/design_counts"][0] += 1
    with pytest.warns(es.EcostatWarning), pytest.raises(es.EcostatError, match="does not match its digest"):
        load_fit(p)


# -- writing ---------------------------------------------------------------------------------------------------
def test_check_output_path_accepts_a_new_file(tmp_path):
    assert check_output_path(tmp_path / "fit.nc") == tmp_path / "fit.nc"


@pytest.mark.parametrize("make, target, message", [
    (lambda d: None, "no/such/dir/fit.nc", r"the directory .*no/such/dir does not exist; create it \(mkdir -p"),
    (lambda d: (d / "file").write_text("x"), "file/fit.nc", r"file is not a directory"),
    (lambda d: (d / "sub").mkdir(), "sub", r"sub is a directory; give a file name inside it, e\.g\. .*sub/fit\.nc"),
    (lambda d: None, "newdir/", r"newdir/ is a directory"),
    (lambda d: (d / "fit.nc").write_text("old"), "fit.nc", r"fit\.nc already exists; choose another path, or pass "
                                                           r"--force \(force=True\) to replace it"),
])
def test_check_output_path_refuses(tmp_path, make, target, message):
    make(tmp_path)
    with pytest.raises(es.EcostatError, match=message):
        check_output_path(tmp_path / target if not target.endswith("/") else str(tmp_path / target) + "/")


def test_check_output_path_empty_name():
    with pytest.raises(es.EcostatError, match="the output path is empty"):
        check_output_path("")


def test_check_output_path_force_replaces_but_never_the_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("label,m1\n0,1\n")
    old = tmp_path / "fit.nc"
    old.write_text("old")
    assert check_output_path(old, inputs=[data], force=True) == old
    (tmp_path / "sub").mkdir()
    os.symlink(data, tmp_path / "link.csv")
    os.link(data, tmp_path / "hard.csv")
    for target in (data, tmp_path / "sub" / ".." / "data.csv", tmp_path / "link.csv", tmp_path / "hard.csv"):
        for force in (False, True):
            with pytest.raises(es.EcostatError, match=r"is the input file .*data\.csv; writing the result there would "
                                                      "destroy the data"):
                check_output_path(target, inputs=[data], force=force)
    assert data.read_text() == "label,m1\n0,1\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_path_unwritable_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(es.EcostatError, match="no permission to create files in the directory"):
            check_output_path(ro / "fit.nc")
    finally:
        ro.chmod(0o700)


def test_save_refuses_to_overwrite_unless_forced(design, tmp_path):
    res = _mock_fit(design, seed=1)
    p = tmp_path / "fit.nc"
    p.write_text("precious")
    with pytest.raises(es.EcostatError, match="already exists"):
        res.save(p)
    assert p.read_text() == "precious"
    res.save(p, force=True)
    _assert_same_fit(load_fit(p), res)


def test_failed_save_leaves_no_file_and_keeps_the_old_one(design, tmp_path, monkeypatch):
    res = _mock_fit(design, seed=2)

    def broken(self, filename, *args, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(b"\x89HDF\r\n\x1a\n half a file")
        raise OSError("disk full")

    monkeypatch.setattr(az.InferenceData, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        save_fit(res, tmp_path / "new.nc")
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / "old.nc"
    old.write_text("previous fit")
    with pytest.raises(OSError, match="disk full"):
        save_fit(res, old, force=True)
    assert old.read_text() == "previous fit" and sorted(p.name for p in tmp_path.iterdir()) == ["old.nc"]


def test_file_appearing_during_the_save_is_not_overwritten(design, tmp_path, monkeypatch):
    res = _mock_fit(design, seed=3)
    p = tmp_path / "fit.nc"
    real_check = persistence.check_output_path

    def check_then_someone_writes(path, **kwargs):
        out = real_check(path, **kwargs)
        p.write_text("written meanwhile")
        return out

    monkeypatch.setattr(persistence, "check_output_path", check_then_someone_writes)
    with pytest.raises(es.EcostatError, match="appeared while the fit was being written"):
        save_fit(res, p)
    assert p.read_text() == "written meanwhile" and sorted(x.name for x in tmp_path.iterdir()) == ["fit.nc"]


# -- the command line ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    fm = es.simulate(n=300, seed=0)
    df = fm.to_frame().astype(int)
    df.insert(0, "label", 0)
    path = tmp_path_factory.mktemp("cli_out") / "data.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def no_sampling(monkeypatch):
    """Record any call of the sampler (and of the data reader): the checks must come first."""
    import ecostat.bayes.sampling as sampling

    calls = []
    monkeypatch.setattr(sampling, "sample_model", lambda *a, **k: calls.append("sample") or pytest.fail("sampled"))
    return calls


@pytest.mark.parametrize("family", ["rasch", "mvprobit"])
def test_cli_out_to_a_missing_directory_fails_before_sampling(data_csv, tmp_path, capsys, no_sampling, family):
    code, out, err = _cli(["fit", data_csv, "--family", family, "--out", tmp_path / "missing" / "x.nc"], capsys)
    assert code == 2 and out == "" and no_sampling == []
    assert "ecostat: error: cannot write to" in err and "missing does not exist" in err
    assert "reading" not in err and "sampling" not in err and "Traceback" not in err


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_cli_out_onto_the_input_data_fails(data_csv, capsys, no_sampling, force):
    before = data_csv.read_bytes()
    code, out, err = _cli(["fit", data_csv, "--family", "rasch", "--out", data_csv, *force], capsys)
    assert code == 2 and no_sampling == []
    assert "is the input file" in err and "would destroy the data" in err
    assert data_csv.read_bytes() == before


def test_cli_out_onto_an_existing_file_needs_force(data_csv, tmp_path, capsys, no_sampling):
    target = tmp_path / "fit.nc"
    target.write_text("an older fit")
    code, _, err = _cli(["fit", data_csv, "--family", "rasch", "--out", target], capsys)
    assert code == 2 and no_sampling == [] and "already exists" in err and "--force" in err
    assert target.read_text() == "an older fit"


@pytest.fixture
def prior_sampler(monkeypatch):
    """``pymc.sample`` -> prior draws in (chain, draw) form (no NUTS)."""
    import pymc as pm

    def sample(draws=1000, tune=1000, chains=2, random_seed=0, **kwargs):
        parts = [pm.sample_prior_predictive(draws=draws, random_seed=random_seed + c).prior for c in range(chains)]
        posterior = xr.concat(parts, dim="chain").assign_coords(chain=np.arange(chains))
        stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))},
                           coords={"chain": np.arange(chains), "draw": posterior["draw"].values})
        return az.InferenceData(posterior=posterior, sample_stats=stats)

    monkeypatch.setattr(pm, "sample", sample)


def test_cli_force_replaces_an_existing_file(data_csv, tmp_path, capsys, prior_sampler):
    target = tmp_path / "fit.nc"
    target.write_text("an older fit")
    code, _, err = _cli(["fit", data_csv, "--family", "independence", "--draws", "50", "--out", target, "--force",
                         "--json"], capsys)
    assert code == 0, err
    assert load_fit(target).family == "independence"


@pytest.mark.parametrize("content", [b"", b"label,m1\n0,1\n", b"\x89HDF\r\n\x1a\n\x00\x00"])
def test_cli_compare_damaged_files_exit_2(tmp_path, capsys, content):
    p = _write(tmp_path, content, "bad.nc")
    code, out, err = _cli(["compare", p], capsys)
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"ecostat: error: {p}") and "Traceback" not in err


def test_cli_compare_truncated_and_edited_fits_exit_2(saved, tmp_path, capsys):
    truncated = _write(tmp_path, saved[2][: len(saved[2]) // 2], "half.nc")
    edited = _copy(saved, tmp_path)
    with h5py.File(edited, "r+") as f:
        f["posterior/b"][1, 1, 1] = 0.0
    for p, what in ((truncated, "is truncated"), (edited, "does not match its SHA-256 checksums")):
        code, out, err = _cli(["compare", saved[1], p], capsys)
        assert code == 2 and out == "" and what in err and "Traceback" not in err


def test_force_is_declared_once_in_the_options_schema():
    from ecostat.options import OPTIONS, VERBS

    opt = OPTIONS["force"]
    assert (opt.type, opt.default, opt.section, opt.cli_flag) == (bool, False, "cli", "--force")
    assert "force" in VERBS["fit"]
