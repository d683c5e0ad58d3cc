"""Deterministic normalization (no LLM calls): money, exchange rates, places, companies, sectors."""

from fdi_extract.normalize.companies import (
    canonical_company,
    company_similarity,
    same_company,
)
from fdi_extract.normalize.fx import Rate, UsdValue, to_usd
from fdi_extract.normalize.money import Money, parse_money
from fdi_extract.normalize.places import Place, find_places, resolve_place
from fdi_extract.normalize.sectors import sector_for

__all__ = [
    "Money",
    "Place",
    "Rate",
    "UsdValue",
    "canonical_company",
    "company_similarity",
    "find_places",
    "parse_money",
    "resolve_place",
    "same_company",
    "sector_for",
    "to_usd",
]
