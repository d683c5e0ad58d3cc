"""OpenAI's Batch API against a loopback Files + Batches server: submit, poll, collect, and the same records as a live run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdi_extract.batch import run_batch
from fdi_extract.errors import FdiExtractError
from fdi_extract.openai_batch import collect_batches, submit_batch
from fdi_extract.settings import Settings, Strategy
from fdi_extract.store import Store
from tests.fake_llm import Reply, fake_llm, fake_openai_batch
from tests.test_batch import ANSWER, _archive

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])


def _settings(url: str) -> Settings:
    return Settings(base_url=url, model="gpt-4o-mini", strategy=Strategy.direct, api_key="sk-test-batch-0000")


def _answer(body: dict) -> str | None:
    article = body["messages"][-1]["content"]
    return None if "номер 3." in article else ANSWER  # one request fails on the provider's side


def test_submit_then_collect_gives_the_records_of_a_live_run(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 6)
    (archive / "txt" / "sports.txt").write_text("Кайрат обыграл Астану со счетом 2:1.")
    with fake_openai_batch(_answer) as (url, service):
        submitted = submit_batch([archive], tmp_path / "out", _settings(url))
        assert (submitted.articles, submitted.requests, len(submitted.jobs), submitted.skipped) == (6, 6, 1, 1)
        assert submit_batch([archive], tmp_path / "out", _settings(url)).articles == 0  # never sent twice

        first = collect_batches(tmp_path / "out", _settings(url))
        assert first.jobs_in_flight == {submitted.jobs[0]: "in_progress"} and first.summary is None
        assert not (tmp_path / "out" / "deals.jsonl").exists()

        second = collect_batches(tmp_path / "out", _settings(url))
    assert second.jobs_collected == 1 and second.summary is not None
    assert (second.summary.done, second.summary.failed, second.summary.skipped) == (5, 1, 1)
    with Store(tmp_path / "out" / "store.sqlite") as store:
        ((failed_id, cause),) = store.failures()
    assert failed_id == "a0003" and "scripted failure" in cause
    assert second.summary.cost_usd == pytest.approx(5 * (100 * 0.15 + 10 * 0.60) / 1e6 * 0.5)

    # The same archive live: the very same request bodies, and the very same records out.
    live_archive = _archive(tmp_path / "live", 6)
    (live_archive / "txt" / "a0003.txt").unlink()
    with fake_llm([Reply(content=ANSWER)]) as (url, seen):
        run_batch([live_archive], tmp_path / "live" / "out", _settings(url))
    batch_bodies = [
        line["body"] for line in service.uploaded[0] if "номер 3." not in line["body"]["messages"][-1]["content"]
    ]
    assert sorted(json.dumps(b, sort_keys=True) for b in seen) == sorted(
        json.dumps(b, sort_keys=True) for b in batch_bodies
    )
    assert (tmp_path / "out" / "mentions.jsonl").read_text() == (
        tmp_path / "live" / "out" / "mentions.jsonl"
    ).read_text()
    assert '<mark class="amount">10 млн долларов США</mark>' in (tmp_path / "out" / "report.html").read_text()

    # A batch job holds first requests only, so a live run into its folder counts what it made as made otherwise.
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        again = run_batch([archive], tmp_path / "out", _settings(url))
    assert again.stale == 6  # the five the job answered and the one the prefilter skipped; a0003 failed there


def test_the_embedded_model_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(FdiExtractError, match="needs OpenAI"):
        submit_batch([tmp_path], tmp_path / "out", Settings(strategy=Strategy.direct))


def test_the_command_line_submits_and_collects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fdi_extract.cli import main

    archive = _archive(tmp_path, 2)
    (archive / "broken.jsonl").write_text("not a record\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch-0000")
    with fake_openai_batch(lambda body: ANSWER, polls_until_done=0) as (url, _):
        assert main(["run", str(archive), "--out", str(tmp_path / "out"), "--openai-batch", "--base-url", url]) == 0
        said = capsys.readouterr().err
        assert "fdi-extract collect" in said
        assert "broken.jsonl:1" in said and "unreadable" in said  # a submission names its bad records too
        assert main(["collect", str(tmp_path / "out"), "--base-url", url]) == 0
    assert len((tmp_path / "out" / "mentions.jsonl").read_text().splitlines()) == 2


def test_an_archive_larger_than_a_job_goes_out_as_several(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fdi_extract import openai_batch

    monkeypatch.setattr(openai_batch, "MAX_REQUESTS_PER_JOB", 2)
    archive = _archive(tmp_path, 5)
    with fake_openai_batch(lambda body: ANSWER, polls_until_done=0) as (url, service):
        submitted = submit_batch([archive], tmp_path / "out", _settings(url))
        collected = collect_batches(tmp_path / "out", _settings(url))
    assert len(submitted.jobs) == 3 and [len(lines) for lines in service.uploaded] == [2, 2, 1]
    assert collected.jobs_collected == 3 and collected.summary is not None and collected.summary.done == 5
