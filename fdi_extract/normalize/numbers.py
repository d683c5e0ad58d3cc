"""Numbers as news write them: "218,8", "50 290 700", "USD 50,290,700", "1,568 млрд", "6 тыс."

Shared by the money and quantity parsers, so both read separators and scale words the same way.
"""

from __future__ import annotations

import math
import re
import tomllib
from importlib.resources import files
from typing import Any

SPACES = " \u00a0\u202f\u2009"
# Longest alternatives first; the lookbehind keeps a number from starting inside another one.
NUMBER = (
    rf"(?<![\d.,])(?:\d{{1,3}}(?:[{SPACES}]\d{{3}})+(?:[.,]\d+)?"
    r"|\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?"
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"
    r"|\d+(?:[.,]\d+)?)"
)
# The words are data (``fdi_extract/data/quantities.toml``), shared with quantities.py.
FIGURE_WORDS: dict[str, Any] = tomllib.loads(
    files("fdi_extract.data").joinpath("quantities.toml").read_text(encoding="utf-8")
)
SCALE_WORD = f"(?:{FIGURE_WORDS['scales']['words']})(?![a-zа-яё])"
# A one-letter scale ("$800m", "$1.5bn" is covered above) only when glued to the number.
SCALE = rf"(?:[{SPACES}]?{SCALE_WORD}|[mbk](?![a-zа-яё]))"
SCALE_FACTORS: tuple[tuple[tuple[str, ...], float], ...] = tuple(
    (tuple(FIGURE_WORDS["scales"][name]), factor)
    for name, factor in (("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("trillion", 1e12))
)
# The words that open and join a range's two ends, for money and quantities alike.
RANGE_FROM = f"(?:{FIGURE_WORDS['ranges']['from']})"
RANGE_TO = f"(?:{FIGURE_WORDS['ranges']['to']})"
# Every figure phrase starts at a digit or at a range's opening word. Said first as a lookahead, it lets the
# regex engine pass every other position of an article in one test instead of trying each alternative there.
FIGURE_START = rf"(?=\d|{RANGE_FROM})"

# Above any sum or quantity a news article reports, in any unit or currency (a quintillion; the largest
# plausible, a programme in rials or dong, is under 1e17): a figure beyond it is a typo or an attack.
_LARGEST_FIGURE = 1e18


def plausible(value: float) -> bool:
    """Whether ``value`` can be a figure of a report: finite, and not beyond any real sum or quantity."""
    return math.isfinite(value) and abs(value) < _LARGEST_FIGURE


def read_number(raw: str, *, scaled: bool, cyrillic: bool) -> float:
    """Read a number written with any of the separators news uses.

    The one ambiguous shape is a single separator before exactly three digits: "1,568 млрд"
    is a decimal comma (Russian), "USD 1,500" a thousands comma (English).
    """
    digits = re.sub(f"[{SPACES}]", "", raw)
    commas, dots = digits.count(","), digits.count(".")
    if commas and dots:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return float(digits.replace(thousands, "").replace(decimal, "."))
    if commas > 1 or dots > 1:
        return float(digits.replace("," if commas > 1 else ".", ""))
    separator = "," if commas else "." if dots else None
    if separator is None:
        return float(digits)
    fraction = digits.split(separator)[1]
    if len(fraction) == 3 and not (scaled and cyrillic) and not (separator == "." and not cyrillic):
        return float(digits.replace(separator, ""))
    return float(digits.replace(",", "."))


def scale_factor(word: str | None) -> float:
    if not word:
        return 1.0
    word = word.strip(SPACES + ".").lower()
    for prefixes, factor in SCALE_FACTORS:
        if any(word == p or (len(p) > 1 and word.startswith(p)) for p in prefixes):
            return factor
    raise ValueError(f"unknown scale word {word!r}")


_SCALED_NUMBER = re.compile(rf"({NUMBER})(?:[{SPACES}]*({SCALE_WORD}))?", re.IGNORECASE)


def scaled_numbers(text: str) -> list[float]:
    """Every number of ``text`` with its scale word read ("171 million AQQ dollars" → [171000000.0]), whatever
    follows it: for a model's phrase whose currency or unit word is garbled.

    >>> scaled_numbers("171 million AQQ dollars"), scaled_numbers("5000 tonna and 1,5 млрд")
    ([171000000.0], [5000.0, 1500000000.0])
    """
    return [scaled_value(m.group(1), m.group(2), m.group(0)) for m in _SCALED_NUMBER.finditer(text)]


def scaled_value(raw: str, scale: str | None, phrase: str) -> float:
    """The number ``raw`` times its scale word, read as the language of ``phrase`` writes numbers (a Cyrillic
    phrase writes a decimal comma before a scale word: "1,568 млрд")."""
    cyrillic = bool(re.search(r"[а-яё]", phrase, re.IGNORECASE))
    return read_number(raw, scaled=bool(scale), cyrillic=cyrillic) * scale_factor(scale)
