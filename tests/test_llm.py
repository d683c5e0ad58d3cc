"""The LLM layer against a real HTTP server on loopback: retries, re-asks, usage, request shape."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from fdi_extract.errors import LLMError
from fdi_extract.extract.schema import FoundDeals
from fdi_extract.llm import LLM, metered
from fdi_extract.model import Usage
from fdi_extract.settings import RetryPolicy, Settings, StructuredMode
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])

GOOD = json.dumps({"deals": []})
FAST_RETRY = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=2.0, jitter=0)


def _ask(base_url: str, **settings: object) -> tuple[FoundDeals, Usage]:
    llm = LLM(Settings(base_url=base_url, model="m", retry=FAST_RETRY, **settings))
    usage = Usage()

    async def run() -> FoundDeals:
        try:
            with metered(usage):
                return await llm.ask(FoundDeals, [{"role": "user", "content": "article"}])
        finally:
            await llm.aclose()

    return asyncio.run(run()), usage


def test_429_honours_retry_after_and_usage_counts_every_answer() -> None:
    with fake_llm([Reply(429, headers={"Retry-After": "1"}), Reply(content=GOOD)]) as (url, seen):
        started = time.monotonic()
        answer, usage = _ask(url)
    assert answer.deals == [] and len(seen) == 2
    assert time.monotonic() - started >= 1.0
    assert usage.calls == 1 and usage.prompt_tokens == 100


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_then_reported(status: int) -> None:
    with fake_llm([Reply(status)]) as (url, seen), pytest.raises(LLMError, match="InternalServerError"):
        _ask(url)
    assert len(seen) == FAST_RETRY.max_attempts


def test_a_client_error_is_not_retried() -> None:
    with fake_llm([Reply(400)]) as (url, seen), pytest.raises(LLMError, match="BadRequest"):
        _ask(url)
    assert len(seen) == 1


def test_invalid_answers_are_re_asked_and_their_tokens_counted() -> None:
    replies = [Reply(content='{"deals": [{"project": 5}]}', prompt_tokens=70), Reply(content=GOOD, prompt_tokens=90)]
    with fake_llm(replies) as (url, seen):
        answer, usage = _ask(url, validation_retries=1)
    assert answer.deals == [] and len(seen) == 2
    assert usage.prompt_tokens == 160 and usage.calls == 2


def test_validation_budget_is_bounded() -> None:
    with fake_llm([Reply(content="not json")]) as (url, seen), pytest.raises(LLMError):
        _ask(url, validation_retries=2)
    assert len(seen) == 3


def test_llama_cpp_mode_sends_the_schema_as_json_object() -> None:
    with fake_llm([Reply(content=GOOD)]) as (url, seen):
        _ask(url, mode=StructuredMode.json_object_schema)
    response_format = seen[0]["response_format"]
    assert response_format["type"] == "json_object" and "deals" in response_format["schema"]["properties"]


def test_openai_mode_sends_json_schema() -> None:
    with fake_llm([Reply(content=GOOD)]) as (url, seen):
        _ask(url, mode=StructuredMode.json_schema)
    assert seen[0]["response_format"]["type"] == "json_schema"


def test_exhausted_re_asks_are_an_answer_error_not_a_transport_error() -> None:
    from fdi_extract.errors import LLMAnswerError

    with fake_llm([Reply(content="not json")]) as (url, _), pytest.raises(LLMAnswerError):
        _ask(url, validation_retries=0)
    with fake_llm([Reply(503)]) as (url, _), pytest.raises(LLMError) as raised:
        _ask(url)
    assert not isinstance(raised.value, LLMAnswerError)


def test_a_raw_line_break_inside_a_string_is_read_as_a_space() -> None:
    with fake_llm(
        [Reply(content='{"deals": [{"evidence": ["x"], "project": "wind\\nfarm"}]}'.replace("\\n", "\n"))]
    ) as (url, seen):
        answer, _ = _ask(url, validation_retries=0)
    assert answer.deals[0].project == "wind farm" and len(seen) == 1


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        (Reply(content=GOOD, delay=2), "APITimeoutError|request timeout"),  # per read or whole request: a race
        (Reply(drop=True), "Server disconnected"),
        (Reply(content='{"deals": [', finish_reason="length"), "IncompleteOutput"),
        (Reply(content=GOOD, empty_choices=True), "No choices"),
    ],
)
def test_every_fault_ends_in_a_bounded_llm_error(reply: Reply, cause: str) -> None:
    with fake_llm([reply]) as (url, seen), pytest.raises(LLMError, match=cause):
        _ask(url, request_timeout=0.5)
    assert 1 <= len(seen) <= FAST_RETRY.max_attempts


def test_a_key_echoed_by_the_endpoint_is_in_neither_the_error_nor_its_chain_nor_a_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-proj-DONOTLEAK0123456789abcdef"
    echo = Reply(401, error_message=f"Incorrect API key provided: {secret}")
    with caplog.at_level(logging.DEBUG), fake_llm([echo]) as (url, _), pytest.raises(LLMError) as raised:
        _ask(url, api_key=secret)
    # Nothing of ours or of the libraries under us logs it (no process-wide log filter is needed to hide it).
    assert any(record.name.startswith("openai") for record in caplog.records)  # the SDK did log, at DEBUG
    assert all(secret not in record.getMessage() and secret not in str(record.exc_info) for record in caplog.records)
    assert "AuthenticationError" in str(raised.value) and "[API key]" in str(raised.value)
    chain, error = [], raised.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert all(secret not in text for text in chain)


@pytest.mark.parametrize("mode", list(StructuredMode))
def test_request_bodies_need_none_of_the_sdks_request_transform(mode: StructuredMode) -> None:
    # LLM posts Instructor's body without chat.completions.create's transform (see LLM._complete):
    # that is only sound while the transform would hand every body back unchanged.
    from openai._utils import maybe_transform
    from openai.types.chat.completion_create_params import (
        CompletionCreateParamsNonStreaming,
    )

    from fdi_extract.adjudicate import PairVerdict

    llm = LLM(Settings(base_url="http://127.0.0.1:9/v1", model="m", mode=mode))
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "Статья: «ветропарк» 200 МВт"}]
    for model in (FoundDeals, PairVerdict):
        body = llm.request_body(model, messages)
        assert maybe_transform(body, CompletionCreateParamsNonStreaming) == body


@pytest.mark.parametrize("mode", list(StructuredMode))
def test_a_batch_line_asks_exactly_what_a_live_request_asks(mode: StructuredMode) -> None:
    # request_body (an OpenAI Batch API line) runs Instructor's request handler; ask() goes through
    # instructor.patch: both must put the same request on the wire.
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "Статья: «ветропарк» 200 МВт"}]
    with fake_llm([Reply(content=GOOD)]) as (url, seen):
        llm = LLM(Settings(base_url=url, model="m", mode=mode, retry=FAST_RETRY))

        async def run() -> None:
            try:
                await llm.ask(FoundDeals, messages)
            except LLMError:
                assert mode is StructuredMode.tools  # a plain answer to a tool request is re-asked and refused
            finally:
                await llm.aclose()

        asyncio.run(run())
    assert seen[0] == llm.request_body(FoundDeals, messages)


def test_a_re_ask_leaves_the_callers_messages_as_they_were() -> None:
    messages = [{"role": "user", "content": "article"}]
    with fake_llm([Reply(content='{"deals": [{"project": 5}]}'), Reply(content=GOOD)]) as (url, seen):
        llm = LLM(Settings(base_url=url, model="m", retry=FAST_RETRY, validation_retries=1))

        async def run() -> None:
            try:
                await llm.ask(FoundDeals, messages)
            finally:
                await llm.aclose()

        asyncio.run(run())
    assert messages == [{"role": "user", "content": "article"}]
    assert len(seen) == 2 and len(seen[1]["messages"]) == 3  # the question, the bad answer, what was wrong


def test_a_request_past_its_timeout_is_said_and_the_default_fits_the_provider(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="fdi_extract")
    with fake_llm([Reply(content=GOOD, delay=1.0)]) as (url, _), pytest.raises(LLMError):
        _ask(url, request_timeout=0.2)
    assert any("passed its 0.2 s timeout (attempt 1 of 3" in r.getMessage() for r in caplog.records)
    assert Settings().resolved_request_timeout == 300.0  # the embedded model on 2 cores
    assert Settings(base_url="http://127.0.0.1:9/v1").resolved_request_timeout == 60.0
    assert Settings(base_url="http://127.0.0.1:9/v1", request_timeout=5).resolved_request_timeout == 5.0


def test_an_over_long_phrase_is_cut_not_a_failed_answer() -> None:
    # Without a grammar a small model sometimes copies half a sentence into a field; the article is not lost.
    deal = FoundDeals.model_validate_json(
        json.dumps(
            {
                "deals": [
                    {
                        "project": "a plant " * 40,
                        "jobs": "6 000 рабочих мест в период строительства и " * 5,
                        "amount": "5 млрд тенге",
                    }
                ]
            }
        )
    ).deals[0]
    assert len(deal.project) == 120 and len(deal.jobs) == 80 and deal.amount == "5 млрд тенге"
