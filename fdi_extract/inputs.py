"""Articles from an archive: folders of .txt, .jsonl and .csv files with metadata, and .html pages.

Readers are generators, so an archive of millions of articles streams through in constant memory.
A malformed record is reported with its file and line number and skipped; it never stops the others.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from fdi_extract.articles import check_text, decode, find_published, parse_article
from fdi_extract.errors import InputError
from fdi_extract.model import Article

# Not "article": annotation files (such as gold.jsonl) use it for an article's id.
_TEXT_FIELDS = ("text", "body", "content", "article_text")
_ID_FIELDS = ("id", "article_id", "uid")
_SUFFIXES = (".txt", ".jsonl", ".csv", ".html", ".htm")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # a byte that is no UTF-8, as errors="surrogateescape" keeps it


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read, and why; the run reports these with its failures."""

    where: str
    problem: str


def _record(fields: dict[str, object], where: str, fallback_id: str) -> Article:
    raw_text = next((fields[k] for k in _TEXT_FIELDS if isinstance(fields.get(k), str)), None)
    if raw_text is None:
        raise InputError(where, f"no text field (one of {', '.join(_TEXT_FIELDS)})")
    text = _characters(raw_text)
    check_text(text, where)
    return Article(
        text=text,
        # No id: one from the text, so the same article keeps its id however often it is read.
        article_id=_field(fields, *_ID_FIELDS) or f"{fallback_id}-{hashlib.sha256(text.encode()).hexdigest()[:12]}",
        published=_field(fields, "date", "published") or find_published(text),
        url=_field(fields, "url"),
        title=_field(fields, "title"),
        warnings=[f"{where}: a lone surrogate (no character) in the text was replaced by U+FFFD"]
        if text != raw_text
        else [],
    )


def _field(fields: dict[str, object], *names: str) -> str | None:
    """The first of the fields ``names`` that is set, as text."""
    value = next((fields[name] for name in names if fields.get(name) not in (None, "")), None)
    return _characters(str(value)) if value is not None else None


def _characters(value: str) -> str:
    """``value`` with each lone surrogate (JSON's "\\ud800" decodes to one; no encoding can write it, so
    the store could not hold the article) replaced by U+FFFD; paired surrogates become their character."""
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


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
            except InputError as error:
                report(BadRecord(where, error.problem))
            except json.JSONDecodeError as error:
                report(BadRecord(where, f"not JSON: {error}"))
            except RecursionError:
                report(BadRecord(where, "nested too deep to be an article record"))


def _read_csv(path: Path, report: Callable[[BadRecord], None]) -> Iterator[Article]:
    # Invalid bytes are kept as surrogate escapes, so that they cost their own row, not the file.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for line, fields in _rows(csv.DictReader(handle)):
            where = f"{path}:{line}"
            try:
                if isinstance(fields, csv.Error):
                    raise InputError(where, f"not a CSV row: {fields}")
                if any(
                    _UNDECODABLE.search(value) for value in (*fields.keys(), *fields.values()) if isinstance(value, str)
                ):
                    raise InputError(where, "not UTF-8 text (an invalid byte in this row)")
                yield _record(dict(fields), where, path.stem)
            except InputError as error:
                report(BadRecord(where, error.problem))


def _read_html(path: Path) -> Article:
    try:
        import lxml.html
        import trafilatura
    except ImportError as missing:
        raise InputError(path.stem, "reading .html needs trafilatura: pip install 'fdi-extract[html]'") from missing
    page = decode(path.read_bytes(), path.stem)
    # huge_tree: libxml2 otherwise stops at 256 levels of nesting and gives an empty page.
    tree = lxml.html.fromstring(page, parser=lxml.html.HTMLParser(huge_tree=True)) if page.strip() else None
    text = (trafilatura.extract(tree) if tree is not None else None) or ""
    warnings = []
    if not text and (visible := _visible_text(page)):
        text = visible
        warnings.append(f"{path}: no main text found in the page (nested too deep?); its whole visible text is read")
    metadata = trafilatura.extract_metadata(tree) if tree is not None else None
    date = getattr(metadata, "date", None)
    return Article(
        text=text,
        article_id=path.stem,
        published=date or find_published(text),
        url=getattr(metadata, "url", None),
        title=getattr(metadata, "title", None),
        warnings=warnings,
    )


class _VisibleText(HTMLParser):
    """The text of a page outside scripts and styles. Written here because the standard library's parser
    has no nesting limit: lxml (libxml2) gives up on a page nested a few thousand elements deep."""

    _HIDDEN = frozenset({"script", "style", "template", "noscript", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._hidden += tag in self._HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in self._HIDDEN and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def _visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return "\n".join(parser.parts)


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


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str] | csv.Error]]:
    """The reader's rows with the line each starts on (a quoted field may hold newlines), or the csv.Error
    that one row raised: the reader goes on with the next line. No limit on a field's size: an article's
    text is often longer than csv's default 128 KiB (articles over max_article_chars are refused later, with
    a clear error). The limit is module state of csv, so it is raised only while a row is read and put back
    before the row is yielded."""
    while True:
        line = reader.line_num + 1
        previous = csv.field_size_limit(sys.maxsize)
        try:
            row: dict[str, str] | csv.Error | None = next(reader, None)
        except csv.Error as error:
            row = error
        finally:
            csv.field_size_limit(previous)
        if row is None:
            return
        yield (line if reader.line_num > 1 else 2), row
