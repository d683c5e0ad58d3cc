"""Language knowledge as data: the word cues of ``fdi_extract/data/cues/<language>.toml``.

Each table holds, per cue, a regular expression and example sentences it must and must not match
(tests/test_cues.py checks every one). A cue is searched in every language at once, since one
article often mixes them (a Russian report quoting an English company name, a Kazakh one quoting a
Russian legal form). Like every data table, they are part of a result's key (knowledge.py), so an edited
table never serves results that an older one produced.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from fdi_extract.model import Stage

LANGUAGES = ("ru", "en", "kk")
# The most advanced stage first: the first whose cue matches decides.
STAGES_BY_ADVANCE = (Stage.operational, Stage.construction, Stage.agreement, Stage.mou)


@dataclass(frozen=True, slots=True)
class CueEntry:
    """One language's entry of a cue, with its examples."""

    language: str
    name: str
    pattern: str
    match: tuple[str, ...]
    miss: tuple[str, ...]


def _table_text(language: str) -> str:
    return files("fdi_extract.data").joinpath("cues", f"{language}.toml").read_text(encoding="utf-8")


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, dict[str, object]]:
    """{"stage": {"mou": {...}}} → {"stage.mou": {...}}: a cue is a table with a pattern."""
    flat: dict[str, dict[str, object]] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            if "pattern" in value:
                flat[prefix + key] = value
            else:
                flat |= _flatten(value, f"{prefix}{key}.")
    return flat


@cache
def entries() -> tuple[CueEntry, ...]:
    """Every language's entry of every cue, as the tables hold them."""
    found = []
    for language in LANGUAGES:
        for name, cue_table in _flatten(tomllib.loads(_table_text(language))).items():
            found.append(
                CueEntry(
                    language,
                    name,
                    str(cue_table["pattern"]),
                    tuple(cue_table.get("match", ())),
                    tuple(cue_table.get("miss", ())),
                )
            )
    return tuple(found)


@cache
def cue(name: str) -> re.Pattern[str]:
    """The cue ``name`` ("not_a_deal", "stage.mou", …) in every language, as one case-insensitive pattern."""
    patterns = [f"(?:{entry.pattern})" for entry in entries() if entry.name == name]
    if not patterns:
        raise KeyError(f"no cue named {name!r} in fdi_extract/data/cues/*.toml")
    return re.compile("|".join(patterns), re.IGNORECASE)


@cache
def stage_words(stage: Stage) -> re.Pattern[str]:
    """The cue of ``stage`` ("stage.mou", …), matched from the start of a word: a stage's words begin one (a
    subcontractor signs no contract), and the pattern is then tried at word starts only, which makes it several
    times faster to search; every article's every sentence is searched for each stage."""
    return re.compile(rf"\b(?:{cue(f'stage.{stage.value}').pattern})", re.IGNORECASE)


def stage_cue(text: str) -> tuple[Stage, str] | None:
    """The most advanced stage the words of ``text`` state, with the words that state it."""
    for stage in STAGES_BY_ADVANCE:
        if match := stage_words(stage).search(text):
            return stage, match.group(0)
    return None
