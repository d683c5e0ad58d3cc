"""Reconciliation quality and speed.

    .venv/bin/python bench/reconcile.py [--extracted out/bench/direct.seeds.mentions.jsonl ...]
        [--sizes 10000,...] [--cli-sizes 100000,1000000] [--spark local[2]] [--daily 10000]
        [--generator project|reporting] [--learn-weights]

1. Gold mentions of the seeds and ../shared/corpus/dev fed in (reconciliation alone): pairwise
   precision/recall and B-cubed F1 against the gold ``deal`` keys.
2. End to end, for each --extracted file: its mentions are reconciled, matched to gold mentions by
   `fdi_extract.evaluate`, and the same figures computed over the matched ones.
3. Synthetic archives from ``--generator``: ``project``, this file's (name variants, currencies,
   near-duplicates, same company with several projects, a tenth of investors sharing a first word), or
   ``reporting`` (bench/reporting_archive.py, written from how the press reports, not from the linker):
   seconds, peak RSS and B-cubed F1 against the generator's truth, in memory (``reconcile(list)``) and
   through the CLI from a JSONL file (the out-of-core path), to show how the time grows; with ``--daily N``,
   N further mentions reconciled into each CLI run's folder afterwards (the daily case), with how many
   earlier mentions changed deal.

``--learn-weights``: every step links with match weights learned from its own archive (EM) instead of the
priors of fdi_extract/data/comparisons.toml; each step then prints how its weights were made.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
from reporting_archive import reported_records

from fdi_extract.adjudicate import Adjudicator
from fdi_extract.articles import read_article
from fdi_extract.evaluate import evaluate, load_gold, load_mentions, load_project_words, mention_from_gold
from fdi_extract.model import DealMention, Sector, Stage
from fdi_extract.normalize import canonical_company
from fdi_extract.reconcile import cluster_scores, reconcile
from fdi_extract.reconcile.engines import DuckDBEngine
from fdi_extract.reconcile.plan import DealPlan
from fdi_extract.reconcile.weights import MatchWeights
from fdi_extract.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLDS = [
    (ROOT / "tests/gold/seeds.jsonl", ROOT / "seeds"),
    (ROOT.parent / "shared/corpus/dev/gold.jsonl", ROOT.parent / "shared/corpus/dev"),
]


def published_dates() -> dict[str, str | None]:
    return {read_article(p).article_id: read_article(p).published for _, folder in GOLDS for p in folder.glob("*.txt")}


PROJECT_WORDS = ROOT / "tests/gold/dev_project_words.jsonl"


def _engine(learn: bool) -> DuckDBEngine:
    return DuckDBEngine(learn_weights=learn)


def _weights_line(weights: MatchWeights) -> str:
    if not weights.learned:
        return "priors"
    return f"weights learned from {weights.pairs:,} pairs, a match in {weights.match_share:.2f}"


def gold_fed(with_words: bool, learn: bool = False) -> None:
    """Gold lines carry no words. ``with_words``: where two deals of one article have identical gold lines (a
    greenhouse and a poultry farm of one investor), each gets the words its article names it with
    (tests/gold/dev_project_words.jsonl)."""
    dates = published_dates()
    words = load_project_words(PROJECT_WORDS) if with_words else {}
    gold = [g for path, _ in GOLDS for g in load_gold(path)[0]]
    mentions = [mention_from_gold(g, dates.get(g.article), words.get((g.article, g.deal), "")) for g in gold]
    plan = DealPlan.of_mentions(mentions, engine=_engine(learn))
    deals = plan.groups
    for mention, deal_id in zip(mentions, plan.deal_ids, strict=True):
        mention.deal_id = deal_id
    scores = cluster_scores([g.deal for g in gold], [m.deal_id for m in mentions])
    f1 = 2 * scores.pairwise_precision * scores.pairwise_recall / (scores.pairwise_precision + scores.pairwise_recall)
    print(
        f"gold-fed {'with' if with_words else 'without'} project words (pairwise F1 {f1:.3f}): "
        f"{len(gold)} mentions → {len(deals)} deals "
        f"(gold has {len({g.deal for g in gold})}); "
        f"pairwise P {scores.pairwise_precision:.3f} R {scores.pairwise_recall:.3f}; "
        f"B-cubed P {scores.bcubed_precision:.3f} R {scores.bcubed_recall:.3f} F1 {scores.bcubed_f1:.3f}; "
        f"{_weights_line(plan.weights)}"
    )


def end_to_end(paths: list[Path], adjudicate: bool = False, learn: bool = False) -> None:
    gold, universe = [], set()
    for path, _ in GOLDS:
        lines, articles = load_gold(path)
        gold += lines
        universe |= articles or set()
    mentions = [m for p in paths for m in load_mentions(p)]
    adjudicator = Adjudicator(Settings()) if adjudicate else None
    deals = reconcile(mentions, adjudicator, engine=_engine(learn))
    report = evaluate(gold, mentions, universe)
    scores = cluster_scores([g.deal for g, _ in report.pairs], [m.deal_id for _, m in report.pairs])
    asked = f", {adjudicator.asked} pairs adjudicated by the configured LLM" if adjudicator else ""
    print(
        f"end to end ({', '.join(p.name for p in paths)}{asked}): {len(mentions)} mentions → {len(deals)} deals; "
        f"{report.matched} matched to gold; pairwise P {scores.pairwise_precision:.3f} R {scores.pairwise_recall:.3f}; "
        f"B-cubed F1 {scores.bcubed_f1:.3f}"
    )


_SYLLABLES = [
    "shan",
    "dong",
    "xin",
    "jiang",
    "hua",
    "lin",
    "feng",
    "wan",
    "hai",
    "tian",
    "long",
    "sheng",
    "an",
    "yu",
    "bai",
    "chen",
    "da",
    "fu",
    "guo",
    "he",
    "jin",
    "kai",
    "li",
    "ming",
    "nan",
    "ping",
    "qing",
    "rui",
    "tai",
    "wei",
    "xiang",
    "yang",
    "zhong",
    "bo",
    "cheng",
    "de",
    "gao",
    "hong",
    "kang",
    "mei",
]
# Names many investors share as a first word: their blocks grow with the archive (the windowed path).
_SHARED_FIRST = ["China", "Xinjiang", "Shandong", "Sino", "Asia", "Hengshui"]
_SUFFIXES = ["Co., Ltd", "Co. Ltd", "Group", "Holdings", "Company Limited", "Co.,Ltd.", ""]
_REGIONS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-27", "KZ-31", "KZ-47", "KZ-61", "UZ-JI", "UZ-TO", "KG-C"]


def _variant(name: str, rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.2:
        return name.upper()
    if choice < 0.35:
        return name.replace("ang", "eang", 1)  # the Heangshui/Hengshui kind of misspelling
    if choice < 0.5 and name.split(" ")[0] not in _SHARED_FIRST:
        # A report shortens "Fufeng Group" to "Fufeng", never "China Energy Engineering" to "China".
        return name.split(" ")[0] + " " + rng.choice(_SUFFIXES)
    return name


_ONSETS = [
    "b",
    "ch",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "q",
    "r",
    "s",
    "sh",
    "t",
    "w",
    "x",
    "y",
    "z",
    "zh",
]
_RIMES = [
    "a",
    "ai",
    "an",
    "ang",
    "ao",
    "e",
    "ei",
    "en",
    "eng",
    "i",
    "ian",
    "in",
    "ing",
    "o",
    "ong",
    "ou",
    "u",
    "uan",
    "un",
]


def _company(rng: random.Random) -> str:
    """An investor's name: a first word of two Pinyin-like syllables (some 175,000 words), or one of a few
    that many investors share, then a second word."""
    if rng.random() < 0.1:
        first = rng.choice(_SHARED_FIRST)
    else:
        first = "".join(rng.choice(_ONSETS) + rng.choice(_RIMES) for _ in range(2)).title()
    return f"{first} {''.join(rng.choice(_SYLLABLES) for _ in range(2)).title()}"


def synthetic_records(count: int, rng: random.Random) -> Iterator[tuple[dict, str]]:
    """(mention record, true deal) pairs: realistic name variants, KZT/USD amounts, several reports of a deal,
    some companies with several projects, a tenth of investors sharing a first word with many others."""
    made, deal = 0, 0
    sectors, stages = [s.value for s in Sector], [s.value for s in Stage]
    while True:
        company = _company(rng)
        region = rng.choice(_REGIONS)
        for project in range(rng.choice([1, 1, 1, 2, 3])):  # some companies have several projects
            deal += 1
            sector = rng.choice(sectors)
            usd = rng.choice([5, 30, 50, 140, 220, 650, 800]) * 1e6 * (1 + project)
            capacity = rng.choice(
                [[], [{"value": rng.choice([34, 100, 200, 1320]) * (1 + project), "unit": "MW", "text": ""}]]
            )
            for report in range(rng.choice([1, 1, 2, 3, 5])):
                in_tenge = rng.random() < 0.4
                amount = {
                    "value": usd * 450 if in_tenge else usd,
                    "currency": "KZT" if in_tenge else "USD",
                    "text": "",
                    "usd": usd * rng.uniform(0.95, 1.05),
                }
                name = f"{company} {rng.choice(_SUFFIXES)}".strip()
                yield (
                    {
                        "article_id": f"a{deal}-{report}",
                        "published": f"{2018 + rng.randint(0, 1)}-0{rng.randint(1, 9)}",
                        "investors": [
                            {"name": _variant(name, rng), "name_normalized": canonical_company(name), "country": "CN"}
                        ],
                        "host_country": region[:2],
                        "region": region,
                        "project": "",
                        "sector": sector,
                        "amount": amount if rng.random() < 0.8 else None,
                        "capacity": capacity,
                        "stage": rng.choice(stages),
                        "aggregate": False,
                    },
                    f"d{deal}",
                )
                made += 1
                if made == count:
                    return


# Archive generators by name: this file's own, and one written from how the press reports
# (bench/reporting_archive.py).
GENERATORS: dict[str, Callable[[int, random.Random], Iterator[tuple[dict, str]]]] = {
    "project": synthetic_records,
    "reporting": reported_records,
}


def synthetic(count: int, rng: random.Random, generator: str = "project") -> tuple[list[DealMention], list[str]]:
    pairs = list(GENERATORS[generator](count, rng))
    return [DealMention.model_validate(record) for record, _ in pairs], [truth for _, truth in pairs]


def scaling(sizes: list[int], generator: str = "project", learn: bool = False) -> None:
    """In memory: ``reconcile(list)``, the library call."""
    for size in sizes:
        mentions, truth = synthetic(size, random.Random(size), generator)
        started = time.perf_counter()
        deals = reconcile(mentions, engine=_engine(learn))
        seconds = time.perf_counter() - started
        scores = cluster_scores(truth, [m.deal_id for m in mentions])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"in memory: {generator} generator, {size:,} mentions → {len(deals):,} deals in {seconds:.1f} s, "
            f"peak RSS {peak:.0f} MB, B-cubed F1 {scores.bcubed_f1:.3f} "
            f"(P {scores.bcubed_precision:.3f} R {scores.bcubed_recall:.3f})"
        )


def _tree_rss(pid: int) -> int:
    """Bytes resident in a process and all its descendants now (read from /proc, Linux)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            total += int((Path("/proc") / str(current) / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


def _reconcile_in_a_child(mentions: Path, out: Path, spark: str | None, learn: bool) -> tuple[float, int]:
    """``fdi-extract reconcile MENTIONS --out OUT`` in a child process: its wall seconds and the peak of its
    resident memory with its worker processes' (sampled every 0.2 s)."""
    command = [sys.executable, "-m", "fdi_extract.cli", "reconcile", str(mentions), "--out", str(out)]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*command, *(["--spark", spark] if spark else []), *(["--learn-weights"] if learn else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(child.pid))
        try:  # returns as the child ends, so that the wall time is not rounded up to the next sample
            child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
    if child.returncode:
        raise SystemExit(f"reconcile failed: {child.stderr.read().decode()[-2000:]}")
    return time.perf_counter() - started, peak


def through_the_cli(
    sizes: list[int], spark: str | None = None, daily: int = 0, generator: str = "project", learn: bool = False
) -> None:
    """``fdi-extract reconcile FILE --out DIR`` on a JSONL file of synthetic mentions: wall time, peak memory
    and B-cubed F1 of its mentions.parquet against the generator's truth. With ``daily``, then that many further
    mentions of the same generator reconciled into the same folder (the daily case): its seconds and peak,
    and how many of the earlier mentions changed deal."""
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as folder:
            work = Path(folder)
            truth: dict[str, str] = {}
            records = GENERATORS[generator](size + daily, random.Random(size))
            with (work / "mentions.jsonl").open("w") as first, (work / "new.jsonl").open("w") as later:
                for made, (record, deal) in enumerate(records):
                    (first if made < size else later).write(json.dumps(record) + "\n")
                    truth[record["article_id"]] = deal
            seconds, peak = _reconcile_in_a_child(work / "mentions.jsonl", work / "out", spark, learn)
            rows = duckdb.sql(f"SELECT article_id, deal_id FROM '{work / 'out' / 'mentions.parquet'}'").fetchall()
            deals = len({deal for _, deal in rows})
            scores = cluster_scores([truth[article] for article, _ in rows], [deal for _, deal in rows])
            print(
                f"CLI{' on Spark ' + spark if spark else ''}: {generator} generator, {size:,} mentions → "
                f"{deals:,} deals in {seconds:.2f} s, peak RSS {peak / 2**20:.0f} MB (the process and its workers), "
                f"B-cubed F1 {scores.bcubed_f1:.3f}"
            )
            if not daily:
                continue
            before = dict(rows)
            seconds, peak = _reconcile_in_a_child(work / "new.jsonl", work / "out", spark, learn)
            after = dict(
                duckdb.sql(f"SELECT article_id, deal_id FROM '{work / 'out' / 'mentions.parquet'}'").fetchall()
            )
            moved = sum(after.get(article) != deal for article, deal in before.items())
            scores = cluster_scores([truth[article] for article in after], list(after.values()))
            print(
                f"  then {daily:,} new mentions into that folder: {len(after):,} mentions → "
                f"{len(set(after.values())):,} deals in {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MB; "
                f"earlier mentions whose deal id changed: {moved:,} of {len(before):,}; "
                f"B-cubed F1 {scores.bcubed_f1:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extracted", type=Path, nargs="*", default=[])
    parser.add_argument("--sizes", default="10000", help="in memory, reconcile(list): mentions per archive")
    parser.add_argument("--cli-sizes", default="100000,1000000", help="through `fdi-extract reconcile FILE`")
    parser.add_argument("--spark", metavar="MASTER", help="the CLI runs link on Spark (e.g. local[2])")
    parser.add_argument(
        "--daily", type=int, default=0, metavar="N", help="after each CLI size, N further mentions into its folder"
    )
    parser.add_argument("--generator", choices=GENERATORS, default="project", help="the synthetic archives' generator")
    parser.add_argument(
        "--adjudicate", action="store_true", help="end to end: let the configured LLM judge borderline pairs"
    )
    parser.add_argument(
        "--learn-weights", action="store_true", help="link with match weights learned from each archive (EM)"
    )
    args = parser.parse_args()
    gold_fed(with_words=False, learn=args.learn_weights)
    gold_fed(with_words=True, learn=args.learn_weights)
    if args.extracted:
        end_to_end(args.extracted, args.adjudicate, args.learn_weights)
    if args.sizes:
        scaling([int(s) for s in args.sizes.split(",")], args.generator, args.learn_weights)
    if args.cli_sizes:
        through_the_cli(
            [int(s) for s in args.cli_sizes.split(",")], args.spark, args.daily, args.generator, args.learn_weights
        )


if __name__ == "__main__":
    main()
