"""Grounding: every quote found in the article with character offsets; every figure read from the text.

A phrase the strategy found in the article comes with its span (``DealDraft.spans``), which is checked,
not searched again. Any other (a model's own words) is searched after folding whitespace runs, quote marks
and dashes (models re-type «» as "" and collapse line breaks), then case
(:class:`fdi_extract.text.ArticleText`). Every investor name and place of a draft must be named by the
article too (verbatim, or in another script or case) or it is dropped with a warning. What grounding leaves
out is said in the draft's reasons too, after the reason that chose it: a mention's reasons end in what its
fields are. Offsets always point into the original text, so ``text[start:end]`` is what the article says.
A quote that cannot be found is dropped with a warning; a deal left with no grounded evidence is dropped.
Amounts, capacities and job counts are taken from the money and quantity phrases of the article that the
model's phrase points at, and their own spans are added to the evidence: a figure that is not in its
evidence is never output.
"""

from __future__ import annotations

from fdi_extract.drafts import DealDraft, GroundedDeal
from fdi_extract.model import Evidence
from fdi_extract.text import ArticleText, overlapping


def _found_by_the_strategy(phrase: str, draft: DealDraft, article: ArticleText) -> tuple[int, int] | None:
    """The span the strategy found ``phrase`` at, when the article reads so there."""
    found = draft.spans.get(phrase)
    return found if found is not None and article.reads_as(found, phrase) else None


def _span_of(phrase: str, draft: DealDraft, article: ArticleText, near: list[Evidence]) -> tuple[int, int] | None:
    """Where the article says ``phrase``: where the strategy found it, else searched for (a phrase only a model
    wrote), nearest to ``near``."""
    return _found_by_the_strategy(phrase, draft, article) or article.locate(phrase, near=near)


def _named(name: str, draft: DealDraft, article: ArticleText, *, company: bool = False) -> bool:
    return _found_by_the_strategy(name, draft, article) is not None or article.names(name, company=company)


def ground(draft: DealDraft, article: ArticleText) -> tuple[GroundedDeal | None, list[str]]:
    """Locate the draft's quotes and figures in the article; None when nothing of it can be found."""
    warnings: list[str] = []
    left_out: list[str] = []
    label = draft.project[:60] or ", ".join(draft.investors) or "deal"

    def leave_out(field_name: str, phrase: str, why: str) -> None:
        warnings.append(f"{label}: {field_name} {phrase!r} is {why}, left out")
        left_out.append(f"{field_name} “{phrase}”: {why}, left out")

    evidence: list[Evidence] = []
    for quote in draft.evidence:
        span = _span_of(quote, draft, article, [])
        if span is None:
            warnings.append(f"{label}: evidence quote not found in the article, dropped: {quote[:80]!r}")
            continue
        if not any(e.start == span[0] and e.end == span[1] for e in evidence):
            evidence.append(Evidence(quote=article.text[span[0] : span[1]], start=span[0], end=span[1]))
    if not evidence:
        warnings.append(f"{label}: dropped, none of its evidence occurs in the article")
        return None, warnings
    # A name or a place is the article's or nobody's: the model may not bring one in.
    investors = [name for name in draft.investors if _named(name, draft, article, company=True)]
    for name in draft.investors:
        if name not in investors:
            leave_out("investor", name, "not named in the article")
    place = draft.place if draft.place and _named(draft.place, draft, article) else None
    if draft.place and place is None:
        leave_out("place", draft.place, "not named in the article")
    grounded = GroundedDeal(draft=draft, evidence=evidence)

    if draft.amount:
        span = _span_of(draft.amount, draft, article, evidence)
        found = overlapping(article.money, span) if span else []
        if found:
            grounded.amount = found[0]
            evidence.append(_figure_evidence(article, found[0].start, found[0].end, "amount"))
        else:
            leave_out("amount", draft.amount, "not a money phrase of the article")
    for phrase in draft.capacity:
        span = _span_of(phrase, draft, article, evidence)
        found = overlapping(article.capacities, span) if span else []
        if not found:
            leave_out("capacity", phrase, "not a capacity phrase of the article")
        for quantity in found:
            if quantity not in grounded.capacities:
                grounded.capacities.append(quantity)
                evidence.append(_figure_evidence(article, quantity.start, quantity.end, "capacity"))
    if draft.jobs:
        span = _span_of(draft.jobs, draft, article, evidence)
        found = overlapping(article.jobs, span) if span else []
        if found:
            best = max(found, key=lambda q: q.value)
            grounded.jobs = int(best.value)
            evidence.append(_figure_evidence(article, best.start, best.end, "jobs"))
        else:
            leave_out("jobs", draft.jobs, "not a job count of the article")
    if left_out:
        grounded.draft = draft.model_copy(
            update={"investors": investors, "place": place, "reasons": [*draft.reasons, *left_out]}
        )
    return grounded, warnings


def _figure_evidence(article: ArticleText, start: int, end: int, field_name: str) -> Evidence:
    return Evidence(quote=article.text[start:end], start=start, end=end, field=field_name)
