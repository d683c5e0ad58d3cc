"""Batch runs: inputs of every kind, the store, the cache, resume after SIGKILL, outputs."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fdi_extract.batch import RunSummary, run_batch
from fdi_extract.settings import RetryPolicy, Settings, Strategy
from fdi_extract.store import Store
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])

SENTENCE = (
    "Китайская компания Alpha Machinery Co., Ltd. построит в Актюбинской области завод стоимостью 10 млн долларов США."
)
ANSWER = json.dumps(
    {
        "deals": [
            {
                "investor": "Alpha Machinery Co., Ltd.",
                "project": "plant",
                "amount": "10 млн долларов США",
                "stage": "mou",
            }
        ]
    }
)


def _article(i: int) -> str:
    return f"date: 2025-0{1 + i % 9}-01\n\nНовость номер {i}. {SENTENCE} Подробности проекта {i} обсуждаются."


def _archive(root: Path, count: int) -> Path:
    folder = root / "archive"
    (folder / "txt").mkdir(parents=True)
    for i in range(count):
        (folder / "txt" / f"a{i:04d}.txt").write_text(_article(i))
    return folder


def _settings(url: str, **extra: object) -> Settings:
    return Settings(
        base_url=url,
        model="fake",
        strategy=Strategy.direct,
        retry=RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.05, jitter=0),
        **extra,
    )


def test_every_input_kind_and_every_outcome_is_counted(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 3)
    (archive / "more.jsonl").write_text(
        json.dumps({"id": "j1", "text": _article(7), "url": "https://example.test/j1"})
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "j2", "title": "no text"})
        + "\n"
        + json.dumps({"id": "j1", "text": _article(7)})
        + "\n"  # the same article twice
    )
    (archive / "more.csv").write_text('id,date,text\nc1,2025-02-03,"' + _article(8).split("\n\n")[1] + '"\n')
    (archive / "page.html").write_text(
        "<html><head><title>Alpha</title><script>var ads = 1;</script></head><body><nav>Главная | Новости</nav>"
        f"<article><h1>Завод в Актобе</h1><p>{SENTENCE}</p><p>Строительство начнётся весной, сообщили в акимате "
        "области. Проект обсуждался на встрече с инвесторами.</p></article><footer>© 2025 Новости</footer></body></html>"
    )
    (archive / "sports.txt").write_text("Кайрат обыграл Астану со счетом 2:1.")
    (archive / "broken.txt").write_bytes(b"\xff\xfe\xfa")
    with fake_llm([Reply(content=ANSWER)]) as (url, seen):
        summary = run_batch([archive], tmp_path / "out", _settings(url), concurrency=3)
    assert (summary.inputs, summary.duplicates) == (8, 1)
    assert (summary.done, summary.skipped, summary.failed) == (6, 1, 0)
    assert summary.unreadable == 3  # the bad JSON line, the row with no text, the bytes that are not UTF-8
    assert summary.inputs == summary.done + summary.skipped + summary.failed + summary.duplicates
    assert any("more.jsonl:2" in b.where for b in summary.bad_records)
    assert len(seen) == 6 and summary.mentions == 6 and summary.deals == 1
    with Store(tmp_path / "out" / "store.sqlite") as store:
        page_text = store.article_text("page")
    assert SENTENCE in page_text and "var ads" not in page_text and "Главная" not in page_text
    for name in ("mentions.jsonl", "deals.jsonl", "deals.csv", "report.html", "summary.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert '<mark class="amount">10 млн долларов США</mark>' in page

    with fake_llm([Reply(content=ANSWER)]) as (url, seen):
        again = run_batch([archive], tmp_path / "out", _settings(url))
    assert len(seen) == 0 and again.done == 6  # nothing pending: no call at all


def test_the_cache_serves_the_same_text_under_another_id(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 2)
    with fake_llm([Reply(content=ANSWER)]) as (url, seen):
        run_batch([archive], tmp_path / "first", _settings(url))
        # A second store with the same cache table would be another run; here the same text comes under new ids.
        (archive / "txt" / "copy.txt").write_text(_article(0))
        summary = run_batch([archive], tmp_path / "first", _settings(url))
    assert len(seen) == 2 and summary.from_cache == 1 and summary.done == 3


def test_failures_are_recorded_and_the_batch_goes_on(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 3)
    with fake_llm([Reply(500)]) as (url, _):
        summary = run_batch([archive], tmp_path / "out", _settings(url))
    assert summary.failed == 3 and summary.done == 0
    with Store(tmp_path / "out" / "store.sqlite") as store:
        assert all("InternalServerError" in error for _, error in store.failures())
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        summary = run_batch([archive], tmp_path / "out", _settings(url))
    assert summary.failed == 0 and summary.done == 3  # failed articles are retried by the next run


def _mentions_per_article(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as db:
        return dict(
            db.execute(
                "SELECT a.article_id, COUNT(m.position) FROM articles a LEFT JOIN mentions m "
                "ON m.article_id = a.article_id GROUP BY a.article_id"
            ).fetchall()
        )


def test_sigkill_half_way_then_resume_does_every_article_exactly_once(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 40)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "fdi_extract.cli",
        "run",
        str(archive),
        "--out",
        str(out),
        "--strategy",
        "direct",
        "--model",
        "fake",
        "--concurrency",
        "2",
    ]
    with fake_llm([Reply(content=ANSWER, delay=0.05)]) as (url, seen):
        env = {**os.environ, "FDI_EXTRACT_BASE_URL": url}
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(seen) < 12 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        first_calls = len(seen)
        assert first_calls < 40, "the run finished before it could be killed"
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    per_article = _mentions_per_article(out / "store.sqlite")
    assert len(per_article) == 40 and set(per_article.values()) == {1}
    with Store(out / "store.sqlite") as store:
        assert store.counts() == {"done": 40}
    assert len(seen) - first_calls <= 40 - (first_calls - 2 * 2)  # at most the in-flight ones were asked twice
    assert len((out / "mentions.jsonl").read_text().splitlines()) == 40


def test_the_api_key_is_in_no_output_and_not_in_the_store(tmp_path: Path) -> None:
    secret = "sk-proj-DONOTLEAK0123456789abcdef"
    archive = _archive(tmp_path, 2)
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        run_batch([archive], tmp_path / "out", _settings(url, api_key=secret))
    for path in (tmp_path / "out").iterdir():
        assert secret.encode() not in path.read_bytes(), path.name


def test_an_endpoint_that_echoes_the_key_in_its_error_does_not_put_it_in_the_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-proj-DONOTLEAK0123456789abcdef"
    echo = Reply(401, error_message=f"Incorrect API key provided: {secret}. You can find your API key at ...")
    with fake_llm([echo]) as (url, _):
        summary = run_batch([_archive(tmp_path, 2)], tmp_path / "out", _settings(url, api_key=secret))
    assert summary.failed == 2
    with Store(tmp_path / "out" / "store.sqlite") as store:
        errors = [error for _, error in store.failures()]
    assert all("AuthenticationError" in e and "[API key]" in e and secret not in e for e in errors)
    assert secret not in caplog.text
    for path in (tmp_path / "out").iterdir():
        assert secret.encode() not in path.read_bytes(), path.name


def test_no_cassette_holds_a_credential() -> None:
    cassettes = list((Path(__file__).resolve().parents[1] / "cassettes").rglob("*.yaml"))
    assert cassettes
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        # A key's shape, not the letters "sk-": an article's "Issyk-Kul" spelt "Isysk-Kulsk" holds them.
        assert not re.search(r"authorization|bearer|sk-[A-Za-z0-9_-]{16,}", text, re.IGNORECASE), cassette.name


def _run_command(archive: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fdi_extract.cli",
        "run",
        str(archive),
        "--out",
        str(out),
        "--strategy",
        "direct",
        "--model",
        "fake",
        "--concurrency",
        "2",
    ]


def _final_outputs(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text() for name in ("mentions.jsonl", "deals.jsonl", "deals.csv", "report.html")}


def test_kill_9_at_five_points_then_resume_gives_the_outputs_of_an_uninterrupted_run(tmp_path: Path) -> None:
    archive = _archive(tmp_path, 24)
    with fake_llm([Reply(content=ANSWER, delay=0.03)]) as (url, seen):
        env = {**os.environ, "FDI_EXTRACT_BASE_URL": url}
        subprocess.run(_run_command(archive, tmp_path / "whole"), env=env, check=True, capture_output=True, timeout=120)
        expected = _final_outputs(tmp_path / "whole")
        for kill_after in (1, 5, 10, 15, 20):
            out = tmp_path / f"killed-{kill_after}"
            before = len(seen)
            child = subprocess.Popen(
                _run_command(archive, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 60
            while len(seen) - before < kill_after and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.005)
            child.send_signal(signal.SIGKILL)
            child.wait()
            subprocess.run(_run_command(archive, out), env=env, check=True, capture_output=True, timeout=120)
            assert _final_outputs(out) == expected, f"killed after {kill_after} calls"


def test_reconcile_report_and_eval_read_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fdi_extract.cli import main

    archive = _archive(tmp_path, 3)
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        run_batch([archive], tmp_path / "run", _settings(url))
    assert main(["reconcile", str(tmp_path / "run" / "store.sqlite"), "--out", str(tmp_path / "merged")]) == 0
    assert len((tmp_path / "merged" / "deals.jsonl").read_text().splitlines()) == 1
    assert main(["report", str(tmp_path / "run"), "--out", str(tmp_path / "page")]) == 0
    page = (tmp_path / "page" / "report.html").read_text()
    assert "1 deals from 3 articles" in page and '<mark class="amount">' in page  # article text came from the store
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {
                    "article": f"a{i:04d}",
                    "deal": "alpha",
                    "investors": ["Alpha Machinery Co., Ltd."],
                    "investor_country": "CN",
                    "host_country": "KZ",
                    "region": "KZ-15",
                    "sector": "manufacturing",
                    "amount": {"value": 10e6, "currency": "USD", "qualifier": "exact"},
                    "capacity": [],
                    "jobs": None,
                    "stage": "mou",
                    "aggregate": False,
                }
            )
            + "\n"
            for i in range(3)
        )
    )
    capsys.readouterr()
    assert main(["eval", str(gold), str(tmp_path / "run" / "store.sqlite"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["f1"] == 1.0


def test_a_store_from_before_the_deal_id_column_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE mentions (article_id TEXT NOT NULL, position INTEGER NOT NULL, record TEXT NOT NULL, "
            "PRIMARY KEY (article_id, position))"
        )
        old.execute(
            "INSERT INTO mentions VALUES ('a1', 0, ?)",
            ('{"article_id": "a1", "project": "plant", "sector": "energy", "stage": "mou", "deal_id": "deal-kept"}',),
        )
    with Store(path) as store:
        (mention,) = store.mentions()
        assert mention.deal_id == "deal-kept"
        store.set_deal_ids(["deal-new"])
        assert [m.deal_id for m in store.mentions_of("deal-new")] == ["deal-new"]


def test_the_concurrency_limit_halves_on_429_creeps_back_and_loses_no_waiter() -> None:
    import asyncio

    from fdi_extract.pipeline import AdaptiveLimit

    limit = AdaptiveLimit(8)
    over_limit: list[tuple[int, int]] = []
    limits_seen: list[int] = []
    active = 0

    async def request(i: int) -> None:
        nonlocal active
        async with limit:
            active += 1
            if active > limit.limit:
                over_limit.append((active, limit.limit))
            await asyncio.sleep(0.001 * (i % 3))
            active -= 1
        if i == 40:  # two 429s in a row
            await limit.throttled(rate_limited=True)
        await limit.throttled(rate_limited=i in (40, 120))
        limits_seen.append(limit.limit)

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(request(i) for i in range(300))), timeout=30)

    asyncio.run(main())
    assert over_limit == []
    assert len(limits_seen) == 300  # every request got its turn: no waiter was left asleep
    assert min(limits_seen) <= 2 and limits_seen[-1] == 8  # 8 → 4 → 2, then back up one success at a time


def test_the_throughput_bench_serves_a_recorded_answer_that_parses() -> None:
    # bench/throughput.py replays one recorded answer; a cassette re-recorded or renamed must not leave it
    # without one.
    import importlib.util

    from fdi_extract.extract.schema import FoundDeals

    spec = importlib.util.spec_from_file_location("throughput", Path(__file__).parents[1] / "bench" / "throughput.py")
    assert spec is not None and spec.loader is not None
    throughput = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(throughput)
    answer = json.loads(throughput.recorded_answer())
    assert FoundDeals.model_validate_json(answer["choices"][0]["message"]["content"]).deals


def test_a_small_archive_held_in_memory_gives_the_outputs_of_one_read_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _archive(tmp_path, 12)
    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        run_batch([archive], tmp_path / "held", _settings(url))
        monkeypatch.setattr("fdi_extract.batch.HELD_MENTIONS", 0)  # read from the store at every step
        run_batch([archive], tmp_path / "streamed", _settings(url))
    held, streamed = _final_outputs(tmp_path / "held"), _final_outputs(tmp_path / "streamed")
    assert held == streamed and held["deals.jsonl"].count("\n") >= 1


def test_a_re_run_that_changes_nothing_leaves_the_outputs_and_one_that_changes_anything_writes_them(
    tmp_path: Path,
) -> None:
    from fdi_extract.report import OUTPUT_FILES

    archive, out = _archive(tmp_path, 4), tmp_path / "out"

    def rerun_from_the_cache(url: str) -> RunSummary:
        with sqlite3.connect(out / "store.sqlite") as db:
            db.execute("UPDATE articles SET status = 'pending'")
        return run_batch([archive], out, _settings(url))

    def written() -> dict[str, int]:
        return {name: (out / name).stat().st_mtime_ns for name in OUTPUT_FILES}

    with fake_llm([Reply(content=ANSWER)]) as (url, _):
        first = run_batch([archive], out, _settings(url))
        before = written()
        again = rerun_from_the_cache(url)
        assert again.from_cache == 4 and written() == before
        assert (again.mentions, again.deals) == (first.mentions, first.deals) == (4, 1)
        (out / "report.html").unlink()  # an output gone: all are written again
        rerun_from_the_cache(url)
        assert (out / "report.html").exists() and written()["deals.jsonl"] != before["deals.jsonl"]
        before = written()
        (archive / "txt" / "new.txt").write_text(_article(9).replace("Alpha", "Beta"))
        grown = run_batch([archive], out, _settings(url))
    assert written()["deals.jsonl"] != before["deals.jsonl"] and grown.mentions == 5


def test_output_files_names_every_file_write_outputs_leaves(tmp_path: Path) -> None:
    from fdi_extract.report import OUTPUT_FILES, write_outputs

    write_outputs(tmp_path, [], [], lambda _: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OUTPUT_FILES)
