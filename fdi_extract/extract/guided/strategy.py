"""The guided strategy's order of work: analysis, then a question per company, then one per figure no
company took, then the joins. What each step decided goes into the draft's ``reasons``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fdi_extract.drafts import DealDraft
from fdi_extract.errors import LLMAnswerError
from fdi_extract.extract.candidates import CompanyCandidate
from fdi_extract.extract.guided import rules
from fdi_extract.extract.guided.analysis import (
    Figure,
    Page,
    is_not_a_deal,
    is_total,
    phrase,
    place_phrase,
)
from fdi_extract.extract.guided.questions import INVESTOR, ONE_PROJECT, TOTAL, Questions
from fdi_extract.model import most_advanced
from fdi_extract.normalize.money import Money
from fdi_extract.prompts import load_prompt
from fdi_extract.text import ArticleText, Span

if TYPE_CHECKING:
    from fdi_extract.llm import LLM
    from fdi_extract.model import Article


class GuidedStrategy:
    name = "guided"

    def __init__(self) -> None:
        self._prompt = load_prompt("guided")

    @property
    def prompt_version(self) -> str:
        return self._prompt.version

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        page = Page(text)
        if not page.companies and not page.figures:
            return []
        questions = Questions(llm, Questions.context(article.text, page.paragraphs, page.anchors()), self._prompt)
        found: dict[str, tuple[DealDraft, list[Span]]] = {}
        # Companies with several facilities (draft, facilities, their passage), split at the end.
        listed: list[tuple[DealDraft, list[str], list[Span]]] = []
        claimed: set[tuple[int, int]] = set()
        for company in page.companies:
            own = page.own_paragraphs(company)
            if rules.only_visited(page, company, own):
                continue
            try:
                asked = await self._company_deal(company, own, page, questions)
            except LLMAnswerError as error:
                # One unusable answer costs this company's deal, not the article's other deals.
                warnings.append(f"{company.name}: no valid answer, left out ({error})")
                continue
            if asked is not None:
                draft, taken = asked
                found[company.name] = (draft, own)
                claimed.update((f.start, f.end) for f in taken)
                if passage := page.facility_sentences(company):
                    try:
                        answered = await questions.facilities_of(company.name, passage)
                        listed.append((draft, rules.listed_facilities(answered, passage), passage))
                    except LLMAnswerError as error:
                        warnings.append(f"{company.name}: no valid list of facilities, kept as one deal ({error})")
        drafts = [draft for draft, _ in found.values()]
        for figure in [*page.money, *page.capacities]:
            sentence = page.sentence_of(figure)
            if (figure.start, figure.end) in claimed or is_not_a_deal(sentence.text):
                continue
            try:
                answer = await questions.about_figure(figure, sentence, list(found))
            except LLMAnswerError as error:
                warnings.append(f"{figure.text}: no valid answer, left out ({error})")
                continue
            if answer.kind not in (TOTAL, ONE_PROJECT):
                continue
            if new := self._figure_deal(figure, sentence, answer, page, found):
                drafts.append(new)
        rules.join_named_as_one(page, drafts, list(found))
        return rules.one_per_facility(page, rules.one_per_project(page, drafts), listed)

    @staticmethod
    async def _company_deal(
        company: CompanyCandidate, own: list[Span], page: Page, questions: Questions
    ) -> tuple[DealDraft, list[Figure]] | None:
        """The company's deal and the figures it took, or None when the model says it is no investor."""

        def distance(figure: Figure) -> int:
            return min(abs(figure.start - m.start) for m in company.mentions)

        # Nearest first: small models lean towards the first option, and the nearest figure is most often right.
        options: dict[str, dict[str, Figure]] = {"amount": {}, "capacity": {}, "jobs": {}}
        for kind, items in (("amount", page.money), ("capacity", page.capacities), ("jobs", page.jobs)):
            for item in sorted(items, key=distance):
                if page.is_project_figure(item) and page.owner_of(item) is company:
                    options[kind].setdefault(phrase(item), item)
        answer = await questions.about_company(company.name, options)
        if answer.role != INVESTOR:
            return None
        reasons = [f"investor {company.name}: the model judged it an investor in a concrete project"]
        chosen: dict[str, Figure | None] = {}
        for kind, offered in options.items():
            chosen[kind], why = rules.own_figure(kind, offered.get(getattr(answer, kind)), offered)
            reasons += [why] if why else []
        stages = [page.stage_near(m.start, m.end, own, company) for m in company.mentions]
        stage = most_advanced([s for s, _ in stages])
        reasons.append(next(why for s, why in stages if s is stage))
        draft = DealDraft(
            evidence=[s.text for s in page.mention_sentences(company)][:3],
            investors=[company.name],
            project=answer.project_in_english,
            place=place_phrase(" ".join(p.text for p in own)),
            sector=page.sector_near(company.mentions[0].start, company.mentions[0].end, answer.project_in_english),
            amount=chosen["amount"].text if chosen["amount"] else None,
            capacity=[chosen["capacity"].text] if chosen["capacity"] else [],
            jobs=chosen["jobs"].text if chosen["jobs"] else None,
            stage=stage,
            reasons=reasons,
        )
        return draft, [f for f in chosen.values() if f is not None]

    @staticmethod
    def _figure_deal(
        figure: Figure, sentence: Span, answer: object, page: Page, found: dict[str, tuple[DealDraft, list[Span]]]
    ) -> DealDraft | None:
        """A new deal for a figure no company took, or None when it completes a company's deal instead."""
        total_cue = isinstance(figure, Money) and is_total(sentence.text)
        aggregate = answer.kind == TOTAL or total_cue  # type: ignore[attr-defined]
        owner, named = rules.believed_owner(page, figure, answer.investor, found)  # type: ignore[attr-defined]
        if owner is not None and not aggregate:
            # A figure of a company already found: added to that deal when it lacks one, never a second deal.
            if isinstance(figure, Money) and owner.amount is None:
                owner.amount = figure.text
                owner.reasons.append(f"amount “{figure.text}”: a figure no company took, in {named}'s section")
            elif not isinstance(figure, Money) and figure.text not in owner.capacity:
                owner.capacity.append(figure.text)
                owner.reasons.append(f"capacity “{figure.text}”: a figure no company took, in {named}'s section")
            return None
        stage, stage_reason = page.stage_near(figure.start, figure.end)
        kind = (
            "a total of several projects" + (" (a total's words in its sentence)" if total_cue else "")
            if aggregate
            else "one project's figure"
        )
        return DealDraft(
            evidence=[sentence.text],
            investors=page.companies_near(figure.start, figure.end) if aggregate else [],
            project=answer.project_in_english,  # type: ignore[attr-defined]
            sector=page.sector_near(figure.start, figure.end, answer.project_in_english),  # type: ignore[attr-defined]
            amount=figure.text if isinstance(figure, Money) else None,
            capacity=[] if isinstance(figure, Money) else [figure.text],
            stage=stage,
            aggregate=aggregate,
            reasons=[f"“{figure.text}”: no company took it; the model called it {kind}", stage_reason],
        )
