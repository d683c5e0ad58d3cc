"""Project descriptions (English or Russian) → the sector list of GOLD_FORMAT.md.

A keyword table (``fdi_extract/data/sectors.toml``), because the sector of an FDI project is almost always
named by one or two telling words (wind farm, cement, cotton) and a deterministic answer is cheaper and
steadier than asking a model. The sector with the most keyword hits wins; ties go to the earlier row.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from importlib.resources import files

from fdi_extract.model import Sector


@cache
def sector_table() -> dict[Sector, dict[str, list[str]]]:
    """``data/sectors.toml``: each sector's stems and the descriptions it must and must not name, in the
    table's order (ties go to the earlier sector)."""
    table = tomllib.loads(files("fdi_extract.data").joinpath("sectors.toml").read_text(encoding="utf-8"))
    return {Sector(name): entry for name, entry in table.items()}


@cache
def _pattern() -> re.Pattern[str]:
    """One alternation with a group per sector: a single pass over the text counts every sector's hits."""
    groups = (
        f"(?P<{sector.name}>" + "|".join(re.escape(k) for k in sorted(entry["stems"], key=len, reverse=True)) + ")"
        for sector, entry in sector_table().items()
    )
    return re.compile(r"(?<![\w])(?:" + "|".join(groups) + ")", re.IGNORECASE)


def sector_for(description: str) -> Sector:
    """The sector a project description names, ``Sector.other`` when none.

    Generic plant/factory words only decide when nothing more telling is there.
    """
    scores = Counter(Sector[match.lastgroup] for match in _pattern().finditer(description))
    specific = [s for s in sector_table() if scores[s] and s is not Sector.manufacturing]
    if specific:
        return max(specific, key=lambda s: scores[s])  # max keeps the first of equals: ties go to the earlier row
    return Sector.manufacturing if scores[Sector.manufacturing] else Sector.other
