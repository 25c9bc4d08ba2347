"""Corrupted, binary or odd spec files give a clear SpecError (exit status 2 from the CLI), never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecostat as es
from ecostat.interface.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
SPECS = sorted(MODELS.glob("*.toml"))


def _load_or_clear_error(path):
    try:
        es.load_spec(path)
    except es.EcostatError as exc:
        assert str(exc)
        return "error"
    return "loaded"


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_random_byte_corruptions_of_every_spec(spec, tmp_path):
    data = spec.read_bytes()
    rng = np.random.default_rng(sum(data) % 2**32)
    outcomes = set()
    for trial in range(25):
        b = bytearray(data)
        kind = trial % 3
        if kind == 0:  # flip bytes
            for pos in rng.integers(0, len(b), size=3):
                b[pos] = int(rng.integers(0, 256))
        elif kind == 1:  # truncate
            b = b[: int(rng.integers(0, len(b)))]
        else:  # insert garbage
            pos = int(rng.integers(0, len(b)))
            b[pos:pos] = bytes(rng.integers(0, 256, size=5).astype(np.uint8))
        path = tmp_path / f"c{trial}.toml"
        path.write_bytes(bytes(b))
        outcomes.add(_load_or_clear_error(path))
    assert "error" in outcomes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path, blob):
    path = tmp_path / "x.toml"
    path.write_bytes(blob)
    _load_or_clear_error(path)


def test_bom_directory_and_binary(tmp_path, capsys):
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + b'name = "x"\nkind = "describe"\n')
    assert es.load_spec(bom).name == "x"
    with pytest.raises(es.EcostatError, match="is a directory"):
        es.load_spec(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(es.EcostatError, match="not UTF-8 text"):
        es.load_spec(binary)
    data = tmp_path / "d.csv"
    data.write_text("label,a,b\n0,0,1\n1,1,1\n")
    assert main(["describe", str(data), "--spec", str(binary)]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err
