"""Whole article in, a flat list of deals out; every name and phrase of the answer then found in the article.

The strategy for models that read an article whole. The answer is flat (investor, place, amount,
capacity, jobs, stage: phrases as written), the shape in which a plain one-call extraction does best
(bench/baseline.py); what makes it this project's is what happens after: an investor the article never
names is dropped, evidence is the article's own sentences holding the investor or the figures, and the
stage is read from the cue tables in those sentences, the model's choice only where they state none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fdi_extract.cues import fingerprint, stage_cue
from fdi_extract.drafts import DealDraft
from fdi_extract.extract.schema import FoundDeal, FoundDeals
from fdi_extract.normalize.money import Money, parse_money
from fdi_extract.normalize.quantities import Quantity, parse_capacities, parse_jobs
from fdi_extract.prompts import load_prompt
from fdi_extract.text import Span

if TYPE_CHECKING:
    from fdi_extract.llm import LLM
    from fdi_extract.model import Article
    from fdi_extract.text import ArticleText


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
        spans = text.sentences
        drafts = []
        for deal in (deal for answer in answers for deal in answer.deals):
            if (draft := _draft(deal, text, spans, warnings)) is not None:
                drafts.append(draft)
        return drafts


def _draft(deal: FoundDeal, text: ArticleText, spans: list[Span], warnings: list[str]) -> DealDraft | None:
    investor = deal.investor.strip() if deal.investor else None  # grounding drops one the article does not name
    # A small model re-types what it copies ("500,000 tons" for "500 тыс. тонн", a legal form added to a
    # name): each phrase is taken back to the article's own phrase for the same figure or name.
    amount = _article_phrase(deal.amount, text.money, text)
    capacity = _article_phrase(deal.capacity, text.capacities, text)
    jobs = _article_phrase(deal.jobs, text.jobs, text)
    name_at = _name_span(investor, text) if investor and text.names(investor, company=True) else None
    if investor and name_at and not text.locate_all(investor):
        investor = text.text[name_at[0] : name_at[1]]  # the name as the article writes it
    figures = [text.locate_all(phrase)[:1] for phrase in (amount, capacity, jobs) if phrase]
    anchors = ([name_at] if name_at else []) + [found[0] for found in figures if found]
    evidence = list(dict.fromkeys(s.text for start, _ in anchors for s in spans if s.start <= start < s.end))
    if not evidence:
        warnings.append(f"{deal.project or 'a deal'}: nothing of it is in the article, left out")
        return None
    # The article's words over the model's reading: measured wrong on most deals of a small model.
    stated = stage_cue(" ".join(evidence))
    reasons = [f"investor {investor}: the model's answer" if investor else "investor: the model named none"]
    for kind, written, kept in (("amount", deal.amount, amount), ("capacity", deal.capacity, capacity),
                                ("jobs", deal.jobs, jobs)):
        if kept:
            reasons.append(f"{kind} “{kept}”: the model's answer" + (f" (it wrote “{written}”)" if written != kept else ""))
    reasons.append(f"stage {stated[0].value}: “{stated[1]}” in its sentences" if stated else
                   f"stage {deal.stage.value}: the model's answer (no stage words in its sentences)")
    return DealDraft(
        evidence=evidence[:3],
        investors=[investor] if investor else [],
        investor_country=deal.investor_country,
        project=deal.project,
        place=deal.place,
        amount=amount,
        capacity=[capacity] if capacity else [],
        jobs=jobs,
        stage=stated[0] if stated else deal.stage,
        aggregate=deal.aggregate,
        reasons=reasons,
    )


def _article_phrase(phrase: str | None, figures: Sequence[Money | Quantity], text: ArticleText) -> str | None:
    """The article's phrase for the figure the model wrote: its own words when they occur, else the one
    phrase of the article with the same value (and currency or unit); None when the article has none."""
    if not phrase or text.locate_all(phrase):
        return phrase
    wanted = {(f.value, getattr(f, "currency", None) or getattr(f, "unit", None))
              for f in (parse_money(phrase) or parse_capacities(phrase) or parse_jobs(phrase))}
    same = {f.text for f in figures if (f.value, getattr(f, "currency", None) or getattr(f, "unit", None)) in wanted}
    return same.pop() if len(same) == 1 else None


def _name_span(name: str, text: ArticleText) -> tuple[int, int] | None:
    """Where the article names the company: the name as written, else its leading words ("Fufeng Group" for
    "Fufeng Group Co., Ltd"), down to two words (one word alone, "China", could be anywhere)."""
    words = name.split()
    while len(words) >= min(2, len(name.split())):
        if len(" ".join(words)) >= 4 and (found := text.locate_all(" ".join(words))):
            return found[0]
        words.pop()
    return None
