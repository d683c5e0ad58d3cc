"""Errors a user can act on. Every message names the article (when there is one) and the problem."""

from __future__ import annotations


class FdiExtractError(Exception):
    """Base class of every error fdi-extract raises on purpose."""


class InputError(FdiExtractError, ValueError):
    """An article that cannot be processed as given (not text, too long, malformed row...)."""

    def __init__(self, article_id: str | None, problem: str):
        self.article_id = article_id
        self.problem = problem
        where = f"article {article_id!r}: " if article_id else ""
        super().__init__(f"{where}{problem}")


class StoreError(FdiExtractError):
    """A run's store that cannot be opened, read or written: damaged, foreign, read-only, a full disk."""


class ModelUnavailableError(FdiExtractError, RuntimeError):
    """The embedded model could not be assembled, verified or started."""


class LLMError(FdiExtractError, RuntimeError):
    """The LLM endpoint failed for good: retries exhausted or an answer that never validated."""


class SettingsError(FdiExtractError, ValueError):
    """Settings that cannot work, said before the first request (a provider's missing API key)."""


class LLMConnectionError(LLMError):
    """The endpoint could not be reached at all (connection refused, no such host): no article can succeed."""


class EndpointUnreachableError(LLMError):
    """A batch stopped early: article after article could not reach the endpoint. The articles not done are
    left for the same command to resume."""


class LLMAnswerError(LLMError):
    """The endpoint answered, but no answer passed validation within the re-ask budget.

    ``cut_short`` is the answer's text when the endpoint stopped it at the token limit: the part that was
    written may still hold complete items (a list of deals that ran on)."""

    def __init__(self, message: str, cut_short: str | None = None):
        super().__init__(message)
        self.cut_short = cut_short
