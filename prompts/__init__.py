"""Prompt files and their loader.

Each prompt is a file here: a ``version:`` line, then sections opened by ``=== name`` lines. Sections
are :class:`string.Template` texts (``$article``), so braces in JSON examples need no escaping. This
folder is installed as the ``fdi_extract.prompts`` package (see pyproject.toml), so an installed wheel
carries the prompts; the version string is recorded on every mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from string import Template


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: str
    sections: dict[str, Template]

    def render(self, section: str, **values: str) -> str:
        return self.sections[section].substitute(values)

    def messages(self, **values: str) -> list[dict[str, str]]:
        """The ``system`` and ``user`` sections as chat messages."""
        return [
            {"role": "system", "content": self.render("system", **values)},
            {"role": "user", "content": self.render("user", **values)},
        ]


@cache
def load_prompt(name: str) -> Prompt:
    raw = files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    head, *parts = re.split(r"^=== (\w+)[ \t]*$", raw, flags=re.MULTILINE)
    version = head.strip().removeprefix("version:").strip()
    sections = {parts[i]: Template(parts[i + 1].strip()) for i in range(0, len(parts), 2)}
    if not version or "system" not in sections:
        raise ValueError(f"prompts/{name}.md must open with a version line and have an '=== system' section")
    return Prompt(name=name, version=version, sections=sections)
