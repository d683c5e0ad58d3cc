"""Output files that are replaced whole or not at all.

Each output is written to ``NAME.partial`` beside it and moved over ``NAME`` (an atomic rename on
one file system) only when the writing finished: a command that fails or is interrupted half-way
leaves the previous output as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@contextmanager
def partial_until_done(path: Path) -> Iterator[Path]:
    """``path.partial``, for whatever writer the caller opens on it, moved over ``path`` when the block ends
    without an error; after an error it is removed and ``path`` is untouched."""
    partial = partial_path(path)
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


@contextmanager
def replaced_when_done(path: Path, mode: str = "w", **options: Any) -> Iterator[IO[Any]]:
    """A file open for writing at ``path.partial``, moved over ``path`` when the block ends without an
    error; after an error the partial file is removed and ``path`` is untouched."""
    if "b" not in mode:
        options.setdefault("encoding", "utf-8")
    with partial_until_done(path) as partial, partial.open(mode, **options) as handle:
        yield handle
