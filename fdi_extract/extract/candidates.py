"""Deterministic candidates for the guided strategy: sentences, paragraphs and company names with offsets.

Company names in this news are written in Latin script with a legal form ("Yima Machinery Co.,
Ltd.") or right after a word such as "компания"/"company", or in quotes after such a word
(«VEGA Power»). A regex finds those; the model only judges them. Names marked as Kazakh
(ТОО, LLP, "казахстанской компанией") are local partners and never candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fdi_extract.normalize.companies import canonical_company

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”]?\s+(?=[\"«“(]?[A-ZА-ЯЁ0-9])|\n+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")

_WORD = r"(?:[A-Z][\w’'&.]*(?:-[\w’']+)*|\([A-Z][\w’']*\)|\d+[A-Za-z]*|of|and|&|de)"
_LEGAL = (
    r"(?:,?\s*(?:Co\.?,?\s*Ltd\.?|Co\.?|Ltd\.?|Company\s+Limited|Limited|LLC|LLP|Llp|Inc\.?|Corp\.?|"
    r"Corporation|Group|Holdings?|JSC|PLC|GmbH|S\.A\.))+"
)
_LATIN_NAME = re.compile(rf"(?<![\w])(?P<name>[A-Z][\w’'&.]*(?:-[\w’']+)*(?:\s+(?:[-–]\s+)?{_WORD})*)(?P<legal>{_LEGAL})?")
_QUOTED = re.compile(r"[«\"“](?P<name>[^«»\"“”\n]{2,80})[»\"”]")
_COMPANY_CUE = re.compile(
    r"(?:компани\w*|корпораци\w*|групп\w*|холдинг\w*|производител\w*|инвестор\w*|company|companies|corporation|"
    r"group|firm|investor|manufacturer|producer)\W{0,3}$",
    re.IGNORECASE,
)
_LOCAL_CUE = re.compile(
    r"(?:(?:казахстанск|узбекск|отечественн|Kazakh)\w*\s+(?:\w+\s+)?|(?:ТОО|АО|TOO)\s*)[\"«“]?$"
)
_LEGAL_AT_END = re.compile(rf"{_LEGAL}$")
_LEADING_NOISE = {"the", "a", "an", "this", "that", "another", "chinese", "china’s", "china's", "its", "our"}
_LOCAL_LEGAL = re.compile(r"\b(?:LLP|Llp|TOO|ТОО)\b")
_NOT_COMPANIES = {  # capitalized words that head sentences, not companies
    "photo", "the", "this", "president", "governor", "akimat", "ministry", "head", "state", "belt", "road", "kazakhstan",
    "uzbekistan", "central", "asia", "europe", "usa", "telegram", "trend", "sputnik", "kazinform", "qazinform",
}
# "South Wind Power LLP and Horgos … Co., Ltd": two companies, not one name.
_JOINED_AFTER_LEGAL = re.compile(r"(?<=LLP|LLC|Llp|Ltd|Inc)\.?\s+(?:and|&)\s+")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


@dataclass
class CompanyCandidate:
    name: str  # the longest spelling seen
    key: str  # canonical key
    mentions: list[Span]


def sentences(text: str) -> list[Span]:
    return _split(text, _SENTENCE_END)


def paragraphs(text: str) -> list[Span]:
    return _split(text, _PARAGRAPH_BREAK)


def _split(text: str, boundary: re.Pattern[str]) -> list[Span]:
    spans, start = [], 0
    for match in boundary.finditer(text):
        if text[start : match.start()].strip():
            spans.append(_trimmed(text, start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append(_trimmed(text, start, len(text)))
    return spans


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


def _split_joined(match: re.Match[str]) -> list[tuple[str, int]]:
    pieces, cursor, raw = [], 0, match.group(0)
    for joint in _JOINED_AFTER_LEGAL.finditer(raw):
        pieces.append((raw[cursor : joint.start()], match.start() + cursor))
        cursor = joint.end()
    pieces.append((raw[cursor:], match.start() + cursor))
    return pieces


def _strip_leading_noise(name: str, start: int) -> tuple[str, int]:
    """"The Chinese Hengshui … Co. Ltd" → "Hengshui … Co. Ltd", with the start moved along."""
    while (match := re.match(r"(\S+)\s+", name)) and match[1].lower() in _LEADING_NOISE:
        name, start = name[match.end() :], start + match.end()
    return name, start


def _is_local(text: str, start: int, name: str) -> bool:
    return bool(_LOCAL_CUE.search(text[max(0, start - 40) : start]) or _LOCAL_LEGAL.search(name))


def find_companies(text: str) -> list[CompanyCandidate]:
    """Foreign company names in ``text``, one candidate per company, in order of first mention."""
    found: list[tuple[Span, str]] = []
    for raw, raw_start in (piece for match in _LATIN_NAME.finditer(text) for piece in _split_joined(match)):
        name, start = _strip_leading_noise(raw, raw_start)
        name = name.strip().rstrip(",")
        if name.endswith(".") and not _LEGAL_AT_END.search(name):
            name = name[:-1]
        cue = _COMPANY_CUE.search(text[max(0, start - 40) : start]) or (start > 0 and text[start - 1] in "«\"“")
        if not (_LEGAL_AT_END.search(name) or cue):
            continue
        words = canonical_company(name).split()
        if not words or (len(words) == 1 and words[0] in _NOT_COMPANIES) or _is_local(text, start, name):
            continue
        found.append((Span(start, start + len(name), name), canonical_company(name)))
    for match in _QUOTED.finditer(text):
        start = match.start("name")
        name = match["name"].strip()
        if any(s.start <= start < s.end for s, _ in found):
            continue
        if not _COMPANY_CUE.search(text[max(0, match.start() - 40) : match.start()]) or _is_local(text, match.start(), name):
            continue
        found.append((Span(start, start + len(name), name), canonical_company(name)))
    found.sort(key=lambda item: item[0].start)
    candidates: list[CompanyCandidate] = []
    for span, key in found:
        if not key:
            continue
        same = next((c for c in candidates if _same_key(c.key, key)), None)
        if same is None:
            candidates.append(CompanyCandidate(span.text, key, [span]))
        else:
            same.mentions.append(span)
            if len(span.text) > len(same.name):
                same.name, same.key = span.text, key
    return candidates


def _same_key(a: str, b: str) -> bool:
    """"Fufeng" and "Fufeng Group": one key is the other's leading words."""
    short, long = sorted((a.split(), b.split()), key=len)
    return long[: len(short)] == short
