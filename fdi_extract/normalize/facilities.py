"""What a project builds — a greenhouse, a cement plant, a wind farm — read from its words in any of our
languages, by the table ``fdi_extract/data/facility_kinds.toml`` (each kind with phrases it must and must
not match). Reconciliation keeps two reports apart when they name different kinds of thing."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, object]]:
    return tomllib.loads(files("fdi_extract.data").joinpath("facility_kinds.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def facility_patterns() -> dict[str, tuple[re.Pattern[str], list[str], list[str]]]:
    """Each kind's pattern with its example phrases: (pattern, must match, must not match)."""
    return {
        kind: (re.compile(str(entry["pattern"]), re.IGNORECASE), entry["match"], entry["miss"])  # type: ignore[misc]
        for kind, entry in _table().items()
    }


@lru_cache(maxsize=1)
def facility_titles() -> dict[str, str]:
    """Each kind's English title ("wind farm"), for a project the model did not describe in clean English."""
    return {kind: str(entry["title"]) for kind, entry in _table().items()}


@lru_cache(maxsize=65536)
def facility_kinds(text: str) -> frozenset[str]:
    """The kinds of thing ``text`` says are built.

    >>> sorted(facility_kinds("теплица для выращивания овощей и птицефабрика"))
    ['greenhouse', 'poultry']
    >>> facility_kinds("a new plant")
    frozenset()
    """
    return frozenset(kind for kind, (pattern, _, _) in facility_patterns().items() if pattern.search(text))
