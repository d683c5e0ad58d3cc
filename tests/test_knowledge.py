"""A result is keyed by everything that made it (knowledge.py): any data table, prompt or the package's
version changes the key, and a run into an earlier folder says which articles are stale and redoes them on
request."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from fdi_extract import knowledge
from fdi_extract.batch import run_batch
from fdi_extract.settings import Settings, Strategy
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])
DATA = Path(str(files("fdi_extract.data")))
TABLES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.mark.parametrize("table", TABLES)
def test_any_data_table_changes_the_key(tmp_path: Path, table: str) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    before = knowledge.fingerprint_of([copy], "1.0")
    with (copy / table).open("ab") as edited:
        edited.write(b"\n")
    assert knowledge.fingerprint_of([copy], "1.0") != before
    assert knowledge.fingerprint_of([DATA], "1.0") != knowledge.fingerprint_of([DATA], "1.1")  # the version


def test_the_prompts_are_part_of_the_key() -> None:
    prompts = Path(str(files("fdi_extract.prompts")))
    assert knowledge.fingerprint_of([DATA, prompts], "1") != knowledge.fingerprint_of([DATA], "1")
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="m")
    key = knowledge.extraction_key(settings, "direct", "direct/5")
    assert key != knowledge.extraction_key(settings.model_copy(update={"temperature": 0.7}), "direct", "direct/5")
    assert key != knowledge.extraction_key(settings, "direct", "direct/6")


def test_a_run_into_an_earlier_folder_counts_its_stale_articles_and_refreshes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for i in range(3):
        (archive / f"a{i}.txt").write_text(f"Компания Alpha{i} Co., Ltd. построит завод за {i + 1}0 млн долларов.")
    answer = Reply(content=json.dumps({"deals": []}))
    with fake_llm([answer]) as (url, seen):
        settings = Settings(base_url=url, model="m", strategy=Strategy.direct)
        first = run_batch([archive], tmp_path / "out", settings)
        assert (first.done, first.stale, len(seen)) == (3, 0, 3)
        again = run_batch([archive], tmp_path / "out", settings)
        assert (again.stale, len(seen)) == (0, 3)  # nothing to do
        # An upgrade: a new package version (or an edited table) makes another key.
        knowledge.knowledge_fingerprint.cache_clear()
        monkeypatch.setattr(knowledge, "package_version", lambda: "99.0")
        try:
            upgraded = run_batch([archive], tmp_path / "out", settings)
            assert (upgraded.stale, upgraded.refreshed, len(seen)) == (3, 0, 3)  # said, and kept
            refreshed = run_batch([archive], tmp_path / "out", settings, refresh=True)
            assert (refreshed.stale, refreshed.refreshed, len(seen)) == (0, 3, 6)  # done again, once
            assert run_batch([archive], tmp_path / "out", settings).stale == 0
        finally:
            knowledge.knowledge_fingerprint.cache_clear()
