"""Settings, read from arguments first, then the environment, then defaults.

The LLM is chosen by one explicit model string, as in instructor's ``from_provider``:

- ``"embedded"`` (the default): the bundled Qwen2.5-Coder-1.5B on a llama.cpp server this library starts;
- ``"openai/gpt-4o-mini"``: OpenAI (key from ``api_key``, FDI_EXTRACT_API_KEY or OPENAI_API_KEY);
- ``"ollama/qwen2.5:7b"``: a local Ollama (http://localhost:11434/v1 unless ``base_url`` says otherwise);
- any name with ``base_url=``: any other OpenAI-compatible endpoint (vLLM, llama.cpp, a proxy).

A key or a URL in the environment is used by the provider that is chosen and never chooses one: a
developer's OPENAI_API_KEY does not move ``extract_deals`` off the embedded model.

Environment: FDI_EXTRACT_MODEL, FDI_EXTRACT_BASE_URL, FDI_EXTRACT_API_KEY (or OPENAI_API_KEY),
FDI_EXTRACT_STRATEGY, FDI_EXTRACT_MODE, FDI_EXTRACT_GGUF, and every other field as FDI_EXTRACT_<NAME>.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from fdi_extract.errors import SettingsError

OPENAI_BASE_URL = "https://api.openai.com/v1"
OLLAMA_BASE_URL = "http://localhost:11434/v1"
EMBEDDED = "embedded"
EMBEDDED_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"


class Provider(StrEnum):
    embedded = "embedded"  # llama.cpp server started by this library on 127.0.0.1
    openai = "openai"
    compatible = "compatible"  # any other OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp...)


class Strategy(StrEnum):
    # The model reads the article and proposes the deals; the article's words decide the fields. It beat the
    # guided strategy (rules found candidates, the model judged them) and the plain one-call baseline on dev
    # articles scored before anyone read them (docs/evaluation.md, issue 22), and replaced the guided one.
    # An enum, not a constant: a design tried side by side with it is one more member.
    direct = "direct"


class StructuredMode(StrEnum):
    auto = "auto"
    tools = "tools"  # OpenAI function calling
    json_schema = "json_schema"  # response_format={"type": "json_schema", ...}: OpenAI, vLLM, Ollama
    json = "json"  # the schema in the system message, response_format={"type": "json_object"}: any JSON mode
    # response_format={"type": "json_object", "schema": ...}: what llama-cpp-python's server accepts
    # (it rejects "json_schema"); the schema becomes a grammar, so the output always parses.
    json_object_schema = "json_object_schema"


class RetryPolicy(BaseModel):
    """How transport failures (429, 5xx, timeouts, dropped connections) are retried.

    Exponential backoff with jitter, bounded in attempts and in wait; a 429's Retry-After is
    honoured when it is longer than the backoff. Validation failures are a separate budget
    (``Settings.validation_retries``), spent by Instructor re-asking the model.
    """

    max_attempts: PositiveInt = 5
    initial_wait: PositiveFloat = 1.0
    max_wait: PositiveFloat = 60.0
    jitter: float = Field(default=1.0, ge=0)


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fdi-extract"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FDI_EXTRACT_", populate_by_name=True, extra="ignore")

    model: str = Field(
        default=EMBEDDED,
        description='"embedded", "openai/<model>", "ollama/<model>", or a model name served at base_url.',
    )
    base_url: str | None = Field(default=None, description="An OpenAI-compatible endpoint for the model.")
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("api_key", "FDI_EXTRACT_API_KEY", "OPENAI_API_KEY")
    )
    temperature: float = 0.0
    request_timeout: PositiveFloat | None = Field(
        default=None,
        description="Seconds for one LLM request before it is retried; default 300 for the embedded model "
        "(a long article on 2 cores), 60 for an API.",
    )
    max_output_tokens: PositiveInt = 2048
    validation_retries: int = Field(default=1, ge=0, description="Re-asks after an answer fails validation.")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    strategy: Strategy = Strategy.direct
    mode: StructuredMode = StructuredMode.auto
    max_article_chars: PositiveInt = Field(
        default=200_000, description="Longer articles are refused with a clear error instead of being sent."
    )
    prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="USD per million prompt/completion tokens, by model (see pricing.py)."
    )
    adjudicate: bool = Field(
        default=False,
        description="Ask the LLM about reconciliation pairs tied only by investor and place (no figure, no "
        "project words).",
    )
    chunk_chars: PositiveInt = Field(
        default=12_000, description="Articles longer than this are split at paragraph boundaries."
    )
    # The embedded model.
    gguf: Path | None = Field(default=None, description="A GGUF file to serve instead of the bundled model.")
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    n_ctx: PositiveInt = 8192
    n_threads: PositiveInt | None = None
    server_start_timeout: PositiveFloat = 180.0

    @model_validator(mode="after")
    def _known_provider(self) -> Settings:
        prefix, _, name = self.model.partition("/")
        if not self.base_url and self.model != EMBEDDED and (prefix not in _PROVIDER_PREFIXES or not name):
            raise ValueError(
                f"model {self.model!r}: say which provider serves it: 'embedded', 'openai/<model>', "
                f"'ollama/<model>', or give base_url for another OpenAI-compatible endpoint"
            )
        return self

    @property
    def provider(self) -> Provider:
        prefix = self.model.partition("/")[0]
        if prefix == "openai" or (self.base_url and self.base_url.rstrip("/") == OPENAI_BASE_URL):
            return Provider.openai
        if self.base_url or prefix == "ollama":
            return Provider.compatible
        return Provider.embedded

    @property
    def resolved_base_url(self) -> str | None:
        """The endpoint; None for the embedded model, whose address is known once its server is started."""
        if self.base_url:
            return self.base_url
        return {Provider.openai: OPENAI_BASE_URL, Provider.compatible: OLLAMA_BASE_URL}.get(self.provider)

    @property
    def resolved_mode(self) -> StructuredMode:
        if self.mode is not StructuredMode.auto:
            return self.mode
        if self.provider is Provider.embedded:
            # The list of deals came out longer and better without a grammar (llama.cpp's json_object with a
            # schema) than with one (docs/evaluation.md, issue 12).
            return StructuredMode.json
        return StructuredMode.json_schema

    @property
    def resolved_request_timeout(self) -> float:
        if self.request_timeout is not None:
            return self.request_timeout
        return 300.0 if self.provider is Provider.embedded else 60.0

    @property
    def resolved_model(self) -> str:
        """The model name the endpoint is asked for."""
        if self.provider is Provider.embedded:
            return EMBEDDED_MODEL_NAME
        prefix, _, name = self.model.partition("/")
        if prefix in _PROVIDER_PREFIXES and name:
            return name
        # A server of one model (llama.cpp, vLLM) answers whatever it is called.
        return "default" if self.model == EMBEDDED else self.model

    def require_credentials(self) -> None:
        """Raise :class:`SettingsError` when the provider needs an API key and none is set: said before the
        first request, not as one 401 per article."""
        if self.provider is Provider.openai and self.api_key is None:
            raise SettingsError(
                f"model {self.model!r} needs an API key: set OPENAI_API_KEY or FDI_EXTRACT_API_KEY "
                "(or Settings(api_key=...))"
            )

    def public_json(self) -> str:
        """The settings as JSON with no secret: no API key, and the endpoint's URL masked."""
        public = self.model_dump(mode="json", exclude={"api_key"})
        public["base_url"] = masked_url(self.base_url) if self.base_url else None
        return json.dumps(public, ensure_ascii=False)

    def described(self) -> dict[str, object]:
        """What these settings resolve to, as `fdi-extract config` prints it: nothing is started."""
        endpoint = self.resolved_base_url
        return {
            "model": self.model,
            "provider": self.provider.value,
            "model_name": self.resolved_model,
            "endpoint": masked_url(endpoint) if endpoint else "a llama.cpp server on 127.0.0.1, started on first use",
            "strategy": self.strategy.value,
            "mode": self.resolved_mode.value,
            "request_timeout_s": self.resolved_request_timeout,
            "api_key": "set" if self.api_key else "not set",
        }


_PROVIDER_PREFIXES = ("openai", "ollama")
_SECRET_PARAMETERS = ("key", "token", "secret", "password", "auth", "sig")


def masked_url(url: str) -> str:
    """``url`` fit to print or store: a password in it (``http://user:KEY@host``), a bare user part (which may
    be a key) and the values of query parameters named like a key or token become ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user_part, host = netloc.rsplit("@", 1)
        user, has_password, _ = user_part.partition(":")
        netloc = f"{user}:***@{host}" if has_password else f"***@{host}"
    query = urlencode(
        [
            (name, "***" if any(s in name.lower() for s in _SECRET_PARAMETERS) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))
