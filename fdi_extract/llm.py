"""One openai client under Instructor's public API, for any OpenAI-compatible endpoint.

Instructor (``instructor.patch(create=…)``) builds each request from the Pydantic response model, parses
and validates the answer, and words the re-ask after an answer that failed validation; its hooks count
the tokens. The ``create`` it wraps is this module's transport, because two retry budgets are kept
apart on purpose:
- transport failures (429 with Retry-After, 5xx, timeouts, dropped connections) are retried by
  tenacity under :class:`~fdi_extract.settings.RetryPolicy` inside the transport; the openai client's
  own retries are switched off so the policy is the only one in force, and what reaches Instructor
  (which logs a failed call) never holds an API key an endpoint echoed;
- answers that fail validation are re-asked by Instructor under a tenacity policy of
  ``Settings.validation_retries`` re-asks.

Token usage is summed over every completion the endpoint returned, failed attempts included, into
the :class:`~fdi_extract.model.Usage` of the article being processed (a context variable, so
concurrent articles don't mix their counts).
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import errno
import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import instructor
import openai
from instructor.core import (
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.v2 import Provider, mode_registry
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from fdi_extract.errors import LLMAnswerError, LLMConnectionError, LLMError
from fdi_extract.model import Usage
from fdi_extract.settings import RetryPolicy, Settings, StructuredMode, masked_url

T = TypeVar("T", bound=BaseModel)
logger = logging.getLogger("fdi_extract")

_current_usage: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("fdi_extract_usage", default=None)


class RequestTimedOut(Exception):
    """No complete answer within the request timeout. The HTTP clients' timeouts bound each read, so an
    endpoint sending a byte a second would keep a request alive for ever; this one bounds the whole request."""


_TRANSIENT = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    RequestTimedOut,
)
# What an endpoint that cannot be reached at all gives, under whatever the HTTP client wraps it in (the SDK's
# aiohttp transport reports a refused connection as a timeout).
_UNREACHABLE = {
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
}
# What Instructor itself re-asks after: the answer is there but does not fit the model.
_REASKABLE = (ValidationError, json.JSONDecodeError, ResponseParsingError)


@contextmanager
def metered(usage: Usage) -> Iterator[Usage]:
    """Count the tokens of every LLM call made inside the block into ``usage``."""
    token = _current_usage.set(usage)
    try:
        yield usage
    finally:
        _current_usage.reset(token)


def _count_usage(response: Any) -> None:
    usage = _current_usage.get()
    reported = getattr(response, "usage", None)
    if usage is None:
        return
    usage.calls += 1
    if reported is not None:
        usage.prompt_tokens += reported.prompt_tokens or 0
        usage.completion_tokens += reported.completion_tokens or 0


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what lies behind it, cause before context (a context can be unrelated noise of the
    transport, such as aiohttp's "no running event loop")."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _transport_origin(error: BaseException) -> BaseException:
    """What the HTTP transport itself raised behind an openai error: the socket's error where there is one,
    else the innermost cause."""
    chain = list(_causes(error))
    return next((e for e in chain if isinstance(e, OSError) and e.errno), chain[-1])


def _unreachable(error: BaseException) -> str | None:
    """Why the endpoint could not be reached at all ("connection refused", "no such host"), or None when
    it was reached (it answered, hung, or dropped the connection)."""
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return "no such host"
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE:
            return _UNREACHABLE[cause.errno]
    return None


def _retry_after_seconds(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        when = email.utils.parsedate_to_datetime(header)
        return max(0.0, when.timestamp() - time.time()) if when else None


class _WaitHonouringRetryAfter:
    """Exponential backoff with jitter, or the server's Retry-After when that is longer (capped)."""

    def __init__(self, policy: RetryPolicy):
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.jitter
        )
        self._cap = policy.max_wait

    def __call__(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        error = state.outcome.exception() if state.outcome else None
        retry_after = _retry_after_seconds(error) if error else None
        return min(self._cap, max(backoff, retry_after or 0.0))


class LLM:
    """Asks an OpenAI-compatible endpoint for Pydantic objects, through Instructor.

    ``base_url`` and ``api_key`` override the settings' (the embedded server's address and key are only
    known once it is started).
    """

    def __init__(self, settings: Settings, base_url: str | None = None, api_key: str | None = None):
        self.settings = settings
        self.model = settings.resolved_model
        self.mode = settings.resolved_mode
        if api_key is None:
            api_key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._api_key = api_key
        self.base_url = base_url or settings.resolved_base_url
        self._openai = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=api_key,
            timeout=settings.resolved_request_timeout,
            max_retries=0,
            # The openai SDK's aiohttp transport: less CPU per request than its default httpx pool
            # under a batch's 32 concurrent requests (bench/throughput.py --stack).
            http_client=openai.DefaultAioHttpClient(timeout=settings.resolved_request_timeout),
        )
        self._instructor_mode = {
            StructuredMode.tools: instructor.Mode.TOOLS,
            # json_object_schema rides on JSON_SCHEMA (no schema pasted into the prompt) and swaps the
            # response_format for the one llama-cpp-python understands, in _for_endpoint() below.
            StructuredMode.json_schema: instructor.Mode.JSON_SCHEMA,
            StructuredMode.json: instructor.Mode.JSON,
            StructuredMode.json_object_schema: instructor.Mode.JSON_SCHEMA,
        }[self.mode]
        self._create = instructor.patch(create=self._complete, mode=self._instructor_mode)
        self._hooks = instructor.hooks.Hooks()
        self._hooks.on("completion:response", _count_usage)  # every completion, re-asked ones included
        self.rate_limited = 0  # 429 answers seen, so a batch can lower its concurrency

    def _for_endpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        """llama-cpp-python's server takes a schema as response_format {"type": "json_object", "schema": …}
        (and rejects "json_schema"); the schema becomes a grammar, so the output always parses."""
        if self.mode is StructuredMode.json_object_schema and "response_format" in body:
            schema = body["response_format"]["json_schema"]["schema"]
            return body | {"response_format": {"type": "json_object", "schema": schema}}
        return body

    def request_body(
        self, response_model: type[BaseModel], messages: list[dict[str, str]], max_tokens: int | None = None
    ) -> dict[str, Any]:
        """The chat-completion request that asks for ``response_model``, as a line of an OpenAI Batch API
        file: built by the same Instructor request handler that :meth:`ask` runs (instructor.v2's mode
        registry), so a batch asks exactly what a live run asks (a test compares them). Instructor's own
        BatchRequest is not used: it marks the schema strict, which OpenAI refuses for a schema with
        optional fields, and it prints to stdout."""
        handlers = mode_registry.get_handlers(Provider.OPENAI, self._instructor_mode)
        _, body = handlers.request_handler(
            response_model=response_model,
            kwargs={
                "model": self.model,
                "messages": messages,
                "temperature": self.settings.temperature,
                "max_tokens": max_tokens or self.settings.max_output_tokens,
            },
        )
        return self._for_endpoint(body)

    def parse(self, response_model: type[T], completion: dict[str, Any] | ChatCompletion) -> T:
        """A completion read into ``response_model`` and validated, by Instructor. A completion that came
        another way (an OpenAI Batch API output line's body) is given as its JSON object. Raises
        :class:`LLMAnswerError` when it does not fit."""
        if isinstance(completion, dict):
            completion = ChatCompletion.model_validate(completion)
        try:
            return response_model.from_response(completion, mode=self._instructor_mode)  # type: ignore[attr-defined]
        except Exception as error:
            raise LLMAnswerError(self._describe(error)) from error

    async def ask(self, response_model: type[T], messages: list[dict[str, str]], *, max_tokens: int | None = None) -> T:
        """One structured answer; raises :class:`LLMError` when it can't be had.

        Transport failures (429 with Retry-After, 5xx, timeouts, dropped connections) are retried under
        ``Settings.retry``; an answer that fails validation is re-asked, with Instructor's wording of
        what was wrong, up to ``Settings.validation_retries`` times.
        """
        reasking = AsyncRetrying(
            stop=stop_after_attempt(self.settings.validation_retries + 1),
            retry=retry_if_exception_type(_REASKABLE),
            reraise=True,
        )
        try:
            return await self._create(
                response_model=response_model,
                messages=list(messages),
                model=self.model,
                temperature=self.settings.temperature,
                max_tokens=max_tokens or self.settings.max_output_tokens,
                max_retries=reasking,
                hooks=self._hooks,
            )
        except InstructorRetryException as failed:
            if not isinstance(failed.__cause__, LLMError):
                raise LLMAnswerError(self._describe(failed.__cause__ or failed)) from failed
            transport_failure = failed.__cause__
        except IncompleteOutputException as error:  # cut short by max_tokens: asking again won't mend it
            raise LLMAnswerError(self._describe(error), cut_short=_content(error.last_completion)) from error
        except _REASKABLE as error:
            raise LLMAnswerError(self._describe(error)) from error
        # The transport's own failure, already described; raised outside the handler, so that it does not get
        # Instructor's wrapper (whose cause it is) as its context: a cycle for anyone walking the chain.
        raise transport_failure

    async def _complete(self, **body: Any) -> ChatCompletion:
        """The ``create`` under Instructor: one completion, transport failures retried under the policy."""
        body = self._for_endpoint(body)
        echoed: LLMError | None = None
        try:
            async for attempt in self._transport_retrying():
                with attempt:
                    # The client's documented ``post`` rather than ``chat.completions.create``: create
                    # first walks every key of the request against the SDK's TypedDicts (to rename
                    # aliases and encode files), a third of a request's CPU here, mostly inside the JSON
                    # schema. Instructor's bodies are plain JSON that the walk hands back unchanged (a
                    # test holds it to that).
                    completion = await self._post(body)
        except Exception as error:
            kind = LLMConnectionError if _unreachable(error) else LLMError
            if self._api_key not in str(error):
                raise kind(self._describe(error)) from error
            echoed = kind(self._describe(error))
        if echoed is not None:
            # Raised outside the handler, so that neither __cause__ nor __context__ holds the endpoint's
            # error text with the key in it.
            raise echoed
        if not completion.choices:  # Instructor would read it as an IndexError, which says nothing
            raise LLMAnswerError("No choices in the completion")
        return completion

    async def _post(self, body: dict[str, Any]) -> ChatCompletion:
        timeout = self.settings.resolved_request_timeout
        try:
            async with asyncio.timeout(timeout):
                return await self._openai.post("/chat/completions", body=body, cast_to=ChatCompletion)
        except TimeoutError:
            raise RequestTimedOut(f"no complete answer within the request timeout of {timeout:g} s") from None

    def _transport_retrying(self) -> AsyncRetrying:
        policy = self.settings.retry
        return AsyncRetrying(
            retry=retry_if_exception_type(_TRANSIENT),
            stop=stop_after_attempt(policy.max_attempts),
            wait=_WaitHonouringRetryAfter(policy),
            before_sleep=self._note_retry,
            reraise=True,
        )

    def _describe(self, cause: BaseException) -> str:
        """The cause in a line, for the article's recorded error: without the API key, even where the
        endpoint echoed it back in its error message."""
        if (reason := _unreachable(cause)) is not None:
            return f"cannot connect to {masked_url(self.base_url or '')}: {reason}"
        described = f"{type(cause).__name__}: {cause}"
        if isinstance(cause, openai.APIConnectionError) and (origin := _transport_origin(cause)) is not cause:
            # The SDK's own message can hide what happened (the aiohttp transport reports a dropped
            # connection as a timeout); the transport's error says it.
            described += f" ({type(origin).__name__}: {origin})"
        if self.base_url:  # a key written into the URL
            described = described.replace(self.base_url, masked_url(self.base_url))
        # Some endpoints echo the key in their error text; it is the one text of theirs that we pass on.
        return _short(described.replace(self._api_key, "[API key]") if len(self._api_key) >= 8 else described)

    def _note_retry(self, state: RetryCallState) -> None:
        """Before a transport retry: count a 429 (a batch lowers its concurrency), say an unreachable
        endpoint or a timeout as a warning."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, openai.RateLimitError):
            self.rate_limited += 1
        elif error is not None and (reason := _unreachable(error)) is not None:
            logger.warning(
                "cannot connect to %s: %s (attempt %d of %d)",
                masked_url(self.base_url or ""),
                reason,
                state.attempt_number,
                self.settings.retry.max_attempts,
            )
        elif isinstance(error, openai.APITimeoutError | RequestTimedOut):
            # A slow endpoint must not look like a hung program: say so at every timeout.
            logger.warning(
                "an LLM request passed its %g s timeout (attempt %d of %d; FDI_EXTRACT_REQUEST_TIMEOUT sets it)",
                self.settings.resolved_request_timeout,
                state.attempt_number,
                self.settings.retry.max_attempts,
            )

    async def aclose(self) -> None:
        await self._openai.close()


def _content(completion: Any) -> str | None:
    """The text of a completion's first choice, whatever shape Instructor kept it in."""
    try:
        return completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
