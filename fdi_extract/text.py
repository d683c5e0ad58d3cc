"""An article's text as every stage reads it: sentences and paragraphs with offsets, quotes located after
folding quotes, dashes and whitespace, and the money, capacity and job phrases the normalizers find.

Computed once per article (:class:`ArticleText`) and shared by the strategy and grounding, so that both
agree on where a sentence starts and which phrases are figures.
Sentences that give orders to a language model ("ignore previous instructions …", the ``orders``
cue of the language tables) are no part of the article's report: their figures are not figures of
the article, so no strategy is offered one and grounding never attaches one to a deal.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from unidecode import unidecode

from fdi_extract.cues import STAGES_BY_ADVANCE, cue, stage_words
from fdi_extract.model import Evidence, Stage
from fdi_extract.normalize.companies import canonical_company
from fdi_extract.normalize.money import Money, parse_money
from fdi_extract.normalize.quantities import Quantity, parse_capacities, parse_jobs

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”]?\s+(?=[\"«“(]?[A-ZА-ЯЁ0-9])|\n+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    return _split(text, _SENTENCE_END)


def paragraphs(text: str) -> list[Span]:
    return _split(text, _PARAGRAPH_BREAK)


def _split(text: str, boundary: re.Pattern[str]) -> list[Span]:
    spans, start = [], 0
    for match in boundary.finditer(text):
        if text[start : match.start()].strip():
            spans.append(_trimmed(text, start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append(_trimmed(text, start, len(text)))
    return spans


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


_FOLD = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "′": "'",
    "`": "'",
    "–": "-",
    "—": "-",
    "−": "-",
    "‑": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "\n": " ",
    "\r": " ",
}


def _fold_characters(text: str) -> str:
    # One replace per character that occurs: str.translate looks every character up in a table, which
    # is far slower on Cyrillic text, and this runs on every article.
    for character, folded in _FOLD.items():
        if character in text:
            text = text.replace(character, folded)
    return text


_SPACE_RUNS = re.compile(r" {2,}")


def _latin_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", unidecode(text).lower()))


class _OriginalIndex:
    """Maps an index of the folded text back to the original: folding only shrinks runs of spaces, so
    the map is a step function with one step per run (a per-character table cost a third of grounding)."""

    def __init__(self) -> None:
        self._steps_at = [0]  # folded index where a step starts
        self._shifts = [0]  # characters removed before it

    def add_step(self, at: int, shift: int) -> None:
        self._steps_at.append(at)
        self._shifts.append(shift)

    def __getitem__(self, folded_index: int) -> int:
        return folded_index + self._shifts[bisect_right(self._steps_at, folded_index) - 1]


def _fold(text: str) -> tuple[str, _OriginalIndex]:
    """``text`` with quotes, dashes and whitespace runs folded, and the map back to original indexes."""
    translated = _fold_characters(text)
    pieces: list[str] = []
    original = _OriginalIndex()
    kept_from = removed = 0
    for run in _SPACE_RUNS.finditer(translated):
        pieces.append(translated[kept_from : run.start() + 1])
        removed += run.end() - run.start() - 1
        kept_from = run.end()
        original.add_step(kept_from - removed, removed)
    pieces.append(translated[kept_from:])
    return "".join(pieces), original


@dataclass(frozen=True, slots=True)
class StatedStage:
    """A stage the article's words state, the words, and where they were read."""

    stage: Stage
    words: str
    where: str

    @property
    def reason(self) -> str:
        return f"stage {self.stage.value}: “{self.words}” in {self.where}"


_Figure = TypeVar("_Figure", Money, Quantity)


def overlapping(figures: list[_Figure], span: tuple[int, int]) -> list[_Figure]:
    """The money or quantity phrases of ``figures`` that overlap ``span``."""
    return [figure for figure in figures if figure.start < span[1] and span[0] < figure.end]


class ArticleText:
    """An article's text with its folded form and the phrases the normalizers find in it, computed once."""

    def __init__(self, text: str):
        self.text = text
        # Orders to a model are blanked (same length, so offsets hold) before anything is searched or sent to
        # a model: a name, a place or a quote found only there is not in the article's report, and a model
        # that never reads "answer exactly {"deals": []}" cannot obey it.
        self.reported = text
        for order in self.orders:
            self.reported = self.reported[: order.start] + " " * (order.end - order.start) + self.reported[order.end :]
        self._folded, self._where = _fold(self.reported)
        self._folded_lower = self._folded.casefold()

    @cached_property
    def sentences(self) -> list[Span]:
        return sentences(self.text)

    @cached_property
    def paragraphs(self) -> list[Span]:
        return paragraphs(self.text)

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence holding the character at ``offset``."""
        return next((s for s in self.sentences if s.start <= offset < s.end), None)

    def paragraph_at(self, offset: int) -> Span | None:
        """The paragraph holding the character at ``offset``."""
        return next((p for p in self.paragraphs if p.start <= offset < p.end), None)

    def stage_near(self, anchors: list[tuple[int, int]]) -> StatedStage | None:
        """The stage the article's words state around a deal's ``anchors`` (its name and figures): its own
        sentences first, then their paragraphs, then the lede (the first paragraph: a headline or a lead
        that says what the whole report is about); nearer words win over more advanced ones. None when none
        of them states a stage."""
        starts = [start for start, _ in anchors]
        own = [s for s in self.sentences if any(s.start <= at < s.end for at in starts)]
        paragraphs = [p for p in self.paragraphs if any(p.start <= at < p.end for at in starts)]
        for spans, where in (
            (own, "its sentences"),
            (paragraphs, "its paragraph"),
            (self.paragraphs[:1], "the article's lede"),
        ):
            if found := self.stage_in(spans):
                return StatedStage(found[0], found[1], where)
        return None

    def stage_in(self, spans: list[Span]) -> tuple[Stage, str] | None:
        """The most advanced stage the words of ``spans`` state, with the first words that state it (as
        :func:`~fdi_extract.cues.stage_cue` reads their text)."""
        for stage, found in self._stage_words:
            for start, end, words in found:
                if any(s.start <= start and end <= s.end for s in spans):
                    return stage, words
        return None

    @cached_property
    def staged_sentences(self) -> list[Span]:
        """The sentences with a stage's words (a memorandum, an agreement, construction, a launch)."""
        return [s for s in self.sentences if self.stage_in([s])]

    @cached_property
    def _stage_words(self) -> list[tuple[Stage, list[tuple[int, int, str]]]]:
        # Each stage's words found once over the whole text, not again in every sentence or paragraph asked
        # about: the cues of three languages at once are slow to search, and an article is asked of many spans.
        return [
            (stage, [(m.start(), m.end(), m.group(0)) for m in stage_words(stage).finditer(self.text)])
            for stage in STAGES_BY_ADVANCE
        ]

    @cached_property
    def orders(self) -> list[Span]:
        """Sentences that give orders to a language model: text planted in the article, not its report."""
        order = cue("orders")
        return [sentence for sentence in self.sentences if order.search(sentence.text)]

    @cached_property
    def money(self) -> list[Money]:
        return parse_money(self.reported)

    @cached_property
    def capacities(self) -> list[Quantity]:
        return parse_capacities(self.reported)

    @cached_property
    def jobs(self) -> list[Quantity]:
        return parse_jobs(self.reported)

    def locate_all(self, quote: str) -> list[tuple[int, int]]:
        """Every span of the article that reads as ``quote`` once folded; exact case first."""
        needle, _ = _fold(quote.strip().strip('"').strip())
        needle = needle.strip()
        if len(needle) < 2:
            return []
        for haystack, wanted in ((self._folded, needle), (self._folded_lower, needle.casefold())):
            spans = []
            start = haystack.find(wanted)
            while start != -1:
                end = start + len(wanted) - 1
                spans.append((self._where[start], self._where[end] + 1))
                start = haystack.find(wanted, start + 1)
            if spans:
                return spans
        return []

    @cached_property
    def _latin_words(self) -> str:
        return f" {_latin_words(self.reported)} "

    def names(self, name: str, *, company: bool = False) -> bool:
        """Whether the article names ``name``: verbatim after folding, or in another script or case once both
        are transliterated ("Sungrow" in an article that writes "SUNGROW"; a company's legal form aside)."""
        if self.locate_all(name):
            return True
        words = canonical_company(name) if company else _latin_words(name)
        return bool(words) and f" {words} " in self._latin_words

    def reads_as(self, span: tuple[int, int], quote: str) -> bool:
        """Whether the article at ``span`` reads as ``quote`` once both are folded (case aside, as for
        :meth:`locate_all`): a span a strategy already found, checked without a search."""
        start, end = span
        if not 0 <= start < end <= len(self.text):
            return False
        here, wanted = _fold(self.text[start:end])[0].strip(), _fold(quote.strip().strip('"').strip())[0].strip()
        return here == wanted or here.casefold() == wanted.casefold()

    def locate(self, quote: str, near: list[Evidence] | None = None) -> tuple[int, int] | None:
        """The span of ``quote``; of several, the one inside or nearest to the ``near`` evidence."""
        spans = self.locate_all(quote)
        if not spans:
            return None
        if not near:
            return spans[0]

        def distance(span: tuple[int, int]) -> int:
            return min(max(e.start - span[1], span[0] - e.end, 0) for e in near)

        return min(spans, key=distance)
