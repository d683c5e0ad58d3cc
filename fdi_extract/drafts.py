"""The contract between extraction and grounding: a deal as a strategy drafts it, and as grounding found it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from fdi_extract.model import Evidence, Sector, Stage
from fdi_extract.normalize.money import Money
from fdi_extract.normalize.quantities import Quantity


class DealDraft(BaseModel):
    """One deal as a strategy drafts it from the model's answers, before grounding and normalization."""

    evidence: list[str] = Field(
        min_length=1,
        max_length=3,
        description="One or two sentences copied word for word from the article that state the deal.",
    )
    investors: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="Foreign investor companies, names exactly as written; [] if none is named.",
    )
    investor_country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the investors, e.g. CN.")
    project: str = Field(max_length=300, description="Short English description of the project.")
    place: str | None = Field(default=None, max_length=120, description="Region, district or city as written.")
    sector: Sector | None = None
    amount: str | None = Field(default=None, max_length=80, description="Money phrase exactly as written.")
    capacity: list[str] = Field(default_factory=list, max_length=4, description="Capacity phrases as written.")
    jobs: str | None = Field(default=None, max_length=80, description="Job-count phrase as written.")
    stage: Stage = Stage.announced
    aggregate: bool = Field(default=False, description="True for an umbrella figure over several projects.")
    reasons: list[str] = Field(default_factory=list, description="Which answer or rule decided each field.")
    spans: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="Where the strategy found a phrase of this draft in the article (offsets into its text): "
        "grounding checks the article reads so there instead of searching; a phrase with none is searched.",
    )


@dataclass
class GroundedDeal:
    draft: DealDraft
    evidence: list[Evidence]
    amount: Money | None = None
    capacities: list[Quantity] = field(default_factory=list)
    jobs: int | None = None
