"""Mention records as files hold them: JSONL lines → :class:`DealMention`, a line that is no record
reported with its file and line number, as ``run`` reports a bad article record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from fdi_extract.errors import InputError
from fdi_extract.model import DealMention


def parse_records(
    path: Path, lines: Iterable[bytes], *, first: int = 1, skipped: Callable[[str], None] | None = None
) -> Iterator[DealMention]:
    """The mention records among ``lines`` (line ``first`` onwards of ``path``). A line that is no mention
    record goes to ``skipped`` as "FILE:LINE: problem" and is left out; without ``skipped`` it is an
    :class:`~fdi_extract.errors.InputError`."""
    for number, raw in enumerate(lines, start=first):
        if not raw.strip():
            continue
        try:
            yield DealMention.model_validate_json(raw)
        except ValidationError as error:
            found = error.errors()[0]
            where = ".".join(map(str, found["loc"]))
            problem = f"{path}:{number}: not a mention record ({where + ': ' if where else ''}{found['msg']})"
            if skipped is None:
                raise InputError(None, problem) from None
            skipped(problem)
