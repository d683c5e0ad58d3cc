"""What the guided strategy knows of an article before any question: pure analysis, no LLM.

Paragraphs and sentences, the company candidates, the money, capacity and job phrases, each company's
*section* (the paragraphs that may state its figures), and the stage and sector the article's own words
state around a span. Every method is deterministic, so a rule built on it can be tested on a sentence.
"""

from __future__ import annotations

from fdi_extract.cues import cue, stage_cue
from fdi_extract.extract.candidates import CompanyCandidate, find_companies
from fdi_extract.model import Sector, Stage
from fdi_extract.normalize.money import Money
from fdi_extract.normalize.places import find_places, resolve_place
from fdi_extract.normalize.quantities import Quantity
from fdi_extract.normalize.sectors import sector_for
from fdi_extract.text import ArticleText, Span, paragraphs

Figure = Money | Quantity
SECTION_TAIL = 2  # paragraphs after a company's own that may still state its figures
_LEDE_MIN_CHARS = 100  # shorter opening paragraphs are captions, datelines and headlines


def phrase(figure: Figure) -> str:
    return " ".join(figure.text.split())


def inside(figure: Figure, spans: list[Span]) -> bool:
    return any(s.start <= figure.start and figure.end <= s.end for s in spans)


def covering(spans: list[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s.start < end and start < s.end]


def around(spans: list[Span], start: int, end: int) -> list[Span]:
    """The sentences holding [start, end) and the one before it (which often says what happened)."""
    indices = [i for i, s in enumerate(spans) if s.start < end and start < s.end]
    return spans[max(0, indices[0] - 1) : indices[-1] + 1] if indices else []


def is_total(sentence: str) -> bool:
    """A sum that is the total of several projects ("общая стоимость …", "15 memoranda worth …")."""
    return bool(cue("total").search(sentence))


def is_not_a_deal(sentence: str) -> bool:
    """A sum that is no investment: trade, budgets, targets, debts."""
    return bool(cue("not_a_deal").search(sentence))


class Page:
    """One article's deterministic facts: paragraphs, sentences, companies and figures with offsets."""

    def __init__(self, found: ArticleText):
        self.text = text = found.text
        self.money, self.capacities, self.jobs = found.money, found.capacities, found.jobs
        self.figures: list[Figure] = [*self.money, *self.capacities, *self.jobs]
        self.paragraphs = paragraphs(text)
        self.sentences = found.sentences
        self.companies = find_companies(text)
        self._companies_by_paragraph = [
            {i for i, c in enumerate(self.companies) if covering(c.mentions, p.start, p.end)} for p in self.paragraphs
        ]
        self._sections: dict[int, list[Span]] = {}
        lede = next((p for p in self.paragraphs if len(p.text) >= _LEDE_MIN_CHARS), None)
        self._lede_stage = stage_cue(lede.text) if lede else None
        # The lede's stage is that of what it reports: one company's project, or several projects at once.
        self._lede_companies = {
            i for i, c in enumerate(self.companies) if lede and covering(c.mentions, lede.start, lede.end)
        }
        self._lede_is_total = bool(lede and is_total(lede.text))

    def anchors(self) -> list[Span]:
        return [m for c in self.companies for m in c.mentions] + [Span(f.start, f.end, f.text) for f in self.figures]

    def sentence_of(self, figure: Figure) -> Span:
        return next(
            iter(covering(self.sentences, figure.start, figure.end)), Span(figure.start, figure.end, figure.text)
        )

    def mention_sentences(self, company: CompanyCandidate) -> list[Span]:
        return list(dict.fromkeys(s for m in company.mentions for s in covering(self.sentences, m.start, m.end)))

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
            while following < min(len(named), index + 1 + SECTION_TAIL) and not named[following]:
                mine.add(following)
                following += 1
        first = min(mine, default=0)
        if first > 0 and not named[first - 1]:
            mine.add(first - 1)
        self._sections[me] = [self.paragraphs[i] for i in sorted(mine)]
        return self._sections[me]

    def owner_of(self, figure: Figure) -> CompanyCandidate | None:
        """The company whose section holds the figure and whose mention is nearest to it."""
        holders = [c for c in self.companies if inside(figure, self.own_paragraphs(c))]
        return min(holders, key=lambda c: min(abs(figure.start - m.start) for m in c.mentions), default=None)

    def companies_near(self, start: int, end: int) -> list[str]:
        """The companies named in the sentence of a span or the one before it."""
        near = around(self.sentences, start, end)
        return [c.name for c in self.companies if any(covering(c.mentions, s.start, s.end) for s in near)]

    def facility_sentences(self, company: CompanyCandidate) -> list[Span]:
        """The sentences of a company's section, from the paragraph that first names it on, that name two or
        more things built or run ("a hotel, a greenhouse and a poultry farm"; "a power plant and a transformer
        plant"): perhaps several projects. Not where the sentence says they are parts of one whole (the
        ``parts_of_one`` cue); not in a paragraph before the company is named (an overview of the region's
        plans opens many reports)."""
        facility, parts = cue("facility"), cue("parts_of_one")
        first = min(m.start for m in company.mentions)
        return [
            s
            for p in self.own_paragraphs(company)
            if p.end > first
            for s in covering(self.sentences, p.start, p.end)
            if len(facility.findall(s.text)) >= 2 and not parts.search(s.text)
        ]

    def is_project_figure(self, figure: Figure) -> bool:
        """Totals and sums that are no investment are nobody's project figure; they are judged on their own."""
        if not isinstance(figure, Money):
            return True
        sentence = self.sentence_of(figure).text
        return not (is_total(sentence) or is_not_a_deal(sentence))

    def stated_stage(self, start: int, end: int) -> tuple[Stage, str] | None:
        """The stage the sentence of a span states itself, if it does: a stage word, or a further plan ("the
        investors also intend to build a hotel": a project of its own, no stage of the sentences before)."""
        own_words = " ".join(s.text for s in covering(self.sentences, start, end))
        if found := stage_cue(own_words):
            return found[0], f"stage {found[0].value}: “{found[1]}” in its sentence"
        if plan := cue("further_plan").search(own_words):
            return Stage.announced, f"stage announced: “{plan.group(0)}” states a further plan, with no stage words"
        return None

    def stage_near(
        self, start: int, end: int, own: list[Span] | None = None, company: CompanyCandidate | None = None
    ) -> tuple[Stage, str]:
        """The stage the words around a span state, with where they were read: its own sentence first
        (:meth:`stated_stage`), then the sentence before it in its paragraph, its paragraphs (``own``: a
        company's section), and the article's lede.

        Nearer words win over more advanced ones, as one sentence often lists a memorandum beside an
        agreement of another company. The lede speaks for what it reports: read for ``company``'s project
        when it names no other company or reports several projects at once.
        """
        if stated := self.stated_stage(start, end):
            return stated
        sentences = covering(self.sentences, start, end)
        paragraph = covering(self.paragraphs, start, end)
        before = " ".join(
            s.text
            for s in around(self.sentences, start, end)
            if s not in sentences and paragraph and s.start >= paragraph[0].start
        )
        paragraph_text = " ".join(p.text for p in (own or paragraph))
        me = {self.companies.index(company)} if company in self.companies else set()
        lede_stage = self._lede_stage if self._lede_is_total or self._lede_companies <= me else None
        for found, where in (
            (stage_cue(before), "the sentence before"),
            (stage_cue(paragraph_text), "its paragraphs"),
            (lede_stage, "the article's lede"),
        ):
            if found:
                return found[0], f"stage {found[0].value}: “{found[1]}” in {where}"
        return Stage.announced, "stage announced: no stage words around it"

    def sector_near(self, start: int, end: int, description: str) -> Sector:
        """The sector the article's own words around a span name; the model's description only as a fallback."""
        sector = sector_for(" ".join(s.text for s in around(self.sentences, start, end)))
        return sector if sector is not Sector.other else sector_for(description)

    def value(self, figure_phrase: str) -> tuple[float, object]:
        """A figure phrase's value and unit or currency, so that "1 ГВт" and "1000 МВт" compare equal."""
        for figure in self.figures:
            if figure.text == figure_phrase:
                return figure.value, figure.currency if isinstance(figure, Money) else figure.unit
        return float("nan"), figure_phrase


_DISTRICT = cue("district_name")


def place_phrase(text: str) -> str | None:
    """The district a passage names when it names one its region can be told from, else its first region."""
    for match in _DISTRICT.finditer(text):
        if resolve_place(match.group(0)) is not None:
            return match.group(0)
    places = find_places(text)
    return places[0].text if places else None
