"""The default path for real: no endpoint configured → the embedded llama.cpp model, assembled, served, used.

Slow (about a minute on 2 cores, more the first time the model is assembled); part of `make test` and CI.
Deselect with ``-m "not live"``.
"""

from __future__ import annotations

import pytest

from fdi_extract import Settings
from fdi_extract.pipeline import Extractor
from tests.conftest import seed

pytestmark = [pytest.mark.live, pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])]


@pytest.fixture
def embedded_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in (
        "FDI_EXTRACT_BASE_URL",
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
        "FDI_EXTRACT_API_KEY",
        "FDI_EXTRACT_STRATEGY",
        "FDI_EXTRACT_MODE",
        "FDI_EXTRACT_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return Settings()


def test_embedded_model_extracts_a_seed_article(embedded_settings: Settings) -> None:
    article = seed("004")  # the Abai article: 15 memoranda, a sanitation project, a chip plant in Semey
    with Extractor(embedded_settings) as extractor:
        server = extractor._server
        assert server is not None and server.base_url.startswith("http://127.0.0.1:")
        result = extractor.extract(article)
    assert server._process is None  # stopped on exit

    assert result.error is None and result.usage.calls >= 1 and result.usage.prompt_tokens > 0
    assert result.mentions, result.warnings
    for mention in result.mentions:
        assert mention.model == "qwen2.5-coder-1.5b-instruct-q4_k_m" and mention.strategy == "direct"
        for evidence in mention.evidence:
            assert article.text[evidence.start : evidence.end] == evidence.quote
        if mention.amount:
            assert any(mention.amount.text == e.quote for e in mention.evidence if e.field == "amount")
    investors = {i.name for m in result.mentions for i in m.investors}
    assert "Xinjiang Shutu Tecnology Co" in investors
    shutu = next(m for m in result.mentions if any(i.name == "Xinjiang Shutu Tecnology Co" for i in m.investors))
    assert shutu.region == "KZ-10" and shutu.amount is not None and shutu.amount.usd == 50e6


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_the_server_dies_with_its_parent_however_it_is_stopped(
    embedded_settings: Settings, tmp_path, stop: str
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "from fdi_extract import Settings\nfrom fdi_extract.local import EmbeddedServer\nimport signal, sys, time\n"
        # As in a terminal: a test runner started in the background inherits SIGINT ignored.
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "server = EmbeddedServer(Settings()).start()\nprint(server._process.pid, flush=True)\ntime.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.send_signal(
        getattr(signal, stop)
    )  # SIGINT: its finalizer stops it at exit; SIGTERM, SIGKILL: the kernel does
    parent.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:  # reap it if it became our zombie
            os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    pytest.fail(f"the llama.cpp server outlived its parent stopped by {stop}")


def test_two_processes_each_get_their_own_server(embedded_settings: Settings, tmp_path) -> None:
    """A second process whose probed port is taken meanwhile by the first one's server must not talk to that
    server: it is refused there (each server has its own key), takes another port, and both keep answering."""
    import json
    import subprocess
    import sys

    import openai

    from fdi_extract import local

    def ask(base_url: str, api_key: str) -> str:
        client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        answer = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Say OK."}], max_tokens=3, temperature=0
        )
        return answer.choices[0].message.content or ""

    with local.EmbeddedServer(embedded_settings) as first:
        script = tmp_path / "second.py"
        script.write_text(
            "import itertools, json, openai\nfrom fdi_extract import Settings, local\n"
            f"ports = itertools.chain([{first.port}], iter(local._free_port, None))\n"
            "local._free_port = lambda: next(ports)  # the race lost: the first server holds the probed port\n"
            "with local.EmbeddedServer(Settings()) as server:\n"
            "    client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0)\n"
            "    answer = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': 'Say OK.'}],"
            " max_tokens=3, temperature=0)\n"
            "    print(json.dumps({'port': server.port, 'key': server.api_key, 'answer': answer.choices[0].message.content}))\n"
        )
        second = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-2000:]
        reported = json.loads(second.stdout.strip().splitlines()[-1])
        assert reported["port"] != first.port and reported["answer"]
        assert ask(first.base_url, first.api_key)  # the first server is still there and still ours
        with pytest.raises(openai.AuthenticationError):
            ask(first.base_url, reported["key"])
