"""Whole article in, a flat list of deals out; every name and phrase of the answer then found in the article.

The strategy for models that read an article whole. The answer is flat (investor, place, amount,
capacity, jobs, stage: phrases as written), the shape in which a plain one-call extraction does best
(bench/baseline.py); what makes it this project's is what happens after: an investor the article never
names is dropped, evidence is the article's own sentences holding the investor or the figures, and the
stage is read from the cue tables in those sentences, the model's choice only where they state none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fdi_extract.cues import fingerprint, stage_from_cues
from fdi_extract.extract.candidates import Span, sentences
from fdi_extract.extract.schema import DealDraft, FoundDeal, FoundDeals
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
    answer_model = FoundDeals

    def __init__(self, chunk_chars: int = 12_000):
        self.chunk_chars = chunk_chars
        self._prompt = load_prompt("direct")

    @property
    def prompt_version(self) -> str:
        return f"{self._prompt.version}+cues.{fingerprint()}"

    def questions(self, article: Article) -> list[list[dict[str, str]]]:
        """The messages of each request for ``article``, one per chunk; all independent of each other's
        answers, so they can also go out as lines of an OpenAI Batch API file."""
        return [self._prompt.messages(article=chunk) for chunk in split_into_chunks(article.text, self.chunk_chars)]

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        answers = [await llm.ask(FoundDeals, messages) for messages in self.questions(article)]
        return self.drafts_from(answers, text, warnings)

    def drafts_from(self, answers: list[FoundDeals], text: ArticleText, warnings: list[str]) -> list[DealDraft]:
        """The drafts of the answers (one per chunk), live or collected from a batch job."""
        spans = sentences(text.text)
        drafts = []
        for deal in (deal for answer in answers for deal in answer.deals):
            if (draft := _draft(deal, text, spans, warnings)) is not None:
                drafts.append(draft)
        return drafts


def _draft(deal: FoundDeal, text: ArticleText, spans: list[Span], warnings: list[str]) -> DealDraft | None:
    investor = deal.investor.strip() if deal.investor else None  # grounding drops one the article does not name
    anchors = [phrase for phrase in (investor, deal.amount, deal.capacity, deal.jobs) if phrase]
    evidence = []
    for phrase in anchors:
        located = text.locate_all(phrase)
        held = [s for s in spans if located and s.start <= located[0][0] < s.end]
        evidence += [s.text for s in held if s.text not in evidence]
    if not evidence or not (investor or deal.amount or deal.capacity):
        warnings.append(f"{deal.project or 'a deal'}: nothing of it is in the article, left out")
        return None
    return DealDraft(
        evidence=evidence[:3],
        investors=[investor] if investor else [],
        investor_country=deal.investor_country,
        project=deal.project,
        place=deal.place,
        amount=deal.amount,
        capacity=[deal.capacity] if deal.capacity else [],
        jobs=deal.jobs,
        # The article's words over the model's reading: measured wrong on most deals of a small model.
        stage=stage_from_cues(" ".join(evidence)) or deal.stage,
        aggregate=deal.aggregate,
    )
