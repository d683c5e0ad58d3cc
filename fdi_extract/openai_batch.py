"""OpenAI's Batch API: a whole archive sent as batch jobs (half the price, answers within 24 hours), collected later.

    fdi-extract run ARCHIVE --out DIR --openai-batch    # registers, prefilters, serves the cache, submits; returns
    fdi-extract collect DIR                              # any time later: saves what finished, then writes the outputs

Each request of the strategy stands alone (no question depends on an earlier answer), so an article's
requests can go out together as lines of a batch file. Request lines are built by Instructor's own request
handler (:meth:`LLM.request_body`) and answers parsed by its own response handler (:meth:`LLM.parse`),
then grounded and normalized by :meth:`Extractor.add_mentions`: a batch answer becomes exactly the
record a live call would have made, and it fills the same cache.

The store remembers which job holds which article (status ``submitted``), so submitting again never
sends an article twice, and a collect interrupted half-way is simply run again: a job is marked
collected only after every one of its articles has its outcome saved.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from openai.types import Batch

from fdi_extract.batch import (
    ArchiveCounts,
    RunSummary,
    article_cache_key,
    finish,
    record_outcome,
    settle_without_llm,
)
from fdi_extract.errors import FdiExtractError, LLMAnswerError
from fdi_extract.knowledge import extraction_key
from fdi_extract.llm import LLM
from fdi_extract.model import Article, ArticleResult
from fdi_extract.pipeline import Extractor
from fdi_extract.pricing import BATCH_DISCOUNT, cost_usd
from fdi_extract.settings import Provider, Settings
from fdi_extract.store import Store, one_writer
from fdi_extract.text import ArticleText

# OpenAI's limits per batch job: 50,000 requests and a 200 MB input file.
MAX_REQUESTS_PER_JOB = 50_000
MAX_BYTES_PER_JOB = 190_000_000
_IN_FLIGHT = {"validating", "in_progress", "finalizing", "cancelling"}


@dataclass
class Submitted(ArchiveCounts):
    """What a submission did: articles sent (in how many requests and jobs), and those settled without the model."""

    articles: int = 0
    requests: int = 0
    jobs: list[str] = field(default_factory=list)


@dataclass
class Collected:
    """Where a collect left things: jobs still running, and the run summary once every job is in."""

    jobs_in_flight: dict[str, str] = field(default_factory=dict)  # job id → its status
    jobs_collected: int = 0
    summary: RunSummary | None = None


class _JobFile:
    """The request lines of the next batch job, written to disk as they come, with what they hold."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = path.open("w", encoding="utf-8")
        self.articles: dict[str, int] = {}  # article id → its number of requests
        self.requests = 0
        self.bytes = 0

    def fits(self, lines: list[str]) -> bool:
        size = sum(len(line.encode()) for line in lines)
        return not self.articles or (
            self.requests + len(lines) <= MAX_REQUESTS_PER_JOB and self.bytes + size <= MAX_BYTES_PER_JOB
        )

    def add(self, article_id: str, lines: list[str]) -> None:
        self.handle.writelines(lines)
        self.articles[article_id] = len(lines)
        self.requests += len(lines)
        self.bytes += sum(len(line.encode()) for line in lines)


def _client(settings: Settings) -> openai.OpenAI:
    if settings.provider is Provider.embedded:
        raise FdiExtractError(
            "the Batch API needs OpenAI (--model openai/<model>) or another endpoint that offers "
            "/v1/batches (--base-url)"
        )
    return openai.OpenAI(
        base_url=settings.resolved_base_url,
        timeout=settings.resolved_request_timeout,
        max_retries=settings.retry.max_attempts,
        api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
    )


def _batch_extractor(settings: Settings) -> Extractor:
    """An extractor whose results are keyed apart from a live run's: a batch job holds each article's first
    request only, so a deal left without a company gets no question about it (that would take a second
    round), and the result is not what a live run makes. A live run into the folder counts them as stale."""
    extractor = Extractor(settings)
    extractor.result_key = extraction_key(
        settings, extractor.strategy.name, f"{extractor.strategy.prompt_version}, batch: first requests only"
    )
    return extractor


def submit_batch(inputs: Iterable[Path], out_dir: Path, settings: Settings | None = None) -> Submitted:
    """Register the archive in ``out_dir``'s store and submit every article that needs the model."""
    settings = settings or Settings()
    extractor = _batch_extractor(settings)
    client = _client(settings)
    llm = extractor.llm()
    summary, run = Submitted(), RunSummary()
    with (
        one_writer(out_dir / "store.sqlite"),
        Store(out_dir / "store.sqlite") as store,
        tempfile.TemporaryDirectory() as work,
    ):
        summary.register(inputs, store)
        job_file = _JobFile(Path(work) / "requests.jsonl")

        def send() -> None:
            job_file.handle.close()
            with job_file.path.open("rb") as upload:
                uploaded = client.files.create(file=upload, purpose="batch")
            job = client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"source": "fdi-extract"},
            )
            store.record_job(job.id, job_file.articles)
            summary.jobs.append(job.id)
            summary.articles += len(job_file.articles)
            summary.requests += job_file.requests

        for article in store.pending():
            if settle_without_llm(article, extractor, store, run) is None:
                continue
            bodies = [
                llm.request_body(extractor.strategy.answer_model, messages)
                for messages in extractor.strategy.questions(ArticleText(article.text))
            ]
            lines = [
                json.dumps(
                    {
                        "custom_id": json.dumps([article.article_id, index]),
                        "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": body,
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for index, body in enumerate(bodies)
            ]
            if not job_file.fits(lines):
                send()
                job_file = _JobFile(job_file.path)
            job_file.add(article.article_id, lines)
        if job_file.articles:
            send()
        else:
            job_file.handle.close()
    summary.from_cache, summary.skipped = run.from_cache, run.skipped
    return summary


def collect_batches(out_dir: Path, settings: Settings | None = None) -> Collected:
    """Save the answers of every finished job; once no job is in flight, reconcile and write the outputs."""
    settings = settings or Settings()
    extractor = _batch_extractor(settings)
    client = _client(settings)
    llm = extractor.llm()
    collected = Collected()
    run = RunSummary()
    started = time.perf_counter()
    with one_writer(out_dir / "store.sqlite"), Store(out_dir / "store.sqlite") as store:
        for job_id in store.open_jobs():
            job = client.batches.retrieve(job_id)
            if job.status in _IN_FLIGHT:
                collected.jobs_in_flight[job_id] = job.status
                continue
            answers: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
            errors: dict[str, str] = {}
            for file_id in (job.output_file_id, job.error_file_id):
                if file_id:
                    _read_results(client, file_id, answers, errors)
            for article in store.job_articles(job_id):
                _save(article, answers.pop(article.article_id, {}), errors, job, extractor, llm, store, run)
            store.close_job(job_id)
            collected.jobs_collected += 1
        if not collected.jobs_in_flight:
            finish(store, out_dir, run, store.start_run(settings.public_json()), started, settings)
            collected.summary = run
    return collected


def _read_results(
    client: openai.OpenAI, file_id: str, answers: dict[str, dict[int, dict[str, Any]]], errors: dict[str, str]
) -> None:
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as downloaded:
        client.files.content(file_id).write_to_file(downloaded.name)
        with open(downloaded.name, encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                record = json.loads(line)
                article_id, index = json.loads(record["custom_id"])
                response = record.get("response") or {}
                if response.get("status_code") == 200:
                    answers[article_id][index] = response["body"]
                else:
                    problem = record.get("error") or (response.get("body") or {}).get("error") or {}
                    code = problem.get("code") or response.get("status_code")
                    errors[article_id] = f"batch request failed: {code}: {problem.get('message', '')}".strip()


def _save(
    article: Article,
    bodies: dict[int, dict[str, Any]],
    errors: dict[str, str],
    job: Batch,
    extractor: Extractor,
    llm: LLM,
    store: Store,
    run: RunSummary,
) -> None:
    result = ArticleResult(article_id=article.article_id, warnings=list(article.warnings))
    text = ArticleText(article.text)
    questions = len(extractor.strategy.questions(text))
    try:
        if len(bodies) < questions:
            raise LLMAnswerError(
                errors.get(article.article_id) or f"no answer in batch job {job.id} (its status: {job.status})"
            )
        answers = []
        for index in range(questions):
            usage = bodies[index].get("usage") or {}
            result.usage.calls += 1
            result.usage.prompt_tokens += usage.get("prompt_tokens", 0)
            result.usage.completion_tokens += usage.get("completion_tokens", 0)
            answers.append(llm.parse(extractor.strategy.answer_model, bodies[index]))
        drafts = extractor.strategy.drafts_from(answers, text, result.warnings)
        extractor.add_mentions(result, article, text, drafts, model=llm.model)
    except FdiExtractError as error:
        result.error = str(error)
    record_outcome(
        result,
        store,
        run,
        cache=article_cache_key(article, extractor),
        made_with=extractor.result_key,
        cost=cost_usd(llm.model, result.usage, extractor.settings.prices) * BATCH_DISCOUNT,
    )
