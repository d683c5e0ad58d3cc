"""The strategy interface and the choice of strategy from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from fdi_extract.settings import Settings, Strategy

if TYPE_CHECKING:
    from fdi_extract.drafts import DealDraft
    from fdi_extract.llm import LLM
    from fdi_extract.model import Article
    from fdi_extract.text import ArticleText


class ExtractionStrategy(Protocol):
    """Turns one article into deal drafts through one or more LLM calls."""

    name: str

    @property
    def prompt_version(self) -> str: ...

    async def drafts(self, article: Article, text: ArticleText, llm: LLM, warnings: list[str]) -> list[DealDraft]:
        """The article's deal drafts; problems that cost a draft but not the article go to ``warnings``."""
        ...


def strategy_for(settings: Settings) -> ExtractionStrategy:
    from fdi_extract.extract.direct import DirectStrategy

    strategies = {Strategy.direct: lambda: DirectStrategy(chunk_chars=settings.chunk_chars)}
    return strategies[settings.strategy]()
