"""The package's layers point one way, and importing or using it changes nothing outside it."""

from __future__ import annotations

import ast
import csv
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import fdi_extract
from fdi_extract.inputs import read_inputs

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])
PACKAGE = Path(fdi_extract.__file__).parent


def _node(module: str) -> str:
    """A top-level module or subpackage of fdi_extract: the unit whose imports must not form a cycle."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "fdi_extract"


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        source = _node(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fdi_extract"):
                target = _node(node.module)
                if target not in (source, "fdi_extract"):
                    graph.setdefault(source, set()).add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_cycle_between_the_packages_modules_and_subpackages() -> None:
    graph = _import_graph()
    assert {"extract", "ground", "normalize", "text", "drafts"} <= set(graph) | {t for ts in graph.values() for t in ts}
    assert _cycle(graph) is None, f"import cycle: {' → '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


# Run in a fresh interpreter per module: what the import itself does, with nothing imported before it.
_PROBE = """
import atexit, csv, json, logging, sys
factory, limit, handlers = logging.getLogRecordFactory(), csv.field_size_limit(), list(logging.getLogger().handlers)
registered = []
atexit.register = lambda f, *a, **k: registered.append(f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', f)}")
import importlib
importlib.import_module(sys.argv[1])
print(json.dumps({
    "log record factory": logging.getLogRecordFactory() is not factory,
    "csv field size limit": csv.field_size_limit() != limit,
    "root log handlers": list(logging.getLogger().handlers) != handlers,
    "root log level": logging.getLogger().level != logging.WARNING,
    "atexit hooks of its own": [name for name in registered if name.startswith("fdi_extract")],
}))
"""

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages([str(PACKAGE)], prefix="fdi_extract.")
    if name != "fdi_extract.cli"  # the command line is an application: it sets up logging, as it should
)


@pytest.mark.parametrize("module", ["fdi_extract", *MODULES])
def test_importing_a_module_changes_nothing_process_wide(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    changed = {what: value for what, value in json.loads(done.stdout.splitlines()[-1]).items() if value}
    assert changed == {}, f"importing {module} changed: {changed}"


def test_reading_a_csv_with_a_long_article_leaves_the_csv_limit_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "archive.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "text"], ["long", "Инвестиции в завод. " * 20_000], ["short", "Завод."]])
    before = csv.field_size_limit()
    articles = list(read_inputs([path], lambda bad: pytest.fail(str(bad))))
    assert [a.article_id for a in articles] == ["long", "short"] and len(articles[0].text) > 300_000
    assert csv.field_size_limit() == before


def test_using_it_changes_nothing_process_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    import atexit
    import json as json_module
    import logging

    from fdi_extract import Extractor, Settings, reconcile
    from fdi_extract.settings import Strategy
    from tests.fake_llm import Reply, fake_llm

    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", lambda f, *a, **k: registered.append(f))
    factory, limit, handlers = logging.getLogRecordFactory(), csv.field_size_limit(), list(logging.getLogger().handlers)
    answer = json_module.dumps(
        {"deals": [{"investor": "Orda Glass Co., Ltd.", "amount": "5 млрд тенге", "project": "glass"}]}
    )
    text = "Компания Orda Glass Co., Ltd. построит стекольный завод в Алматинской области за 5 млрд тенге."
    with fake_llm([Reply(content=answer)]) as (url, _):
        settings = Settings(base_url=url, model="m", strategy=Strategy.direct, api_key="sk-test-0123456789abcdef")
        with Extractor(settings) as extractor:
            results = list(extractor.extract_many([text, text]))
    assert [r.error for r in results] == [None, None]
    mentions = [m for r in results for m in r.mentions]
    assert len(reconcile(mentions)) == 1
    assert logging.getLogRecordFactory() is factory and csv.field_size_limit() == limit
    # Only the package's own exit hooks count: certifi and weakref.finalize register one the first time anything
    # in the process makes a TLS context or a finalizer, whichever test happens to run first.
    ours = [f for f in registered if getattr(f, "__module__", "").startswith("fdi_extract")]
    assert list(logging.getLogger().handlers) == handlers and ours == []


def test_every_module_of_the_package_is_in_the_architecture_document() -> None:
    document = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__init__.py" and f"`{path.name}`" not in document
    ]
    assert not missing, f"docs/architecture.md names no {', '.join(missing)}"


def _cyrillic_literals(source: str) -> list[str]:
    """The string literals of a module's code holding Cyrillic (Kazakh included) letters, docstrings aside."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and any("\u0400" <= ch <= "\u04ff" for ch in node.value)
    ]


def test_the_cyrillic_literal_finder_skips_docstrings() -> None:
    source = 'def f():\n    """Слово в описании."""\n    return "слово", "word"\n'
    assert _cyrillic_literals(source) == ["слово"]


def test_language_knowledge_lives_in_the_data_tables_not_in_python_literals() -> None:
    # Words and patterns of a language belong in fdi_extract/data/ with the sentences that test them; what
    # is left in code is letter classes (a Cyrillic letter, "ё" folded to "е").
    found = {
        str(path.relative_to(PACKAGE)): literals
        for path in sorted(PACKAGE.rglob("*.py"))
        if (literals := _cyrillic_literals(path.read_text(encoding="utf-8")))
    }
    assert sum(len(literals) for literals in found.values()) <= 10, found
