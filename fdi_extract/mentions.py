"""A grounded draft → the public :class:`DealMention`, with every field normalized."""

from __future__ import annotations

from collections.abc import Callable

import pycountry

from fdi_extract.cues import cue
from fdi_extract.drafts import GroundedDeal
from fdi_extract.model import Amount, Article, Capacity, CapacityUnit, DealMention, Investor
from fdi_extract.normalize.companies import canonical_company, infer_country
from fdi_extract.normalize.fx import to_usd
from fdi_extract.normalize.places import find_places, resolve_place
from fdi_extract.normalize.sectors import sector_for
from fdi_extract.normalize.titles import project_title

_HOST_COUNTRIES = ("KZ", "UZ", "KG", "TJ")  # each with its cue, host_country.<code>


def _country_code(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        return None


def article_region(text: str) -> str | None:
    """The region an article is about: the one named in at least two thirds of its place mentions."""
    codes = [p.code for p in find_places(text)]
    if not codes:
        return None
    top = max(set(codes), key=codes.count)
    return top if codes.count(top) * 3 >= len(codes) * 2 else None


def to_mention(
    grounded: GroundedDeal,
    article: Article,
    *,
    default_region: Callable[[], str | None],
    strategy: str,
    model: str,
    prompt_version: str,
) -> DealMention:
    """A grounded draft as a normalized mention. ``default_region`` gives the article's region, asked only
    when the draft and its evidence name no place."""
    draft = grounded.draft
    evidence_text = " ".join(e.quote for e in grounded.evidence if e.field is None)
    country = _country_code(draft.investor_country) or infer_country(evidence_text, article.text)
    investors = [
        Investor(name=name.strip(), name_normalized=canonical_company(name), country=country)
        for name in draft.investors
        if canonical_company(name)
    ]
    place = (resolve_place(draft.place) if draft.place else None) or resolve_place(evidence_text)
    region = place.code if place else default_region()
    host_country = (
        region.split("-")[0]
        if region
        else next((code for code in _HOST_COUNTRIES if cue(f"host_country.{code}").search(article.text)), None)
    )
    district = draft.place.strip() if draft.place and cue("district_word").search(draft.place) else None

    amount = None
    if grounded.amount is not None:
        converted = to_usd(grounded.amount, article.published_date)
        rate = converted.rate
        amount = Amount.model_validate(grounded.amount, from_attributes=True).model_copy(
            update={
                "usd": converted.usd,
                "usd_rate": rate and rate.per_usd,
                "usd_rate_source": rate and rate.source,
                "usd_note": converted.note,
            }
        )
    capacities = [Capacity(value=q.value, unit=q.unit, text=q.text) for q in grounded.capacities if q.unit]
    sector = draft.sector or sector_for(f"{draft.project} {evidence_text}")
    size = next((str(c) for c in capacities if c.unit is not CapacityUnit.other), None)
    return DealMention(
        article_id=article.article_id,
        published=article.published,
        url=article.url,
        investors=investors,
        investor_country=country,
        host_country=host_country,
        region=region,
        district=district,
        project=project_title(
            draft.project, about=evidence_text, size=size, sector=sector.value, investors=draft.investors
        ),
        sector=sector,
        amount=amount,
        capacity=capacities,
        jobs=grounded.jobs,
        stage=draft.stage,
        aggregate=draft.aggregate,
        evidence=grounded.evidence,
        reasons=draft.reasons,
        strategy=strategy,
        model=model,
        prompt_version=prompt_version,
    )
