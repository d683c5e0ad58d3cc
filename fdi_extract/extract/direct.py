"""Whole article in, a flat list of deals out; every name and phrase of the answer then found in the article.

The model reads the article and proposes the deals; the article's own words decide the fields. The answer
is flat (investor, place, amount, capacity, jobs, stage: phrases as written), the shape and the short prompt
in which a plain one-call extraction does best on articles from unseen outlets (bench/baseline.py). What
makes it this project's is what happens after: an investor the article never names, or that is no company
(a country, a state body, a forum), is dropped; each figure becomes the article's own phrase; evidence is the
article's sentences holding the investor or the figures; the stage is read from the cue tables in those
sentences, else their paragraph, else the article's lede (announced where none states one: the model's own
choice was wrong on most deals); two proposals of one project are one deal; a company the article marks as
the host country's own (or its state owns) yields to the one foreign company of its paragraph; a deal with a
figure but no company the article names gets one more question, which company invests in it, and one whose
company is a local partner with no foreign one beside it, which foreign company does; a foreign company the
article names beside the words of a stage (a memorandum, an agreement, construction) and no deal of the answer
has, which projects the article reports for it (these questions on live requests only: a batch job holds the
first requests, and its results are keyed apart); and a sum the article states over several projects is a
total of its own, not a project's amount.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from fdi_extract.cues import cue, stage_cue
from fdi_extract.drafts import DealDraft
from fdi_extract.errors import LLMAnswerError, LLMError
from fdi_extract.extract.candidates import CompanyCandidate, find_companies, named_as_local
from fdi_extract.extract.entities import person_or_place_at
from fdi_extract.extract.schema import FoundDeal, FoundDeals, ProjectInvestor
from fdi_extract.model import Stage
from fdi_extract.normalize.companies import (
    canonical_company,
    company_of_a_post,
    is_company_name,
    same_company,
    without_descriptors,
)
from fdi_extract.normalize.facilities import facility_kinds
from fdi_extract.normalize.money import Money, parse_money
from fdi_extract.normalize.numbers import scaled_numbers
from fdi_extract.normalize.quantities import Quantity, parse_capacities, parse_jobs
from fdi_extract.prompts import load_prompt
from fdi_extract.text import Span, overlapping

# Deals of an article asked about (left without a company, or given a local partner): each costs a request, two
# where the answer to which company invests is a local partner.
MAX_INVESTOR_QUESTIONS = 3
# Companies of an article asked about (named beside a stage's words, in no deal of the answer): a request each,
# its answer cut at about three deals' length (a forum's name asked about was answered with every deal of the
# article, the time of a second first answer).
MAX_COMPANY_QUESTIONS = 3
COMPANY_ANSWER_TOKENS = 400

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
        return self._prompt.version

    def questions(self, text: ArticleText) -> list[list[dict[str, str]]]:
        """The messages of each request for an article, one per chunk of its reported text (orders planted for
        a model blanked); all independent of each other's answers, so they can also go out as lines of an
        OpenAI Batch API file."""
        return [self._prompt.messages(article=chunk) for chunk in split_into_chunks(text.reported, self.chunk_chars)]

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        asked: list[tuple[list[dict[str, str]], FoundDeals]] = []
        for messages in self.questions(text):
            try:
                asked.append((messages, await llm.ask(FoundDeals, messages)))
            except LLMAnswerError as error:
                # A small model sometimes lists deals on until the token limit: the ones it finished stand.
                if not (kept := complete_deals(error.cut_short or "")):
                    raise
                warnings.append(f"the answer ran to the token limit; its {len(kept)} complete deals kept")
                asked.append((messages, FoundDeals(deals=kept)))
        drafts = self.drafts_from([answer for _, answer in asked], text, warnings, totals=False)
        # The questions about companies first: they are answered in the first answer's shape, whose prompt (the
        # schema in the system message, then the article) the server still holds; a question in another shape
        # makes it read the whole article again.
        for company in _companies_left_out(drafts, text)[:MAX_COMPANY_QUESTIONS]:
            messages = next((m for m, _ in asked if company.mentions[0].text in m[-1]["content"]), asked[0][0])
            await self._ask_about_the_company(company, messages, drafts, text, llm, warnings)
        unnamed = [
            d
            for d in drafts
            if not d.aggregate
            and _states_a_figure(d, text)
            and not any(text.names(name, company=True) for name in d.investors)
        ]
        # A local partner the model gave as the investor, with no foreign company of its paragraph to yield to
        # (drafts_from): the model is asked for the foreign one, told the partner is local.
        partnered = [
            d
            for d in drafts
            if not d.aggregate and d.investors and named_as_local(text.text, text.locate_all(d.investors[0]))
        ]
        for draft in (unnamed + partnered)[:MAX_INVESTOR_QUESTIONS]:
            messages = next((m for m, _ in asked if any(e in m[-1]["content"] for e in draft.evidence)), asked[0][0])
            await self._ask_for_the_investor(draft, messages, text, llm, warnings)
        # After the questions: a project the model gave a total's sum is still asked about by that sum.
        return _with_totals_apart(drafts, text)

    async def _ask_for_the_investor(
        self,
        draft: DealDraft,
        messages: list[dict[str, str]],
        text: ArticleText,
        llm: LLM,
        warnings: list[str],
    ) -> None:
        """Ask the model which company invests in a deal it left without one, or gave a local partner: the
        article's request with one question after the article, answered in a shape of one field
        (:class:`ProjectInvestor`). A small model asked within its first answer's list, or after it, repeats the
        country it gave there. The answer passes the checks of the first one (named by the article, a company, no
        person or place), and where a partner was given, is no local company either."""
        figure = ", ".join(phrase for phrase in (draft.amount, *draft.capacity) if phrase)
        local = draft.investors[0] if draft.investors else None
        project = draft.project or "project"
        question = (
            self._prompt.render("foreign_investor_question", local=local, project=project, figure=figure)
            if local
            else self._prompt.render("investor_question", project=project, figure=figure)
        )
        label = draft.project or "a deal"
        try:
            said = await llm.ask(ProjectInvestor, _asked_after(messages, question))
        except LLMError as error:
            # The question only adds a name: the deals of the first answer stand whatever becomes of it.
            warnings.append(f"{label}: asked which company invests in it, no answer ({error})")
            return
        investor, name_at = _checked_investor(said.company, text, text.sentences, label, warnings)
        if investor and name_at and named_as_local(text.text, [name_at]):
            if local:
                warnings.append(f"{label}: asked for its foreign investor, the model named {investor!r}, a local one")
                return
            # Asked which company invests, the model named a local partner: it yields to the one foreign company
            # of its paragraph, as a first answer's does (drafts_from); where there is none, the model is asked
            # once more, for the foreign one.
            draft.investors = [investor]
            draft.spans[investor] = name_at
            draft.reasons.append(f"investor {investor}: the model's answer when asked which company invests in it")
            _foreign_over_local(draft, find_companies(text.text), text)
            if draft.investors == [investor]:
                await self._ask_for_the_investor(draft, messages, text, llm, warnings)
            return
        if investor is not None and name_at is not None:
            draft.investors = [investor]
            draft.spans[investor] = name_at
            sentence = text.sentence_at(name_at[0])
            if sentence is not None and sentence.text not in draft.evidence and len(draft.evidence) < 3:
                draft.evidence.append(sentence.text)
                draft.spans[sentence.text] = (sentence.start, sentence.end)
            draft.reasons.append(
                f"investor {investor}: the model's answer when asked which foreign company invests in it "
                f"({local}, its first answer, is a local one)"
                if local
                else f"investor {investor}: the model's answer when asked which company invests in it"
            )

    async def _ask_about_the_company(
        self,
        company: CompanyCandidate,
        messages: list[dict[str, str]],
        drafts: list[DealDraft],
        text: ArticleText,
        llm: LLM,
        warnings: list[str],
    ) -> None:
        """Ask the model which projects the article reports for a company its first answer left out (a small
        model's list stops short on a long article), as one question after the article; each project it gives
        of that company, with the figures of the paragraphs that name the company, becomes a draft (checked and
        grounded as the first answer's), or joins the draft of the same project."""
        question = self._prompt.render("company_question", company=company.name)
        try:
            said = await llm.ask(FoundDeals, _asked_after(messages, question), max_tokens=COMPANY_ANSWER_TOKENS)
        except LLMError as error:
            # Cut at the token limit, the deals it wrote out in full stand.
            kept = complete_deals(error.cut_short or "") if isinstance(error, LLMAnswerError) else []
            if not kept:
                warnings.append(f"{company.name}: asked which projects the article reports for it, no answer ({error})")
                return
            said = FoundDeals(deals=kept)
        # Its figures are those of a paragraph that names it: asked about one company of several, a small model
        # copies another's amount, or the total over all of them, as readily as the company's own.
        paragraphs = [p for m in company.mentions if (p := text.paragraph_at(m.start)) is not None]

        def its_own(phrase: str | None, figures: Sequence[Money | Quantity]) -> str | None:
            kept = _article_phrase(phrase, figures, text)
            at = text.locate_all(kept) if kept else []
            return kept if any(p.start <= start < p.end for start, _ in at for p in paragraphs) else None

        for deal in said.deals:
            if deal.investor and not same_company(deal.investor, company.name):
                continue  # a project of another company: the first answer's to give
            figures = {
                "amount": its_own(deal.amount, text.money),
                "capacity": its_own(deal.capacity or _capacity_in(deal.project), text.capacities),
                "jobs": its_own(deal.jobs, text.jobs),
            }
            draft = _draft(
                deal.model_copy(update={"investor": company.name, **figures}), text, text.sentences, warnings
            )
            if draft is None or not draft.investors:
                continue
            draft.reasons.append(
                f"investor {draft.investors[0]}: the model's answer when asked which projects the article "
                "reports for it (its first answer listed none)"
            )
            _add(drafts, draft)

    def drafts_from(
        self, answers: list[FoundDeals], text: ArticleText, warnings: list[str], *, totals: bool = True
    ) -> list[DealDraft]:
        """The drafts of the answers (one per chunk), live or collected from a batch job; with ``totals``, a sum
        the article states over several projects made a deal of its own (:func:`_with_totals_apart`)."""
        spans = text.sentences
        drafts: list[DealDraft] = []
        companies: list[CompanyCandidate] | None = None  # the recognizer's, found only when a draft needs them
        for deal in (deal for answer in answers for deal in answer.deals):
            if (draft := _draft(deal, text, spans, warnings)) is None:
                continue
            if not draft.investors and not draft.aggregate:
                companies = find_companies(text.text) if companies is None else companies
                _attach_the_named_company(draft, companies, text)
            elif draft.investors and named_as_local(text.text, text.locate_all(draft.investors[0])):
                companies = find_companies(text.text) if companies is None else companies
                _foreign_over_local(draft, companies, text)
            _add(drafts, draft)
        return _with_totals_apart(drafts, text) if totals else drafts


def _asked_after(messages: list[dict[str, str]], question: str) -> list[dict[str, str]]:
    """The article's request with ``question`` after the article, in the same message: the server still holds
    the prompt up to there and reads only the question."""
    *before, article = messages
    return [*before, article | {"content": f"{article['content']}\n\n{question}"}]


def _companies_left_out(drafts: list[DealDraft], text: ArticleText) -> list[CompanyCandidate]:
    """The foreign companies the article names (patterns and the recognizer, extract/candidates.py) in a sentence
    with the words of a stage (data/cues: a memorandum, an agreement, construction), that no draft names: a
    company a delegation only visited, or a carrier announcing flights, is named beside none. Each with every
    place the article names it. Names are looked for in the paragraphs of those sentences only: the recognizer
    over a whole article costs more than the rest of the article's reading together (bench/throughput.py)."""
    named = [name for d in drafts for name in d.investors]
    staged = text.staged_sentences
    left_out: dict[str, CompanyCandidate] = {}
    for paragraph in text.paragraphs:
        if not any(paragraph.start <= s.start < paragraph.end for s in staged):
            continue
        for company in find_companies(paragraph.text):
            at = [(paragraph.start + m.start, paragraph.start + m.end) for m in company.mentions]
            if not any(s.start <= start < s.end for start, _ in at for s in staged):
                continue
            if company.key in left_out or not is_company_name(company.name):
                continue
            if any(same_company(company.name, name) for name in named):
                continue
            spans = sorted({*at, *text.locate_all(company.name)})
            left_out[company.key] = CompanyCandidate(
                company.name, company.key, [Span(start, end, text.text[start:end]) for start, end in spans]
            )
    return list(left_out.values())


def _with_totals_apart(drafts: list[DealDraft], text: ArticleText) -> list[DealDraft]:
    """A sum the article states over several projects or documents (the ``umbrella`` cue in its sentence:
    "12 agreements worth $400 million", "in spheres such as …") is no one project's amount, though a small
    model gives it to one or to each of the projects it lists. Each such sum becomes one deal of its own,
    marked aggregate; the projects keep everything else, and one the model itself marked aggregate is that
    deal. The total names a company of the model's answer only where the article ties the sum to it: the
    sum's sentence names it, the model marked its deal a total, or the model gave the sum to several projects
    all of that one company (its projects in total)."""
    umbrella = cue("umbrella")
    carriers: dict[tuple[int, int], list[DealDraft]] = {}
    sentence_of: dict[tuple[int, int], Span] = {}
    for draft in drafts:
        at = draft.spans.get(draft.amount) if draft.amount else None
        sentence = text.sentence_at(at[0]) if at else None
        if at and sentence and umbrella.search(sentence.text):
            carriers.setdefault(at, []).append(draft)
            sentence_of[at] = sentence
    kept: list[DealDraft] = []
    if drafts:  # the model found deals here: a total it left out is one of them
        kept += _unclaimed_totals(drafts, text, umbrella)
    for draft in drafts:
        at = draft.spans.get(draft.amount) if draft.amount else None
        if at not in carriers:
            kept.append(draft)
            continue
        if draft is carriers[at][0]:
            kept.append(_total(draft.amount, at, sentence_of[at], text, carriers=carriers[at]))
        if not draft.aggregate:
            draft.reasons.append(f"amount “{draft.amount}”: a total over several projects, not this one's")
            draft.amount = None
            kept.append(draft)
    return kept


def _unclaimed_totals(drafts: list[DealDraft], text: ArticleText, umbrella: re.Pattern[str]) -> list[DealDraft]:
    """The totals the article states (a money phrase in an ``umbrella`` sentence that states no trade, budget
    or loan) that no draft took, one per sum: a small model lists the projects and leaves out the sum over
    them. Each names the one company its sentence names, if one."""
    taken = {(m.value, m.currency) for d in drafts if d.amount for m in parse_money(d.amount)}
    found: list[DealDraft] = []
    for money in text.money:
        sentence = text.sentence_at(money.start)
        if (money.value, money.currency) in taken or sentence is None or not umbrella.search(sentence.text):
            continue
        if _not_an_investment((money.start, money.end), [sentence]):
            continue
        taken.add((money.value, money.currency))
        named = {c.key: c.name for c in find_companies(sentence.text, recognizer=False)}
        investors = list(named.values()) if len(named) == 1 else []
        found.append(_total(money.text, (money.start, money.end), sentence, text, investors=investors))
    return found


def _total(
    amount: str,
    at: tuple[int, int],
    sentence: Span,
    text: ArticleText,
    *,
    carriers: Sequence[DealDraft] = (),
    investors: Sequence[str] = (),
) -> DealDraft:
    """The deal of a total (see :func:`_with_totals_apart`): of the drafts the model gave its sum to
    (``carriers``), naming their companies the article ties to it, or read from the article with ``investors``."""
    if carriers:
        companies = {name for d in carriers for name in d.investors}
        one_company = len(carriers) > 1 and len(companies) == 1 and all(d.investors for d in carriers)
        investors = [
            name
            for name in dict.fromkeys(name for d in carriers for name in d.investors)
            if one_company or name in sentence.text or any(d.aggregate and name in d.investors for d in carriers)
        ][:4]
    stated = text.stage_near([at])
    return DealDraft(
        evidence=[sentence.text],
        investors=list(investors),
        investor_country=carriers[0].investor_country if carriers else None,
        project="projects in total",
        place=next((d.place for d in carriers if d.place), None),
        amount=amount,
        aggregate=True,
        stage=stated.stage if stated else Stage.announced,
        reasons=[
            f"amount “{amount}”: a total over several projects (its sentence), a deal of its own",
            *(
                f"investor {name}: "
                + ("the model's answer, tied to the total" if carriers else "the one company its sentence names")
                for name in investors
            ),
            stated.reason if stated else "stage announced: no stage words around it",
        ],
        spans={sentence.text: (sentence.start, sentence.end), amount: at}
        | {name: where for d in carriers for name in investors if (where := d.spans.get(name))},
    )


def _attach_the_named_company(draft: DealDraft, companies: list[CompanyCandidate], text: ArticleText) -> None:
    """A deal the model gave no company takes the one foreign company its sentences name (patterns and the
    recognizer, extract/candidates.py), else the one the nearest earlier sentence of its paragraph names
    ("… an agreement with X Co. on a wind farm. The project costs $47.8 million."), whose words then
    count for its stage too. The recognizer is a hint here, never a gate."""

    def named_in(sentence: str) -> dict[str, str]:
        return {c.key: c.name for c in companies for m in c.mentions if m.text in sentence}

    named = {key: name for e in draft.evidence for key, name in named_in(e).items()}
    earlier: Span | None = None
    if not named and (first := next((s for s in text.sentences if s.text in draft.evidence), None)):
        paragraph = text.paragraph_at(first.start)
        for sentence in reversed([s for s in text.sentences if paragraph and paragraph.start <= s.start < first.start]):
            if named := named_in(sentence.text):
                earlier = sentence
                break
    if len(named) != 1 or not is_company_name(name := next(iter(named.values()))):
        return
    draft.investors = [name]
    where = "the sentence before it in its paragraph" if earlier else "its sentences"
    draft.reasons.append(f"investor {name}: the one company {where} names (the model named none)")
    if earlier is not None:
        draft.evidence = [earlier.text, *draft.evidence][:3]
        if (stated := stage_cue(" ".join(draft.evidence))) and stated[0] is not draft.stage:
            draft.stage = stated[0]
            draft.reasons.append(f"stage {stated[0].value}: “{stated[1]}” in its sentences")


def _foreign_over_local(draft: DealDraft, companies: list[CompanyCandidate], text: ArticleText) -> None:
    """A deal whose company the article marks as the host country's own ("казахстанская компания ТОО «X»",
    "Kazakhstan's X") is that partner's investment only when no foreign company shares its paragraph: where
    one does ("… ТОО «X» and the Chinese Y Co., Ltd"), the foreign one invests (the project company or the
    local co-investor is not the investor). Where several foreign ones do, the model's answer stands."""
    local = draft.investors[0]
    at = draft.spans.get(local)
    paragraph = text.paragraph_at(at[0]) if at else None
    if paragraph is None:
        return
    foreign = {
        c.key: c
        for c in companies
        if c.key != canonical_company(local) and any(paragraph.start <= m.start < paragraph.end for m in c.mentions)
    }
    if len(foreign) != 1:
        return
    (company,) = foreign.values()
    mention = next(m for m in company.mentions if paragraph.start <= m.start < paragraph.end)
    draft.investors = [company.name]
    draft.spans[company.name] = (mention.start, mention.end)
    draft.reasons.append(
        f"investor {company.name}: the foreign company of its paragraph ({local}, the model's answer, is a local one)"
    )


def complete_deals(cut_short: str) -> list[FoundDeal]:
    """The deals written out in full in an answer cut off at the token limit; a deal that does not
    validate is left out.

    >>> [deal.investor for deal in complete_deals('{"deals": [{"investor": "A Co"}, {"investor": "B Co"}, {"inv')]
    ['A Co', 'B Co']
    """
    opening = re.search(r'"deals"\s*:\s*\[', cut_short)
    if opening is None:
        return []
    decoder = json.JSONDecoder()
    deals, position = [], opening.end()
    while True:
        position = len(cut_short) - len(cut_short[position:].lstrip(" \t\r\n,"))
        try:
            item, position = decoder.raw_decode(cut_short, position)
        except json.JSONDecodeError:
            return deals
        try:
            deals.append(FoundDeal.model_validate(item))
        except ValidationError:
            continue


def _one_project(a: DealDraft, b: DealDraft) -> bool:
    """Two proposals of one project: the same investors (or none), and no figure of one the other contradicts.
    A small model lists a plant once per figure the article gives it; one investor's two plants differ in
    a figure or in what they build."""
    if {canonical_company(n) for n in a.investors} != {canonical_company(n) for n in b.investors}:
        return False
    kinds_a, kinds_b = facility_kinds(a.project), facility_kinds(b.project)
    if a.aggregate != b.aggregate or (kinds_a and kinds_b and not kinds_a & kinds_b):
        return False
    return all(
        x is None or y is None or x == y
        for x, y in (
            (a.amount, b.amount),
            (a.capacity[0] if a.capacity else None, b.capacity[0] if b.capacity else None),
            (a.jobs, b.jobs),
        )
    )


def _add(drafts: list[DealDraft], draft: DealDraft) -> None:
    """``draft`` joined with the draft of the same project (:func:`_one_project`), or added as a deal of its own."""
    if (same := next((kept for kept in drafts if _one_project(kept, draft)), None)) is not None:
        _join(same, draft)
    else:
        drafts.append(draft)


def _join(kept: DealDraft, other: DealDraft) -> None:
    kept.amount = kept.amount or other.amount
    kept.capacity = kept.capacity or other.capacity
    kept.jobs = kept.jobs or other.jobs
    kept.place = kept.place or other.place
    kept.evidence = list(dict.fromkeys(kept.evidence + other.evidence))[:3]
    kept.spans = other.spans | kept.spans
    kept.reasons.append(f"joined with the model's second proposal of this project ({other.project or 'unnamed'})")


def _checked_investor(
    written: str, text: ArticleText, spans: list[Span], label: str, warnings: list[str]
) -> tuple[str | None, tuple[int, int] | None]:
    """The investor a model wrote, as the article writes it, and where (None where the article does not
    name it, which grounding then drops); (None, None) for no company: a country, a state body, a forum,
    the press, or a name the recognizer reads as a person or a place."""
    investor = without_descriptors(company_of_a_post(written.strip())) or None
    if investor and not is_company_name(investor):
        warnings.append(
            f"{label}: {investor!r} is no company (a country, a state body, a forum, the press), "
            "the deal names no investor"
        )
        return None, None
    name_at = _name_span(investor, text) if investor and text.names(investor, company=True) else None
    if investor and name_at and (tagged := _person_or_place(name_at, text, spans)):
        # natasha (Russian text) tags the name a person or a place: a governor or a region, no investor.
        warnings.append(
            f"{label}: {investor!r} is a {'person' if tagged == 'PER' else 'place'} in the article, "
            "the deal names no investor"
        )
        return None, None
    if investor and name_at and not text.locate_all(investor):
        investor = text.text[name_at[0] : name_at[1]]  # the name as the article writes it
    return investor, name_at


def _draft(deal: FoundDeal, text: ArticleText, spans: list[Span], warnings: list[str]) -> DealDraft | None:
    # A small model re-types what it copies ("500,000 tons" for "500 тыс. тонн", a legal form added to a
    # name): each phrase is taken back to the article's own phrase for the same figure or name.
    amount = _article_phrase(deal.amount, text.money, text)
    # A small model often writes the capacity into the project's title ("34 MW gas power plant") and leaves
    # the field empty: the title's capacity phrase stands for it, where the article states that figure.
    capacity = _article_phrase(deal.capacity or _capacity_in(deal.project), text.capacities, text)
    jobs = _article_phrase(deal.jobs, text.jobs, text)
    # Where each figure's phrase first is in the article: an anchor of the deal's evidence, and its span.
    figures_at = {p: found[0] for p in (amount, capacity, jobs) if p and (found := text.locate_all(p))}
    if amount in figures_at and _not_an_investment(figures_at[amount], spans):
        # Trade, budgets, targets, loans to a state, period statistics (the ``not_a_deal`` cue of its sentence).
        warnings.append(f"{deal.project or 'a deal'}: “{amount}” is no investment in a project, left out")
        del figures_at[amount]
        amount = None
    investor, name_at = _checked_investor(deal.investor, text, spans, deal.project or "a deal", warnings)
    at = ({investor: name_at} if investor and name_at else {}) | figures_at
    anchors = list(at.values())
    sentences: dict[str, tuple[int, int]] = {}
    for start, _ in anchors:
        if (sentence := text.sentence_at(start)) is not None:
            sentences.setdefault(sentence.text, (sentence.start, sentence.end))
    evidence = list(sentences)
    if not evidence:
        warnings.append(f"{deal.project or 'a deal'}: nothing of it is in the article, left out")
        return None
    # The article's words over the model's reading, which was wrong on most deals (a small model says
    # "construction" for a plan); where no words around the deal state a stage, it was announced.
    stated = text.stage_near(anchors)
    reasons = [f"investor {investor}: the model's answer" if investor else "investor: the model named none"]
    for kind, written, kept in (
        ("amount", deal.amount, amount),
        ("capacity", deal.capacity, capacity),
        ("jobs", deal.jobs, jobs),
    ):
        if kept:
            reasons.append(
                f"{kind} “{kept}”: the model's answer" + (f" (it wrote “{written}”)" if written != kept else "")
            )
    reasons.append(stated.reason if stated else "stage announced: no stage words around it")
    return DealDraft(
        evidence=evidence[:3],
        investors=[investor] if investor else [],
        investor_country=deal.investor_country,
        project=deal.project,
        place=deal.place,
        amount=amount,
        capacity=[capacity] if capacity else [],
        jobs=jobs,
        stage=stated.stage if stated else Stage.announced,
        aggregate=deal.aggregate,
        reasons=reasons,
        spans=sentences | at,
    )


def _capacity_in(project: str) -> str | None:
    found = parse_capacities(project)
    return found[0].text if len(found) == 1 else None


def _person_or_place(name_at: tuple[int, int], text: ArticleText, spans: list[Span]) -> str | None:
    """What the recognizer tags the name at ``name_at`` as (:func:`person_or_place_at`), read in its own
    sentence: tagging a sentence costs a small part of tagging the whole article, and a person or a place is
    told by the words around the name."""
    start, end = name_at
    sentence = next((s for s in spans if s.start <= start and end <= s.end), None)
    if sentence is None:
        return person_or_place_at(text.text, start, end)
    return person_or_place_at(sentence.text, start - sentence.start, end - sentence.start)


def _states_a_figure(draft: DealDraft, text: ArticleText) -> bool:
    """Whether the draft's amount or a capacity is a money or capacity phrase of the article (where the
    strategy found it): a deal grounding will keep even with no company."""
    wanted = [(draft.amount, text.money), *((phrase, text.capacities) for phrase in draft.capacity)]
    return any(overlapping(figures, at) for phrase, figures in wanted if phrase and (at := draft.spans.get(phrase)))


def _not_an_investment(amount_at: tuple[int, int], spans: list[Span]) -> bool:
    return any(cue("not_a_deal").search(s.text) for s in spans if s.start <= amount_at[0] < s.end)


def _article_phrase(phrase: str | None, figures: Sequence[Money | Quantity], text: ArticleText) -> str | None:
    """The article's phrase for the figure the model wrote: its own words when they occur, else the one
    phrase of the article with the same value (and currency or unit, where the model's words name one that
    can be read); None when the article has none."""
    if not phrase or text.locate_all(phrase):
        return phrase
    wanted = {
        (f.value, getattr(f, "currency", None) or getattr(f, "unit", None))
        for f in (parse_money(phrase) or parse_capacities(phrase) or parse_jobs(phrase))
    }
    if wanted:
        same = {
            f.text for f in figures if (f.value, getattr(f, "currency", None) or getattr(f, "unit", None)) in wanted
        }
    else:
        # The model garbled the currency or unit word ("171 million AQQ dollars" for "171 млн АҚШ доллары"):
        # its number alone, when one phrase of the article has that value.
        values = set(scaled_numbers(phrase))
        same = {f.text for f in figures if f.value in values}
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
