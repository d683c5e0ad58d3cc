"""What the LLM fills in: verbatim phrases, not numbers.

The model never writes a number of its own. Amounts, capacities and job counts come back as the
phrases the article uses; grounding finds them in the text and the normalizers read their values.
That keeps every figure traceable to the article and lets a small model do only what it is good at.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from instructor import OpenAISchema
from pydantic import BaseModel, Field, field_validator, model_validator

from fdi_extract.model import Stage

SCHEMA_VERSION = "3"
_NAME_CHARS = 120
_PHRASE_CHARS = 80

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")


class Answer(OpenAISchema):
    """Base of every model the LLM fills in.

    An :class:`instructor.OpenAISchema` from the start: Instructor otherwise wraps the model in a new
    subclass on every request (pydantic.create_model), and a new class defeats the schema cache below.

    Small models sometimes put a raw line break inside a JSON string, which JSON forbids and Pydantic
    rejects. Control characters carry no meaning in these answers, so they are read as spaces instead
    of costing a re-ask.
    """

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The default JSON schema, built once per model: Pydantic rebuilds it on every call, and every
        request asks for it (Instructor's request, and the llama.cpp grammar); rebuilt, it was most of the
        library's CPU per article in bench/throughput.py. Each caller gets a copy of its own to change; read
        from JSON text, which costs a fraction of a deep copy."""
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        return json.loads(_default_schema(cls))

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Any:
        text = json_data.decode("utf-8", "replace") if isinstance(json_data, bytes | bytearray) else json_data
        return super().model_validate_json(_CONTROL_CHARACTERS.sub(" ", text), **kwargs)


@lru_cache(maxsize=256)  # bounded: a caller may make answer models of its own
def _default_schema(model: type[BaseModel]) -> str:
    return json.dumps(BaseModel.model_json_schema.__func__(model))  # type: ignore[attr-defined]


class FoundDeal(BaseModel):
    """One deal as the direct strategy asks for it: flat, every field a phrase of the article or a choice.

    The shape of a plain one-call extraction (bench/baseline.py), which found more right deals on articles
    from unseen outlets than any schema with evidence or nested objects. The investor is asked for as a
    string the model must fill: allowed to leave it null, a small model left it null for deals whose company
    the article names. What the model writes there is then checked: it must be named by the article and be
    a company (``normalize.companies.is_company_name``), else the deal names no investor. No evidence is
    asked for: evidence is the article's own sentences that hold the investor's name or the figures.
    """

    investor: str = Field(
        max_length=_NAME_CHARS,
        description="The foreign company that invests in or builds the project, as written in the article.",
    )
    investor_country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code of the investor's country.")
    project: str = Field(default="", max_length=_NAME_CHARS, description="What is built, in a few English words.")
    place: str | None = Field(
        default=None, max_length=_NAME_CHARS, description="Region, district or city of the project, as written."
    )
    amount: str | None = Field(
        default=None, max_length=_PHRASE_CHARS, description="The investment amount, as written (number and currency)."
    )
    capacity: str | None = Field(
        default=None, max_length=_PHRASE_CHARS, description="The capacity, as written (number and unit)."
    )
    jobs: str | None = Field(default=None, max_length=_PHRASE_CHARS, description="Jobs created, as written.")
    stage: Stage = Stage.announced
    aggregate: bool = Field(default=False, description="True when the amount is a total over several projects.")

    @model_validator(mode="before")
    @classmethod
    def _no_investor(cls, data: object) -> object:
        # Required in the schema so that the model fills it; a null or a missing one it still writes is a
        # deal naming none, not a re-ask.
        if isinstance(data, dict) and data.get("investor") is None:
            return data | {"investor": ""}
        return data

    @field_validator("investor", "project", "place", mode="before")
    @classmethod
    def _cut_name(cls, value: object) -> object:
        return value[:_NAME_CHARS] if isinstance(value, str) else value

    @field_validator("amount", "capacity", "jobs", mode="before")
    @classmethod
    def _cut_phrase(cls, value: object) -> object:
        # Too long a phrase is cut, not a failed answer: in a JSON mode without a grammar one over-long
        # field would otherwise cost the article every deal. Grounding then keeps what the article states.
        return value[:_PHRASE_CHARS] if isinstance(value, str) else value


class FoundDeals(Answer):
    deals: list[FoundDeal] = Field(default_factory=list, max_length=12)

    @model_validator(mode="before")
    @classmethod
    def _one_deal_unlisted(cls, data: object) -> object:
        # Asked about one company, a small model often answers its one deal as the whole object, not in a list:
        # read so, that deal would be dropped for the list's default, empty.
        if isinstance(data, dict) and "deals" not in data and data.keys() & FoundDeal.model_fields.keys():
            return {"deals": [data]}
        return data


class ProjectInvestor(Answer):
    """The answer to one question about one deal: which company invests in it."""

    company: str = Field(
        default="",
        max_length=_NAME_CHARS,
        description="The company's name exactly as the article writes it; empty if the article names none.",
    )
