"""Whole article in, list of deals out: the strategy for models strong enough to read an article whole."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fdi_extract.extract.schema import DealDraft, DealDrafts
from fdi_extract.prompts import load_prompt

if TYPE_CHECKING:
    from fdi_extract.ground import ArticleText
    from fdi_extract.llm import LLM
    from fdi_extract.model import Article


def split_into_chunks(text: str, max_chars: int) -> list[str]:
    """Paragraph-aligned pieces of at most ``max_chars`` (a paragraph longer than that is cut at sentences)."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        if len(paragraph) <= max_chars:
            pieces.append(paragraph)
            continue
        sentence_run = ""
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
            if sentence_run and len(sentence_run) + len(sentence) + 1 > max_chars:
                pieces.append(sentence_run)
                sentence_run = ""
            sentence_run = f"{sentence_run} {sentence}".strip() if sentence_run else sentence[:max_chars]
        pieces.append(sentence_run)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) + 1 <= max_chars:
            chunks[-1] += "\n" + piece
        else:
            chunks.append(piece)
    return [c for c in chunks if c.strip()]


class DirectStrategy:
    name = "direct"

    def __init__(self, chunk_chars: int = 12_000):
        self.chunk_chars = chunk_chars
        self._prompt = load_prompt("direct")

    @property
    def prompt_version(self) -> str:
        return self._prompt.version

    def questions(self, article: Article) -> list[list[dict[str, str]]]:
        """The messages of each request for ``article``, one per chunk; all independent of each other's
        answers, so they can also go out as lines of an OpenAI Batch API file."""
        return [self._prompt.messages(article=chunk) for chunk in split_into_chunks(article.text, self.chunk_chars)]

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        found: list[DealDraft] = []
        for messages in self.questions(article):
            answer = await llm.ask(DealDrafts, messages)
            found.extend(answer.deals)
        return found
