"""A deal's project as a person reads it on a deal card: a short English title of what is built.

The model is asked for "a few English words"; a small model writes them in two scripts inside one word
("Wосточной"), transliterates the article ("pererabotka molyok"), cuts them mid-phrase, or writes the
company's name again. Its words are kept when they are clean English; otherwise the title is composed
from what normalization knows: the size ("200 MW") and the kind of facility (the English titles of
``data/facility_kinds.toml``), else the sector. The article's own phrase stays in the evidence.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from fdi_extract.normalize.companies import canonical_company
from fdi_extract.normalize.facilities import facility_kinds, facility_titles
from fdi_extract.normalize.money import parse_money

_MAX_CHARS = 80
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LATIN = re.compile(r"[A-Za-z]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_A-Za-z]")
_ENDS = re.compile(r"^[\s\-–—,.;:()\"'«»“”]+|[\s\-–—,.;:(\"'«»“”]+$")


@cache
def _table() -> dict[str, object]:
    return tomllib.loads(files("fdi_extract.data").joinpath("titles.toml").read_text(encoding="utf-8"))


@cache
def _dangling() -> re.Pattern[str]:
    words = sorted(_table()["dangling"], key=len, reverse=True)  # type: ignore[arg-type]
    return re.compile(r"(?:\s|^)(?:" + "|".join(re.escape(w) for w in words) + r")$", re.IGNORECASE)


@cache
def _english() -> object:
    # pyspellchecker's English word list (shipped in its wheel, loaded once): the one check here
    # that tells English from a transliterated Russian phrase, which no pattern does.
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def clean_words(words: str) -> str:
    """The model's words without a sum of money (the amount's own field states it, converted; a title that
    gives one often trails off after it: "… plant with $89 million to be") and without what a cut leaves at
    their ends: punctuation, a dangling word, a word cut at the length limit ("high-")."""
    text = " ".join(words.split())
    if money := parse_money(text):
        first = money[0]
        text = text[first.end :] if first.start == 0 else text[: first.start]
    if len(text) > _MAX_CHARS:
        text = text[: _MAX_CHARS + 1].rsplit(" ", 1)[0]
    if re.search(r"\w-$", text):
        text = text.rsplit(" ", 1)[0] if " " in text else ""
    while True:
        trimmed = _dangling().sub("", _ENDS.sub("", text)).strip()
        if trimmed == text:
            return text
        text = trimmed


def is_clean_english(words: str, investors: Iterable[str] = ()) -> bool:
    """Latin letters only, two thirds of its longer words English, and more than the investor's name again."""
    if not words or _NON_LATIN_LETTER.search(words) or not _LATIN.search(words):
        return False
    key = canonical_company(words)
    if any(key and key == canonical_company(name) for name in investors):
        return False
    longer = [w.lower() for w in _WORD.findall(words) if len(w) >= 3 and not w.isupper()]
    known = _english().known(longer)  # type: ignore[attr-defined]
    return sum(w in known for w in longer) * 3 >= len(longer) * 2


def project_title(
    words: str, *, about: str = "", size: str | None = None, sector: str = "other", investors: Iterable[str] = ()
) -> str:
    """A short English title. ``words`` are the model's; ``about`` is the article's text on the deal (its
    evidence), read for the kind of facility; ``size`` is the normalized capacity ("200 MW").

    >>> project_title("200 MW wind farm")
    '200 MW wind farm'
    >>> project_title("строительство Wосточной дороги", about="ветропарк мощностью 50 МВт", size="50 MW")
    '50 MW wind farm'
    >>> project_title("", sector="agriculture_food")
    'agriculture and food project'
    """
    cleaned = clean_words(words)
    if is_clean_english(cleaned, investors):
        return cleaned
    kinds = facility_kinds(cleaned) or facility_kinds(about)
    titles = facility_titles()
    if kinds:
        kind = " and ".join(sorted(titles[k] for k in kinds)[:2])
        return f"{size} {kind}" if size else kind
    return str(_table()["sector_titles"][sector])  # type: ignore[index]
