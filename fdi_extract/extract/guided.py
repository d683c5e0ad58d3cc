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
5. Drafts of one project are joined (see :meth:`_Page.one_per_project`).

Word cues (stages, totals, non-deals, visits) come from the language tables of ``fdi_extract.cues``.
Evidence is the sentences that name the company or hold the figure: grounded by construction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, create_model

from fdi_extract.cues import cue, fingerprint, stage_from_cues
from fdi_extract.drafts import DealDraft
from fdi_extract.errors import LLMAnswerError
from fdi_extract.extract.candidates import CompanyCandidate, find_companies
from fdi_extract.extract.schema import Answer
from fdi_extract.model import Sector, Stage, most_advanced
from fdi_extract.normalize.companies import same_company
from fdi_extract.normalize.money import Money
from fdi_extract.normalize.places import find_places, resolve_place
from fdi_extract.normalize.quantities import Quantity
from fdi_extract.normalize.sectors import sector_for
from fdi_extract.prompts import load_prompt
from fdi_extract.text import ArticleText, Span, paragraphs

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
_SECTION_TAIL = 2  # paragraphs after a company's own that may still state its figures
_LEDE_MIN_CHARS = 100  # shorter opening paragraphs are captions, datelines and headlines

_Figure = Money | Quantity


def _choice(options: list[str]) -> Any:
    """A Literal of the options, so the grammar admits nothing else."""
    return Literal[tuple(options)]  # type: ignore[valid-type]


def _company_answer_model(amounts: list[str], capacities: list[str], jobs: list[str]) -> type[Answer]:
    return create_model(
        "CompanyAnswer",
        __base__=Answer,
        role=(_choice(list(_ROLES)), ...),
        project_in_english=(str, Field(max_length=80)),
        amount=(_choice([*amounts, NONE]), ...),
        capacity=(_choice([*capacities, NONE]), ...),
        jobs=(_choice([*jobs, NONE]), ...),
    )


def _figure_answer_model(companies: list[str]) -> type[Answer]:
    return create_model(
        "FigureAnswer",
        __base__=Answer,
        kind=(_choice(list(_KINDS)), ...),
        project_in_english=(str, Field(max_length=80)),
        investor=(_choice([*companies, NOT_NAMED]), ...),
    )


def _phrase(figure: _Figure) -> str:
    return " ".join(figure.text.split())


def _inside(figure: _Figure, spans: list[Span]) -> bool:
    return any(s.start <= figure.start and figure.end <= s.end for s in spans)


def _covering(spans: list[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s.start < end and start < s.end]


def _around(spans: list[Span], start: int, end: int) -> list[Span]:
    """The sentences holding [start, end) and the one before it (which often says what happened)."""
    indices = [i for i, s in enumerate(spans) if s.start < end and start < s.end]
    return spans[max(0, indices[0] - 1) : indices[-1] + 1] if indices else []


def is_total(sentence: str) -> bool:
    """A sum that is the total of several projects ("общая стоимость …", "15 memoranda worth …")."""
    return bool(cue("total").search(sentence))


def is_not_a_deal(sentence: str) -> bool:
    """A sum that is no investment: trade, budgets, targets, debts."""
    return bool(cue("not_a_deal").search(sentence))


class GuidedStrategy:
    name = "guided"

    def __init__(self) -> None:
        self._prompt = load_prompt("guided")

    @property
    def prompt_version(self) -> str:
        # The cue tables decide as much as the prompt does: their hash keeps results of older tables out of the cache.
        return f"{self._prompt.version}+cues.{fingerprint()}"

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

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        page = _Page(text)
        if not page.companies and not page.figures:
            return []
        context = self._context(article.text, page.paragraphs, page.anchors())
        prefix = [
            {"role": "system", "content": self._prompt.render("system")},
            {"role": "user", "content": self._prompt.render("context", context=context)},
        ]
        found: dict[str, tuple[DealDraft, list[Span]]] = {}
        claimed: set[tuple[int, int]] = set()
        for company in page.companies:
            own = page.own_paragraphs(company)
            if page.only_visited(company, own):
                continue
            try:
                asked = await self._ask_company(company, own, page, prefix, llm)
            except LLMAnswerError as error:
                # One unusable answer costs this company's deal, not the article's other deals.
                warnings.append(f"{company.name}: no valid answer, left out ({error})")
                continue
            if asked is not None:
                draft, taken = asked
                found[company.name] = (draft, own)
                claimed.update((f.start, f.end) for f in taken)
        drafts = [draft for draft, _ in found.values()]
        for figure in [*page.money, *page.capacities]:
            sentence = page.sentence_of(figure)
            if (figure.start, figure.end) in claimed or is_not_a_deal(sentence.text):
                continue
            try:
                answer = await self._ask_figure(figure, sentence, list(found), prefix, llm)
            except LLMAnswerError as error:
                warnings.append(f"{figure.text}: no valid answer, left out ({error})")
                continue
            if answer is None:
                continue
            aggregate = answer.kind == _TOTAL or (isinstance(figure, Money) and is_total(sentence.text))
            nearest = page.owner_of(figure)
            named = answer.investor if answer.investor in found else (nearest.name if nearest else None)
            owner, owner_paragraphs = found.get(named, (None, [])) if named else (None, [])
            if owner is not None and not _inside(figure, owner_paragraphs):
                owner = None  # the model named a company from elsewhere in the article: don't believe it
            if aggregate:
                investors = page.companies_near(figure.start, figure.end)
            else:
                investors = [named] if owner is not None and named else []
            if owner is not None and not aggregate:
                # A figure of a company already found: add it to that deal when it lacks one, never a second deal.
                if isinstance(figure, Money) and owner.amount is None:
                    owner.amount = figure.text
                elif isinstance(figure, Quantity) and figure.text not in owner.capacity:
                    owner.capacity.append(figure.text)
                continue
            drafts.append(DealDraft(
                evidence=[sentence.text],
                investors=investors,
                project=answer.project_in_english,
                sector=page.sector_near(figure.start, figure.end, answer.project_in_english),
                amount=figure.text if isinstance(figure, Money) else None,
                capacity=[] if isinstance(figure, Money) else [figure.text],
                stage=page.stage_near(figure.start, figure.end),
                aggregate=aggregate,
            ))
        for first, second in page.named_as_one(list(found)):
            _join(drafts, first, second)
        return page.one_per_project(drafts)

    @staticmethod
    def _question(prefix: list[dict[str, str]], question: str) -> list[dict[str, str]]:
        # The question is appended to the shared user message, after the article, to keep the cached prefix.
        return [prefix[0], {"role": "user", "content": prefix[1]["content"] + "\n\n" + question}]

    async def _ask_company(
        self, company: CompanyCandidate, own: list[Span], page: _Page, prefix: list[dict[str, str]], llm: LLM
    ) -> tuple[DealDraft, list[_Figure]] | None:
        """The company's deal and the figures it took, or None when the model says it is no investor."""

        def distance(figure: _Figure) -> int:
            return min(abs(figure.start - m.start) for m in company.mentions)

        # Nearest first: small models lean towards the first option, and the nearest figure is most often right.
        options: dict[str, dict[str, _Figure]] = {"amount": {}, "capacity": {}, "jobs": {}}
        for kind, items in (("amount", page.money), ("capacity", page.capacities), ("jobs", page.jobs)):
            for item in sorted(items, key=distance):
                if page.is_project_figure(item) and page.owner_of(item) is company:
                    options[kind].setdefault(_phrase(item), item)
        answer_model = _company_answer_model(*(list(options[k]) for k in ("amount", "capacity", "jobs")))
        question = self._prompt.render("company", company=company.name)
        answer = await llm.ask(answer_model, self._question(prefix, question), max_tokens=_ANSWER_TOKENS)
        if answer.role != _INVESTOR:
            return None
        mention_sentences = [s for m in company.mentions for s in _covering(page.sentences, m.start, m.end)]
        chosen: dict[str, _Figure | None] = {}
        for kind, offered in options.items():
            picked = offered.get(getattr(answer, kind))
            # The one figure of the company's section that is nearest to it rather than to another company
            # is its own even when the model said "none" (the failure measured on small models).
            if picked is None and len(offered) == 1:
                picked = next(iter(offered.values()))
            chosen[kind] = picked
        draft = DealDraft(
            evidence=list(dict.fromkeys(s.text for s in mention_sentences))[:3],
            investors=[company.name],
            project=answer.project_in_english,
            place=_place_phrase(" ".join(p.text for p in own)),
            sector=page.sector_near(company.mentions[0].start, company.mentions[0].end, answer.project_in_english),
            amount=chosen["amount"].text if chosen["amount"] else None,
            capacity=[chosen["capacity"].text] if chosen["capacity"] else [],
            jobs=chosen["jobs"].text if chosen["jobs"] else None,
            stage=page.stage_of(company, own),
        )
        return draft, [f for f in chosen.values() if f is not None]

    async def _ask_figure(
        self, figure: _Figure, sentence: Span, investor_names: list[str], prefix: list[dict[str, str]], llm: LLM
    ) -> Any | None:
        question = self._prompt.render("figure", figure=_phrase(figure), sentence=" ".join(sentence.text.split()))
        answer = await llm.ask(
            _figure_answer_model(investor_names), self._question(prefix, question), max_tokens=_ANSWER_TOKENS
        )
        return answer if answer.kind in (_TOTAL, _ONE_PROJECT) else None


_OPENING_BRACKET = re.compile(r"\s*\(\s*")


def _join(drafts: list[DealDraft], first: str, second: str) -> None:
    """One deal of the two drafts that a company and the one named in brackets beside it were each given:
    the model, asked company by company, splits the project's figures between them."""
    kept, joined = (next((d for d in drafts if d.investors == [name] and not d.aggregate), None) for name in (first, second))
    if kept is None or joined is None:
        return
    kept.investors.append(second)
    _merge_into(kept, joined)
    drafts.remove(joined)


def _merge_into(kept: DealDraft, other: DealDraft) -> None:
    kept.evidence = list(dict.fromkeys([*kept.evidence, *other.evidence]))[:3]
    kept.amount = kept.amount or other.amount
    kept.capacity += [c for c in other.capacity if c not in kept.capacity]
    kept.jobs = kept.jobs or other.jobs
    kept.stage = most_advanced([kept.stage, other.stage])


class _Page:
    """One article's deterministic facts: paragraphs, sentences, companies and figures with offsets."""

    def __init__(self, found: ArticleText):
        self.text = text = found.text
        self.money, self.capacities, self.jobs = found.money, found.capacities, found.jobs
        self.figures: list[_Figure] = [*self.money, *self.capacities, *self.jobs]
        self.paragraphs = paragraphs(text)
        self.sentences = found.sentences
        self.companies = find_companies(text)
        self._companies_by_paragraph = [
            {i for i, c in enumerate(self.companies) if _covering(c.mentions, p.start, p.end)} for p in self.paragraphs
        ]
        self._sections: dict[int, list[Span]] = {}
        lede = next((p for p in self.paragraphs if len(p.text) >= _LEDE_MIN_CHARS), None)
        self._lede_stage = stage_from_cues(lede.text) if lede else None

    def anchors(self) -> list[Span]:
        return [m for c in self.companies for m in c.mentions] + [Span(f.start, f.end, f.text) for f in self.figures]

    def sentence_of(self, figure: _Figure) -> Span:
        return next(iter(_covering(self.sentences, figure.start, figure.end)), Span(figure.start, figure.end, figure.text))

    def own_paragraphs(self, company: CompanyCandidate) -> list[Span]:
        """A company's section: the paragraphs that name it, up to two after them that name no other
        company, and the one just before its first mention when that names no other company
        (news state a project's figures both before and after naming its investor)."""
        me = self.companies.index(company)
        if me in self._sections:
            return self._sections[me]
        named = self._companies_by_paragraph
        mine = {i for i, names in enumerate(named) if me in names}
        for index in sorted(mine):
            following = index + 1
            while following < min(len(named), index + 1 + _SECTION_TAIL) and not named[following]:
                mine.add(following)
                following += 1
        first = min(mine, default=0)
        if first > 0 and not named[first - 1]:
            mine.add(first - 1)
        self._sections[me] = [self.paragraphs[i] for i in sorted(mine)]
        return self._sections[me]

    def owner_of(self, figure: _Figure) -> CompanyCandidate | None:
        """The company whose section holds the figure and whose mention is nearest to it."""
        holders = [c for c in self.companies if _inside(figure, self.own_paragraphs(c))]
        return min(
            holders, key=lambda c: min(abs(figure.start - m.start) for m in c.mentions), default=None
        )

    def companies_near(self, start: int, end: int) -> list[str]:
        """The companies named in the sentence of a span or the one before it."""
        around = _around(self.sentences, start, end)
        return [c.name for c in self.companies if any(_covering(c.mentions, s.start, s.end) for s in around)]

    def named_as_one(self, names: list[str]) -> list[tuple[str, str]]:
        """Pairs of companies written as one, the second in brackets right after the first: "Fufeng Group
        (Shengtai Biotech Co., Ltd)" names a group by its parent and the subsidiary that carries the project."""
        companies = [c for c in self.companies if c.name in names]
        return [
            (first.name, second.name)
            for first in companies for second in companies if first is not second
            and any(_OPENING_BRACKET.fullmatch(self.text, a.end, b.start) for a in first.mentions for b in second.mentions
                    if a.end <= b.start)
        ]

    def one_per_project(self, drafts: list[DealDraft]) -> list[DealDraft]:
        """Drafts of one project joined, when the sector agrees and no figure conflicts: two spellings of one
        company (candidates found apart, "CPIH" and its long name), and figures of no named investor ("1 ГВт",
        "1000 МВт" and "$1 bn" of one wind park are one deal, not three). Totals stay apart, and so do one
        company's two plants (their figures differ). A figure no company took stays apart from the article's
        named investors: joining it to an article's only named investor merged a second, unnamed project
        into it (seed 000's 34 MW gas plant into another company's deal)."""
        named = [d for d in drafts if d.investors and not d.aggregate]
        for first, second in [(a, b) for i, a in enumerate(named) for b in named[i + 1 :]]:
            if first in drafts and second in drafts and self._one_project(first, second) and any(
                    same_company(x, y) for x in first.investors for y in second.investors):
                self._join_into(first, second, drafts)
        unnamed = [d for d in drafts if not d.investors and not d.aggregate]
        for draft in unnamed[1:]:
            if self._one_project(unnamed[0], draft):
                self._join_into(unnamed[0], draft, drafts)
        return drafts

    def _join_into(self, kept: DealDraft, other: DealDraft, drafts: list[DealDraft]) -> None:
        known = [self._value(c) for c in kept.capacity]
        other.capacity = [c for c in other.capacity if self._value(c) not in known]  # "1 ГВт" = "1000 МВт"
        kept.investors += [name for name in other.investors if not any(same_company(name, k) for k in kept.investors)]
        _merge_into(kept, other)
        drafts.remove(other)

    def _one_project(self, a: DealDraft, b: DealDraft) -> bool:
        if Sector.other not in (a.sector, b.sector) and a.sector != b.sector:
            return False
        if a.amount and b.amount and self._value(a.amount) != self._value(b.amount):
            return False
        if a.jobs and b.jobs and self._value(a.jobs) != self._value(b.jobs):
            return False
        capacities = [self._value(c) for c in a.capacity]
        return all(
            self._value(c) in capacities or all(unit != self._value(c)[1] for _, unit in capacities)
            for c in b.capacity
        )

    def _value(self, phrase: str) -> tuple[float, object]:
        """A figure phrase's value and unit or currency, so that "1 ГВт" and "1000 МВт" compare equal."""
        for figure in self.figures:
            if figure.text == phrase:
                return figure.value, figure.currency if isinstance(figure, Money) else figure.unit
        return float("nan"), phrase

    def is_project_figure(self, figure: _Figure) -> bool:
        """Totals and sums that are no investment are nobody's project figure; they are judged on their own."""
        if not isinstance(figure, Money):
            return True
        sentence = self.sentence_of(figure).text
        return not (is_total(sentence) or is_not_a_deal(sentence))

    def only_visited(self, company: CompanyCandidate, own: list[Span]) -> bool:
        """A company that was only visited, met or talked to: no figure and no stage word near it."""
        if len(self.companies) == 1:
            return False
        mention_text = " ".join(p.text for m in company.mentions for p in _covering(self.paragraphs, m.start, m.end))
        has_figure = any(_inside(f, own) and self.is_project_figure(f) for f in self.figures)
        return bool(cue("visit").search(mention_text)) and not has_figure and stage_from_cues(mention_text) is None

    def stage_near(self, start: int, end: int, paragraphs: list[Span] | None = None) -> Stage:
        """The stage the words around a span state: its sentences, then its paragraphs, then the lede."""
        around = " ".join(s.text for s in _around(self.sentences, start, end))
        paragraph_text = " ".join(p.text for p in (paragraphs or _covering(self.paragraphs, start, end)))
        return stage_from_cues(around) or stage_from_cues(paragraph_text) or self._lede_stage or Stage.announced

    def sector_near(self, start: int, end: int, description: str) -> Sector:
        """The sector the article's own words around a span name; the model's description only as a fallback."""
        around = " ".join(s.text for s in _around(self.sentences, start, end))
        sector = sector_for(around)
        return sector if sector is not Sector.other else sector_for(description)

    def stage_of(self, company: CompanyCandidate, own: list[Span]) -> Stage:
        return most_advanced([self.stage_near(m.start, m.end, own) for m in company.mentions])


_DISTRICT = re.compile(r"[А-ЯЁA-Z][\w-]+(?:ском|ского|ский|скому)\s+район\w*|[A-Z][\w-]+\s+district", re.UNICODE)


def _place_phrase(text: str) -> str | None:
    """The district a passage names when it names one its region can be told from, else its first region."""
    for match in _DISTRICT.finditer(text):
        if resolve_place(match.group(0)) is not None:
            return match.group(0)
    places = find_places(text)
    return places[0].text if places else None
