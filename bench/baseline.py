"""The yardstick: one plain Instructor call per article with a flat schema, on the same model.

    .venv/bin/python bench/baseline.py [--sets seeds,dev] [--out out/bench] [--replay CASSETTE]

What a developer would write in ten minutes with Instructor's public API and no knowledge of this
project: ``instructor.from_openai(OpenAI(...), mode=Mode.JSON)``, one ``create`` per article with a
flat list-of-deals schema, one re-ask on a validation error. Its answers are turned into
``DealMention`` records with this project's normalizers only (money and capacity phrases parsed,
places resolved to ISO codes, company keys), with no grounding and no rule, so that
``fdi_extract.evaluate`` scores it exactly as it scores the project's strategies. Prints one row per
article set; writes ``baseline.<set>.mentions.jsonl`` under --out.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Literal

import instructor
import openai
from accuracy import replaying  # bench/ is the script's own folder, first on sys.path
from instructor.core.exceptions import InstructorError
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from fdi_extract import Settings
from fdi_extract.articles import iter_text_files, read_article
from fdi_extract.evaluate import evaluate, load_gold
from fdi_extract.local import EmbeddedServer
from fdi_extract.model import Amount, Capacity, DealMention, Investor, Stage
from fdi_extract.normalize.companies import canonical_company
from fdi_extract.normalize.money import parse_money
from fdi_extract.normalize.places import resolve_place
from fdi_extract.normalize.quantities import parse_capacities

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "seeds": (ROOT / "seeds", ROOT / "tests/gold/seeds.jsonl"),
    "dev": (ROOT.parent / "shared/corpus/dev", ROOT.parent / "shared/corpus/dev/gold.jsonl"),
}
SYSTEM = (
    "Extract foreign direct investment deals from the news article: concrete projects (a plant, a power "
    "station, a farm, a mine...) that a foreign company invests in or builds. Return an empty list when the "
    "article reports no such project."
)


class FlatDeal(BaseModel):
    investor: str | None = Field(None, description="The foreign investor company, as written in the article.")
    investor_country: str | None = Field(None, description="ISO 3166-1 alpha-2 code of the investor's country.")
    region: str | None = Field(None, description="Region, district or city of the project, as written.")
    amount: str | None = Field(None, description="The investment amount, as written (number and currency).")
    capacity: str | None = Field(None, description="The capacity, as written (number and unit).")
    jobs: int | None = Field(None, description="Jobs created.")
    stage: Literal["announced", "mou", "agreement", "construction", "operational", "cancelled"] = "announced"
    aggregate: bool = Field(False, description="True when the amount is a total over several projects.")


class FlatDeals(BaseModel):
    deals: list[FlatDeal]


def to_mention(deal: FlatDeal, article_id: str, published: str | None) -> DealMention:
    money = parse_money(deal.amount or "")
    capacities = parse_capacities(deal.capacity or "")
    place = resolve_place(deal.region) if deal.region else None
    return DealMention(
        article_id=article_id,
        published=published,
        investors=[
            Investor(
                name=deal.investor, name_normalized=canonical_company(deal.investor), country=deal.investor_country
            )
        ]
        if deal.investor
        else [],
        investor_country=deal.investor_country,
        region=place.code if place else None,
        host_country=place.country if place else None,
        amount=Amount(
            value=money[0].value, currency=money[0].currency, qualifier=money[0].qualifier, text=money[0].text
        )
        if money
        else None,
        capacity=[Capacity(value=c.value, unit=c.unit, text=c.text) for c in capacities[:1]],
        jobs=deal.jobs if deal.jobs and deal.jobs > 0 else None,
        stage=Stage(deal.stage),
        aggregate=deal.aggregate,
        strategy="baseline",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="seeds,dev")
    parser.add_argument("--out", type=Path, default=ROOT / "out/bench")
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="CASSETTE",
        help="record chat completions here and replay identical ones (a YAML file)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    table = Table(title="one plain Instructor call per article (Mode.JSON, flat schema), embedded model")
    for column in ("set", "articles", "failed", "P", "R", "F1", "amount acc", "stage acc", "median s/article"):
        table.add_column(column, justify="right")
    with replaying(args.replay), EmbeddedServer(settings) as server:
        client = instructor.from_openai(
            openai.OpenAI(base_url=server.base_url, api_key=server.api_key, timeout=settings.resolved_request_timeout),
            mode=instructor.Mode.JSON,
        )
        for set_name in args.sets.split(","):
            folder, gold_path = SETS[set_name]
            gold, articles = load_gold(gold_path)
            paths = [p for p in iter_text_files([folder]) if articles is None or p.stem in articles]
            mentions: list[DealMention] = []
            seconds: list[float] = []
            failed = 0
            for path in paths:
                article = read_article(path)
                started = time.perf_counter()
                try:
                    answer = client.chat.completions.create(
                        model=settings.resolved_model,
                        response_model=FlatDeals,
                        max_retries=1,
                        temperature=0.0,
                        max_tokens=settings.max_output_tokens,
                        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": article.text}],
                    )
                except InstructorError as error:  # counted as an article with no deal
                    print(f"{article.article_id}: failed ({type(error).__name__}: {str(error)[:120]})", flush=True)
                    failed += 1
                    continue
                finally:
                    seconds.append(time.perf_counter() - started)
                mentions.extend(to_mention(d, article.article_id, article.published) for d in answer.deals)
            (args.out / f"baseline.{set_name}.mentions.jsonl").write_text(
                "".join(m.model_dump_json() + "\n" for m in mentions)
            )
            report = evaluate(gold, mentions, articles)
            table.add_row(
                set_name,
                str(len(paths)),
                str(failed),
                f"{report.precision:.2f}",
                f"{report.recall:.2f}",
                f"{report.f1:.2f}",
                f"{report.accuracy('amount') or 0:.2f}",
                f"{report.accuracy('stage') or 0:.2f}",
                f"{statistics.median(seconds):.1f}",
            )
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
