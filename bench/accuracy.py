"""Accuracy, speed, memory and tokens of the extraction strategies on the embedded model, side by side.

    .venv/bin/python bench/accuracy.py [--strategies direct] [--out out/bench] [--batch NAME]

Runs every strategy over the seeds (gold: tests/gold/seeds.jsonl) and ../shared/corpus/dev (gold:
its gold.jsonl) with the embedded llama.cpp model, writes each strategy's mentions and per-article
stats under --out, and prints one row per strategy and article set: deal-level P/R/F1, amount and
stage accuracy on matched deals, figures absent from the article, median and longest seconds per article,
mean tokens per article, and the llama.cpp server's peak RSS.

``--batch NAME`` (repeatable) runs only the dev articles of one batch of tests/gold/dev_batches.json (and no seeds).

``--replay CASSETTE`` records every chat completion the first time and replays it on later runs whose
requests are byte-identical (vcrpy, as the tests' cassettes). Changes to what happens after the model
answers (grounding, stage and sector words, joining drafts) then re-score in seconds; a changed prompt or
question goes to the model and is added. Seconds per article are the model's only on a recording run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from contextlib import nullcontext
from pathlib import Path

import vcr
from rich.console import Console
from rich.table import Table

from fdi_extract import Extractor, FdiExtractError, Settings
from fdi_extract.articles import iter_text_files, read_article
from fdi_extract.evaluate import evaluate, load_gold
from fdi_extract.model import ArticleResult, DealMention

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "seeds": (ROOT / "seeds", ROOT / "tests/gold/seeds.jsonl"),
    "dev": (ROOT.parent / "shared/corpus/dev", ROOT.parent / "shared/corpus/dev/gold.jsonl"),
}


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of a process's resident memory (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def figures_absent_from_article(mention: DealMention, text: str) -> int:
    figures = ([mention.amount.text] if mention.amount else []) + [c.text for c in mention.capacity]
    return sum(figure not in text for figure in figures)


def replaying(cassette: Path | None):
    """Record and replay chat completions only: the embedded server's health checks stay live."""
    if cassette is None:
        return nullcontext()

    def only_completions(request: vcr.request.Request) -> vcr.request.Request | None:
        return request if request.path.endswith("/chat/completions") else None

    # No key in the recording, so that it can be committed as a test's cassette (tests/test_recorded_runs.py).
    return vcr.VCR(
        record_mode="new_episodes",
        match_on=["method", "path", "body"],
        filter_headers=["authorization"],
        before_record_request=only_completions,
    ).use_cassette(str(cassette))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", default="direct")
    parser.add_argument("--sets", default="seeds,dev")
    parser.add_argument("--out", type=Path, default=ROOT / "out/bench")
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="CASSETTE",
        help="record chat completions here and replay identical ones (a YAML file)",
    )
    parser.add_argument(
        "--batch",
        action="append",
        help="only the dev articles of this batch of tests/gold/dev_batches.json (repeat it for several)",
    )
    args = parser.parse_args()
    listed = json.loads((ROOT / "tests/gold/dev_batches.json").read_text())
    only = {article for name in args.batch or () for article in listed[name]}
    if only:
        args.sets = "dev"
    args.out.mkdir(parents=True, exist_ok=True)
    console = Console(width=200)
    figures: list[dict[str, object]] = []
    table = Table(title="strategies on the embedded model (Qwen2.5-Coder-1.5B Q4_K_M, 2 cores)")
    for column in (
        "strategy",
        "set",
        "articles",
        "P",
        "R",
        "F1",
        "amount acc",
        "stage acc",
        "absent figures",
        "median s/article",
        "max s/article",
        "tokens/article (prompt+completion)",
        "server peak RSS MB",
    ):
        table.add_column(column, justify="right")
    for strategy in args.strategies.split(","):
        with replaying(args.replay), Extractor(Settings(strategy=strategy)) as extractor:
            assert extractor._server is not None and extractor._server._process is not None
            server_pid = extractor._server._process.pid
            for set_name in args.sets.split(","):
                folder, gold_path = SETS[set_name]
                results: list[ArticleResult] = []
                absent = failed = 0
                gold, articles = load_gold(gold_path)
                if only:
                    gold, articles = [g for g in gold if g.article in only], only
                paths = [p for p in iter_text_files([folder]) if articles is None or p.stem in articles]
                with (args.out / f"{strategy}.{set_name}.mentions.jsonl").open("w") as out:
                    for path in paths:
                        article = read_article(path)
                        try:
                            result = extractor.extract(article)
                        except FdiExtractError as error:  # counted as an article with no deals, as a batch would
                            result = ArticleResult(article_id=article.article_id, error=str(error))
                            failed += 1
                        results.append(result)
                        absent += sum(figures_absent_from_article(m, article.text) for m in result.mentions)
                        out.writelines(m.model_dump_json() + "\n" for m in result.mentions)
                        console.print(
                            f"[dim]{strategy} {path.name}: {len(result.mentions)} deals, "
                            f"{result.seconds:.1f} s, {result.usage.prompt_tokens}+"
                            f"{result.usage.completion_tokens} tokens",
                            highlight=False,
                        )
                report = evaluate(gold, [m for r in results for m in r.mentions], articles)
                prompt = statistics.mean(r.usage.prompt_tokens for r in results)
                completion = statistics.mean(r.usage.completion_tokens for r in results)
                figures.append(
                    {
                        "strategy": strategy,
                        "set": set_name,
                        **report.as_dict(),
                        "absent_figures": absent,
                        "failed_articles": failed,
                        "median_seconds": statistics.median(r.seconds for r in results if not r.error),
                        "max_seconds": max(r.seconds for r in results),
                        "mean_prompt_tokens": prompt,
                        "mean_completion_tokens": completion,
                        "server_peak_rss_mb": peak_rss_mb(server_pid),
                    }
                )
                table.add_row(
                    strategy,
                    set_name,
                    f"{len(results)} ({failed} failed)",
                    f"{report.precision:.2f}",
                    f"{report.recall:.2f}",
                    f"{report.f1:.2f}",
                    f"{report.accuracy('amount') or 0:.2f}",
                    f"{report.accuracy('stage') or 0:.2f}",
                    str(absent),
                    f"{statistics.median(r.seconds for r in results if not r.error):.1f}",
                    f"{max(r.seconds for r in results):.1f}",
                    f"{prompt:.0f}+{completion:.0f}",
                    f"{peak_rss_mb(server_pid):.0f}",
                )
    console.print(table)
    (args.out / "accuracy.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
