"""Peak memory of a batch over a large archive served from the result cache.

    .venv/bin/python bench/memory.py [--sizes 10000,100000]

For each size: writes that many small distinct articles (a Chinese company, a wind farm, an amount, a
Kazakh region; about 300 characters) to a JSONL archive and fills a store's result cache with their
extractions. The cache is filled by the real pipeline (grounding, normalization, USD conversion) with the
model's answer written by this script from the article's own phrases, because extracting 100,000
articles through a model would take hours; what is measured is the run that follows.

Then `fdi-extract run ARCHIVE --out DIR` runs in a child process pointed at an endpoint that does not
exist, so an article missed by the cache would fail rather than pass unnoticed; the child's wall time
and peak RSS (ru_maxrss of the child) are printed. The run reads the archive, registers every article,
takes each result from the cache, commits it, reconciles all the mentions and writes mentions.jsonl,
deals.jsonl, deals.csv and report.html.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fdi_extract.extract.schema import FoundDeal, FoundDeals
from fdi_extract.model import Article, Stage
from fdi_extract.pipeline import Extractor
from fdi_extract.settings import Settings, Strategy
from fdi_extract.store import Store, cache_key

MODEL = "bench-model"
# Port 9 (discard) on loopback: nothing answers there.
UNREACHABLE = "http://127.0.0.1:9/v1"
_REGIONS = ["Актюбинской", "Жамбылской", "Мангистауской", "Туркестанской", "Павлодарской", "Абайской"]
_SYLLABLES = ["Shan", "Dong", "Xin", "Jiang", "Hua", "Lin", "Feng", "Wan", "Hai", "Tian", "Long", "Sheng"]


def article(i: int, rng: random.Random) -> tuple[Article, FoundDeal]:
    company = f"{rng.choice(_SYLLABLES)}{rng.choice(_SYLLABLES).lower()} {rng.choice(_SYLLABLES)} Energy Co., Ltd"
    megawatts = rng.choice([50, 100, 150, 200, 300])
    amount = f"{rng.randint(20, 400)} млн долларов США"
    region = rng.choice(_REGIONS)
    sentence = f"Компания {company} построит ветроэлектростанцию мощностью {megawatts} МВт в {region} области."
    text = (
        f"Аким области провёл встречу с инвесторами из Китая. {sentence} Стоимость проекта – {amount}. "
        f"Подписан меморандум о сотрудничестве. Сообщение {i}."
    )
    draft = FoundDeal(
        investor=company,
        investor_country="CN",
        project="wind farm",
        place=f"{region} области",
        amount=amount,
        capacity=f"{megawatts} МВт",
        stage=Stage.mou,
    )
    return Article(article_id=f"m{i:06d}", text=text, published="2025-05-21"), draft


class _Answers:
    """Stands in for the LLM while the cache is filled: answers each article with its own draft."""

    model = MODEL

    def __init__(self) -> None:
        self.next_answer = FoundDeals()

    async def ask(self, response_model: type, messages: list[dict[str, str]], **_: object) -> FoundDeals:
        return self.next_answer


async def fill(size: int, archive: Path, store_path: Path) -> None:
    settings = Settings(base_url=UNREACHABLE, model=MODEL, strategy=Strategy.direct, api_key="not-needed")
    extractor = Extractor(settings)
    answers = _Answers()
    rng = random.Random(size)
    with archive.open("w", encoding="utf-8") as out, Store(store_path) as store:
        for i in range(size):
            item, draft = article(i, rng)
            out.write(
                json.dumps({"id": item.article_id, "date": item.published, "text": item.text}, ensure_ascii=False)
                + "\n"
            )
            answers.next_answer = FoundDeals(deals=[draft])
            result = await extractor.aextract(item, answers)  # type: ignore[arg-type]
            assert len(result.mentions) == 1, result.warnings
            store.remember(
                cache_key(item.text, extractor.result_key),
                result,
            )


def measure(size: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        archive, run_dir = Path(work) / "archive.jsonl", Path(work) / "run"
        asyncio.run(fill(size, archive, run_dir / "store.sqlite"))
        started = time.perf_counter()
        environment = os.environ | {"OPENAI_API_KEY": "not-needed"}
        with (Path(work) / "run.log").open("w") as log:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fdi_extract.cli",
                    "run",
                    str(archive),
                    "--out",
                    str(run_dir),
                    "--strategy",
                    "direct",
                    "--base-url",
                    UNREACHABLE,
                    "--model",
                    MODEL,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
            )
            _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, peak RSS included
            child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit((Path(work) / "run.log").read_text()[-3000:])
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["from_cache"] == size and summary["failed"] == 0, summary
        report_mb = (run_dir / "report.html").stat().st_size / 1e6
        print(
            f"{size} articles from cache: {seconds:.1f} s wall, peak RSS {usage.ru_maxrss / 1024:.0f} MB; "
            f"{summary['mentions']} mentions → {summary['deals']} deals; report.html {report_mb:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    for size in (int(s) for s in parser.parse_args().sizes.split(",")):
        measure(size)


if __name__ == "__main__":
    main()
