"""A cheap relevance check before any LLM call: can this article hold an investment deal at all?

It must never drop an article with a deal (tests check every gold article of the seeds and the dev
corpus), so it is deliberately loose: investment vocabulary in Russian, Kazakh or English, plus either
a money or capacity phrase or a foreign company name. Sports results, weather and court news fail it.
"""

from __future__ import annotations

import re

from fdi_extract.extract.candidates import find_companies

_INVESTMENT_WORDS = re.compile(
    r"инвест|строительств|постро|завод|фабрик|комбинат|электростанц|месторожд|меморандум|соглашени|проект|"
    r"инвестици|кластер|индустриальн|предприяти|инвестор|салым|құрылыс|зауыт|жоба|"
    r"invest|construct|build|plant|factory|project|memorand|agreement|facility|deposit|cluster|wind\s+farm|solar",
    re.IGNORECASE,
)


# A number with a scale word, currency or capacity unit after it: a cheap stand-in for the full money
# and quantity parsers, which cost a millisecond per article here and run again during extraction.
_FIGURE = re.compile(
    r"\d\s?(?:тыс|млн|млрд|трлн|миллион|миллиард|million|billion|bn|mln|тенге|теңге|долл|доллар|dollar|usd|"
    r"юан|рубл|сум|евро|МВт|ГВт|мегаватт|гигаватт|MW|GW|тонн|tons|га\b|гектар|hectare)|[$€₸]\s?\d",
    re.IGNORECASE,
)


# A company's legal form, a local one included: a foreign investor's plant is often run by its local
# company ("ТОО «…» (parent)"), which the candidates leave out as a local partner.
_LEGAL_FORM = re.compile(r"(?<!\w)(?:ТОО|АО|ООО|ОсОО|LLP|LLC|JSC|Ltd|GmbH)(?!\w)")


def may_hold_a_deal(text: str) -> bool:
    """False only when the text cannot report an FDI deal: no investment words, or nothing concrete."""
    if not _INVESTMENT_WORDS.search(text):
        return False
    # Patterns only: the recognizer's organisations (ministries, the press) say nothing about a deal here.
    return bool(_FIGURE.search(text) or _LEGAL_FORM.search(text) or find_companies(text, recognizer=False))
