"""Organisation names found by a trained named-entity recognizer (natasha), with offsets.

Hand-written patterns find company names that carry a legal form or follow a word such as
"компания"; news also writes "Государственная энергетическая инвестиционная корпорация Китая
(CPIH)", "Хэбэйское ООО «Бай Доу Цзя»" or a bare "West China Cement". natasha's NewsNERTagger
was trained on Russian news and tags such spans as ORG, Latin-script names inside Russian text
included; it runs offline from the model its package ships (loaded once per process). Text with
no Cyrillic is not tagged: the tagger knows Russian news only, so English-only articles rely on the
patterns of candidates.py.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


@cache
def _tagger() -> Any:
    """natasha's news NER tagger, loaded once: the model is read-only after loading."""
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def organisations(text: str) -> list[tuple[int, int]]:
    """(start, end) of the ORG spans of ``text``, in order; none for text without Cyrillic (the tagger
    knows Russian news)."""
    return [_with_closing_quote(text, start, end) for start, end, kind in entities(text) if kind == "ORG"]


@lru_cache(maxsize=8)  # one article's text, asked by several stages
def entities(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, kind) of every span the tagger finds: kind is ORG, PER or LOC."""
    if not _CYRILLIC.search(text):
        return ()
    # The tagger's own markup: a natasha Doc would segment the text into sentences and tokens first, for
    # nothing these spans need (the same spans, a third more time).
    return tuple((span.start, span.stop, span.type) for span in _tagger()(text).spans)


def person_or_place_at(text: str, start: int, end: int) -> str | None:
    """PER or LOC where the tagger tags the whole span start–end as (part of) a person or a place, and no
    organisation overlaps it; else None. A company named after its city ("… города Линьи") is not one."""
    kinds = {
        kind for s, e, kind in entities(text) if (s <= start and end <= e) or (kind == "ORG" and s < end and start < e)
    }
    return None if "ORG" in kinds else next(iter(sorted(kinds & {"PER", "LOC"})), None)


_PAIRED_QUOTES = {"«": "»", "“": "”"}


def _with_closing_quote(text: str, start: int, end: int) -> tuple[int, int]:
    """The tagger ends "ООО «Хуа Синь Лун»" before its closing quote: a name's quotes are part of the name."""
    name, following = text[start:end], text[end : end + 1]
    unclosed = any(name.count(o) > name.count(c) and following == c for o, c in _PAIRED_QUOTES.items())
    if unclosed or (following == '"' and name.count('"') % 2 == 1):
        end += 1
    return start, end
