"""The road one article travels: check → extract (LLM) → ground → normalize → DealMention.

:class:`Extractor` owns the LLM endpoint (and the embedded server when that is the endpoint) for
as long as it is open; :func:`extract_deals` and :func:`aextract_deals` use one shared Extractor
that is opened on first use and closed at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
from collections.abc import Coroutine
from functools import cache, partial
from types import TracebackType
from typing import Any, Self, TypeVar

from fdi_extract.articles import check_text, find_published
from fdi_extract.drafts import DealDraft
from fdi_extract.errors import FdiExtractError, InputError
from fdi_extract.extract import strategy_for
from fdi_extract.ground import ground
from fdi_extract.llm import LLM, metered
from fdi_extract.local import EmbeddedServer
from fdi_extract.mentions import article_region, to_mention
from fdi_extract.model import Article, ArticleResult, DealMention
from fdi_extract.settings import Provider, Settings
from fdi_extract.text import ArticleText

logger = logging.getLogger("fdi_extract")
T = TypeVar("T")


class Extractor:
    """Extracts deal mentions from articles through one LLM endpoint.

    >>> with Extractor() as extractor:                      # doctest: +SKIP
    ...     result = extractor.extract(Article(text=..., article_id="a1"))
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.strategy = strategy_for(self.settings)
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

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
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

    def add_mentions(self, result: ArticleResult, article: Article, text: ArticleText, drafts: list[DealDraft],
                     *, model: str) -> None:
        """Ground and normalize the model's drafts into ``result.mentions``: the road after the LLM,
        shared by live extraction and answers collected from an OpenAI batch."""
        # Only for drafts that name no place of their own: a scan of the whole article that most skip.
        default_region = cache(partial(article_region, article.text))
        for draft in drafts:
            grounded, warnings = ground(draft, text)
            result.warnings.extend(warnings)
            if grounded is None:
                continue
            mention = to_mention(
                grounded, article, default_region=default_region, strategy=self.strategy.name,
                model=model, prompt_version=self.strategy.prompt_version,
            )
            if not any(_same_mention(mention, kept) for kept in result.mentions):
                result.mentions.append(mention)
        for warning in result.warnings:
            logger.warning("article %s: %s", article.article_id, warning)

    def extract(self, article: Article) -> ArticleResult:
        return _run(self.aextract(article))


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
    raise FdiExtractError(
        "extract_deals() was called from inside a running event loop; await aextract_deals() instead"
    )


_default: Extractor | None = None


def _shared_extractor(settings: Settings | None) -> Extractor:
    """One Extractor per process for the convenience functions, or a new one for explicit settings."""
    global _default
    if settings is not None:
        return Extractor(settings)
    if _default is None:
        _default = Extractor()
        atexit.register(_default.close)
    return _default


def _article(text: str | bytes, published: str | None, article_id: str | None, url: str | None) -> Article:
    article_id = article_id or "article"
    if isinstance(text, bytes):
        from fdi_extract.articles import decode

        text = decode(text, article_id)
    check_text(text, article_id)
    return Article(text=text, article_id=article_id, published=published or find_published(text), url=url)


async def aextract_deals(
    text: str | bytes,
    *,
    published: str | None = None,
    article_id: str | None = None,
    url: str | None = None,
    settings: Settings | None = None,
) -> list[DealMention]:
    """The deals one article reports, as grounded and normalized mentions (async).

    Raises :class:`InputError` for text that is not an article (binary, not UTF-8, over the size
    limit); an empty article gives ``[]``.
    """
    article = _article(text, published, article_id, url)
    extractor = _shared_extractor(settings)
    try:
        return (await extractor.aextract(article)).mentions
    finally:
        if extractor is not _default:
            extractor.close()


def extract_deals(
    text: str | bytes,
    *,
    published: str | None = None,
    article_id: str | None = None,
    url: str | None = None,
    settings: Settings | None = None,
) -> list[DealMention]:
    """The deals one article reports, as grounded and normalized mentions.

    >>> from fdi_extract import extract_deals              # doctest: +SKIP
    >>> extract_deals(open("seeds/001_a70f3a66ea427b18.txt").read())[0].investors[0].name
    'SUNGROW Renewables Development Co., Ltd'
    """
    return _run(aextract_deals(text, published=published, article_id=article_id, url=url, settings=settings))
