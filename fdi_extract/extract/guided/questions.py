"""The questions the guided strategy asks, and the answer models that make every answer one of the options.

Every prompt opens with the same system message and the article's relevant paragraphs, so llama.cpp
reuses the cached prefix and each question costs only its own few tokens. Options are Literals of the
article's own phrases plus "none", which the grammar enforces: an answer cannot invent a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, create_model

from fdi_extract.extract.guided.analysis import Figure, covering, phrase
from fdi_extract.extract.schema import Answer
from fdi_extract.prompts import Prompt, load_prompt
from fdi_extract.text import Span

if TYPE_CHECKING:
    from fdi_extract.llm import LLM

NONE = "none"
NOT_NAMED = "not named"
INVESTOR = "investor in a concrete project"
ROLES = (INVESTOR, "local partner", "only talks, visit, trade or cooperation")
TOTAL = "total of several projects"
ONE_PROJECT = "investment or size of one project"
KINDS = (TOTAL, ONE_PROJECT, "something else")
_MAX_CONTEXT_CHARS = 9000
_ANSWER_TOKENS = 160


def choice(options: list[str]) -> Any:
    """A Literal of the options, so the grammar admits nothing else."""
    return Literal[tuple(options)]  # type: ignore[valid-type]


def company_answer_model(amounts: list[str], capacities: list[str], jobs: list[str]) -> type[Answer]:
    return create_model(
        "CompanyAnswer",
        __base__=Answer,
        role=(choice(list(ROLES)), ...),
        project_in_english=(str, Field(max_length=80)),
        amount=(choice([*amounts, NONE]), ...),
        capacity=(choice([*capacities, NONE]), ...),
        jobs=(choice([*jobs, NONE]), ...),
    )


class FacilitiesAnswer(Answer):
    facilities: list[Annotated[str, Field(max_length=60)]] = Field(max_length=8)


def figure_answer_model(companies: list[str]) -> type[Answer]:
    return create_model(
        "FigureAnswer",
        __base__=Answer,
        kind=(choice(list(KINDS)), ...),
        project_in_english=(str, Field(max_length=80)),
        investor=(choice([*companies, NOT_NAMED]), ...),
    )


class Questions:
    """The questions about one article, sharing one cached prompt prefix."""

    def __init__(self, llm: LLM, context: str, prompt: Prompt | None = None):
        self._llm = llm
        self._prompt = prompt or load_prompt("guided")
        self._prefix = [
            {"role": "system", "content": self._prompt.render("system")},
            {"role": "user", "content": self._prompt.render("context", context=context)},
        ]

    @staticmethod
    def context(text: str, paragraph_spans: list[Span], wanted: list[Span]) -> str:
        """The paragraphs that hold a company or a figure, up to the context budget."""
        kept: list[str] = []
        size = 0
        for paragraph in (p for p in paragraph_spans if covering(wanted, p.start, p.end)):
            if size + len(paragraph.text) > _MAX_CONTEXT_CHARS:
                break
            kept.append(paragraph.text)
            size += len(paragraph.text) + 2
        return "\n\n".join(kept) or text[:_MAX_CONTEXT_CHARS]

    def _messages(self, question: str) -> list[dict[str, str]]:
        # The question is appended to the shared user message, after the article, to keep the cached prefix.
        return [self._prefix[0], {"role": "user", "content": self._prefix[1]["content"] + "\n\n" + question}]

    async def about_company(self, name: str, options: dict[str, dict[str, Figure]]) -> Any:
        """Is ``name`` an investor, what does its project build, which of ``options`` (by kind) are its figures."""
        answer_model = company_answer_model(*(list(options[k]) for k in ("amount", "capacity", "jobs")))
        question = self._prompt.render("company", company=name)
        return await self._llm.ask(answer_model, self._messages(question), max_tokens=_ANSWER_TOKENS)

    async def facilities_of(self, name: str, passage: list[Span]) -> list[str]:
        """The separate facilities ``passage`` says ``name`` builds or runs, in a few words each, as the model
        lists them (:func:`rules.listed_facilities` keeps those that can be)."""
        question = self._prompt.render(
            "facilities", company=name, passage=" ".join(" ".join(s.text.split()) for s in passage)
        )
        answer = await self._llm.ask(FacilitiesAnswer, self._messages(question), max_tokens=_ANSWER_TOKENS)
        return list(dict.fromkeys(f.strip() for f in answer.facilities if f.strip()))

    async def about_figure(self, figure: Figure, sentence: Span, investor_names: list[str]) -> Any:
        """What a figure no company took is: a total, one project's (of which investor), or something else."""
        question = self._prompt.render("figure", figure=phrase(figure), sentence=" ".join(sentence.text.split()))
        return await self._llm.ask(
            figure_answer_model(investor_names), self._messages(question), max_tokens=_ANSWER_TOKENS
        )
