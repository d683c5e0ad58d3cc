"""Estimated cost of LLM calls: USD per million prompt and completion tokens, per model.

Published list prices at the time of writing; override or extend them with ``Settings.prices``
(or FDI_EXTRACT_PRICES='{"my-model": [0.2, 0.6]}'). A model with no price costs 0 in the estimate,
which is exact for the embedded model and says "unknown" for anything else.
"""

from __future__ import annotations

from fdi_extract.model import Usage

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "qwen2.5-coder-1.5b-instruct-q4_k_m": (0.0, 0.0),
}


# OpenAI's Batch API bills half the list price.
BATCH_DISCOUNT = 0.5


def cost_usd(model: str, usage: Usage, overrides: dict[str, tuple[float, float]] | None = None) -> float:
    prompt, completion = {**PRICES_PER_MILLION, **(overrides or {})}.get(model, (0.0, 0.0))
    return (usage.prompt_tokens * prompt + usage.completion_tokens * completion) / 1e6
