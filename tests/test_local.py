"""The embedded model's assembly: verified or refused, never half-used."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdi_extract import local
from fdi_extract.errors import ModelUnavailableError
from fdi_extract.settings import Settings


def _parts(tmp_path: Path, chunks: list[bytes]) -> list[Path]:
    paths = []
    for number, chunk in enumerate(chunks, start=1):
        path = tmp_path / f"part{number:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths


def test_a_checksum_mismatch_is_an_error_and_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "_part_files", lambda: _parts(tmp_path, [b"not", b"a model"]))
    settings = Settings(cache_dir=tmp_path / "cache")
    with pytest.raises(ModelUnavailableError, match="SHA-256"):
        local.ensure_model(settings)
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_parts_are_concatenated_in_order_and_verified_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    chunks = [b"GGUF", b"-part-two", b"-three"]
    monkeypatch.setattr(local, "_part_files", lambda: _parts(tmp_path, chunks))
    monkeypatch.setattr(local, "MODEL_SHA256", hashlib.sha256(b"".join(chunks)).hexdigest())
    settings = Settings(cache_dir=tmp_path / "cache")
    path = local.ensure_model(settings)
    assert path.read_bytes() == b"".join(chunks)
    monkeypatch.setattr(local, "_part_files", lambda: pytest.fail("re-assembled a verified model"))
    assert local.ensure_model(settings) == path


def test_a_named_gguf_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="not a file"):
        local.ensure_model(Settings(gguf=tmp_path / "missing.gguf"))


def test_missing_parts_say_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelUnavailableError, match=r"fdi-extract\[local\]"):
        local._part_files()
