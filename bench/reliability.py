"""Faults and bad input against a batch run; writes docs/reliability.md.

    .venv/bin/python bench/reliability.py

Each row runs a small batch (direct strategy) against a real HTTP server on loopback that answers with
one kind of fault, with a short request timeout and a fast retry policy, and counts what happened to
every article: done, failed (with its recorded cause), skipped, unreadable, duplicate, and
lost = tried − done − failed − skipped − unreadable − duplicate.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fdi_extract.batch import run_batch
from fdi_extract.settings import RetryPolicy, Settings, Strategy
from fdi_extract.store import Store
from tests.fake_llm import Reply, fake_llm

SENTENCE = (
    "Китайская компания Alpha Machinery Co., Ltd. построит в Актюбинской области завод стоимостью 10 млн долларов США."
)
GOOD = json.dumps(
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
ARTICLES = 6

FAULTS: list[tuple[str, list[Reply]]] = [
    ("429 with Retry-After: 1, then answers", [Reply(429, headers={"Retry-After": "1"}), Reply(content=GOOD)]),
    ("429 without Retry-After, then answers", [Reply(429), Reply(content=GOOD)]),
    ("500 every time", [Reply(500)]),
    ("502 every time", [Reply(502)]),
    ("503 once, then answers", [Reply(503), Reply(content=GOOD)]),
    ("hangs past the 1 s timeout", [Reply(content=GOOD, delay=3)]),
    ("drops the connection", [Reply(drop=True)]),
    ("invalid JSON", [Reply(content="{not json")]),
    ("JSON that breaks the schema", [Reply(content='{"deals": [{"project": 5}]}')]),
    ("answer cut at the token limit", [Reply(content='{"deals": [', finish_reason="length")]),
    ("empty choices", [Reply(content=GOOD, empty_choices=True)]),
]


def _articles(folder: Path, extra: dict[str, bytes] | None = None) -> int:
    folder.mkdir(parents=True)
    for i in range(ARTICLES):
        (folder / f"a{i}.txt").write_text(f"date: 2025-05-0{i + 1}\n\nНовость {i}. {SENTENCE}")
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    return ARTICLES + len(extra or {})


def _cause(error: str) -> str:
    """The exception's name, or for a refused input (``article 'x': why (hint)``) the why."""
    if error.startswith("article "):
        return error.split(": ", 1)[-1].split(" (")[0]
    return error.split(":")[0]


def _row(
    name: str,
    replies: list[Reply],
    extra: dict[str, bytes] | None = None,
    extra_records: int = 0,
) -> tuple[str, int, str, int]:
    """``extra_records``: records in the extra files beyond one per file (lines of a JSONL, rows of a CSV)."""
    with tempfile.TemporaryDirectory() as work:
        tried = _articles(Path(work) / "in", extra) + extra_records
        with fake_llm(replies) as (url, _):
            settings = Settings(
                base_url=url,
                model="fake",
                strategy=Strategy.direct,
                request_timeout=1.0,
                validation_retries=1,
                retry=RetryPolicy(max_attempts=3, initial_wait=0.05, max_wait=2, jitter=0),
            )
            summary = run_batch([Path(work) / "in"], Path(work) / "out", settings, concurrency=3)
        with Store(Path(work) / "out" / "store.sqlite") as store:
            causes = sorted({_cause(error or "") for _, error in store.failures()})
    lost = tried - summary.done - summary.failed - summary.skipped - summary.unreadable - summary.duplicates
    outcome = f"{summary.done} done, {summary.failed} failed" + (f" ({', '.join(causes)})" if causes else "")
    if summary.skipped:
        outcome += f", {summary.skipped} skipped"
    if summary.unreadable:
        outcome += f", {summary.unreadable} unreadable (reported)"
    if summary.duplicates:
        outcome += f", {summary.duplicates} duplicate (registered once)"
    return name, tried, outcome, lost


def main() -> None:
    logging.getLogger("instructor").setLevel(logging.CRITICAL)  # each failed attempt is counted in the table
    rows = [_row(name, replies) for name, replies in FAULTS]
    rows.append(
        _row(
            "bad input: empty, binary, invalid UTF-8, no investment content",
            [Reply(content=GOOD)],
            {
                "empty.txt": b"",
                "binary.txt": b"\x00\x01\x02\x03PK\x05\x06",
                "latin1.txt": "Caf\xe9".encode("latin-1"),
                "sports.txt": "Кайрат обыграл Астану со счетом 2:1.".encode(),
            },
        )
    )
    line = json.dumps({"id": "j1", "date": "2025-05-01", "text": f"Новость. {SENTENCE}"}, ensure_ascii=False)
    rows.append(
        _row(
            "bad input: a repeated id, malformed JSONL and CSV rows, a 5 MB article, HTML soup, Chinese text",
            [Reply(content=GOOD)],
            {
                "records.jsonl": f"{line}\n{line}\n{{broken\n".encode(),
                "rows.csv": f'id,text\nc1,"Новость. {SENTENCE}"\nc2\n'.encode(),
                "huge.txt": (SENTENCE + " ").encode() * (5_000_000 // len(SENTENCE.encode())),
                "soup.html": (
                    f"<html><script>x=1</script><div><p>Новость. {SENTENCE}<div></span><p>Продолжение"
                ).encode(),
                "chinese.txt": "中国企业将在阿克托别州投资1000万美元建设工厂。".encode(),
            },
            extra_records=3,
        )
    )
    lines = [
        "# Reliability",
        "",
        (
            "Generated by `.venv/bin/python bench/reliability.py`; each row is a batch of "
            f"{ARTICLES} articles (plus the bad records of the last two rows) against a loopback server that "
            "answers with "
            "that fault. Retries: 3 attempts, request timeout 1 s, one re-ask on an invalid answer."
        ),
        "",
        "| fault or input | articles tried | outcome | lost |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {name} | {tried} | {outcome} | {lost} |" for name, tried, outcome, lost in rows]
    lines += ["", f"articles lost: {sum(r[3] for r in rows)}", ""]
    # The sections after the generated table are written by hand (each row names its test): kept as they are.
    page = ROOT / "docs" / "reliability.md"
    kept = page.read_text(encoding="utf-8").partition("\n## ")
    page.write_text("\n".join(lines) + (f"\n## {kept[2]}" if kept[1] else ""), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
