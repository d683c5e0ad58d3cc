"""What made a result, as one key: the package's version, every data table and prompt, and the extraction
settings that shape an answer. A run stores the key beside each article it finished, so that after an
upgrade, an edited table or another model it can say which articles are stale (``run --refresh`` redoes
them), and the cache never serves an answer made another way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

from fdi_extract.extract.schema import SCHEMA_VERSION
from fdi_extract.settings import Settings


def package_version() -> str:
    try:
        return version("fdi-extract")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def fingerprint_of(folders: Iterable[Path], package: str) -> str:
    """A hash of every file under ``folders`` (its path and bytes) and of the package's version."""
    digest = hashlib.sha256(package.encode())
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def knowledge_fingerprint() -> str:
    """:func:`fingerprint_of` the package's data tables (``fdi_extract/data``) and prompts."""
    folders = [Path(str(files(package))) for package in ("fdi_extract.data", "fdi_extract.prompts")]
    return fingerprint_of(folders, package_version())


@cache
def code_fingerprint() -> str:
    """:func:`fingerprint_of` the whole package, code included: what a run's reconciled outputs are made with
    besides its mentions (a change anywhere makes them be written again; over-cautious, never stale)."""
    folders = [Path(str(files(package))) for package in ("fdi_extract", "fdi_extract.prompts")]
    return fingerprint_of(folders, package_version())


def extraction_key(settings: Settings, strategy: str, prompt_version: str) -> str:
    """Everything but the article that shapes an extraction's result, as one short key."""
    parts = (
        knowledge_fingerprint(),
        SCHEMA_VERSION,
        strategy,
        prompt_version,
        settings.resolved_model,
        settings.resolved_mode.value,
        repr(settings.temperature),
        str(settings.max_output_tokens),
        str(settings.chunk_chars),
        str(settings.validation_retries),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def outputs_key(settings: Settings | None, contents_digest: str) -> str:
    """Everything a run's reconciled outputs are made from, as one key: the store's contents
    (:meth:`~fdi_extract.store.Store.contents_digest`), the package (code and tables), and whether (and by which
    model) borderline pairs are adjudicated."""
    adjudicating = settings.resolved_model if settings is not None and settings.adjudicate else ""
    return hashlib.sha256("\x1f".join((code_fingerprint(), adjudicating, contents_digest)).encode()).hexdigest()
