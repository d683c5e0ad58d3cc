"""Records as files hold them: JSONL lines → :class:`DealMention` (or :class:`Deal`), a line that is no
record reported with its file and line number, as ``run`` reports a bad article record; and a run's
outputs read back whole (:func:`load_run`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from fdi_extract.errors import InputError
from fdi_extract.model import Deal, DealMention

_R = TypeVar("_R", bound=BaseModel)


def parse_records(
    path: Path, lines: Iterable[bytes], *, first: int = 1, skipped: Callable[[str], None] | None = None
) -> Iterator[DealMention]:
    """The mention records among ``lines`` (line ``first`` onwards of ``path``). A line that is no mention
    record goes to ``skipped`` as "FILE:LINE: problem" and is left out; without ``skipped`` it is an
    :class:`~fdi_extract.errors.InputError`."""
    return parse_lines(DealMention, "mention", path, lines, first=first, skipped=skipped)


def parse_lines(
    kind: type[_R],
    called: str,
    path: Path,
    lines: Iterable[bytes | str],
    *,
    first: int = 1,
    skipped: Callable[[str], None] | None = None,
) -> Iterator[_R]:
    """The ``kind`` records among JSONL ``lines`` (line ``first`` onwards of ``path``); a line that is none goes
    to ``skipped`` as "FILE:LINE: not a ``called`` record (problem)", or without ``skipped`` is an
    :class:`~fdi_extract.errors.InputError`."""
    for number, raw in enumerate(lines, start=first):
        if not raw.strip():
            continue
        try:
            yield kind.model_validate_json(raw)
        except ValidationError as error:
            found = error.errors()[0]
            where = ".".join(map(str, found["loc"]))
            problem = f"{path}:{number}: not a {called} record ({where + ': ' if where else ''}{found['msg']})"
            if skipped is None:
                raise InputError(None, problem) from None
            skipped(problem)


@dataclass
class RunOutputs:
    """What a run wrote (``run``, ``report`` and ``reconcile`` alike): its deals and mentions, and the lines
    that were no record ("FILE:LINE: problem")."""

    deals: list[Deal] = field(default_factory=list)
    mentions: list[DealMention] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_run(out_dir: Path | str) -> RunOutputs:
    """The deals and mentions in a run's folder (``deals.jsonl``, ``mentions.jsonl``), for Python and
    :mod:`fdi_extract.frames`::

        run = load_run("out/seeds")
        deals_frame(run.deals)
    """
    folder = Path(out_dir)
    if not (folder / "deals.jsonl").is_file():
        raise InputError(None, f"{folder} holds no deals.jsonl: give the --out folder of a run, report or reconcile")
    outputs = RunOutputs()
    with (folder / "deals.jsonl").open("rb") as lines:
        outputs.deals = list(parse_lines(Deal, "deal", folder / "deals.jsonl", lines, skipped=outputs.skipped.append))
    if (folder / "mentions.jsonl").is_file():
        with (folder / "mentions.jsonl").open("rb") as lines:
            outputs.mentions = list(parse_records(folder / "mentions.jsonl", lines, skipped=outputs.skipped.append))
    return outputs
