"""Money phrases in Russian, English and Kazakh news → value, ISO 4217 currency and qualifier.

Hand-written because no maintained library reads these phrasings correctly: natasha's
MoneyExtractor reads "1,568 млрд долларов" as 1.568 × 10¹² and does not know tenge at all;
price-parser and money-parser take one price per string, not phrases in running text with their
offsets, scale words and qualifiers. The grammar below is small and table-tested
(tests/test_money.py).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from fdi_extract.model import Qualifier
from fdi_extract.normalize.numbers import (
    NUMBER,
    RANGE_FROM,
    RANGE_TO,
    SCALE,
    SCALE_WORD,
    SPACES,
    plausible,
    read_number,
    scale_factor,
)

# The words are data (``fdi_extract/data/money.toml``, each currency and qualifier with phrases a test reads).
MONEY_WORDS: dict[str, Any] = tomllib.loads(
    files("fdi_extract.data").joinpath("money.toml").read_text(encoding="utf-8")
)
_CURRENCIES: dict[str, dict[str, Any]] = MONEY_WORDS["currencies"]
_QUALIFIER_WORDS: dict[str, dict[str, Any]] = MONEY_WORDS["qualifiers"]
_PHRASES: dict[str, str] = MONEY_WORDS["phrases"]


def _words(words: list[str]) -> str:
    """Words as alternatives, longest first, a space matching a no-break space too."""
    return "|".join(
        "[ \u00a0]".join(re.escape(part) for part in word.split(" ")) for word in sorted(words, key=len, reverse=True)
    )


_CURRENCY_WORD = "(?:" + "|".join(c["words"] for c in _CURRENCIES.values()) + ")(?![a-zа-яё])"
_CURRENCY_PREFIX = "(?:" + "|".join(c["prefix"] for c in _CURRENCIES.values() if c["prefix"]) + ")"
_QUALIFIER_BEFORE = "(?:" + _words([w for q in _QUALIFIER_WORDS.values() for w in q["before"]]) + ")"
_QUALIFIER_AFTER = "(?:" + _words([w for q in _QUALIFIER_WORDS.values() for w in q["after"]]) + ")"

_MONEY_RE = re.compile(
    rf"""
    (?:(?<![\w])(?P<qual>{_QUALIFIER_BEFORE})[{SPACES}]*)?
    (?:(?P<prefix>{_CURRENCY_PREFIX})[{SPACES}]?)?
    (?:(?<![\w]){RANGE_FROM}[{SPACES}]+)?
    (?P<num>{NUMBER})(?P<scale>{SCALE})?
    (?P<compound>(?:[{SPACES}]+{NUMBER}[{SPACES}]?{SCALE_WORD})*)
    (?:[{SPACES}]*{RANGE_TO}[{SPACES}]*(?:{_CURRENCY_PREFIX}[{SPACES}]?)?(?P<num2>{NUMBER})(?P<scale2>{SCALE})?)?
    (?:[{SPACES}]*(?P<suffix>{_CURRENCY_WORD}))?
    (?:[{SPACES}]*(?P<qual_after>{_QUALIFIER_AFTER})(?![\w]))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "миллиард тенге", "полмиллиарда тенге": a scale word standing for the number.
_BARE_SCALE_RE = re.compile(
    rf"""
    (?:(?<![\w])(?P<qual>{_QUALIFIER_BEFORE})[{SPACES}]+)?
    (?<![\d][{SPACES}])(?<![\w])(?P<half>{_PHRASES["half"]})?(?P<scale>{_PHRASES["bare_scale"]})
    [{SPACES}]+(?P<suffix>{_CURRENCY_WORD})
    (?:[{SPACES}]*(?P<qual_after>{_QUALIFIER_AFTER})(?![\w]))?
    """,
    re.IGNORECASE | re.VERBOSE,
)

_ABBREVIATION_AT_END = re.compile(f"({_PHRASES['abbreviations']})\\.$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Money:
    """A money phrase found in text. ``value`` is in units; a range keeps its top in ``value_max``."""

    value: float
    currency: str
    qualifier: Qualifier
    text: str
    start: int
    end: int
    value_max: float | None = None


def parse_money(text: str) -> list[Money]:
    """Every money phrase in ``text``, in order, with character offsets.

    >>> [(m.value, m.currency, m.qualifier.value) for m in parse_money("свыше 134 миллиардов тенге")]
    [(134000000000.0, 'KZT', 'at_least')]
    """
    found: list[Money] = []
    for match in _MONEY_RE.finditer(text):
        money = _from_match(match)
        if money is not None:
            found.append(money)
    for match in _BARE_SCALE_RE.finditer(text):
        if any(m.start <= match.start("scale") < m.end for m in found):
            continue
        factor = scale_factor(match["scale"]) * (0.5 if match["half"] else 1.0)
        found.append(
            Money(
                value=factor,
                currency=_currency_code(match["suffix"]),
                qualifier=_qualifier(match["qual"], match["qual_after"]),
                text=match.group(0).strip(),
                start=match.start(),
                end=match.end(),
            )
        )
    found.sort(key=lambda m: m.start)
    return found


def _from_match(match: re.Match[str]) -> Money | None:
    currency_text = match["prefix"] or match["suffix"]
    if not currency_text:
        return None
    scale, scale2 = match["scale"], match["scale2"]
    # "20–25 млн": the scale written once applies to both ends of the range.
    shared_scale = scale or scale2
    cyrillic = bool(re.search(r"[а-яё]", match.group(0), re.IGNORECASE))
    value = read_number(match["num"], scaled=bool(shared_scale), cyrillic=cyrillic) * scale_factor(shared_scale)
    for part in re.finditer(rf"({NUMBER})[{SPACES}]?({SCALE_WORD})", match["compound"] or "", re.IGNORECASE):
        value += read_number(part[1], scaled=True, cyrillic=cyrillic) * scale_factor(part[2])
    value_max = None
    if match["num2"]:
        value_max = read_number(match["num2"], scaled=bool(scale2), cyrillic=cyrillic) * scale_factor(scale2 or scale)
        if value_max <= value:
            return None  # "2018-2019" style spans are dates, not ranges of money
    if not plausible(value) or (value_max is not None and not plausible(value_max)):
        return None  # "$" and 400 nines "million": no sum of money, and no float can hold it
    start = match.start()
    text = match.group(0)
    stripped = text.rstrip()
    if stripped.endswith((".", ",")) and not _ABBREVIATION_AT_END.search(stripped):
        stripped = stripped[:-1]
    return Money(
        value=value,
        currency=_currency_code(currency_text),
        qualifier=_qualifier(match["qual"], match["qual_after"]),
        text=stripped.lstrip(),
        start=start + (len(text) - len(text.lstrip())),
        end=start + len(stripped),
        value_max=value_max,
    )


def _currency_code(word: str) -> str:
    word = re.sub(rf"[{SPACES}]+", " ", word.strip()).lower()
    for code, currency in _CURRENCIES.items():
        if any(word.startswith(start) for start in currency["starts"]):
            return code
    raise ValueError(f"unknown currency {word!r}")


def _qualifier(before: str | None, after: str | None) -> Qualifier:
    for word in (after, before):
        if not word:
            continue
        word = re.sub(rf"[{SPACES}]+", " ", word.strip()).lower()
        for name, words in _QUALIFIER_WORDS.items():
            if word in words["before"] or word in words["after"]:
                return Qualifier(name)
    return Qualifier.exact
