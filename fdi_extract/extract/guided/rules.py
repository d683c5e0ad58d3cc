"""The named rules of the guided strategy: where the article's own structure overrules or completes an answer.

Each rule is a function of the article's analysis (:class:`~.analysis.Page`) and the drafts, and each
says what it did in the draft's ``reasons``, which reach :attr:`DealMention.reasons` and report.html.
They were each measured on the corpora (docs/evaluation.md); a rule that helped one outlet only is not here.
"""

from __future__ import annotations

import re

from fdi_extract.cues import cue, stage_from_cues
from fdi_extract.drafts import DealDraft
from fdi_extract.extract.candidates import CompanyCandidate
from fdi_extract.extract.guided.analysis import Figure, Page, covering, inside
from fdi_extract.model import Sector, most_advanced
from fdi_extract.normalize.companies import same_company
from fdi_extract.normalize.facilities import facility_kinds
from fdi_extract.normalize.sectors import sector_for
from fdi_extract.text import Span

_OPENING_BRACKET = re.compile(r"\s*\(\s*")


def only_visited(page: Page, company: CompanyCandidate, own: list[Span]) -> bool:
    """A company that was only visited, met or talked to: no figure and no stage word near it. Not asked about."""
    if len(page.companies) == 1:
        return False
    mention_text = " ".join(p.text for m in company.mentions for p in covering(page.paragraphs, m.start, m.end))
    has_figure = any(inside(f, own) and page.is_project_figure(f) for f in page.figures)
    return bool(cue("visit").search(mention_text)) and not has_figure and stage_from_cues(mention_text) is None


def own_figure(kind: str, picked: Figure | None, offered: dict[str, Figure]) -> tuple[Figure | None, str | None]:
    """The figure of one kind a company's deal gets, and why. The one figure of the company's section that is
    nearer to it than to any other company is its own even when the model said "none" (the failure measured
    on small models)."""
    if picked is not None:
        return picked, f"{kind} “{picked.text}”: the model's pick among {len(offered)} of its section"
    if len(offered) == 1:
        only = next(iter(offered.values()))
        return only, f"{kind} “{only.text}”: the only one in its section (the model said none)"
    return None, None


def believed_owner(
    page: Page, figure: Figure, named: str | None, found: dict[str, tuple[DealDraft, list[Span]]]
) -> tuple[DealDraft | None, str | None]:
    """The deal a figure no company took belongs to: the one the model named when the figure is inside that
    company's section, else the nearest company's; a company from elsewhere in the article is not believed."""
    nearest = page.owner_of(figure)
    name = named if named in found else (nearest.name if nearest else None)
    if name is None:
        return None, None
    owner, section = found.get(name, (None, []))
    return (owner, name) if owner is not None and inside(figure, section) else (None, None)


def join_named_as_one(page: Page, drafts: list[DealDraft], names: list[str]) -> None:
    """A company and the one named in brackets right after it ("Fufeng Group (Shengtai Biotech Co., Ltd)": a
    group and the subsidiary that carries the project) are one deal: the model, asked company by company,
    splits the project's figures between them."""
    companies = [c for c in page.companies if c.name in names]
    pairs = [
        (first.name, second.name)
        for first in companies
        for second in companies
        if first is not second
        and any(
            _OPENING_BRACKET.fullmatch(page.text, a.end, b.start)
            for a in first.mentions
            for b in second.mentions
            if a.end <= b.start
        )
    ]
    for first, second in pairs:
        kept, joined = (
            next((d for d in drafts if d.investors == [name] and not d.aggregate), None) for name in (first, second)
        )
        if kept is None or joined is None:
            continue
        kept.investors.append(second)
        merge_into(kept, joined, f"joined with {second}: named in brackets right after {first}")
        drafts.remove(joined)


def merge_into(kept: DealDraft, other: DealDraft, reason: str) -> None:
    kept.evidence = list(dict.fromkeys([*kept.evidence, *other.evidence]))[:3]
    kept.amount = kept.amount or other.amount
    kept.capacity += [c for c in other.capacity if c not in kept.capacity]
    kept.jobs = kept.jobs or other.jobs
    kept.stage = most_advanced([kept.stage, other.stage])
    kept.reasons += [reason, *(f"(joined) {r}" for r in other.reasons)]


def one_per_project(page: Page, drafts: list[DealDraft]) -> list[DealDraft]:
    """Drafts of one project joined, when the sector agrees and no figure conflicts: two spellings of one
    company (candidates found apart, "CPIH" and its long name), and figures of no named investor ("1 ГВт",
    "1000 МВт" and "$1 bn" of one wind park are one deal, not three). Totals stay apart, and so do one
    company's two plants (their figures differ). A figure no company took stays apart from the article's
    named investors: joining it to an article's only named investor merged a second, unnamed project
    into it (seed 000's 34 MW gas plant into another company's deal)."""
    named = [d for d in drafts if d.investors and not d.aggregate]
    for first, second in [(a, b) for i, a in enumerate(named) for b in named[i + 1 :]]:
        if (
            first in drafts
            and second in drafts
            and _one_project(page, first, second)
            and any(same_company(x, y) for x in first.investors for y in second.investors)
        ):
            _join_into(
                page,
                first,
                second,
                drafts,
                f"joined with the draft of {', '.join(second.investors)}: "
                "the same company, sector agrees, no figure conflicts",
            )
    unnamed = [d for d in drafts if not d.investors and not d.aggregate]
    for draft in unnamed[1:]:
        if _one_project(page, unnamed[0], draft):
            _join_into(
                page,
                unnamed[0],
                draft,
                drafts,
                "joined with another figure of no named investor: sector agrees, no figure conflicts",
            )
    return drafts


def _join_into(page: Page, kept: DealDraft, other: DealDraft, drafts: list[DealDraft], reason: str) -> None:
    known = [page.value(c) for c in kept.capacity]
    other.capacity = [c for c in other.capacity if page.value(c) not in known]  # "1 ГВт" = "1000 МВт"
    kept.investors += [name for name in other.investors if not any(same_company(name, k) for k in kept.investors)]
    merge_into(kept, other, reason)
    drafts.remove(other)


def _one_project(page: Page, a: DealDraft, b: DealDraft) -> bool:
    if Sector.other not in (a.sector, b.sector) and a.sector != b.sector:
        return False
    if a.amount and b.amount and page.value(a.amount) != page.value(b.amount):
        return False
    if a.jobs and b.jobs and page.value(a.jobs) != page.value(b.jobs):
        return False
    capacities = [page.value(c) for c in a.capacity]
    return all(
        page.value(c) in capacities or all(unit != page.value(c)[1] for _, unit in capacities) for c in b.capacity
    )


def listed_facilities(listed: list[str], passage: list[Span]) -> list[str]:
    """The facilities of a model's list that can be projects: those that read as a thing built or run ("basalt
    production", "a hotel"; a small model also lists products, "chips", and plans, "increased crop areas"), and
    never more than the passage names things built (a small model otherwise pads the list)."""
    named = sum(len(cue("facility").findall(s.text)) for s in passage)
    return [f for f in listed if cue("listed_facility").search(f)][:named]


def facility_sentence(facility: str, passage: list[Span]) -> Span | None:
    """The sentence of ``passage`` that names the kind of thing ``facility`` is ("a hotel" in "… a hotel and a
    greenhouse"), in any language of the facility-kind table; None when none does (the model may list the
    company's main project too, named outside the passage, in the lede)."""
    kinds = facility_kinds(facility)
    return next((s for s in passage if kinds & facility_kinds(s.text)), None)


def one_per_facility(
    page: Page, drafts: list[DealDraft], listed: list[tuple[DealDraft, list[str], list[Span]]]
) -> list[DealDraft]:
    """A company whose section names several things it builds, and for which the model listed several
    facilities, gets a deal per facility ("a hotel, a greenhouse and a poultry farm" are three projects of one
    investor), each with the stage its own sentence states, else the company's. The company's own figure over
    them all stays as their total (an aggregate deal); with no figure, the company-level draft is replaced by its
    facilities."""
    for company_draft, facilities, passage in listed:
        if company_draft not in drafts or len(facilities) < 2:
            continue
        name = ", ".join(company_draft.investors)
        company_stage = next(
            (r for r in company_draft.reasons if r.startswith("stage ")),
            f"stage {company_draft.stage.value}: that of {name}'s deal",
        )
        position = drafts.index(company_draft)
        if company_draft.amount:
            company_draft.aggregate = True
            company_draft.reasons.append(f"a total over the {len(facilities)} facilities the model listed for {name}")
            position += 1
        else:
            drafts.remove(company_draft)
        for offset, facility in enumerate(facilities):
            sector = sector_for(facility)
            sentence = facility_sentence(facility, passage)
            stated = page.stated_stage(sentence.start, sentence.end) if sentence else None
            stage, stage_reason = stated or (company_draft.stage, company_stage)
            drafts.insert(
                position + offset,
                DealDraft(
                    evidence=company_draft.evidence,
                    investors=list(company_draft.investors),
                    project=facility,
                    place=company_draft.place,
                    sector=company_draft.sector if sector is Sector.other else sector,
                    stage=stage,
                    reasons=[
                        (
                            f"project “{facility}”: one of {len(facilities)} facilities the model listed for {name}, "
                            "whose section names several things built"
                        ),
                        stage_reason,
                    ],
                ),
            )
    return drafts
