"""The public data contract: Pydantic models passed between the stages of the pipeline.

This module imports nothing else from fdi_extract but ``dates`` (which imports nothing of ours),
so every stage (and every user) can depend on it without pulling in the LLM layer. The JSON form of
:class:`DealMention` is the record that batch output, evaluation and reconciliation all read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fdi_extract.dates import normalize_date

logger = logging.getLogger("fdi_extract")


class Stage(StrEnum):
    """How far a deal has got, in the order deals move through it."""

    announced = "announced"
    mou = "mou"
    agreement = "agreement"
    construction = "construction"
    operational = "operational"
    cancelled = "cancelled"


STAGE_ORDER: dict[Stage, int] = {stage: rank for rank, stage in enumerate(Stage)}


def most_advanced(stages: Iterable[Stage]) -> Stage:
    return max(stages, key=STAGE_ORDER.__getitem__)


class Sector(StrEnum):
    energy = "energy"
    mining = "mining"
    metals = "metals"
    manufacturing = "manufacturing"
    agriculture_food = "agriculture_food"
    chemicals = "chemicals"
    construction_materials = "construction_materials"
    transport_infrastructure = "transport_infrastructure"
    logistics_trade = "logistics_trade"
    ict_electronics = "ict_electronics"
    healthcare = "healthcare"
    utilities_municipal = "utilities_municipal"
    tourism_real_estate = "tourism_real_estate"
    textiles = "textiles"
    other = "other"


class Qualifier(StrEnum):
    exact = "exact"
    at_least = "at_least"  # свыше, более, over, more than
    about = "about"  # около, порядка, around
    up_to = "up_to"  # до, up to


class CapacityUnit(StrEnum):
    MW = "MW"
    t_day = "t/day"
    t_year = "t/year"
    ha = "ha"
    rooms = "rooms"
    other = "other"


class _Record(BaseModel):
    # No NaN or infinity in any figure: a record holding one could be stored but never read back.
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


def _unreadable_date(value: object, info: ValidationInfo) -> str | None:
    """A record's date as ISO; one that cannot be read is left empty with a warning naming the article,
    never an error: one odd date must not stop a run (and every re-run of it)."""
    date = normalize_date(value)
    if date is None and value not in (None, ""):
        logger.warning(
            "article %s: the date %r could not be read; published left empty", info.data.get("article_id", "?"), value
        )
    return date


class Evidence(_Record):
    """A verbatim span of the article: ``text[start:end] == quote``."""

    quote: str
    start: NonNegativeInt
    end: NonNegativeInt
    field: str | None = Field(
        default=None, description="Which fact the span supports: amount, capacity, jobs, or None for context."
    )


class Investor(_Record):
    name: str = Field(description="As written in the article.")
    name_normalized: str = Field(description="Canonical key: case, legal form and script folded.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")


class Amount(_Record):
    value: float = Field(description="In units of the currency, not millions.")
    currency: str | None = Field(description="ISO 4217; None where the article prints a sum with no currency.")
    qualifier: Qualifier = Qualifier.exact
    text: str = Field(description="Verbatim phrase from the article.")
    usd: float | None = None
    usd_rate: float | None = Field(default=None, description="Units of the currency per USD that were used.")
    usd_rate_source: str | None = None
    usd_note: str | None = Field(default=None, description="Why usd is null, when it is.")


class Capacity(_Record):
    value: float
    unit: CapacityUnit
    text: str = Field(description="Verbatim phrase from the article.")

    def __str__(self) -> str:
        """ "1,000,000 t/year" (not the "1e+06" of the general float format)."""
        return (
            f"{self.value:,.0f} {self.unit.value}" if self.value.is_integer() else f"{self.value:,} {self.unit.value}"
        )


class _DealFacts(_Record):
    """What a deal is: shared by one article's report of it and by the reconciled deal."""

    investors: list[Investor] = Field(default_factory=list)
    investor_country: str | None = Field(
        default=None, description='ISO alpha-2 of the investors, also when none is named ("Chinese investors").'
    )
    host_country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    region: str | None = Field(default=None, description="ISO 3166-2.")
    district: str | None = None
    city: str | None = None
    project: str = Field(default="", description="Short English description.")
    sector: Sector = Sector.other
    amount: Amount | None = None
    capacity: list[Capacity] = Field(default_factory=list)
    jobs: NonNegativeInt | None = None
    stage: Stage = Stage.announced
    aggregate: bool = False


class DealMention(_DealFacts):
    """One deal as reported by one article."""

    article_id: str
    published: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-MM or YYYY, as precise as the source.")
    url: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    reasons: list[str] = Field(
        default_factory=list,
        description="Why the mention is as it is: which answer or rule chose its investor, each figure, the stage, "
        "a join.",
    )

    _published_as_iso = field_validator("published", mode="before")(_unreadable_date)
    deal_id: str | None = None
    # Provenance, so a record can be traced back to how it was produced.
    strategy: str | None = None
    model: str | None = None
    prompt_version: str | None = None


class Usage(_Record):
    """Tokens spent on one article, summed over every attempt (re-asks and retries included)."""

    prompt_tokens: NonNegativeInt = 0
    completion_tokens: NonNegativeInt = 0
    calls: NonNegativeInt = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls


class Article(_Record):
    """An article as it enters the pipeline."""

    text: str
    article_id: str
    published: str | None = Field(default=None, description="ISO; other written dates are read, others left empty.")
    url: str | None = None
    title: str | None = None
    warnings: list[str] = Field(default_factory=list, description="What could not be read of it (a date).")

    @model_validator(mode="before")
    @classmethod
    def _published_as_iso(cls, data: Any) -> Any:
        """The date as ISO; one that cannot be read is left empty and said so in ``warnings``."""
        if not isinstance(data, dict) or data.get("published") in (None, ""):
            return data
        date = normalize_date(data["published"])
        if date is not None:
            return data | {"published": date}
        problem = f"the date {data['published']!r} could not be read; published left empty"
        return data | {"published": None, "warnings": [*data.get("warnings", ()), problem]}

    @property
    def published_date(self) -> dt.date | None:
        """The publication date, completed to the first day of a month or year when partial."""
        if not self.published:
            return None
        parts = [int(p) for p in self.published.split("-")]
        while len(parts) < 3:
            parts.append(1)
        return dt.date(*parts)


class ArticleResult(_Record):
    """What extracting one article produced: the mentions, what it cost, what went wrong."""

    article_id: str
    mentions: list[DealMention] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    error: str | None = Field(default=None, description="Set when the article failed; mentions is then empty.")


class Source(_Record):
    """One article's report of a deal, as kept on the reconciled deal."""

    article_id: str
    published: str | None = None
    url: str | None = None
    stage: Stage
    amount: Amount | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="The mention's reasons (DealMention.reasons).")


class ConflictValue(_Record):
    value: str
    article_id: str
    published: str | None = None


class Conflict(_Record):
    """A field the sources disagree on, with every value and who reported it."""

    field: str
    values: list[ConflictValue]


class TimelineEntry(_Record):
    published: str | None
    stage: Stage
    article_id: str


class Link(_Record):
    """Why two mentions were put in one deal: the features that agreed."""

    a: str
    b: str
    score: float
    reasons: list[str]


class Deal(_DealFacts):
    """One real-world deal reconciled from every article that reported it.

    Merged fields follow stated rules: stage = the most advanced; amount = the most recent report's
    (every other value kept under ``conflicts``); capacity = every distinct figure; jobs = the largest;
    region and sector = the most often reported; investors = every distinct company.
    """

    deal_id: str
    sources: list[Source] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list, description="deal_ids of the projects an aggregate covers")
    part_of: list[str] = Field(default_factory=list, description="deal_ids of the aggregates covering this deal")
    links: list[Link] = Field(default_factory=list)
