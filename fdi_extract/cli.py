"""The command line: a thin face over the library. Nothing imports this module.

fdi-extract extract PATH... -o mentions.jsonl     articles (.txt files or folders) → mention records
fdi-extract run INPUT... --out DIR                 a resumable batch: store, cache, mentions, deals, report.html
fdi-extract reconcile MENTIONS... --out DIR        mention records → deals (DIR/deals.jsonl, DIR/mentions.jsonl)
fdi-extract run INPUT... --out DIR --openai-batch  the same through OpenAI's Batch API, then:
fdi-extract collect DIR                            save finished batch jobs, write the outputs
fdi-extract report SOURCE... --out DIR             outputs and report.html from a store or mention records
fdi-extract eval GOLD PRED                         score mention records (JSONL or a store) against a gold file
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from fdi_extract.articles import iter_text_files, read_article
from fdi_extract.errors import FdiExtractError
from fdi_extract.evaluate import FIELDS, EvalReport, evaluate, iter_mentions, load_gold
from fdi_extract.files import partial_path
from fdi_extract.inputs import BadRecord, read_inputs
from fdi_extract.model import Article, ArticleResult, Deal, DealMention
from fdi_extract.names import place_label
from fdi_extract.reconcile import reconcile
from fdi_extract.reconcile.archive import reconcile_archive
from fdi_extract.reconcile.engines import DuckDBEngine
from fdi_extract.reconcile.workers import all_cores
from fdi_extract.report import write_outputs
from fdi_extract.settings import Settings, Strategy, masked_url
from fdi_extract.store import Store

if TYPE_CHECKING:
    from fdi_extract.batch import RunSummary

# The LLM side (pipeline, batch, adjudicate: instructor and the OpenAI client) is imported by the commands that
# use it. ``reconcile`` starts worker processes, which import this module again as Python's spawn does, and
# importing the LLM client would make each of those starts slower (docs/evaluation.md, "Figures behind
# the code's choices").

# No markup: what is printed holds article ids, paths and an endpoint's words, any of which may contain "[/]".
# Styled labels go through _say.
err = Console(stderr=True, soft_wrap=True, markup=False)  # a message is one line, whatever the terminal's width
_SHOWN = 20  # problems listed on screen; the rest are counted (all of them are in summary.json)
# Piped into a file or a CI log, rich would wrap tables at 80 columns; a table of deals needs more.
out = Console(markup=False) if sys.stdout.isatty() else Console(width=180, markup=False)


def _say(message: str, label: str = "", style: str = "", console: Console = err) -> None:
    """One line: a styled ``label``, then ``message`` as plain text (never read as markup)."""
    console.print(Text.assemble((label, style), " " if label else "", message), highlight=False)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: getattr(args, k, None) for k in ("base_url", "model", "strategy")}
    return Settings(**{k: v for k, v in overrides.items() if v})


def _say_model(settings: Settings) -> None:
    where = masked_url(settings.resolved_base_url) if settings.resolved_base_url else "an embedded llama.cpp server"
    err.print(
        f"model {settings.resolved_model} ({settings.provider.value}) at {where}, strategy {settings.strategy.value}",
        highlight=False,
    )


def cmd_config(args: argparse.Namespace) -> int:
    out.print_json(json.dumps(_settings(args).described()))
    return 0


def _extract_all(paths: list[Path], settings: Settings, output: Path, stats: Path | None) -> list[ArticleResult]:
    files = list(iter_text_files(paths))
    results: list[ArticleResult] = []
    # Written as NAME.partial as articles finish (kept if the run is cut short), moved over NAME at the end;
    # "-" is standard output, a record a line as each article finishes.
    with ExitStack() as files_open:
        mentions_out = (
            sys.stdout
            if _is_stdout(output)
            else files_open.enter_context(partial_path(output).open("w", encoding="utf-8"))
        )
        stats_out = files_open.enter_context(partial_path(stats).open("w", encoding="utf-8")) if stats else None
        progress = files_open.enter_context(
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}", markup=False),
                console=err,
            )
        )
        task = progress.add_task("extracting", total=len(files), note="")

        def record(result: ArticleResult) -> None:
            for mention in result.mentions:
                mentions_out.write(mention.model_dump_json() + "\n")
            mentions_out.flush()
            if stats_out:
                stats_out.write(result.model_dump_json(exclude={"mentions"}) + "\n")
                stats_out.flush()
            results.append(result)
            if result.error:
                _say(f"{result.article_id}: {result.error}", "failed", "red")
            progress.update(
                task,
                advance=1,
                note=f"{result.article_id}: {len(result.mentions)} deals, "
                f"{result.seconds:.0f} s, {result.usage.prompt_tokens}+{result.usage.completion_tokens} tokens",
            )

        def readable() -> Iterator[Article]:
            for path in files:
                try:
                    yield read_article(path)
                except FdiExtractError as error:  # one unreadable file never stops the others
                    record(ArticleResult(article_id=path.stem, error=str(error)))

        from fdi_extract.pipeline import Extractor

        with Extractor(settings) as extractor:
            for result in extractor.extract_many(readable()):
                record(result)
    return results


def _mentions_table(mentions: list[DealMention]) -> Table:
    table = Table(title=f"{len(mentions)} deal mentions", show_lines=False)
    for column in ("article", "investors", "project", "region", "amount", "USD", "capacity", "jobs", "stage"):
        table.add_column(column, overflow="fold")
    for m in mentions:
        usd = f"{m.amount.usd / 1e6:,.1f} M" if m.amount and m.amount.usd is not None else ""
        table.add_row(
            m.article_id[:12],
            "; ".join(i.name for i in m.investors) or "(not named)",
            m.project + (" [aggregate]" if m.aggregate else ""),
            place_label(m.region or m.host_country) or "",
            m.amount.text if m.amount else "",
            usd,
            ", ".join(c.text for c in m.capacity),
            str(m.jobs or ""),
            m.stage.value,
        )
    return table


def _is_stdout(path: Path) -> bool:
    return str(path) == "-"


def _count(number: int, noun: str) -> str:
    """ "1 article", "2 articles" """
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def cmd_extract(args: argparse.Namespace) -> int:
    settings = _settings(args)
    paths = _existing(args.paths)
    _say_model(settings)
    results = _extract_all(paths, settings, args.output, args.stats)
    failed = [r for r in results if r.error]
    for output in (None if _is_stdout(args.output) else args.output, args.stats):
        # A run with failures does not replace what an earlier run wrote there: a failing endpoint must not
        # wipe good records. Its own records stay beside it.
        if output is not None and failed and output.exists():
            _say(
                f"{len(failed)} article(s) failed: {output} is left as it was; this run's records are in "
                f"{partial_path(output)}",
                "kept",
                "yellow",
            )
        elif output is not None:
            partial_path(output).replace(output)
    mentions = [m for r in results for m in r.mentions]
    if not args.no_table and not _is_stdout(args.output):
        out.print(_mentions_table(mentions))
    seconds = [r.seconds for r in results if not r.error]
    median = statistics.median(seconds) if seconds else 0.0
    prompt = sum(r.usage.prompt_tokens for r in results)
    completion = sum(r.usage.completion_tokens for r in results)
    err.print(
        f"{_count(len(results), 'article')}, {len(failed)} failed, {_count(len(mentions), 'mention')} → "
        f"{'standard output' if _is_stdout(args.output) else args.output}; "
        f"median {median:.1f} s/article; tokens {prompt} prompt + {completion} completion"
    )
    return 1 if failed else 0


def _deals_table(deals: list[Deal], total: int | None = None) -> Table:
    """The deals as a table; where they are the first of ``total``, the title says so."""
    shown = (
        f"the first {len(deals)} of {total:,} deals"
        if total is not None and total > len(deals)
        else f"{len(deals)} deals"
    )
    table = Table(title=shown, show_lines=True)
    for column in ("deal", "investors", "project", "region", "amount", "USD", "capacity", "jobs", "stage", "sources"):
        table.add_column(column, overflow="fold")
    for d in deals:
        usd = f"{d.amount.usd / 1e6:,.1f} M" if d.amount and d.amount.usd is not None else ""
        conflicts = f" ({len(d.conflicts[0].values)} values)" if any(c.field == "amount" for c in d.conflicts) else ""
        table.add_row(
            d.deal_id.removeprefix("deal-"),
            "; ".join(i.name for i in d.investors) or "(not named)",
            d.project + (f" [aggregate of {len(d.components)}]" if d.aggregate else ""),
            place_label(d.region or d.host_country) or "",
            (d.amount.text + conflicts) if d.amount else "",
            usd,
            ", ".join(str(c) for c in d.capacity),
            str(d.jobs or ""),
            " → ".join(dict.fromkeys(e.stage.value for e in d.timeline)),
            ", ".join(s.article_id[:12] for s in d.sources),
        )
    return table


def _store_path(source: Path) -> Path | None:
    """The run's store a source names (``store.sqlite``, or the run's folder); None for mention records."""
    path = source / "store.sqlite" if source.is_dir() else source
    if path.suffix != ".sqlite":
        return None
    if not path.is_file():
        raise FdiExtractError(f"{path} does not exist")
    return path


def _mentions_from(source: Path) -> list[DealMention]:
    """Mention records from a run's store or from a JSONL file; malformed lines are reported and skipped."""
    return list(_stream_mentions(source))


def _stream_mentions(source: Path) -> Iterator[DealMention]:
    """:func:`_mentions_from` one record at a time; the skipped lines are reported when the file is read."""
    if (path := _store_path(source)) is None:
        skipped: list[str] = []
        yield from iter_mentions(source, skipped.append)
        for problem in skipped[:_SHOWN]:
            _say(problem, "skipped", "yellow")
        if len(skipped) > _SHOWN:
            _say(f"{len(skipped) - _SHOWN} more lines of {source}", "skipped", "yellow")
        return
    with Store(path, read_only=True) as store:
        yield from store.mentions()


def _output_folder(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise FdiExtractError(f"--out {path} is a file; give a folder (it is created when missing)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _existing(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FdiExtractError(f"no such file or folder: {', '.join(missing)}")
    return paths


# Below this much input the pools' start (three of them, each spawning and importing the package) cost more
# than they save: docs/evaluation.md, issue 25 section.
_SMALL_INPUT_BYTES = 12 * 2**20


def _workers_for(sources: list[Path], out: Path) -> int:
    """One per core, or 1 when the sources are mention files too small to gain from processes, with the
    mentions of an earlier run in ``out``, which are read and linked again."""
    files = [source for source in sources if _store_path(source) is None]
    earlier = [path] if (path := out / "mentions.jsonl").exists() else []
    small = len(files) == len(sources) and sum(f.stat().st_size for f in files + earlier) < _SMALL_INPUT_BYTES
    return 1 if small else all_cores()


def cmd_reconcile(args: argparse.Namespace) -> int:
    _existing(args.mentions)
    _output_folder(args.out)
    spark = None
    if args.spark:
        from fdi_extract.reconcile.engines import SparkEngine, spark_session

        spark = spark_session(args.spark)
    adjudicator = None
    if args.adjudicate:
        from fdi_extract.adjudicate import Adjudicator

        adjudicator = Adjudicator(_settings(args))
    workers = args.workers or _workers_for(args.mentions, args.out)
    try:
        result = reconcile_archive(
            [path if _store_path(path) is None else _stream_mentions(path) for path in args.mentions],
            args.out,
            adjudicate=adjudicator,
            engine=SparkEngine(spark, workdir=args.spark_workdir, learn_weights=args.learn_weights)
            if spark is not None
            else DuckDBEngine(workers=workers, learn_weights=args.learn_weights),
            workers=workers,
            memory_limit=args.memory_limit,
        )
    finally:
        if spark is not None:
            spark.stop()
    for problem in result.skipped[:_SHOWN]:
        _say(problem, "skipped", "yellow")
    if len(result.skipped) > _SHOWN:
        _say(f"{len(result.skipped) - _SHOWN} more lines", "skipped", "yellow")
    out.print(_deals_table(result.first_deals, result.deals))
    err.print(
        f"{result.mentions:,} mentions ({result.previous:,} from earlier runs) → {result.deals:,} deals → "
        f"{args.out} (deals and mentions as .jsonl and .parquet)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    _existing(args.inputs)
    _output_folder(args.out)
    settings = _settings(args)
    _say_model(settings)
    from fdi_extract.batch import run_batch
    from fdi_extract.openai_batch import submit_batch

    if args.openai_batch:
        submitted = submit_batch(args.inputs, args.out, settings)
        err.print(
            f"{submitted.inputs:,} articles read ({submitted.duplicates:,} duplicates): {submitted.skipped:,} "
            f"skipped by the prefilter, {submitted.from_cache:,} from the cache, {submitted.articles:,} sent in "
            f"{submitted.requests:,} requests as batch job(s) {', '.join(submitted.jobs) or '(none)'}.\n"
            f"Collect the results with: fdi-extract collect {args.out}"
        )
        if hidden := _report_unreadables(submitted.bad_records):
            err.print(f"… {hidden} more unreadable records")
        return 0
    summary = run_batch(args.inputs, args.out, settings, concurrency=args.concurrency, refresh=args.refresh)
    return _print_summary(summary, args.out)


def cmd_collect(args: argparse.Namespace) -> int:
    from fdi_extract.openai_batch import collect_batches

    collected = collect_batches(args.out, _settings(args))
    for job_id, status in collected.jobs_in_flight.items():
        err.print(f"batch job {job_id}: {status}")
    if collected.summary is None:
        err.print(f"{len(collected.jobs_in_flight)} job(s) still running; collect again later")
        return 0
    return _print_summary(collected.summary, args.out)


def cmd_report(args: argparse.Namespace) -> int:
    _output_folder(args.out)
    mentions = [m for path in _existing(args.sources) for m in _mentions_from(path)]
    if not mentions:
        raise FdiExtractError(f"no mention record in {', '.join(map(str, args.sources))}: nothing to report")
    deals = reconcile(mentions)
    stores = [Store(path, read_only=True) for source in args.sources if (path := _store_path(source)) is not None]
    # The articles named with --articles, for the cards' highlighted text where no store holds them.
    wanted = {m.article_id for m in mentions}
    texts = {
        a.article_id: a.text
        for a in read_inputs(_existing(args.articles or []), _report_unreadable)
        if a.article_id in wanted
    }
    try:

        def article_text(article_id: str) -> str | None:
            stored = (text for store in stores if (text := store.article_text(article_id)) is not None)
            return next(stored, None) or texts.get(article_id)

        write_outputs(args.out, mentions, deals, article_text)
    finally:
        for store in stores:
            store.close()
    err.print(f"{_count(len(mentions), 'mention')} → {_count(len(deals), 'deal')} → {args.out / 'report.html'}")
    return 0


def _report_unreadable(bad: BadRecord) -> None:
    _say(f"{bad.where}: {bad.problem}", "unreadable", "yellow")


def _report_unreadables(bad_records: list[BadRecord]) -> int:
    """Say the first few unreadable records; how many were left unsaid."""
    for bad in bad_records[:_SHOWN]:
        _report_unreadable(bad)
    return max(0, len(bad_records) - _SHOWN)


def _print_summary(summary: RunSummary, out_dir: Path) -> int:
    table = Table(title=f"run → {out_dir}")
    table.add_column("")
    table.add_column("", justify="right")
    for name in (
        "inputs",
        "duplicates",
        "done",
        "from_cache",
        "failed",
        "skipped",
        "unreadable",
        "mentions",
        "deals",
        "stale",
        "refreshed",
        "prompt_tokens",
        "completion_tokens",
    ):
        table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
    table.add_row("estimated cost", f"${summary.cost_usd:.4f}")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    out.print(table)
    if summary.stale:
        _say(
            f"{_count(summary.stale, 'article')} of {out_dir} were done under another package version, data table, "
            "prompt or model: kept as they were; `run --refresh` does them again",
            "stale",
            "yellow",
        )
    hidden = _report_unreadables(summary.bad_records)
    for failure in summary.failures[:_SHOWN]:
        _say(failure, "failed", "red")
    hidden += max(0, len(summary.failures) - _SHOWN)
    if hidden:
        err.print(f"… {hidden} more, all in {out_dir / 'summary.json'}")
    return 1 if summary.failed else 0


def _report_table(reports: dict[str, EvalReport]) -> Table:
    table = Table(title="evaluation")
    table.add_column("measure")
    for label in reports:
        table.add_column(label, justify="right")

    def row(measure: str, value: Callable[[EvalReport], str]) -> None:
        table.add_row(measure, *(value(report) for report in reports.values()))

    row("articles", lambda r: str(r.articles))
    row("gold deals", lambda r: str(r.gold))
    row("predicted", lambda r: str(r.predicted))
    row("matched", lambda r: str(r.matched))
    row("precision", lambda r: f"{r.precision:.3f}")
    row("recall", lambda r: f"{r.recall:.3f}")
    row("F1", lambda r: f"{r.f1:.3f}")
    for name in FIELDS:
        row(f"{name} accuracy", lambda r, name=name: "n/a" if (a := r.accuracy(name)) is None else f"{a:.3f}")
    row("figures not in their evidence", lambda r: str(r.ungrounded_figures))
    return table


def cmd_eval(args: argparse.Namespace) -> int:
    gold, articles = load_gold(args.gold)
    predicted = _mentions_from(args.predicted)
    report = evaluate(gold, predicted, articles)
    lenient = evaluate(gold, predicted, articles, strict=False) if args.lenient else None
    if args.json:
        out.print_json(json.dumps(report.as_dict() | ({"lenient": lenient.as_dict()} if lenient else {})))
    else:
        out.print(_report_table({"strict": report} | ({"lenient (not the measure)": lenient} if lenient else {})))
        if args.verbose:
            for g in report.missed:
                _say(f"{g.article} {g.deal} {g.investors} {g.amount}", "missed", "yellow", out)
            for p in report.spurious:
                _say(
                    f"{p.article_id} {[i.name for i in p.investors]} {p.project} {p.amount.text if p.amount else ''}",
                    "spurious",
                    "red",
                    out,
                )
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fdi-extract",
        description="Foreign direct investment deals from news articles: extract, reconcile, report, evaluate.",
        epilog="Settings come from FDI_EXTRACT_* environment variables (see the README): FDI_EXTRACT_MODEL "
        "('embedded', 'openai/<model>', 'ollama/<model>'), FDI_EXTRACT_BASE_URL, FDI_EXTRACT_API_KEY or "
        "OPENAI_API_KEY, FDI_EXTRACT_STRATEGY, FDI_EXTRACT_REQUEST_TIMEOUT (seconds per LLM request), ... "
        "`fdi-extract config` prints what they resolve to.",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show warnings, unmatched deals and the time of each reconciliation stage",
    )
    # -v also after a command ("fdi-extract eval GOLD PRED -v"); SUPPRESS keeps the top level's value otherwise.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('fdi-extract')}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_command = partial(commands.add_parser, parents=[verbose])

    extract = add_command("extract", help="extract deal mentions from .txt articles")
    extract.add_argument("paths", nargs="+", type=Path, help=".txt files or folders of them")
    extract.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("mentions.jsonl"),
        help="mention records, one JSON line each (default mentions.jsonl; - for standard output)",
    )
    extract.add_argument("--stats", type=Path, help="also write per-article seconds, tokens and warnings (JSONL)")
    _model_options(extract)
    extract.add_argument("--no-table", action="store_true", help="don't print the mentions")
    extract.set_defaults(run=cmd_extract)

    batch = add_command("run", help="a resumable batch over an archive: store, cache, outputs, report.html")
    batch.add_argument("inputs", nargs="+", type=Path, help="folders or files: .txt, .jsonl, .csv, .html")
    batch.add_argument(
        "--out", type=Path, required=True, help="store.sqlite, mentions/deals JSONL, deals.csv, report.html"
    )
    batch.add_argument(
        "--concurrency",
        type=_positive,
        help="articles in flight (default: 1 on the embedded model, whose single llama.cpp sequence "
        "gains nothing from more; 4 on other endpoints)",
    )
    _model_options(batch)
    batch.add_argument(
        "--openai-batch",
        action="store_true",
        help="submit to OpenAI's Batch API (half price, within 24 h) instead; then `fdi-extract collect`",
    )
    batch.add_argument(
        "--refresh",
        action="store_true",
        help="do again the articles done under another package version, data table, prompt or model (counted as "
        "stale otherwise, and kept)",
    )
    batch.set_defaults(run=cmd_run)

    collect = add_command("collect", help="save the finished OpenAI batch jobs of a run, then write its outputs")
    collect.add_argument("out", type=Path, help="the --out folder of `fdi-extract run --openai-batch`")
    _model_options(collect)
    collect.set_defaults(run=cmd_collect)

    page = add_command("report", help="mentions/deals JSONL, deals.csv and report.html from a store or JSONL")
    page.add_argument(
        "sources", nargs="+", type=Path, help="a run's store.sqlite (or its folder), or mention records (JSONL)"
    )
    page.add_argument(
        "--out", type=Path, required=True, help="writes mentions/deals JSONL, deals.csv and report.html here"
    )
    page.add_argument(
        "--articles",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="the articles (files or folders, as `run` reads them), so that each deal card shows its article "
        "with the evidence highlighted; a run's store holds them already",
    )
    page.set_defaults(run=cmd_report)

    merge = add_command("reconcile", help="group mention records into deals (incremental over --out)")
    merge.add_argument("mentions", nargs="+", type=Path, help="mention records (JSONL)")
    merge.add_argument(
        "--out", type=Path, default=Path("out"), help="writes deals and mentions here, as .jsonl and .parquet"
    )
    merge.add_argument(
        "--memory-limit",
        default="512MB",
        help="DuckDB's memory for linking; past it, it spills to a folder under --out (default 512MB)",
    )
    merge.add_argument(
        "--workers",
        type=_positive,
        help="processes for reading, linking and merging (default: one per core; this process alone for "
        f"mention files under {_SMALL_INPUT_BYTES // 2**20} MB, where starting the processes costs more)",
    )
    merge.add_argument(
        "--learn-weights",
        action="store_true",
        help="score pairs with match weights learned from this archive (EM; written to weights.json) instead of "
        "the priors of fdi_extract/data/comparisons.toml; archives of under 2,000 candidate pairs keep the priors",
    )
    merge.add_argument(
        "--spark",
        metavar="MASTER",
        help="link on Spark instead of DuckDB: local[N], or a cluster's master URL (needs pyspark)",
    )
    merge.add_argument(
        "--spark-workdir", type=Path, help="with --spark on a cluster: a folder this machine and every executor reach"
    )
    merge.add_argument(
        "--adjudicate",
        action="store_true",
        help="ask the LLM about pairs tied only by investor and place (off by default)",
    )
    _model_options(merge)
    merge.set_defaults(run=cmd_reconcile)

    score = add_command("eval", help="score mention records against a gold file")
    score.add_argument("gold", type=Path, help="gold deals (JSONL, as shared/corpus/GOLD_FORMAT.md)")
    score.add_argument("predicted", type=Path, help="mention records (JSONL) or a run's store.sqlite or folder")
    score.add_argument("--json", action="store_true", help="print the figures as JSON")
    score.add_argument(
        "--lenient",
        action="store_true",
        help="also score leniently (a mention naming no investor may pair with a named gold deal "
        "when region and a figure agree), printed beside the strict figures and labelled",
    )
    score.set_defaults(run=cmd_eval)

    config = add_command("config", help="print the model, endpoint, strategy and mode the settings resolve to (JSON)")
    _model_options(config)
    config.set_defaults(run=cmd_config)
    return parser


def _model_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--model",
        help="'embedded' (default), 'openai/<model>', 'ollama/<model>', or a model "
        "served at --base-url (also FDI_EXTRACT_MODEL)",
    )
    command.add_argument("--base-url", help="an OpenAI-compatible endpoint (also FDI_EXTRACT_BASE_URL)")
    command.add_argument(
        "--strategy",
        choices=[s.value for s in Strategy],
        help="how the model is asked: direct, the model reads the article (also FDI_EXTRACT_STRATEGY)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.ERROR,
        handlers=[RichHandler(console=err, show_path=False)],
        format="%(message)s",
    )
    # Instructor logs every failed attempt at ERROR; our own report names the article and the final cause.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    if args.verbose:  # how long each stage of reconciliation took
        logging.getLogger("fdi_extract.reconcile").setLevel(logging.INFO)
    # One boundary for a user's mistakes: one line saying what is wrong and where, exit 2, no traceback.
    try:
        return args.run(args)
    except FdiExtractError as error:
        _say(str(error), "error:", "red")
    except OSError as error:  # a folder where a file was meant, a file that cannot be read
        _say(f"{error.filename or ''}: {error.strerror or error}", "error:", "red")
    except ValidationError as error:  # a setting from an argument or the environment
        problem = error.errors()[0]
        where = ".".join(map(str, problem["loc"]))
        message = problem["msg"].removeprefix("Value error, ")
        _say(f"setting {where}: {message}" if where else message, "error:", "red")
    except KeyboardInterrupt:
        _say("", "interrupted", "yellow")
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
