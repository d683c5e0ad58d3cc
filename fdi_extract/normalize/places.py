"""Place names in Russian, Kazakh and English → ISO 3166-2 codes.

pycountry supplies the codes and official names; what it lacks are the forms news use:
Russian and Kazakh adjectives in every case ("в Актюбинской области"), abbreviations (ЗКО, ВКО),
and districts or cities that imply their region (Хромтауский район → Aktobe). Those aliases
live in fdi_extract/data/places.json; this module compiles them into one regex.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

import pycountry


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166-2
    name: str  # pycountry's name of the region
    country: str  # ISO 3166-1 alpha-2
    text: str  # as written
    start: int
    end: int
    via_locality: bool  # named through a district or city, not the region itself


_TOKEN = re.compile(
    r"[^\W_]+(?:-[^\W_]+)*"
)  # a hyphen joins words ("Иссык-Кульской"), never ends one ("ЗКО-"); "_" is no letter


@dataclass(frozen=True, slots=True)
class _Alias:
    words: tuple[str, ...]  # a trailing * marks a stem
    code: str
    via_locality: bool

    def matches(self, tokens: list[str]) -> bool:
        return len(tokens) == len(self.words) and all(
            token.startswith(word[:-1]) if word.endswith("*") else token == word
            for word, token in zip(self.words, tokens, strict=True)
        )


@dataclass(frozen=True, slots=True)
class _Aliases:
    """Aliases indexed by their first word: whole words, and stems with the lengths to cut tokens at."""

    by_word: dict[str, list[_Alias]]
    by_stem: dict[str, list[_Alias]]
    stem_lengths: tuple[int, ...]


def _fold_case(text: str) -> str:
    return text.lower().replace("ё", "е")


@cache
def _aliases() -> _Aliases:
    # Word lookups rather than one regex of hundreds of alternatives, whose cost grows with every alias.
    table = json.loads(files("fdi_extract.data").joinpath("places.json").read_text(encoding="utf-8"))
    by_word: dict[str, list[_Alias]] = {}
    by_stem: dict[str, list[_Alias]] = {}
    for section, via_locality in (("regions", False), ("localities", True)):
        for code, aliases in table[section].items():
            if pycountry.subdivisions.get(code=code) is None:
                raise ValueError(f"places.json names {code}, which pycountry does not know")
            for text in aliases:
                alias = _Alias(tuple(_fold_case(text).split()), code, via_locality)
                first = alias.words[0]
                index = by_stem if first.endswith("*") else by_word
                index.setdefault(first.rstrip("*"), []).append(alias)
    for index in (by_word, by_stem):
        for candidates in index.values():
            candidates.sort(key=lambda a: -len(a.words))  # longest alias first
    return _Aliases(by_word, by_stem, tuple(sorted({len(k) for k in by_stem}, reverse=True)))


def find_places(text: str, country: str | None = None) -> list[Place]:
    """Every place mention in ``text`` that maps to a first-level region, in order.

    Where aliases overlap, the longest wins ("Алматинской области" over "Алматы").
    """
    # Folded in one piece and matched by dictionary lookups: this runs on every article of a batch.
    # Tokens hold no spaces, so joining them with spaces and splitting again keeps one word per token.
    words = _fold_case(" ".join(_TOKEN.findall(text))).split(" ")
    starts = [index for index, word in enumerate(words) if _aliases_starting(word)]
    if not starts:
        return []
    spans = [match.span() for match in _TOKEN.finditer(text)]
    found = []
    covered = 0  # words before this index are part of a place already found
    for index in starts:
        if index < covered or (hit := _longest_alias(words, index)) is None:
            continue
        (code, via_locality), size = hit
        start, end = spans[index][0], spans[index + size - 1][1]
        covered = index + size
        if country and not code.startswith(country.upper() + "-"):
            continue
        subdivision = pycountry.subdivisions.get(code=code)
        found.append(Place(code, subdivision.name, code.split("-")[0], text[start:end], start, end, via_locality))
    return found


@lru_cache(maxsize=1 << 16)  # an article's words repeat, and most of them start no alias at all
def _aliases_starting(first: str) -> tuple[_Alias, ...]:
    aliases = _aliases()
    return (
        *aliases.by_word.get(first, ()),
        *(a for n in aliases.stem_lengths if n <= len(first) for a in aliases.by_stem.get(first[:n], ())),
    )


def _longest_alias(words: list[str], index: int) -> tuple[tuple[str, bool], int] | None:
    best: _Alias | None = None
    for alias in _aliases_starting(words[index]):
        size = len(alias.words)
        if (best is None or size > len(best.words)) and alias.matches(words[index : index + size]):
            best = alias
    return ((best.code, best.via_locality), len(best.words)) if best else None


def resolve_place(text: str, country: str | None = None) -> Place | None:
    """The region a place phrase names ("Актюбинской области", "Khromtau district", "ЗКО"), or None.

    When the phrase names several places the region itself beats a district or city inside it.
    """
    places = find_places(text, country)
    if not places:
        return None
    return next((p for p in places if not p.via_locality), places[0])
