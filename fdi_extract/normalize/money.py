"""Money phrases in Russian, English and Kazakh news → value, ISO 4217 currency and qualifier.

Hand-written because no maintained library reads these phrasings correctly: natasha's
MoneyExtractor reads "1,568 млрд долларов" as 1.568 × 10¹² and does not know tenge at all;
price-parser and money-parser take one price per string, not phrases in running text with their
offsets, scale words and qualifiers. The grammar below is small and table-tested
(tests/test_money.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fdi_extract.model import Qualifier
from fdi_extract.normalize.numbers import (
    NUMBER,
    SCALE,
    SCALE_WORD,
    SPACES,
    plausible,
    read_number,
    scale_factor,
)

_CURRENCY_WORD = (
    r"(?:долл(?:ар[а-яё]*|\.)?(?:[ \u00a0]США)?|АҚШ[ \u00a0]доллар\w*|доллар\w*"
    r"|US[ \u00a0]?dollars?|U\.S\.[ \u00a0]?dollars?|dollars?|USD"
    r"|тенге\w*|теңге\w*|tenge|KZT|₸"
    r"|юан[а-яё]*|yuan|renminbi|CNY|RMB"
    r"|руб(?:л[а-яё]*|\.)?|roubles?|rubles?|RUB|₽"
    r"|сўм|сум(?:ов|а)?|soums?|sums?|UZS"
    r"|сомони|somoni|TJS"
    r"|сом(?:ов|а)?|soms?|KGS"
    r"|манат[а-яё]*|manats?|TMT"
    r"|евро|euros?|EUR|€|\$)(?![a-zа-яё])"
)
_CURRENCY_PREFIX = r"(?:US\$|\$|USD|EUR|€|KZT|₸|CNY|RMB|RUB|UZS|KGS|TJS)"
_QUALIFIER_BEFORE = (
    r"(?:свыше|более(?:[ \u00a0]чем)?|больше|не[ \u00a0]менее|не[ \u00a0]меньше|около|порядка|примерно"
    r"|приблизительно|почти|ориентировочно|до|over|more[ \u00a0]than|above|at[ \u00a0]least"
    r"|in[ \u00a0]excess[ \u00a0]of|exceeding|about|around|approximately|roughly|nearly|almost|some|up[ \u00a0]to"
    r"|шамамен|~)"
)
_QUALIFIER_AFTER = r"(?:астам|с[ \u00a0]лишним|и[ \u00a0]более|or[ \u00a0]more|дейін)"

_MONEY_RE = re.compile(
    rf"""
    (?:(?<![\w])(?P<qual>{_QUALIFIER_BEFORE})[{SPACES}]*)?
    (?:(?P<prefix>{_CURRENCY_PREFIX})[{SPACES}]?)?
    (?:(?<![\w])(?:от|from)[{SPACES}]+)?
    (?P<num>{NUMBER})(?P<scale>{SCALE})?
    (?P<compound>(?:[{SPACES}]+{NUMBER}[{SPACES}]?{SCALE_WORD})*)
    (?:[{SPACES}]*(?:[-–—]|до|to)[{SPACES}]*(?:{_CURRENCY_PREFIX}[{SPACES}]?)?(?P<num2>{NUMBER})(?P<scale2>{SCALE})?)?
    (?:[{SPACES}]*(?P<suffix>{_CURRENCY_WORD}))?
    (?:[{SPACES}]*(?P<qual_after>{_QUALIFIER_AFTER})(?![\w]))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "миллиард тенге", "полмиллиарда тенге": a scale word standing for the number.
_BARE_SCALE_RE = re.compile(
    rf"""
    (?:(?<![\w])(?P<qual>{_QUALIFIER_BEFORE})[{SPACES}]+)?
    (?<![\d][{SPACES}])(?<![\w])(?P<half>пол)?(?P<scale>миллион[а-яё]*|миллиард[а-яё]*|триллион[а-яё]*)
    [{SPACES}]+(?P<suffix>{_CURRENCY_WORD})
    (?:[{SPACES}]*(?P<qual_after>{_QUALIFIER_AFTER})(?![\w]))?
    """,
    re.IGNORECASE | re.VERBOSE,
)

_CURRENCY_CODES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("us$", "$", "usd", "долл", "доллар", "аққ", "ақш", "us dollar", "u.s. dollar", "dollar"), "USD"),
    (("тенге", "теңге", "tenge", "kzt", "₸"), "KZT"),
    (("юан", "yuan", "renminbi", "cny", "rmb"), "CNY"),
    (("руб", "rouble", "ruble", "rub", "₽"), "RUB"),
    (("сўм", "сум", "soum", "sum", "uzs"), "UZS"),
    (("сомони", "somoni", "tjs"), "TJS"),
    (("сом", "som", "kgs"), "KGS"),
    (("манат", "manat", "tmt"), "TMT"),
    (("евро", "euro", "eur", "€"), "EUR"),
)

_QUALIFIERS: tuple[tuple[tuple[str, ...], Qualifier], ...] = (
    (
        (
            "свыше",
            "более",
            "более чем",
            "больше",
            "не менее",
            "не меньше",
            "over",
            "more than",
            "above",
            "at least",
            "in excess of",
            "exceeding",
            "астам",
            "с лишним",
            "и более",
            "or more",
        ),
        Qualifier.at_least,
    ),
    (
        (
            "около",
            "порядка",
            "примерно",
            "приблизительно",
            "почти",
            "ориентировочно",
            "about",
            "around",
            "approximately",
            "roughly",
            "nearly",
            "almost",
            "some",
            "шамамен",
            "~",
        ),
        Qualifier.about,
    ),
    (("до", "up to", "дейін"), Qualifier.up_to),
)


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
    if stripped.endswith((".", ",")) and not re.search(r"(долл|тыс|млн|млрд|трлн|mln|bln)\.$", stripped, re.IGNORECASE):
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
    for prefixes, code in _CURRENCY_CODES:
        if any(word.startswith(p) for p in prefixes):
            return code
    raise ValueError(f"unknown currency {word!r}")


def _qualifier(before: str | None, after: str | None) -> Qualifier:
    for word in (after, before):
        if not word:
            continue
        word = re.sub(rf"[{SPACES}]+", " ", word.strip()).lower()
        for words, qualifier in _QUALIFIERS:
            if word in words:
                return qualifier
    return Qualifier.exact
