"""Settings, the public API's handling of bad input, and the secret key staying secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fdi_extract
from fdi_extract import Extractor, InputError, Settings, extract_deals
from fdi_extract.cli import main
from fdi_extract.settings import Provider, Strategy, StructuredMode
from tests.fake_llm import Reply, fake_llm

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])
SECRET = "sk-proj-SECRETSECRETSECRET123456"


def test_a_key_in_the_environment_leaves_the_default_on_the_embedded_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FDI_EXTRACT_BASE_URL", "FDI_EXTRACT_MODEL", "FDI_EXTRACT_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = Settings()
    assert settings.provider is Provider.embedded and settings.resolved_base_url is None
    assert settings.strategy is Strategy.direct and settings.resolved_mode is StructuredMode.json
    assert Extractor(settings).settings.resolved_model == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    # The key is used once its provider is chosen, and never shown.
    chosen = Settings(model="openai/gpt-4o-mini")
    assert (chosen.provider, chosen.resolved_model, chosen.resolved_base_url) == (
        Provider.openai,
        "gpt-4o-mini",
        "https://api.openai.com/v1",
    )
    assert chosen.api_key is not None and chosen.api_key.get_secret_value() == SECRET
    assert chosen.strategy is Strategy.direct and chosen.resolved_mode is StructuredMode.json_schema
    assert (
        SECRET not in repr(chosen) and SECRET not in str(chosen.model_dump()) and SECRET not in str(chosen.described())
    )


@pytest.mark.parametrize(
    ("model", "base_url", "expected"),
    [
        ("ollama/qwen2.5:7b", None, (Provider.compatible, "qwen2.5:7b", "http://localhost:11434/v1")),
        ("ollama/qwen2.5:7b", "http://gpu:11434/v1", (Provider.compatible, "qwen2.5:7b", "http://gpu:11434/v1")),
        (
            "Qwen/Qwen2.5-7B-Instruct",
            "http://vllm:8000/v1",
            (Provider.compatible, "Qwen/Qwen2.5-7B-Instruct", "http://vllm:8000/v1"),
        ),
        ("embedded", "http://llama:8080/v1", (Provider.compatible, "default", "http://llama:8080/v1")),
    ],
)
def test_one_model_string_chooses_the_provider(model: str, base_url: str | None, expected: tuple) -> None:
    settings = Settings(model=model, base_url=base_url)
    assert (settings.provider, settings.resolved_model, settings.resolved_base_url) == expected


def test_a_model_with_no_provider_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="'openai/<model>'"):
        Settings(model="gpt-4o-mini")
    monkeypatch.setenv("FDI_EXTRACT_MODEL", "gpt-4o-mini")
    assert main(["config"]) == 2
    assert "say which provider serves it" in capsys.readouterr().err


def test_config_prints_what_the_settings_resolve_to_without_starting_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert main(["config", "--model", "openai/gpt-4o-mini"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["provider"] == "openai" and shown["model_name"] == "gpt-4o-mini" and shown["api_key"] == "set"
    assert shown["endpoint"] == "https://api.openai.com/v1" and shown["strategy"] == "direct"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(["config"]) == 0
    assert json.loads(capsys.readouterr().out)["provider"] == "embedded"


@pytest.fixture
def offline_settings() -> Settings:
    # An endpoint that is never reached: these inputs must be refused or emptied before any call.
    return Settings(base_url="http://127.0.0.1:9/v1", model="m")


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_article_gives_no_deals(text: str, offline_settings: Settings) -> None:
    assert extract_deals(text, settings=offline_settings) == []


def test_binary_and_oversized_input_raise_clear_errors(offline_settings: Settings) -> None:
    with pytest.raises(InputError, match="not UTF-8"):
        extract_deals(b"\x89PNG\r\n\x1a\n\xff\x00", article_id="img", settings=offline_settings)
    with pytest.raises(InputError, match="binary"):
        extract_deals("\x00\x01\x02 text", settings=offline_settings)
    with pytest.raises(InputError, match="big.*2,000,004 characters; the limit is 200,000"):
        extract_deals("Инвестиции. " * 166_667, article_id="big", settings=offline_settings)


def test_a_misspelt_keyword_is_refused_by_name(offline_settings: Settings) -> None:
    with pytest.raises(TypeError, match="extract_deals.*'publshed'.*published, article_id, url, settings"):
        extract_deals("text", publshed="2026-01-01", settings=offline_settings)  # type: ignore[call-arg]


def test_a_failing_article_does_not_stop_the_batch_and_the_key_never_leaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"\xff\xfe\xfa not utf-8")
    (tmp_path / "in" / "good.txt").write_text(
        "title: t\ndate: 2025-01-02\n\nКитайская компания Alpha Co., Ltd. построит завод."
    )
    answer = json.dumps({"deals": []})
    with fake_llm([Reply(content=answer)]) as (url, seen):
        monkeypatch.setenv("FDI_EXTRACT_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("FDI_EXTRACT_STRATEGY", "direct")
        monkeypatch.setenv("FDI_EXTRACT_MODE", "json_object_schema")
        code = main(
            ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "m.jsonl"), "--stats", str(tmp_path / "s.jsonl")]
        )
    captured = capsys.readouterr()
    stats = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert code == 1 and [s["article_id"] for s in stats] == ["bad", "good"]
    assert f"model default (compatible) at {url}, strategy direct" in captured.err  # said at the start
    assert "UTF-8" in stats[0]["error"] and stats[1]["error"] is None and stats[1]["usage"]["calls"] == 1
    assert len(seen) == 1
    for text in (captured.out, captured.err, *(p.read_text() for p in tmp_path.glob("*.jsonl"))):
        assert SECRET not in text


def test_public_names() -> None:
    for name in ("extract_deals", "aextract_deals", "DealMention", "Settings", "evaluate", "Extractor"):
        assert hasattr(fdi_extract, name)


def test_an_extractor_from_a_model_string_as_instructor_takes_one(tmp_path: Path) -> None:
    answer = json.dumps(
        {"deals": [{"investor": "Orda Glass Co., Ltd.", "project": "glass plant", "amount": "5 млрд тенге"}]}
    )
    text = "Компания Orda Glass Co., Ltd. построит стекольный завод в Алматинской области за 5 млрд тенге."
    with fake_llm([Reply(content=answer)]) as (url, seen):
        with Extractor("openai/m", base_url=url, api_key=SECRET, request_timeout=5) as extractor:
            result = extractor.extract(text)
    assert extractor.settings.request_timeout == 5 and seen[0]["model"] == "m"
    assert [i.name for m in result.mentions for i in m.investors] == ["Orda Glass Co., Ltd."]
    # The report from Python, and the run's outputs read back as a DataFrame.
    page = fdi_extract.write_report(result.mentions, tmp_path, articles={result.article_id: text})
    assert "<mark" in page.read_text(encoding="utf-8")
    frame = fdi_extract.deals_frame(fdi_extract.load_run(tmp_path).deals)
    assert list(frame.investors) == ["Orda Glass Co., Ltd."] and frame.amount_currency[0] == "KZT"
    with pytest.raises(ValueError, match="request_timeout"):
        Extractor(Settings(model="m", base_url=url), request_timeout=-1)


def test_extract_article_gives_the_mentions_with_their_warnings_and_usage() -> None:
    answer = json.dumps(
        {
            "deals": [
                {"investor": "Orda Glass Co., Ltd.", "project": "glass plant", "amount": "5 млрд тенге"},
                {"investor": "Phantom Holdings", "project": "nothing", "amount": "$9 billion"},
            ]
        }
    )
    text = "Компания Orda Glass Co., Ltd. построит стекольный завод в Алматинской области за 5 млрд тенге."
    with fake_llm([Reply(content=answer, prompt_tokens=321, completion_tokens=45)]) as (url, _):
        settings = Settings(base_url=url, model="m", strategy=Strategy.direct)
        result = fdi_extract.extract_article(text, article_id="a1", settings=settings)
        assert fdi_extract.extract_deals(text, settings=settings)[0].investors == result.mentions[0].investors
    assert result.article_id == "a1" and [i.name for m in result.mentions for i in m.investors] == [
        "Orda Glass Co., Ltd."
    ]
    assert result.usage.prompt_tokens == 321 and result.usage.completion_tokens == 45 and result.seconds > 0
    assert result.warnings == ["nothing: nothing of it is in the article, left out"]  # the invented deal
