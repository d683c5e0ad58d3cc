"""Articles from files: header lines, publication dates, and checks that the text is really text.

A corpus file may open with ``url:``, ``title:`` and ``date:`` lines and a blank line (as in
shared/corpus); the seeds carry their date inline instead (`` date 2025-10-10 …``,
``• 21 мая, 2025``), so when no header gives a date one is looked for near the top of the text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path

from fdi_extract.errors import InputError
from fdi_extract.model import Article

_HEADER = re.compile(r"^(url|title|date):[ \t]*(.*)$")
_MONTH_WORD = r"(?P<month>[а-яёa-z]{3,9})"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12]\d|3[01]))?(?!\d)"),
    re.compile(r"(?<!\d)(?P<day>[0-3]?\d)\.(?P<month>0[1-9]|1[0-2])\.(?P<year>(?:19|20)\d\d)(?!\d)"),
    re.compile(rf"(?<!\d)(?P<day>[0-3]?\d)\s+{_MONTH_WORD},?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.IGNORECASE),
    re.compile(rf"{_MONTH_WORD}\s+(?P<day>[0-3]?\d),?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.IGNORECASE),
)
_DATE_SEARCH_CHARS = 400
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@cache
def months_table() -> dict[str, dict[str, object]]:
    """``data/months.toml``: ``months`` (a month name's first three letters → its number) and ``examples``
    (dates written out → what :func:`find_published` reads)."""
    return tomllib.loads(files("fdi_extract.data").joinpath("months.toml").read_text(encoding="utf-8"))


def find_published(text: str) -> str | None:
    """The first date written near the top of ``text``, as YYYY-MM-DD or YYYY-MM, else None."""
    head = text[:_DATE_SEARCH_CHARS]
    best: tuple[int, str] | None = None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(head):
            month = match["month"]
            if not month.isdigit():
                number = months_table()["months"].get(month[:3].lower())
                if number is None:
                    continue
                month = f"{number:02d}"
            day = match["day"]
            date = f"{match['year']}-{month}" + (f"-{int(day):02d}" if day else "")
            if best is None or match.start() < best[0]:
                best = (match.start(), date)
            break
    return best[1] if best else None


def check_text(text: str, article_id: str | None) -> str:
    """``text`` if it is text; raises :class:`InputError` saying what is wrong otherwise."""
    if not isinstance(text, str):
        raise InputError(article_id, f"expected the article as str, got {type(text).__name__}")
    if "\x00" in text or len(_CONTROL.findall(text[:10_000])) > 10:
        raise InputError(article_id, "the text contains binary control characters; is this a text file?")
    return text


def decode(data: bytes, article_id: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(article_id, f"not UTF-8 text (invalid byte at offset {error.start})") from None


def parse_article(raw: str, article_id: str) -> Article:
    """An :class:`Article` from the contents of a corpus file (headers optional)."""
    check_text(raw, article_id)
    headers: dict[str, str] = {}
    lines = raw.split("\n")
    index = 0
    while index < len(lines) and (match := _HEADER.match(lines[index].rstrip("\r"))):
        headers[match[1]] = match[2].strip()
        index += 1
    if headers and index < len(lines) and not lines[index].strip():
        text = "\n".join(lines[index + 1 :])
    elif headers:
        text = "\n".join(lines[index:])
    else:
        text = raw
    # A header date is read (and warned about when it cannot be); without one, the text's own date is looked for.
    published = headers.get("date") or find_published(text)
    return Article(
        text=text,
        article_id=article_id,
        published=published,
        url=headers.get("url") or None,
        title=headers.get("title") or None,
    )


def read_article(path: Path) -> Article:
    return parse_article(decode(path.read_bytes(), path.stem), path.stem)


def iter_text_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The ``.txt`` files named, and those inside the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.txt") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise InputError(None, f"{path} does not exist")
