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
    assert [p.name for p in (tmp_path / "cache" / "models").iterdir()] == [".assembling.lock"]


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


def test_two_processes_assembling_at_once_both_get_the_verified_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import multiprocessing

    chunks = [bytes([n]) * (4 << 20) for n in range(6)]  # 24 MB, so the two copies overlap in time
    monkeypatch.setattr(local, "_part_files", lambda: _parts(tmp_path, chunks))
    monkeypatch.setattr(local, "MODEL_SHA256", hashlib.sha256(b"".join(chunks)).hexdigest())
    settings = Settings(cache_dir=tmp_path / "cache")
    start = multiprocessing.get_context("fork").Barrier(2)

    def assemble() -> None:
        start.wait()
        local.ensure_model(settings)

    workers = [multiprocessing.get_context("fork").Process(target=assemble) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    models = tmp_path / "cache" / "models"
    assert sorted(p.name for p in models.iterdir()) == [
        ".assembling.lock",
        local.MODEL_FILE,
        local.MODEL_FILE + ".sha256-verified",
    ]
    monkeypatch.setattr(local, "_part_files", lambda: pytest.fail("the marker left behind does not match the file"))
    assert local.ensure_model(settings).read_bytes() == b"".join(chunks)
