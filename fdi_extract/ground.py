"""Grounding: every quote found in the article with character offsets; every figure read from the text.

A quote is searched after folding whitespace runs, quote marks and dashes (models re-type «» as ""
and collapse line breaks), then case. Every investor name and place of a draft must be named by the
article too (verbatim, or in another script or case) or it is dropped with a warning. Offsets always point into the original text, so
``text[start:end]`` is what the article says. A quote that cannot be found is dropped with a
warning; a deal left with no grounded evidence is dropped. Amounts, capacities and job counts are
taken from the money and quantity phrases of the article that the model's phrase points at, and
their own spans are added to the evidence: a figure that is not in its evidence is never output.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from unidecode import unidecode

from fdi_extract.extract.schema import DealDraft
from fdi_extract.model import Evidence
from fdi_extract.normalize.companies import canonical_company
from fdi_extract.normalize.money import Money, parse_money
from fdi_extract.normalize.quantities import Quantity, parse_capacities, parse_jobs

_FOLD = {
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "′": "'", "`": "'",
    "–": "-", "—": "-", "−": "-", "‑": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ", "\n": " ", "\r": " ",
}


def _fold_characters(text: str) -> str:
    # One replace per character that occurs: str.translate looks every character up in a table, which
    # on Cyrillic text is 45 times slower, and this runs on every article.
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


class ArticleText:
    """An article's text with its folded form and the phrases the normalizers find in it, computed once."""

    def __init__(self, text: str):
        self.text = text
        self._folded, self._where = _fold(text)
        self._folded_lower = self._folded.casefold()

    @cached_property
    def money(self) -> list[Money]:
        return parse_money(self.text)

    @cached_property
    def capacities(self) -> list[Quantity]:
        return parse_capacities(self.text)

    @cached_property
    def jobs(self) -> list[Quantity]:
        return parse_jobs(self.text)

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
        return f" {_latin_words(self.text)} "

    def names(self, name: str, *, company: bool = False) -> bool:
        """Whether the article names ``name``: verbatim after folding, or in another script or case once both
        are transliterated ("Sungrow" in an article that writes "SUNGROW"; a company's legal form aside)."""
        if self.locate_all(name):
            return True
        words = canonical_company(name) if company else _latin_words(name)
        return bool(words) and f" {words} " in self._latin_words

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


@dataclass
class GroundedDeal:
    draft: DealDraft
    evidence: list[Evidence]
    amount: Money | None = None
    capacities: list[Quantity] = field(default_factory=list)
    jobs: int | None = None


_Figure = TypeVar("_Figure", Money, Quantity)


def _overlapping(items: list[_Figure], span: tuple[int, int]) -> list[_Figure]:
    return [item for item in items if item.start < span[1] and span[0] < item.end]


def ground(draft: DealDraft, article: ArticleText) -> tuple[GroundedDeal | None, list[str]]:
    """Locate the draft's quotes and figures in the article; None when nothing of it can be found."""
    warnings: list[str] = []
    label = draft.project[:60] or ", ".join(draft.investors) or "deal"
    evidence: list[Evidence] = []
    for quote in draft.evidence:
        span = article.locate(quote)
        if span is None:
            warnings.append(f"{label}: evidence quote not found in the article, dropped: {quote[:80]!r}")
            continue
        if not any(e.start == span[0] and e.end == span[1] for e in evidence):
            evidence.append(Evidence(quote=article.text[span[0]:span[1]], start=span[0], end=span[1]))
    if not evidence:
        warnings.append(f"{label}: dropped, none of its evidence occurs in the article")
        return None, warnings
    # A name or a place is the article's or nobody's: the model may not bring one in.
    investors = [name for name in draft.investors if article.names(name, company=True)]
    warnings += [f"{label}: investor {name!r} is not named in the article, left out"
                 for name in draft.investors if name not in investors]
    place = draft.place if draft.place and article.names(draft.place) else None
    if draft.place and place is None:
        warnings.append(f"{label}: place {draft.place!r} is not named in the article, left out")
    if investors != draft.investors or place != draft.place:
        draft = draft.model_copy(update={"investors": investors, "place": place})
    grounded = GroundedDeal(draft=draft, evidence=evidence)

    if draft.amount:
        span = article.locate(draft.amount, near=evidence)
        found = _overlapping(article.money, span) if span else []
        if found:
            grounded.amount = found[0]
            evidence.append(_figure_evidence(article, found[0].start, found[0].end, "amount"))
        else:
            warnings.append(f"{label}: amount {draft.amount!r} is not a money phrase of the article, left out")
    for phrase in draft.capacity:
        span = article.locate(phrase, near=evidence)
        found = _overlapping(article.capacities, span) if span else []
        if not found:
            warnings.append(f"{label}: capacity {phrase!r} is not a capacity phrase of the article, left out")
        for quantity in found:
            if quantity not in grounded.capacities:
                grounded.capacities.append(quantity)
                evidence.append(_figure_evidence(article, quantity.start, quantity.end, "capacity"))
    if draft.jobs:
        span = article.locate(draft.jobs, near=evidence)
        found = _overlapping(article.jobs, span) if span else []
        if found:
            best = max(found, key=lambda q: q.value)
            grounded.jobs = int(best.value)
            evidence.append(_figure_evidence(article, best.start, best.end, "jobs"))
        else:
            warnings.append(f"{label}: jobs {draft.jobs!r} is not a job count of the article, left out")
    return grounded, warnings


def _figure_evidence(article: ArticleText, start: int, end: int, field_name: str) -> Evidence:
    return Evidence(quote=article.text[start:end], start=start, end=end, field=field_name)
