"""Articles from an archive: folders of .txt, .jsonl and .csv files with metadata, and .html pages.

Readers are generators, so an archive of millions of articles streams through in constant memory.
A malformed record is reported with its file and line number and skipped; it never stops the others.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fdi_extract.articles import check_text, decode, find_published, parse_article
from fdi_extract.errors import InputError
from fdi_extract.model import Article

# Not "article": annotation files (such as gold.jsonl) use it for an article's id.
_TEXT_FIELDS = ("text", "body", "content", "article_text")
_ID_FIELDS = ("id", "article_id", "uid")
_SUFFIXES = (".txt", ".jsonl", ".csv", ".html", ".htm")


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read, and why; the run reports these with its failures."""

    where: str
    problem: str


def _record(fields: dict[str, object], where: str, fallback_id: str) -> Article:
    text = next((fields[k] for k in _TEXT_FIELDS if isinstance(fields.get(k), str)), None)
    if text is None:
        raise InputError(where, f"no text field (one of {', '.join(_TEXT_FIELDS)})")
    check_text(text, where)
    article_id = next((str(fields[k]) for k in _ID_FIELDS if fields.get(k) not in (None, "")), None)
    date = fields.get("date") or fields.get("published")
    return Article(
        text=text,
        # No id: one from the text, so the same article keeps its id however often it is read.
        article_id=article_id or f"{fallback_id}-{hashlib.sha256(text.encode()).hexdigest()[:12]}",
        published=str(date) if date else find_published(text),
        url=str(fields["url"]) if fields.get("url") else None,
        title=str(fields["title"]) if fields.get("title") else None,
    )


def _read_jsonl(path: Path, report: Callable[[BadRecord], None]) -> Iterator[Article]:
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                fields = json.loads(decode(raw, where))
                if not isinstance(fields, dict):
                    raise InputError(where, "a line must be a JSON object")
                yield _record(fields, where, path.stem)
            except (InputError, json.JSONDecodeError) as error:
                report(BadRecord(where, str(error)))


def _read_csv(path: Path, report: Callable[[BadRecord], None]) -> Iterator[Article]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, fields in enumerate(_rows(csv.DictReader(handle)), start=2):
                where = f"{path}:{number}"
                try:
                    yield _record(dict(fields), where, path.stem)
                except InputError as error:
                    report(BadRecord(where, str(error)))
    except (UnicodeDecodeError, csv.Error) as error:
        report(BadRecord(str(path), f"not a readable UTF-8 CSV: {error}"))


def _read_html(path: Path) -> Article:
    try:
        import trafilatura
    except ImportError as missing:
        raise InputError(path.stem, "reading .html needs trafilatura: pip install 'fdi-extract[html]'") from missing
    html = decode(path.read_bytes(), path.stem)
    text = trafilatura.extract(html) or ""
    metadata = trafilatura.extract_metadata(html)
    date = getattr(metadata, "date", None)
    return Article(
        text=text, article_id=path.stem, published=date or find_published(text),
        url=getattr(metadata, "url", None), title=getattr(metadata, "title", None),
    )


def read_inputs(paths: Iterable[Path], report: Callable[[BadRecord], None]) -> Iterator[Article]:
    """Every article under ``paths`` in a stable order; unreadable records go to ``report``."""
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES) if path.is_dir() else [path]
        for file in files:
            try:
                match file.suffix.lower():
                    case ".jsonl":
                        yield from _read_jsonl(file, report)
                    case ".csv":
                        yield from _read_csv(file, report)
                    case ".html" | ".htm":
                        yield _read_html(file)
                    case _:
                        yield parse_article(decode(file.read_bytes(), file.stem), file.stem)
            except InputError as error:
                report(BadRecord(str(file), str(error)))
            except OSError as error:
                report(BadRecord(str(file), f"cannot be read: {error.strerror}"))


def _rows(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    """The reader's rows, with no limit on a field's size: an article's text is often longer than csv's
    default 128 KiB (articles over max_article_chars are refused later, with a clear error). The limit is
    module state of csv, so it is raised only while a row is read and put back before the row is yielded."""
    while True:
        previous = csv.field_size_limit(sys.maxsize)
        try:
            row = next(reader, None)
        finally:
            csv.field_size_limit(previous)
        if row is None:
            return
        yield row
