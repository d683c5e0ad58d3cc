"""The foreign companies an article names, with offsets: a check and a hint for the model's proposals.

The direct strategy asks these when the model proposed a deal without a company: the one company the
deal's sentences (or the sentence before them) name is its investor.

Company names come from two places. Patterns find Latin-script names with a legal form ("Yima
Machinery Co., Ltd."), names right after a word such as "компания"/"company" and quoted names after
such a word (the words are the ``company_word`` cue of the language tables). natasha's recognizer
adds the organisations it tags (entities.py) that the article marks as foreign (a nationality in or
next to the name), less those the ``not_a_company`` cue marks as state bodies or the press. Names marked
as the host country's own
(ТОО, LLP, "казахстанской компанией") are local partners and never candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from fdi_extract.cues import cue
from fdi_extract.extract.entities import organisations
from fdi_extract.normalize.companies import (
    canonical_company,
    infer_country,
    is_bare_legal_form,
    is_host_company,
)
from fdi_extract.normalize.places import resolve_place
from fdi_extract.text import Span, sentences

_WORD = r"(?:[A-Z][\w’'&.]*(?:-[\w’']+)*|\([A-Z][\w’']*\)|\d+[A-Za-z]*|of|and|&|de)"
_LEGAL = (
    r"(?:,?\s*(?:Co\.?,?\s*Ltd\.?|Co\.?|Ltd\.?|Company\s+Limited|Limited|LLC|LLP|Llp|Inc\.?|Corp\.?|"
    r"Corporation|Group|Holdings?|JSC|PLC|GmbH|S\.A\.))+"
)
_LATIN_NAME = re.compile(
    rf"(?<![\w])(?P<name>[A-Z][\w’'&.]*(?:-[\w’']+)*(?:\s+(?:[-–]\s+)?{_WORD})*)(?P<legal>{_LEGAL})?"
)
_QUOTED = re.compile(r"[«\"“](?P<name>[^«»\"“”\n]{2,80})[»\"”]")
_NATIONALITY_REACH = 60  # characters before a recognized organisation where its nationality may be stated
_AFTER_NAME = 20  # and after it ("корпорация Китая")
_LEGAL_AT_END = re.compile(rf"{_LEGAL}$")
_LEADING_NOISE = {"the", "a", "an", "this", "that", "another", "chinese", "china’s", "china's", "its", "our"}
_NOT_COMPANIES = {  # capitalized words that head sentences, not companies
    "photo",
    "the",
    "this",
    "president",
    "governor",
    "akimat",
    "ministry",
    "head",
    "state",
    "belt",
    "road",
    "kazakhstan",
    "uzbekistan",
    "central",
    "asia",
    "europe",
    "usa",
}
# "South Wind Power LLP and Horgos … Co., Ltd": two companies, not one name.
_JOINED_AFTER_LEGAL = re.compile(r"(?<=LLP|LLC|Llp|Ltd|Inc)\.?\s+(?:and|&)\s+")


@dataclass
class CompanyCandidate:
    name: str  # the longest spelling seen
    key: str  # canonical key
    mentions: list[Span]


# A legal form with a full stop ends a name when a capitalized word that is no legal form follows: the next
# sentence ("… Group Co. Ltd. The Ministry …"), not the rest of the name ("Co. Ltd" goes on).
_ENDS_NAME = re.compile(r"\b(?:Ltd|LLC|LLP|Inc|Corp|JSC|PLC)\.(?=\s+(?!(?:Co|Ltd|LLC|Limited|Inc|Corp)\b)[A-Z])")


def _latin_names(text: str) -> Iterator[tuple[str, int]]:
    """Latin-script name runs with their offsets, cut where a legal form ends a sentence and split where
    two companies are joined after a legal form."""
    position = 0
    while match := _LATIN_NAME.search(text, position):
        end = _ENDS_NAME.search(text, match.start(), match.end())
        raw, position = (text[match.start() : end.end()], end.end()) if end else (match.group(0), match.end())
        cursor = 0
        for joint in _JOINED_AFTER_LEGAL.finditer(raw):
            yield raw[cursor : joint.start()], match.start() + cursor
            cursor = joint.end()
        yield raw[cursor:], match.start() + cursor


def _last_party(text: str, name: str, start: int) -> tuple[str, int]:
    """ "Ministry of Energy and China Energy Group Co. Ltd": two parties, a state body (the ``not_a_company``
    cue, in the name's head or just before it: "Ministry of Culture, Sport and Youth Policy and …") and the
    company after the last "and". "Machinery and Equipment Co. Ltd" is one name: no state body is there."""
    head, joint, tail = name.rpartition(" and ")
    state_body = cue("not_a_company").search(text[max(0, start - _STATE_BODY_REACH) : start] + head)
    if joint and _LEGAL_AT_END.search(tail) and state_body and not re.search(_LEGAL, head):
        return tail, start + len(head) + len(joint)
    return name, start


_STATE_BODY_REACH = 30  # characters before a name run where the state body it is joined to may be named


_DATELINE = re.compile(r"[A-Z][A-Z-]+\s+[-–—]\s+")  # "ASTANA – " opening a report


def _strip_leading_noise(name: str, start: int) -> tuple[str, int]:
    """ "The Chinese Hengshui … Co. Ltd" → "Hengshui … Co. Ltd", "ASTANA – Kia Motors" → "Kia Motors",
    with the start moved along."""
    if dateline := _DATELINE.match(name):
        name, start = name[dateline.end() :], start + dateline.end()
    while (match := re.match(r"(\S+)\s+", name)) and match[1].lower() in _LEADING_NOISE:
        name, start = name[match.end() :], start + match.end()
    return name, start


@cache
def _cue_right_before(name: str, gap: str) -> re.Pattern[str]:
    """The cue ``name`` ending ``gap`` before the end of a text: the words just before a company name."""
    return re.compile(f"(?:{cue(name).pattern}){gap}$", re.IGNORECASE)


def _company_cue_before(text: str, start: int) -> bool:
    return bool(_cue_right_before("company_word", r"\W{0,3}").search(text[max(0, start - 40) : start]))


def _is_local(text: str, start: int, name: str) -> bool:
    """A company of the host country ("казахстанской компанией «X»", "Kazakhstan's X", ТОО «X», «X» ЖШС,
    "X" LLP, or one its state owns: data/host_companies.toml): a local partner, not an investor."""
    before = text[max(0, start - 40) : start]
    after = text[start + len(name) : start + len(name) + 8]
    # One word may stand between ("казахстанской компанией «X»"), but not "and": "Kyrgyzstan and X" marks no X.
    local_word = _cue_right_before("local_word", _LOCAL_WORD_GAP).search(before)
    local_form_before = _cue_right_before("local_legal_form", r"\s*[\"«“]?").search(before)
    local_form_after = _local_legal_form_after().match(after)
    return bool(
        local_word
        or local_form_before
        or local_form_after
        or _local_legal_form_in_name().search(name)
        or is_host_company(name)
    )


_LOCAL_WORD_GAP = rf"(?:[’']s)?\s+(?:(?!(?:{cue('conjunction').pattern})\s)\w+\s+)?[\"«“]?"


@cache
def _local_legal_form_after() -> re.Pattern[str]:
    # Kazakh puts the legal form after the name («X» ЖШС), and English reports often write "X" LLP.
    return re.compile(rf"[\"»”]?\s*(?:{cue('local_legal_form').pattern})\b")


def named_as_local(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether the article marks the company it names at any of ``spans`` as the host country's own."""
    return any(_is_local(text, start, text[start:end]) for start, end in spans)


@cache
def _local_legal_form_in_name() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{cue('local_legal_form').pattern})\b")


def could_be_investor(text: str, span: Span) -> bool:
    """An organisation named at ``span`` (by the recognizer or by the model) that may be a foreign company:
    not a state body or the press, not a local partner, not a place, not a bare legal form."""
    words = canonical_company(span.text).split()
    if not words or is_bare_legal_form(span.text) or (len(words) == 1 and words[0] in _NOT_COMPANIES):
        return False
    if cue("not_a_company").search(span.text) or _is_local(text, span.start, span.text):
        return False
    place = resolve_place(span.text)
    return place is None or place.text != span.text


def find_companies(text: str, *, recognizer: bool = True) -> list[CompanyCandidate]:
    """Foreign company names in ``text``, one candidate per company, in order of first mention;
    ``recognizer=False`` leaves out the named-entity recognizer's (patterns only: cheaper)."""
    found: list[tuple[Span, str]] = []
    for raw, raw_start in _latin_names(text):
        name, start = _strip_leading_noise(raw, raw_start)
        name = name.strip().rstrip(",")
        if name.endswith(".") and not _LEGAL_AT_END.search(name):
            name = name[:-1]
        name, start = _last_party(text, name, start)
        # A quote alone is no cue: quoted Latin words are as often a film's title or a speaker's words.
        if not (_LEGAL_AT_END.search(name) or _company_cue_before(text, start)):
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
        if not _company_cue_before(text, match.start()) or _is_local(text, match.start(), name):
            continue
        found.append((Span(start, start + len(name), name), canonical_company(name)))
    found.sort(key=lambda item: item[0].start)
    candidates = _merged([], found)
    return _with_names(candidates, recognized_organisations(text)) if recognizer else candidates


def states_something_foreign(text: str) -> bool:
    """Whether ``text`` names a foreign country or nationality (the nationality table) or a foreign company
    (the name patterns; the recognizer is left out, as it costs most and reads only Russian)."""
    return infer_country(text) is not None or bool(find_companies(text, recognizer=False))


def recognized_organisations(text: str) -> list[Span]:
    """The organisations natasha's recognizer tags in ``text`` that could be investors (see
    :func:`could_be_investor`) and that the article marks as foreign: a nationality in the name or just
    before it ("китайская компания ООО «…»", "корпорация Китая"). An organisation with no such mark is a
    local company, a news agency or a lender to a state far more often than an investor, and the embedded
    model, asked to choose among them, chooses nearly all."""
    found = []
    spans = sentences(text)
    for start, end in organisations(text):
        span = Span(start, end, text[start:end])
        # The mark must be in the organisation's own sentence: "… - Sputnik. Китайская компания …" marks the
        # next sentence's company, not the news agency before it.
        sentence = next((s for s in spans if s.start <= start < s.end), Span(0, len(text), text))
        near = text[max(sentence.start, start - _NATIONALITY_REACH) : min(sentence.end, end + _AFTER_NAME)]
        if could_be_investor(text, span) and infer_country(near):
            found.append(span)
    return found


def _with_names(candidates: list[CompanyCandidate], spans: list[Span]) -> list[CompanyCandidate]:
    """``candidates`` and the organisations named at ``spans`` (already checked by
    :func:`recognized_organisations`), in order of first mention: a span overlapping a candidate's mention is
    skipped, one of a company already there adds a mention to it."""
    named = sorted(
        (
            (span, canonical_company(span.text))
            for span in spans
            if not any(_overlap(span, m) for c in candidates for m in c.mentions)
        ),
        key=lambda item: item[0].start,
    )
    return sorted(_merged(candidates, named), key=lambda c: min(m.start for m in c.mentions))


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _merged(candidates: list[CompanyCandidate], found: list[tuple[Span, str]]) -> list[CompanyCandidate]:
    candidates = list(candidates)
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
    """ "Fufeng" and "Fufeng Group": one key is the other's leading words."""
    short, long = sorted((a.split(), b.split()), key=len)
    return long[: len(short)] == short
