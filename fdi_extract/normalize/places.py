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
from functools import cache
from importlib.resources import files

import pycountry


_WORD_GAP = r"[\s\u00a0]+"


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166-2
    name: str  # pycountry's name of the region
    country: str  # ISO 3166-1 alpha-2
    text: str  # as written
    start: int
    end: int
    via_locality: bool  # named through a district or city, not the region itself


@cache
def _matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, bool]]]:
    table = json.loads(files("fdi_extract.data").joinpath("places.json").read_text(encoding="utf-8"))
    by_alias: dict[str, tuple[str, bool]] = {}
    patterns: list[tuple[int, str]] = []
    for section, via_locality in (("regions", False), ("localities", True)):
        for code, aliases in table[section].items():
            if pycountry.subdivisions.get(code=code) is None:
                raise ValueError(f"places.json names {code}, which pycountry does not know")
            for alias in aliases:
                group = f"g{len(by_alias)}"
                by_alias[group] = (code, via_locality)
                words = [
                    re.escape(w[:-1]) + r"[\w-]*" if w.endswith("*") else re.escape(w) for w in alias.lower().split()
                ]
                patterns.append((len(alias), f"(?P<{group}>{_WORD_GAP.join(words)})"))
    # Longest alias first, so "Алматинской области" wins over "Алматы".
    body = "|".join(p for _, p in sorted(patterns, key=lambda p: -p[0]))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE), by_alias


def find_places(text: str, country: str | None = None) -> list[Place]:
    """Every place mention in ``text`` that maps to a first-level region, in order."""
    pattern, by_alias = _matcher()
    found = []
    for match in pattern.finditer(text.replace("ё", "е").replace("Ё", "Е")):
        code, via_locality = by_alias[match.lastgroup]
        if country and not code.startswith(country.upper() + "-"):
            continue
        subdivision = pycountry.subdivisions.get(code=code)
        found.append(
            Place(code, subdivision.name, code.split("-")[0], text[match.start() : match.end()],
                  match.start(), match.end(), via_locality)
        )
    return found


def resolve_place(text: str, country: str | None = None) -> Place | None:
    """The region a place phrase names ("Актюбинской области", "Khromtau district", "ЗКО"), or None.

    When the phrase names several places the region itself beats a district or city inside it.
    """
    places = find_places(text, country)
    if not places:
        return None
    return next((p for p in places if not p.via_locality), places[0])
