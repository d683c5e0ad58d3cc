"""Strategies that turn an article into LLM calls and return :class:`DealDraft` objects.

- :class:`DirectStrategy`: the whole article (chunked when long) in, a list of deals out. For models
  strong enough to read an article whole.
- :class:`GuidedStrategy`: built for small local models; see its docstring.

Both return drafts whose figures are verbatim phrases; grounding and normalization are the same for both.
"""

from fdi_extract.extract.base import ExtractionStrategy, strategy_for
from fdi_extract.extract.direct import DirectStrategy
from fdi_extract.extract.guided import GuidedStrategy
from fdi_extract.extract.schema import SCHEMA_VERSION, FoundDeals

__all__ = [
    "SCHEMA_VERSION",
    "DirectStrategy",
    "ExtractionStrategy",
    "FoundDeals",
    "GuidedStrategy",
    "strategy_for",
]
