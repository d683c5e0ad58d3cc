"""Capacities (MW, t/day, t/year, ha, rooms) and job counts in Russian, Kazakh and English text.

Hand-written for the same reason as money.py: the phrasings ("5000 тонн клинкера в сутки",
"от 500 тыс. до 1 млн тонн кукурузы в год", "435-room hotel", "6 тыс. рабочих мест") mix number
scales, units and periods that general quantity parsers (quantulum3, pint) don't read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fdi_extract.model import CapacityUnit
from fdi_extract.normalize.numbers import (
    FIGURE_START,
    FIGURE_WORDS,
    NUMBER,
    RANGE_FROM,
    RANGE_TO,
    SCALE_WORD,
    SPACES,
    plausible,
    scaled_value,
)

_CAPACITY: dict[str, Any] = FIGURE_WORDS["capacities"]
_JOB: dict[str, Any] = FIGURE_WORDS["jobs"]
_AMOUNT = rf"(?P<num>{NUMBER})(?:[{SPACES}]?(?P<scale>{SCALE_WORD}))?"
_LOW = (
    rf"(?:(?<![\w]){RANGE_FROM}[{SPACES}]+)?(?P<low>{NUMBER})(?:[{SPACES}]?(?P<low_scale>{SCALE_WORD}))?"
    rf"[{SPACES}]*{RANGE_TO}[{SPACES}]*"
)
_S = rf"[{SPACES}]*"

_POWER = re.compile(rf"{FIGURE_START}(?:{_LOW})?{_AMOUNT}{_S}(?P<unit>{_CAPACITY['power']})(?![\w])", re.IGNORECASE)
_AREA = re.compile(rf"{FIGURE_START}(?:{_LOW})?{_AMOUNT}{_S}(?P<unit>{_CAPACITY['area']})(?![\w])", re.IGNORECASE)
_ROOMS = re.compile(rf"{FIGURE_START}{_AMOUNT}[{SPACES}-]*(?P<unit>{_CAPACITY['rooms']})(?![\w])", re.IGNORECASE)
_PERIOD = f"(?P<period>{_CAPACITY['period']})"
_TONNES = re.compile(
    rf"{FIGURE_START}(?:{_LOW})?{_AMOUNT}{_S}(?P<unit>{_CAPACITY['tonnes']})(?![\w])"
    rf"(?:(?:[{SPACES}]+[^\s.,;:!?]+){{0,3}}?[{SPACES}]+{_PERIOD})?",
    re.IGNORECASE,
)
_ANNUAL = re.compile(_CAPACITY["annual_before"], re.IGNORECASE)
# Kazakh puts the period before the figure: "тәулігіне 5000 тонна" (a day), "жылына 1 млн тонна" (a year).
_DAILY_BEFORE = re.compile(_CAPACITY["daily_before"], re.IGNORECASE)
_JOBS = re.compile(
    rf"{FIGURE_START}{_AMOUNT}{_S}(?:(?:{_JOB['adjectives']})[{SPACES}]+)?(?:{_JOB['words']})(?![\w])",
    re.IGNORECASE,
)
_PEOPLE_AT_WORK = re.compile(
    rf"(?:{_JOB['at_work']})(?:[{SPACES}]+[^\s.]+){{0,3}}?[{SPACES}]+{_AMOUNT}{_S}(?:{_JOB['people']})", re.IGNORECASE
)
_PEOPLE_EMPLOYED_KK = re.compile(
    rf"{FIGURE_START}{_AMOUNT}{_S}(?:{_JOB['people_kk']}){_S}(?:{_JOB['employed_kk']})", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: CapacityUnit | None  # None for job counts
    text: str
    start: int
    end: int


def _with_low(match: re.Match[str], unit: CapacityUnit, multiplier: float = 1.0) -> list[Quantity]:
    text = match.group(0)
    high = scaled_value(match["num"], match["scale"], text) * multiplier
    found = []
    if match["low"]:
        # "20–25 млн": one scale for both ends; "500,000 - 1 million": the low end has its own.
        low_scale = match["low_scale"]
        if not low_scale and scaled_value(match["low"], None, text) < scaled_value(match["num"], None, text):
            low_scale = match["scale"]
        low = scaled_value(match["low"], low_scale, text) * multiplier
        if low < high:
            found.append(Quantity(low, unit, text, match.start(), match.end()))
    found.append(Quantity(high, unit, text, match.start(), match.end()))
    return found


def parse_capacities(text: str) -> list[Quantity]:
    """Every capacity phrase in ``text``: power in MW, tonnes per day or year, hectares, rooms.

    Tonnes with no period take the period of the nearest earlier tonnage in the same text
    ("1 млн тонн в год с последующим увеличением до 3 млн тонн" → both t/year).
    """
    found: list[Quantity] = []
    for match in _POWER.finditer(text):
        unit_word = match["unit"].lower()
        if unit_word == "wt":  # "1000Wt": a unit the source garbled; keep the figure, not a guess at its unit
            found.extend(_with_low(match, CapacityUnit.other))
        else:
            giga = unit_word.startswith(tuple(_CAPACITY["giga"]))
            found.extend(_with_low(match, CapacityUnit.MW, 1000.0 if giga else 1.0))
    for match in _AREA.finditer(text):
        found.extend(_with_low(match, CapacityUnit.ha))
    for match in _ROOMS.finditer(text):
        found.append(
            Quantity(
                scaled_value(match["num"], match["scale"], match.group(0)),
                CapacityUnit.rooms,
                match.group(0),
                match.start(),
                match.end(),
            )
        )
    last_period: CapacityUnit | None = None
    for match in _TONNES.finditer(text):
        period = (match["period"] or "").lower()
        if not period and _DAILY_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            period = "day"
        elif not period and _ANNUAL.search(text, max(0, match.start() - 80), match.start()):
            period = "year"
        if period:
            unit = CapacityUnit.t_day if any(k in period for k in _CAPACITY["daily"]) else CapacityUnit.t_year
            last_period = unit
        else:
            unit = last_period or CapacityUnit.other
        found.extend(_with_low(match, unit))
    found.sort(key=lambda q: (q.start, q.value))
    return [q for q in found if plausible(q.value)]  # no float holds "9…9 MW" with 400 nines


def parse_jobs(text: str) -> list[Quantity]:
    """Every job count in ``text`` ("65 новых рабочих мест", "1,500 jobs", "6 тыс. рабочих мест")."""
    found = [
        Quantity(scaled_value(m["num"], m["scale"], m.group(0)), None, m.group(0), m.start(), m.end())
        for pattern in (_JOBS, _PEOPLE_AT_WORK, _PEOPLE_EMPLOYED_KK)
        for m in pattern.finditer(text)
    ]
    return sorted((q for q in found if plausible(q.value)), key=lambda q: q.start)
