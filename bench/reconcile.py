"""Reconciliation quality and speed.

    .venv/bin/python bench/reconcile.py [--extracted out/bench/guided.seeds.mentions.jsonl ...] [--sizes 10000,...]

1. Gold mentions of the seeds and ../shared/corpus/dev fed in (reconciliation alone): pairwise
   precision/recall and B-cubed F1 against the gold ``deal`` keys.
2. End to end, for each --extracted file: its mentions are reconciled, matched to gold mentions by
   `fdi_extract.evaluate`, and the same figures computed over the matched ones.
3. Synthetic archives (realistic name variants, currencies, near-duplicates, same company with several
   projects): seconds and peak RSS per size, to show how the time grows.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from fdi_extract.adjudicate import Adjudicator
from fdi_extract.articles import read_article
from fdi_extract.evaluate import evaluate, load_gold, load_mentions, mention_from_gold
from fdi_extract.model import Amount, Capacity, DealMention, Investor, Sector, Stage
from fdi_extract.normalize import canonical_company
from fdi_extract.reconcile import cluster_scores, reconcile
from fdi_extract.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLDS = [(ROOT / "tests/gold/seeds.jsonl", ROOT / "seeds"), (ROOT.parent / "shared/corpus/dev/gold.jsonl", ROOT.parent / "shared/corpus/dev")]


def published_dates() -> dict[str, str | None]:
    return {read_article(p).article_id: read_article(p).published for _, folder in GOLDS for p in folder.glob("*.txt")}


def gold_fed() -> None:
    dates = published_dates()
    gold = [g for path, _ in GOLDS for g in load_gold(path)[0]]
    mentions = [mention_from_gold(g, dates.get(g.article)) for g in gold]
    deals = reconcile(mentions)
    scores = cluster_scores([g.deal for g in gold], [m.deal_id for m in mentions])
    print(f"gold-fed: {len(gold)} mentions → {len(deals)} deals (gold has {len({g.deal for g in gold})}); "
          f"pairwise P {scores.pairwise_precision:.3f} R {scores.pairwise_recall:.3f}; "
          f"B-cubed P {scores.bcubed_precision:.3f} R {scores.bcubed_recall:.3f} F1 {scores.bcubed_f1:.3f}")


def end_to_end(paths: list[Path], adjudicate: bool = False) -> None:
    gold, universe = [], set()
    for path, _ in GOLDS:
        lines, articles = load_gold(path)
        gold += lines
        universe |= articles or set()
    mentions = [m for p in paths for m in load_mentions(p)]
    adjudicator = Adjudicator(Settings()) if adjudicate else None
    deals = reconcile(mentions, adjudicator)
    report = evaluate(gold, mentions, universe)
    scores = cluster_scores([g.deal for g, _ in report.pairs], [m.deal_id for _, m in report.pairs])
    asked = f", {adjudicator.asked} pairs adjudicated by the configured LLM" if adjudicator else ""
    print(f"end to end ({', '.join(p.name for p in paths)}{asked}): {len(mentions)} mentions → {len(deals)} deals; "
          f"{report.matched} matched to gold; pairwise P {scores.pairwise_precision:.3f} R {scores.pairwise_recall:.3f}; "
          f"B-cubed F1 {scores.bcubed_f1:.3f}")


_SYLLABLES = ["shan", "dong", "xin", "jiang", "hua", "lin", "feng", "wan", "hai", "tian", "long", "sheng", "an", "yu"]
_SUFFIXES = ["Co., Ltd", "Co. Ltd", "Group", "Holdings", "Company Limited", "Co.,Ltd.", ""]
_REGIONS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-27", "KZ-31", "KZ-47", "KZ-61", "UZ-JI", "UZ-TO", "KG-C"]


def _variant(name: str, rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.2:
        return name.upper()
    if choice < 0.35:
        return name.replace("ang", "eang", 1)  # the Heangshui/Hengshui kind of misspelling
    if choice < 0.5:
        return name.split(" ")[0] + " " + rng.choice(_SUFFIXES)
    return name


def synthetic(count: int, rng: random.Random) -> tuple[list[DealMention], list[str]]:
    mentions: list[DealMention] = []
    truth: list[str] = []
    deal = 0
    while len(mentions) < count:
        company = "".join(rng.choice(_SYLLABLES) for _ in range(2)).title() + " " + rng.choice(_SYLLABLES).title()
        region = rng.choice(_REGIONS)
        for project in range(rng.choice([1, 1, 1, 2, 3])):  # some companies have several projects
            deal += 1
            sector = rng.choice(list(Sector))
            usd = rng.choice([5, 30, 50, 140, 220, 650, 800]) * 1e6 * (1 + project)
            capacity = rng.choice([[], [Capacity(value=rng.choice([34, 100, 200, 1320]) * (1 + project), unit="MW", text="")]])
            for report in range(rng.choice([1, 1, 2, 3, 5])):
                year = 2018 + rng.randint(0, 1)
                in_tenge = rng.random() < 0.4
                amount = Amount(value=usd * 450 if in_tenge else usd, currency="KZT" if in_tenge else "USD", text="",
                                usd=usd * rng.uniform(0.95, 1.05))
                name = f"{company} {rng.choice(_SUFFIXES)}".strip()
                mentions.append(DealMention(
                    article_id=f"a{deal}-{report}-{rng.randint(0, 10**9)}", published=f"{year}-0{rng.randint(1, 9)}",
                    investors=[Investor(name=_variant(name, rng), name_normalized=canonical_company(name), country="CN")],
                    host_country=region[:2], region=region, project="", sector=sector,
                    amount=amount if rng.random() < 0.8 else None, capacity=capacity,
                    stage=rng.choice(list(Stage)), aggregate=False,
                ))
                truth.append(f"d{deal}")
    return mentions[:count], truth[:count]


def scaling(sizes: list[int]) -> None:
    for size in sizes:
        mentions, truth = synthetic(size, random.Random(size))
        started = time.perf_counter()
        deals = reconcile(mentions)
        seconds = time.perf_counter() - started
        scores = cluster_scores(truth, [m.deal_id for m in mentions])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"synthetic {size} mentions → {len(deals)} deals in {seconds:.1f} s, peak RSS {peak:.0f} MB, "
              f"B-cubed F1 {scores.bcubed_f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extracted", type=Path, nargs="*", default=[])
    parser.add_argument("--sizes", default="10000,20000,50000,100000")
    parser.add_argument("--adjudicate", action="store_true", help="end to end: let the configured LLM judge borderline pairs")
    args = parser.parse_args()
    gold_fed()
    if args.extracted:
        end_to_end(args.extracted, args.adjudicate)
    if args.sizes:
        scaling([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
