"""The road one article travels: check → extract (LLM) → ground → normalize → DealMention.

:class:`Extractor` owns the LLM endpoint (and the embedded server when that is the endpoint) for
as long as it is open, for one article (:meth:`Extractor.extract`) or many
(:meth:`Extractor.extract_many`, results as they finish). :func:`extract_deals` keeps one started
Extractor per distinct settings, so that calling it again does not start the model again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from functools import cache, partial
from types import TracebackType
from typing import Any, Self, TypedDict, TypeVar, Unpack

from fdi_extract.articles import check_text, find_published
from fdi_extract.drafts import DealDraft
from fdi_extract.errors import EndpointUnreachableError, FdiExtractError, InputError, LLMConnectionError
from fdi_extract.extract import strategy_for
from fdi_extract.extract.candidates import states_something_foreign
from fdi_extract.ground import ground
from fdi_extract.knowledge import extraction_key
from fdi_extract.llm import LLM, metered
from fdi_extract.local import EmbeddedServer
from fdi_extract.mentions import article_region, to_mention
from fdi_extract.model import Article, ArticleResult, DealMention
from fdi_extract.settings import Provider, Settings
from fdi_extract.text import ArticleText

logger = logging.getLogger("fdi_extract")
T = TypeVar("T")
REMOTE_CONCURRENCY = 4  # requests in flight to a remote endpoint; adapts down on 429s
_READ_AHEAD = 4  # articles taken from the input per slot of concurrency: memory stays flat on any archive
# Articles in a row that could not reach the endpoint at all, each after its retries, before a batch stops:
# one can be a blip; several mean a wrong URL or a server that is down, and every further article would fail
# the same way, slowly.
UNREACHABLE_IN_A_ROW = 3


def default_concurrency(settings: Settings) -> int:
    # The embedded llama.cpp server runs one sequence: articles in parallel would only evict each
    # other's cached prompt prefix, and the batch gets slower, not faster (docs/evaluation.md).
    return 1 if settings.provider is Provider.embedded else REMOTE_CONCURRENCY


class AdaptiveLimit:
    """A concurrency limit that halves when the endpoint answers 429 and creeps back up on success."""

    def __init__(self, maximum: int):
        self.maximum = maximum
        self.limit = maximum
        self.active = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.active < self.limit)
            self.active += 1

    # Each change frees at most one slot, so it wakes one waiter: waking all of them (a batch keeps
    # 4 × concurrency articles waiting) made every finished request cost a hundred task switches.
    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self.active -= 1
            self._changed.notify()

    async def throttled(self, rate_limited: bool) -> None:
        async with self._changed:
            if rate_limited:
                self.limit = max(1, self.limit // 2)
            elif self.limit < self.maximum:
                self.limit += 1
                self._changed.notify()


class Extractor:
    """Extracts deal mentions from articles through one LLM endpoint.

    The model as one string, as instructor's ``from_provider``, or settings::

        Extractor()                                       # the embedded model
        Extractor("openai/gpt-4o-mini")                   # key from OPENAI_API_KEY
        Extractor("qwen2.5", base_url="http://localhost:8000/v1", request_timeout=30)
        Extractor(Settings(model="ollama/qwen2.5:7b"))

    >>> with Extractor() as extractor:                      # doctest: +SKIP
    ...     result = extractor.extract(Article(text=..., article_id="a1"))
    """

    def __init__(self, settings: Settings | str | None = None, /, **options: Any):
        if isinstance(settings, str):
            options["model"] = settings
            settings = None
        if settings is None:
            settings = Settings(**options)
        elif options:  # validated again, so that a wrong option is said as for Settings itself
            settings = Settings(**(dict(settings) | options))
        self.settings = settings
        self.settings.require_credentials()
        self.strategy = strategy_for(self.settings)
        self.result_key = extraction_key(self.settings, self.strategy.name, self.strategy.prompt_version)
        self._server: EmbeddedServer | None = None
        self._base_url: str | None = self.settings.base_url

    def open(self) -> Extractor:
        if self.settings.provider is Provider.embedded and self._server is None:
            self._server = EmbeddedServer(self.settings).start()
            self._base_url = self._server.base_url
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def llm(self) -> LLM:
        """A client for the current event loop (an async client must not outlive its loop)."""
        self.open()
        return LLM(self.settings, base_url=self._base_url, api_key=self._server.api_key if self._server else None)

    async def aextract(self, article: Article, llm: LLM | None = None) -> ArticleResult:
        """Extract one article. Raises :class:`InputError` for input that cannot be an article;
        LLM failures are raised as :class:`~fdi_extract.errors.LLMError`."""
        check_text(article.text, article.article_id)
        if len(article.text) > self.settings.max_article_chars:
            raise InputError(
                article.article_id,
                f"the text is {len(article.text):,} characters; the limit is {self.settings.max_article_chars:,} "
                "(Settings.max_article_chars / FDI_EXTRACT_MAX_ARTICLE_CHARS)",
            )
        result = ArticleResult(article_id=article.article_id, warnings=list(article.warnings))
        if not article.text.strip():
            result.warnings.append("empty article: nothing to extract")
            return result
        started = time.perf_counter()
        # The article's money, capacity and job phrases are parsed once, for the strategy and for grounding.
        text = ArticleText(article.text)
        owned = llm is None
        llm = llm or self.llm()
        try:
            with metered(result.usage):
                drafts = await self.strategy.drafts(article, text, llm, result.warnings)
        finally:
            if owned:
                await llm.aclose()
        self.add_mentions(result, article, text, drafts, model=llm.model)
        result.seconds = time.perf_counter() - started
        return result

    def add_mentions(
        self, result: ArticleResult, article: Article, text: ArticleText, drafts: list[DealDraft], *, model: str
    ) -> None:
        """Ground and normalize the model's drafts into ``result.mentions``: the road after the LLM,
        shared by live extraction and answers collected from an OpenAI batch."""
        # Only for drafts that name no place of their own: a scan of the whole article that most skip.
        default_region = cache(partial(article_region, article.text))
        foreign = cache(partial(states_something_foreign, text.text))
        for draft in drafts:
            grounded, warnings = ground(draft, text)
            result.warnings.extend(warnings)
            if grounded is None:
                continue
            if not grounded.draft.investors and grounded.amount is None and not grounded.capacities:
                # "(not named) — an investment project": nothing an analyst could count or follow up.
                result.warnings.append(f"{draft.project[:60] or 'a deal'}: no company and no figure of it, left out")
                continue
            if not grounded.draft.investors and not foreign():
                # A foreign investment has a foreign party: an article that names neither a foreign company nor
                # a foreign country reports a local project (a school from a state fund), not FDI.
                result.warnings.append(
                    f"{draft.project[:60] or 'a deal'}: no company, and the article names nothing foreign: "
                    "no foreign investment, left out"
                )
                continue
            mention = to_mention(
                grounded,
                article,
                default_region=default_region,
                strategy=self.strategy.name,
                model=model,
                prompt_version=self.strategy.prompt_version,
            )
            if not any(_same_mention(mention, kept) for kept in result.mentions):
                result.mentions.append(mention)
        for warning in result.warnings:
            logger.warning("article %s: %s", article.article_id, warning)

    def extract(self, article: Article | str) -> ArticleResult:
        return _run(self.aextract(as_article(article)))

    async def aextract_many(
        self,
        articles: Iterable[Article | str],
        *,
        concurrency: int | None = None,
        progress: Callable[[ArticleResult], None] | None = None,
    ) -> AsyncIterator[ArticleResult]:
        """Extract many articles, ``concurrency`` at a time, yielding each result as it finishes (not in
        input order: match them by ``article_id``). Texts get the ids ``article-1``, ``article-2``, …

        An article that cannot be extracted (not an article, the endpoint failing after its retries) gives a
        result with ``error`` set and never stops the others, except that when ``UNREACHABLE_IN_A_ROW``
        articles in a row could not reach the endpoint at all, :class:`EndpointUnreachableError` is raised
        after their results and the articles not yet finished are dropped (a batch leaves them pending).
        ``concurrency`` defaults to 1 on the embedded model and 4 elsewhere, and halves while a remote endpoint
        answers 429. ``progress`` is called with each result as it is yielded.
        """
        concurrency = concurrency or default_concurrency(self.settings)
        if concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, not {concurrency}")
        limit = AdaptiveLimit(concurrency)
        llm: LLM | None = None  # started with the first article: an input with none starts no model
        pending: set[asyncio.Task[ArticleResult]] = set()
        unreachable: dict[str, str] = {}  # article id → why the endpoint could not be reached
        in_a_row = 0
        items = enumerate(articles, start=1)
        try:
            while True:
                while len(pending) < _READ_AHEAD * concurrency and (numbered := next(items, None)) is not None:
                    llm = llm or self.llm()
                    index, item = numbered
                    pending.add(
                        asyncio.create_task(self._extract_one(as_article(item, index), llm, limit, unreachable))
                    )
                if not pending:
                    return
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for result in _results(finished, progress):
                    in_a_row = in_a_row + 1 if result.article_id in unreachable else 0
                    yield result
                    _stop_if_unreachable(in_a_row, unreachable, result.article_id)
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if llm is not None:
                await llm.aclose()

    def extract_many(
        self,
        articles: Iterable[Article | str],
        *,
        concurrency: int | None = None,
        progress: Callable[[ArticleResult], None] | None = None,
    ) -> Iterator[ArticleResult]:
        """:meth:`aextract_many` for synchronous code: a generator of results as they finish."""
        loop = asyncio.new_event_loop()
        results = self.aextract_many(articles, concurrency=concurrency, progress=progress)
        try:
            while True:
                try:
                    yield loop.run_until_complete(anext(results))
                except StopAsyncIteration:
                    return
        finally:
            loop.run_until_complete(results.aclose())
            loop.close()

    async def _extract_one(
        self, article: Article, llm: LLM, limit: AdaptiveLimit, unreachable: dict[str, str]
    ) -> ArticleResult:
        async with limit:
            rate_limited_before = llm.rate_limited
            try:
                result = await self.aextract(article, llm)
            except FdiExtractError as error:
                result = ArticleResult(article_id=article.article_id, error=str(error))
                if isinstance(error, LLMConnectionError):
                    unreachable[article.article_id] = str(error)
            await limit.throttled(llm.rate_limited > rate_limited_before)
        return result


def _stop_if_unreachable(in_a_row: int, unreachable: dict[str, str], article_id: str) -> None:
    if in_a_row >= UNREACHABLE_IN_A_ROW:
        raise EndpointUnreachableError(
            f"{unreachable[article_id]} ({in_a_row} articles in a row, each after its retries); stopped"
        )


def _results(
    finished: set[asyncio.Task[ArticleResult]], progress: Callable[[ArticleResult], None] | None
) -> Iterator[ArticleResult]:
    for task in finished:
        result = task.result()  # a bug (not an article's failure) surfaces here instead of vanishing
        if progress is not None:
            progress(result)
        yield result


def as_article(item: Article | str, index: int = 1) -> Article:
    """An :class:`Article` as given, or one made of a text (its date found in the text where it states one)."""
    if isinstance(item, Article):
        return item
    return Article(text=item, article_id=f"article-{index}", published=find_published(item))


def _same_mention(a: DealMention, b: DealMention) -> bool:
    """Two drafts of one deal (chunk overlap, a model repeating itself)."""
    return (
        {i.name_normalized for i in a.investors} == {i.name_normalized for i in b.investors}
        and a.amount == b.amount
        and a.capacity == b.capacity
        and a.aggregate == b.aggregate
        and (a.project == b.project or a.amount is not None or bool(a.capacity))
    )


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from synchronous code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    coroutine.close()
    raise FdiExtractError("extract_deals() was called from inside a running event loop; await aextract_deals() instead")


_STARTED_MAX = 4
# One started Extractor per distinct settings, so that extract_deals called again with the same settings
# reuses the running model instead of starting it again (seconds for the embedded one). Only the
# convenience functions use it; an embedded server is stopped when its Extractor is closed, collected,
# or the interpreter exits (weakref.finalize in local.py).
_started: dict[str, Extractor] = {}


def _shared_extractor(settings: Settings | None) -> Extractor:
    settings = settings or Settings()
    secret = settings.api_key.get_secret_value() if settings.api_key else ""
    key = hashlib.sha256((settings.model_dump_json() + secret).encode()).hexdigest()
    if key not in _started:
        if len(_started) >= _STARTED_MAX:
            _started.pop(next(iter(_started))).close()
        _started[key] = Extractor(settings).open()
    return _started[key]


class ArticleOptions(TypedDict, total=False):
    """What a caller may say of one article besides its text; every key is optional.

    ``published``: the ISO date the amounts are converted at (found in the text when not given);
    ``article_id`` and ``url``: where the mentions say they come from; ``settings``: the model and strategy.
    """

    published: str | None
    article_id: str | None
    url: str | None
    settings: Settings | None


def _article(text: str | bytes, options: ArticleOptions, caller: str) -> Article:
    # The four public functions share one declaration of their keywords, so a misspelt one must still be
    # refused as a def with explicit keywords would refuse it.
    unknown = sorted(options.keys() - ArticleOptions.__annotations__.keys())
    if unknown:
        expected = ", ".join(ArticleOptions.__annotations__)
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r} (it takes {expected})")
    article_id = options.get("article_id") or "article"
    if isinstance(text, bytes):
        from fdi_extract.articles import decode

        text = decode(text, article_id)
    check_text(text, article_id)
    published = options.get("published") or find_published(text)
    return Article(text=text, article_id=article_id, published=published, url=options.get("url"))


async def _aextract(text: str | bytes, options: ArticleOptions, caller: str) -> ArticleResult:
    """What the four public functions do: read the article and its options, then extract it."""
    article = _article(text, options, caller)
    return await _shared_extractor(options.get("settings")).aextract(article)


async def aextract_article(text: str | bytes, **options: Unpack[ArticleOptions]) -> ArticleResult:
    """One article's whole result (async): its mentions, the warnings of its extraction (what was left out
    and why), the tokens it took and its seconds. Raises as :func:`aextract_deals` does."""
    return await _aextract(text, options, "aextract_article")


def extract_article(text: str | bytes, **options: Unpack[ArticleOptions]) -> ArticleResult:
    """One article's whole result: mentions, warnings, token usage and seconds.

    >>> result = extract_article(text)                      # doctest: +SKIP
    >>> result.mentions, result.warnings, result.usage.prompt_tokens
    """
    return _run(_aextract(text, options, "extract_article"))


async def aextract_deals(text: str | bytes, **options: Unpack[ArticleOptions]) -> list[DealMention]:
    """The deals one article reports, as grounded and normalized mentions (async); keywords as
    :class:`ArticleOptions`.

    Raises :class:`InputError` for text that is not an article (binary, not UTF-8, over the size
    limit); an empty article gives ``[]``. :func:`aextract_article` gives the warnings and usage too.
    """
    result = await _aextract(text, options, "aextract_deals")
    return result.mentions


def extract_deals(text: str | bytes, **options: Unpack[ArticleOptions]) -> list[DealMention]:
    """The deals one article reports, as grounded and normalized mentions (:func:`extract_article` gives
    the warnings and token usage too); keywords as :class:`ArticleOptions`.

    >>> from fdi_extract import extract_deals              # doctest: +SKIP
    >>> extract_deals(open("seeds/001_a70f3a66ea427b18.txt").read())[0].investors[0].name
    'SUNGROW Renewables Development Co., Ltd'
    """
    return _run(_aextract(text, options, "extract_deals")).mentions
