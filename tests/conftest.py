"""Shared fixtures.

LLM calls replay from cassettes under cassettes/ (pytest-recording). To re-record them against the
real embedded model: ``pytest --record-mode=rewrite -m "not live" tests/test_replay.py`` — the
``llm_settings`` fixture then starts the embedded llama.cpp server and points the same settings at it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fdi_extract.articles import read_article
from fdi_extract.local import EmbeddedServer
from fdi_extract.model import Article
from fdi_extract.settings import EMBEDDED_MODEL_NAME, Settings, Strategy, StructuredMode

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"
# Any address will do while replaying: cassettes match on method, path and body, never on host or port.
REPLAY_BASE_URL = "http://127.0.0.1:8765/v1"


def seed(prefix: str) -> Article:
    return read_article(next(SEEDS.glob(f"{prefix}_*.txt")))


@pytest.fixture(scope="session")
def vcr_config() -> dict:
    return {
        "filter_headers": ["authorization", "x-api-key", "api-key", "openai-organization"],
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.split(".")[-1])


@pytest.fixture(scope="session")
def _recording(pytestconfig: pytest.Config) -> bool:
    return (pytestconfig.getoption("--record-mode") or "none") != "none"


@pytest.fixture(scope="session")
def llm_settings(_recording: bool) -> Iterator[Settings]:
    """Settings whose requests are byte-identical whether recorded from the real server or replayed."""
    base = {
        "model": EMBEDDED_MODEL_NAME,
        "mode": StructuredMode.json,
        "strategy": Strategy.direct,
        "api_key": "sk-test-not-a-real-key-0000000000",
    }
    if not _recording:
        yield Settings(base_url=REPLAY_BASE_URL, **base)
        return
    with EmbeddedServer(Settings()) as server:
        # Authorization headers are filtered out of cassettes, so recording with the server's own key
        # and replaying with the dummy one send the same matched requests.
        yield Settings(base_url=server.base_url, **(base | {"api_key": server.api_key}))
