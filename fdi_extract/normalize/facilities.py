"""What a project builds — a greenhouse, a cement plant, a wind farm — read from its words in any of our
languages, by the table ``fdi_extract/data/facility_kinds.toml`` (each kind with phrases it must and must
not match). Reconciliation keeps two reports apart when they name different kinds of thing."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def facility_patterns() -> dict[str, tuple[re.Pattern[str], list[str], list[str]]]:
    """Each kind's pattern with its example phrases: (pattern, must match, must not match)."""
    table = tomllib.loads(files("fdi_extract.data").joinpath("facility_kinds.toml").read_text(encoding="utf-8"))
    return {kind: (re.compile(entry["pattern"], re.IGNORECASE), entry["match"], entry["miss"])
            for kind, entry in table.items()}


@lru_cache(maxsize=65536)
def facility_kinds(text: str) -> frozenset[str]:
    """The kinds of thing ``text`` says are built.

    >>> sorted(facility_kinds("теплица для выращивания овощей и птицефабрика"))
    ['greenhouse', 'poultry']
    >>> facility_kinds("a new plant")
    frozenset()
    """
    return frozenset(kind for kind, (pattern, _, _) in facility_patterns().items() if pattern.search(text))
