"""Batch runs over news archives: store, cache, resume, bounded concurrency, progress, outputs.

    run_batch([Path("archive/")], Path("out/run"), settings, concurrency=8)

The store (``DIR/store.sqlite``) is the run's memory: articles are registered first, then every
article not yet done is extracted — from the cache when the same text was extracted the same way
before — and committed with its mentions in one transaction. Start the same command again after a
crash or a kill and it finishes the rest; nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from fdi_extract.adjudicate import Adjudicator
from fdi_extract.errors import EndpointUnreachableError
from fdi_extract.files import replaced_when_done
from fdi_extract.inputs import BadRecord, read_inputs
from fdi_extract.knowledge import outputs_key
from fdi_extract.model import Article, ArticleResult
from fdi_extract.pipeline import Extractor
from fdi_extract.prefilter import may_hold_a_deal
from fdi_extract.pricing import cost_usd
from fdi_extract.reconcile import AdjudicateIndices, DealPlan
from fdi_extract.reconcile.workers import fewer_collections
from fdi_extract.report import OUTPUT_FILES, write_outputs
from fdi_extract.settings import Settings
from fdi_extract.store import Store, cache_key, one_writer


@dataclass
class ArchiveCounts:
    """What reading an archive and settling its articles without a model counted: a run and a submission to
    a batch API alike."""

    inputs: int = 0
    duplicates: int = 0
    unreadable: int = 0
    from_cache: int = 0
    skipped: int = 0
    bad_records: list[BadRecord] = field(default_factory=list)

    def register(self, inputs: Iterable[Path], store: Store) -> None:
        """Add the archive's articles to ``store``, counting those read, repeated and unreadable."""
        registered = store.add_articles(read_inputs(inputs, self.bad_records.append))
        self.inputs, self.duplicates, self.unreadable = registered.read, registered.duplicates, len(self.bad_records)


@dataclass
class RunSummary(ArchiveCounts):
    done: int = 0
    failed: int = 0
    mentions: int = 0
    deals: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    stale: int = 0  # articles done under another result key (package, data, prompt, model), left as they were
    refreshed: int = 0  # such articles set back to be done again (``refresh``)
    failures: list[str] = field(default_factory=list)  # "article: cause" of every article that failed

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "bad_records"} | {
            "bad_records": [f"{b.where}: {b.problem}" for b in self.bad_records]
        }


def article_cache_key(article: Article, extractor: Extractor) -> str:
    """Where this article's result is cached: its text under the extractor's result key (knowledge.py)."""
    return cache_key(article.text, extractor.result_key)


def settle_without_llm(article: Article, extractor: Extractor, store: Store, summary: RunSummary) -> str | None:
    """Skip an article the prefilter rules out, or serve it from the cache; otherwise return its cache
    key: it needs the model."""
    if not may_hold_a_deal(article.text):
        store.save(
            ArticleResult(
                article_id=article.article_id, warnings=[*article.warnings, "prefilter: no investment content"]
            ),
            status="skipped",
            made_with=extractor.result_key,
        )
        summary.skipped += 1
        return None
    key = article_cache_key(article, extractor)
    cached = store.cached(key)
    if cached is None:
        return key
    result = cached.model_copy(update={"article_id": article.article_id})
    for mention in result.mentions:
        mention.article_id, mention.published, mention.url = article.article_id, article.published, article.url
    store.save(result, status="done", cached=True, made_with=extractor.result_key)
    summary.done += 1
    summary.from_cache += 1
    summary.mentions += len(result.mentions)
    return None


def record_outcome(
    result: ArticleResult, store: Store, summary: RunSummary, *, cache: str, made_with: str, cost: float
) -> None:
    """Save one article the model was asked about — done and cached under ``cache``, made with the result key
    ``made_with``, or failed with its cause — and count it, its tokens and its ``cost`` in ``summary``."""
    if result.error:
        store.save(result, status="failed")
        summary.failed += 1
    else:
        store.save(result, status="done", cache=cache, made_with=made_with)
        summary.done += 1
        summary.mentions += len(result.mentions)
    summary.prompt_tokens += result.usage.prompt_tokens
    summary.completion_tokens += result.usage.completion_tokens
    summary.cost_usd += cost


async def arun_batch(
    inputs: Iterable[Path],
    out_dir: Path,
    settings: Settings | None = None,
    *,
    concurrency: int | None = None,
    console: Console | None = None,
    refresh: bool = False,
) -> RunSummary:
    """Extract every article under ``inputs`` into ``out_dir`` (resumable), reconcile, write the outputs.

    Raises :class:`~fdi_extract.errors.StoreError` when another run holds ``out_dir``, and
    :class:`~fdi_extract.errors.EndpointUnreachableError` when article after article could not reach the
    endpoint: the outputs are written for what was done, and the rest is left for the same call to resume.

    Articles done earlier under another result key (another package version, data table, prompt, model or
    its settings: knowledge.py) are counted as ``stale`` and kept; ``refresh`` does them again. Not by
    default: after an upgrade, redoing an archive is hours of a model's time or a bill, the user's call."""
    settings = settings or Settings()
    console = console or Console(stderr=True)
    summary = RunSummary()
    started = time.perf_counter()
    stopped: EndpointUnreachableError | None = None
    # Each article leaves thousands of small objects (its answer, drafts, mentions, the store's rows) that
    # live until it is saved: the collector's default scan every 700 allocations finds nothing to free in them.
    with fewer_collections(), one_writer(out_dir / "store.sqlite"), Store(out_dir / "store.sqlite") as store:
        summary.register(inputs, store)
        extractor = Extractor(settings)  # not opened here: a run with nothing left to extract starts no model
        if refresh:
            summary.refreshed = store.refresh(extractor.result_key)
        else:
            summary.stale = store.stale(extractor.result_key)
        already = store.counts()
        todo = already.get("pending", 0) + already.get("failed", 0)
        run_id = store.start_run(settings.public_json())
        with (
            closing(extractor),
            Progress(
                TextColumn("[bold]extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[speed]}"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[tokens]} tokens, ${task.fields[cost]:.4f}"),
                console=console,
            ) as progress,
        ):
            task = progress.add_task("run", total=todo, speed="", tokens=0, cost=0.0)
            plain = _PlainProgress(console, todo)
            cache_keys: dict[str, str] = {}

            def needing_the_model() -> Iterator[Article]:
                # Read lazily by extract_many (its read-ahead is bounded), so memory stays flat on any archive.
                for article in store.pending():
                    key = settle_without_llm(article, extractor, store, summary)
                    if key is None:
                        _advance(progress, task, summary, started, plain)
                        continue
                    cache_keys[article.article_id] = key
                    yield article

            model = extractor.settings.resolved_model
            try:
                async for result in extractor.aextract_many(needing_the_model(), concurrency=concurrency):
                    record_outcome(
                        result,
                        store,
                        summary,
                        cache=cache_keys.pop(result.article_id),
                        made_with=extractor.result_key,
                        cost=cost_usd(model, result.usage, extractor.settings.prices),
                    )
                    _advance(progress, task, summary, started, plain)
            except EndpointUnreachableError as error:
                stopped = error
        finish(store, out_dir, summary, run_id, started, settings)
        left = store.counts().get("pending", 0) + summary.failed
    if stopped is not None:
        raise EndpointUnreachableError(
            f"{stopped}: {left:,} articles are left to do; run the same command again when the endpoint is up"
        ) from stopped
    return summary


# Mentions a run's last step holds in memory rather than reading from the store three times (linking, merging,
# writing): about 3 KB each, so at most some 60 MB.
HELD_MENTIONS = 20_000


def finish(
    store: Store, out_dir: Path, summary: RunSummary, run_id: int, started: float, settings: Settings | None = None
) -> None:
    """Reconcile every mention in the store (with LLM adjudication of borderline pairs when
    ``settings.adjudicate``), write the outputs and the summary of the run. Outputs made from what the store
    holds now, by this package, and left as they were written stand as they are (a re-run served from the
    cache)."""
    key = outputs_key(settings, store.contents_digest())
    if _outputs_current(store, out_dir, key):
        summary.mentions, summary.deals = store.mention_count(), store.deal_count()
    else:
        summary.mentions, summary.deals = _reconcile_and_write(store, out_dir, settings)
        store.set_outputs_made(key, _output_files(out_dir))
    counts = store.counts()
    summary.done, summary.failed, summary.skipped = (
        counts.get("done", 0),
        counts.get("failed", 0),
        counts.get("skipped", 0),
    )
    summary.failures = [f"{article_id}: {error}" for article_id, error in store.failures()]
    summary.seconds = time.perf_counter() - started
    store.finish_run(run_id, summary.as_dict())
    with replaced_when_done(out_dir / "summary.json") as summary_out:
        summary_out.write(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))


def _output_files(out_dir: Path) -> dict[str, list[int]]:
    """Each output file's size and modification time: a file replaced or edited since no longer matches."""
    stats = {name: (out_dir / name).stat() for name in OUTPUT_FILES if (out_dir / name).exists()}
    return {name: [stat.st_size, stat.st_mtime_ns] for name, stat in stats.items()}


def _outputs_current(store: Store, out_dir: Path, key: str) -> bool:
    made = store.outputs_made()
    return made is not None and made[0] == key and made[1] == _output_files(out_dir)


def _reconcile_and_write(store: Store, out_dir: Path, settings: Settings | None) -> tuple[int, int]:
    """Link every mention in the store into deals, write the outputs; → (mentions, deals)."""
    adjudicate: AdjudicateIndices | None = None
    if settings is not None and settings.adjudicate:
        adjudicator, keys = Adjudicator(settings, store), store.mention_keys()

        def ask(pairs: list[tuple[int, int]]) -> list[bool]:
            return adjudicator([(store.mention(*keys[i]), store.mention(*keys[j])) for i, j in pairs])

        adjudicate = ask
    # Memory stays low as the archive grows: the plan holds compact features of each mention, and the deals are
    # merged and written one at a time from the store; a small archive is read from the store once and held.
    held = list(store.mentions()) if store.mention_count() <= HELD_MENTIONS else None
    plan = DealPlan.of_mentions(held if held is not None else store.mentions(), adjudicate)
    store.set_deal_ids(plan.deal_ids)
    if held is not None:
        for mention, deal_id in zip(held, plan.deal_ids, strict=True):
            mention.deal_id = deal_id
        deals = (plan.merge(deal_id, [held[i] for i in members]) for deal_id, members in plan.groups)
    else:
        deals = (plan.merge(deal_id, store.mentions_of(deal_id)) for deal_id, _ in plan.groups)
    write_outputs(out_dir, held if held is not None else store.mentions(), deals, store.article_text)
    return len(plan.deal_ids), len(plan.groups)


@dataclass
class _PlainProgress:
    """Where stderr is no terminal (a batch job's log), rich draws no bar: a plain line every few seconds."""

    console: Console
    total: int
    every: float = 10.0
    last: float = 0.0

    def note(self, summary: RunSummary, speed: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if self.console.is_terminal or (now - self.last < self.every and not final):
            return
        self.last = now
        self.console.print(
            f"extracting: {summary.done + summary.failed + summary.skipped:,} of "
            f"{self.total:,} articles, {summary.failed:,} failed, {speed or '-'}, "
            f"{summary.prompt_tokens + summary.completion_tokens:,} tokens",
            highlight=False,
        )


def _advance(progress: Progress, task: TaskID, summary: RunSummary, started: float, plain: _PlainProgress) -> None:
    completed = summary.done + summary.failed + summary.skipped
    rate = completed / max(time.perf_counter() - started, 1e-9)
    speed = f"{rate:.1f} art/s" if rate >= 1 else f"{1 / rate:.0f} s/art" if rate > 0 else ""
    progress.update(
        task, advance=1, speed=speed, tokens=summary.prompt_tokens + summary.completion_tokens, cost=summary.cost_usd
    )
    plain.note(summary, speed, final=progress.finished)


def run_batch(
    inputs: Iterable[Path],
    out_dir: Path,
    settings: Settings | None = None,
    *,
    concurrency: int | None = None,
    refresh: bool = False,
) -> RunSummary:
    return asyncio.run(arun_batch(inputs, out_dir, settings, concurrency=concurrency, refresh=refresh))
