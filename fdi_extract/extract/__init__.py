"""Strategies that turn an article into LLM calls and return :class:`DealDraft` objects.

:class:`DirectStrategy`: the model reads the article (chunked when long) and proposes the deals; the
article's own words then decide every field. Its drafts' figures are verbatim phrases, which grounding and
normalization take from there.
"""

from fdi_extract.extract.base import ExtractionStrategy, strategy_for
from fdi_extract.extract.direct import DirectStrategy
from fdi_extract.extract.schema import SCHEMA_VERSION, FoundDeals

__all__ = [
    "SCHEMA_VERSION",
    "DirectStrategy",
    "ExtractionStrategy",
    "FoundDeals",
    "strategy_for",
]
