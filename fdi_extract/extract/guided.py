"""The guided strategy: deterministic candidates, then small questions whose answers can only point at real spans.

Built for small local models (the embedded 1.5B one), which fail at "list every deal as JSON" —
they name the region as the investor, repeat one entry until the token limit, or give one project
another's amount. Here the model is never asked to produce a list or a number:

1. Deterministically, find the company names, money, capacity and job phrases, with offsets.
2. The prompt starts with the article's relevant paragraphs (those holding a company or a figure),
   identical for every question, so llama.cpp reuses the cached prefix and each further question
   costs only its own few tokens.
3. For each company, one question: is it an investor in a concrete project, and which of the
   figures *of its own paragraphs* belong to it. Figures are enums of the article's phrases plus
   "none", enforced by the grammar, so an answer cannot invent a number.
4. For each figure no company took, one question: is it a total of several projects (an aggregate
   deal), one project of an unnamed investor, or no investment at all (trade, budget, target).

Evidence is the sentences that name the company or hold the figure: grounded by construction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from fdi_extract.extract.candidates import CompanyCandidate, Span, find_companies, paragraphs, sentences
from fdi_extract.extract.schema import DealDraft
from fdi_extract.ground import ArticleText
from fdi_extract.model import Stage
from fdi_extract.normalize.money import Money
from fdi_extract.normalize.quantities import Quantity
from fdi_extract.prompts import load_prompt

if TYPE_CHECKING:
    from fdi_extract.llm import LLM
    from fdi_extract.model import Article

NONE = "none"
NOT_NAMED = "not named"
_INVESTOR = "investor in a concrete project"
_ROLES = (_INVESTOR, "local partner", "only talks, visit, trade or cooperation")
_TOTAL = "total of several projects"
_ONE_PROJECT = "investment or size of one project"
_KINDS = (_TOTAL, _ONE_PROJECT, "something else")
_MAX_CONTEXT_CHARS = 9000
_ANSWER_TOKENS = 160

_Figure = Money | Quantity


def _choice(options: list[str]) -> Any:
    """A Literal of the options, so the grammar admits nothing else."""
    return Literal[tuple(options)]  # type: ignore[valid-type]


def _company_answer_model(amounts: list[str], capacities: list[str], jobs: list[str]) -> type[BaseModel]:
    return create_model(
        "CompanyAnswer",
        role=(_choice(list(_ROLES)), ...),
        project=(str, Field(max_length=120)),
        stage=(Stage, ...),
        amount=(_choice([*amounts, NONE]), ...),
        capacity=(_choice([*capacities, NONE]), ...),
        jobs=(_choice([*jobs, NONE]), ...),
    )


def _figure_answer_model(companies: list[str]) -> type[BaseModel]:
    return create_model(
        "FigureAnswer",
        kind=(_choice(list(_KINDS)), ...),
        project=(str, Field(max_length=120)),
        stage=(Stage, ...),
        investor=(_choice([*companies, NOT_NAMED]), ...),
    )


def _phrase(figure: _Figure) -> str:
    return " ".join(figure.text.split())


def _inside(figure: _Figure, spans: list[Span]) -> bool:
    return any(s.start <= figure.start and figure.end <= s.end for s in spans)


def _covering(spans: list[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s.start < end and start < s.end]


class GuidedStrategy:
    name = "guided"

    def __init__(self) -> None:
        self._prompt = load_prompt("guided")

    @property
    def prompt_version(self) -> str:
        return self._prompt.version

    def _context(self, text: str, paragraph_spans: list[Span], wanted: list[Span]) -> str:
        relevant = [p for p in paragraph_spans if _covering(wanted, p.start, p.end)]
        kept: list[str] = []
        size = 0
        for paragraph in relevant:
            if size + len(paragraph.text) > _MAX_CONTEXT_CHARS:
                break
            kept.append(paragraph.text)
            size += len(paragraph.text) + 2
        return "\n\n".join(kept) or text[:_MAX_CONTEXT_CHARS]

    async def drafts(self, article: Article, llm: LLM) -> list[DealDraft]:
        text = article.text
        figures = ArticleText(text)
        paragraph_spans = paragraphs(text)
        sentence_spans = sentences(text)
        companies = find_companies(text)
        all_figures: list[_Figure] = [*figures.money, *figures.capacities, *figures.jobs]
        anchors = [m for c in companies for m in c.mentions] + [Span(f.start, f.end, f.text) for f in all_figures]
        if not anchors:
            return []
        context = self._context(text, paragraph_spans, anchors)
        prefix = [
            {"role": "system", "content": self._prompt.render("system")},
            {"role": "user", "content": self._prompt.render("context", context=context)},
        ]
        found: list[DealDraft] = []
        claimed: set[tuple[int, int]] = set()
        for company in companies:
            draft = await self._ask_company(company, figures, paragraph_spans, sentence_spans, prefix, llm, claimed)
            if draft is not None:
                found.append(draft)
        investor_names = [d.investors[0] for d in found if d.investors]
        for figure in [*figures.money, *figures.capacities]:
            if (figure.start, figure.end) in claimed:
                continue
            draft = await self._ask_figure(figure, sentence_spans, investor_names, prefix, llm)
            if draft is not None:
                found.append(draft)
                claimed.add((figure.start, figure.end))
        return found

    @staticmethod
    def _question(prefix: list[dict[str, str]], question: str) -> list[dict[str, str]]:
        # The question is appended to the shared user message, after the article, to keep the cached prefix.
        return [prefix[0], {"role": "user", "content": prefix[1]["content"] + "\n\n" + question}]

    async def _ask_company(
        self,
        company: CompanyCandidate,
        figures: ArticleText,
        paragraph_spans: list[Span],
        sentence_spans: list[Span],
        prefix: list[dict[str, str]],
        llm: LLM,
        claimed: set[tuple[int, int]],
    ) -> DealDraft | None:
        own = [p for m in company.mentions for p in _covering(paragraph_spans, m.start, m.end)]
        options: dict[str, dict[str, _Figure]] = {"amount": {}, "capacity": {}, "jobs": {}}
        for kind, items in (("amount", figures.money), ("capacity", figures.capacities), ("jobs", figures.jobs)):
            for item in items:
                if _inside(item, own):
                    options[kind].setdefault(_phrase(item), item)
        answer_model = _company_answer_model(*(list(options[k]) for k in ("amount", "capacity", "jobs")))
        question = self._prompt.render("company", company=company.name)
        answer = await llm.ask(answer_model, self._question(prefix, question), max_tokens=_ANSWER_TOKENS)
        if answer.role != _INVESTOR:
            return None
        chosen = {kind: options[kind].get(getattr(answer, kind)) for kind in options}
        for figure in chosen.values():
            if figure is not None:
                claimed.add((figure.start, figure.end))
        evidence = [s.text for m in company.mentions[:2] for s in _covering(sentence_spans, m.start, m.end)]
        return DealDraft(
            evidence=list(dict.fromkeys(evidence))[:3],
            investors=[company.name],
            project=answer.project,
            amount=chosen["amount"].text if chosen["amount"] else None,
            capacity=[chosen["capacity"].text] if chosen["capacity"] else [],
            jobs=chosen["jobs"].text if chosen["jobs"] else None,
            stage=answer.stage,
        )

    async def _ask_figure(
        self,
        figure: _Figure,
        sentence_spans: list[Span],
        investor_names: list[str],
        prefix: list[dict[str, str]],
        llm: LLM,
    ) -> DealDraft | None:
        sentence = next(iter(_covering(sentence_spans, figure.start, figure.end)), Span(figure.start, figure.end, figure.text))
        question = self._prompt.render("figure", figure=_phrase(figure), sentence=" ".join(sentence.text.split()))
        answer = await llm.ask(
            _figure_answer_model(investor_names), self._question(prefix, question), max_tokens=_ANSWER_TOKENS
        )
        if answer.kind not in (_TOTAL, _ONE_PROJECT):
            return None
        is_money = isinstance(figure, Money)
        return DealDraft(
            evidence=[sentence.text],
            investors=[] if answer.investor == NOT_NAMED else [answer.investor],
            project=answer.project,
            amount=figure.text if is_money else None,
            capacity=[] if is_money else [figure.text],
            stage=answer.stage,
            aggregate=answer.kind == _TOTAL,
        )
