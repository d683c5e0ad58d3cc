"""A cheap relevance check before any LLM call: can this article hold an investment deal at all?

It must never drop an article with a deal (tests check every gold article of the seeds and the dev
corpus), so it is deliberately loose: investment vocabulary in Russian, Kazakh or English, plus either
a money or capacity phrase or a company name (the words are cues of ``fdi_extract/data/cues``).
Sports results, weather and court news fail it.
"""

from __future__ import annotations

from fdi_extract.cues import cue
from fdi_extract.extract.candidates import find_companies


def may_hold_a_deal(text: str) -> bool:
    """False only when the text cannot report an FDI deal: no investment words, or nothing concrete."""
    if not cue("investment_word").search(text):
        return False
    # A number with a scale word, currency or unit (``figure_hint``): a cheap stand-in for the money and
    # quantity parsers, which cost a millisecond per article here and run again during extraction. A legal
    # form, a local one included: a foreign investor's plant is often run by its local company ("ТОО «…»
    # (parent)"), which the candidates leave out as a local partner. Patterns only: the recognizer's
    # organisations (ministries, the press) say nothing about a deal here.
    return bool(
        cue("figure_hint").search(text) or cue("legal_form").search(text) or find_companies(text, recognizer=False)
    )
