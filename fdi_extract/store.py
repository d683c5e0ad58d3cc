"""SQLite store of a batch: articles with their status, mentions, runs, and a cache of extraction results.

One file, WAL mode, so a reader (a report, another process) never blocks the writer. Each article's
result — its mentions, its status and its cache entry — is committed in one transaction: a run killed
at any instant (SIGKILL included) leaves every article either done with all its mentions or not done
with none, and the next run does exactly the articles that are not done.

A store that is damaged, is some other SQLite file, sits on a full disk or a read-only folder is said as
such in one :class:`~fdi_extract.errors.StoreError` naming the file; commands that only read a store open
it read-only and change nothing in it.

The cache is keyed by the text's hash and the result key (knowledge.py: package version, data tables,
prompts, schema, strategy, model and its settings): the same article extracted the same way is never sent
to the model twice, and an answer made another way is never served.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from filelock import FileLock, Timeout

from fdi_extract.errors import StoreError
from fdi_extract.model import Article, ArticleResult, DealMention

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    text_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    published TEXT, url TEXT, title TEXT,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | submitted (to a remote batch job) | done | failed | skipped
    error TEXT, seconds REAL, prompt_tokens INTEGER, completion_tokens INTEGER, calls INTEGER,
    cached INTEGER NOT NULL DEFAULT 0, warnings TEXT, updated REAL,
    made_with TEXT,                           -- the result key (knowledge.py) a done or skipped article was made with
    read_warnings TEXT                        -- what could not be read of the record (a date), as a JSON list
);
CREATE INDEX IF NOT EXISTS articles_status ON articles(status);
CREATE TABLE IF NOT EXISTS mentions (
    article_id TEXT NOT NULL, position INTEGER NOT NULL, record TEXT NOT NULL,
    deal_id TEXT,                              -- set by reconciliation; overrides the record's own
    PRIMARY KEY (article_id, position)
);
CREATE INDEX IF NOT EXISTS mentions_deal ON mentions(deal_id);
CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, result TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS remote_jobs (          -- OpenAI Batch API jobs (openai_batch.py)
    job_id TEXT PRIMARY KEY, submitted REAL NOT NULL, requests INTEGER NOT NULL, collected REAL
);
CREATE TABLE IF NOT EXISTS submitted (article_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, requests INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, finished REAL, settings TEXT, summary TEXT
);
CREATE TABLE IF NOT EXISTS outputs (        -- what the run folder's outputs were last written from (batch.finish)
    key TEXT NOT NULL, files TEXT NOT NULL  -- files: {name: [size, mtime_ns]} as written
);
"""


@dataclass
class Registered:
    """What registering an archive's articles found: records read, and how many repeated an id already read."""

    read: int = 0
    duplicates: int = 0


def _mention(record: str, deal_id: str | None) -> DealMention:
    mention = DealMention.model_validate_json(record)
    if deal_id is not None:
        mention.deal_id = deal_id
    return mention


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_key(text: str, made_with: str) -> str:
    """Where a result is cached: the article's text and the result key it was made with (knowledge.py)."""
    return hashlib.sha256(f"{text_hash(text)}\x1f{made_with}".encode()).hexdigest()


@contextmanager
def one_writer(path: Path) -> Iterator[None]:
    """Hold the store at ``path`` for one command from start to end: a second run into the same folder would
    ask the model about every article again (paid twice) and race the first one's outputs, so it is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path.with_name(path.name + ".lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"another run is writing to {path.parent}; wait for it to finish, or give another --out"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _plainly(path: Path, error: sqlite3.Error) -> str:
    """What went wrong with the store at ``path``, and what to do, in a line."""
    message = str(error)
    if isinstance(error, sqlite3.DatabaseError) and ("malformed" in message or "not a database" in message):
        return (
            f"{path} is damaged ({message}): move it away and run again (the articles are read again from "
            "the inputs), or restore it from a copy"
        )
    if "disk is full" in message or "database or disk is full" in message:
        return (
            f"the disk holding {path} is full: free some space and run the same command again (what was done is kept)"
        )
    if "readonly" in message or "read-only" in message:
        return f"cannot write to {path}: the file or its folder is read-only"
    if "unable to open" in message:
        return f"cannot open {path}: its folder is missing or cannot be written"
    if "locked" in message:
        return f"{path} is in use by another process; wait for it to finish"
    return f"{path}: {message}"


class _Cursor(sqlite3.Cursor):
    """A cursor whose failures name the store (a damaged page may only show when a row is read)."""

    path: Path

    def fetchone(self) -> Any:
        with _said(self.path):
            return super().fetchone()

    def fetchall(self) -> list[Any]:
        with _said(self.path):
            return super().fetchall()

    def __next__(self) -> Any:
        with _said(self.path):
            return super().__next__()


class _Connection(sqlite3.Connection):
    """sqlite3's connection, with every failure said as a :class:`StoreError` naming the file and what to do:
    one place, so that no statement of the store can fail with a bare ``database disk image is malformed``."""

    path: Path

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:  # type: ignore[override]
        with _said(self.path):
            return self._cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any) -> _Cursor:  # type: ignore[override]
        with _said(self.path):
            return self._cursor().executemany(sql, parameters)

    def _cursor(self) -> _Cursor:
        cursor = self.cursor(_Cursor)
        cursor.path = self.path
        return cursor

    def executescript(self, script: str) -> sqlite3.Cursor:
        with _said(self.path):
            return super().executescript(script)


@contextmanager
def _said(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        raise StoreError(_plainly(path, error)) from error


class Store:
    """A batch's SQLite file. Not shared between threads; one writer process at a time.

    ``read_only``: for commands that only read a run (report, eval, reconcile); the file must exist and be a
    store, and nothing in it changes (no journal mode switched, no table added)."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = path
        self._read_only = read_only
        if read_only:
            if not path.is_file():
                raise StoreError(f"{path} does not exist")
            with _said(path):
                self._db = sqlite3.connect(
                    f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None, factory=_Connection
                )
            self._db.path = path
            self._check_is_a_store()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with _said(path):
            self._db = sqlite3.connect(path, isolation_level=None, factory=_Connection)  # explicit transactions
        self._db.path = path
        self._check_is_a_store()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(mentions)")}
        if columns and "deal_id" not in columns:  # a store from before the column
            self._db.execute("ALTER TABLE mentions ADD COLUMN deal_id TEXT")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if columns and "read_warnings" not in columns:
            self._db.execute("ALTER TABLE articles ADD COLUMN read_warnings TEXT")
        if columns and "made_with" not in columns:
            self._db.execute("ALTER TABLE articles ADD COLUMN made_with TEXT")
        self._db.executescript(_SCHEMA)

    def _check_is_a_store(self) -> None:
        # Every store, of any version, has its mentions table; a new file has no table at all.
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "mentions" not in tables and (tables or self._read_only):
            self._db.close()
            raise StoreError(
                f"{self.path} is not an fdi-extract store (it has no mentions table); "
                "give a run's store.sqlite or its folder, or another --out"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction: committed whole, or rolled back (when SQLite has not already rolled it back, as it
        does when a disk fills: a second ROLLBACK would hide that cause behind "no transaction is active")."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_articles(self, articles: Iterable[Article], batch_size: int = 1000) -> Registered:
        """Register articles; one whose text changed since an earlier run goes back to pending.

        An id read twice in one call is a duplicate: registered once (the last text wins) and counted.
        """
        # The ids of this call live in a temporary table, not a Python set: an archive may hold millions.
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS registering (article_id TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM registering")
        registered = Registered()
        batch: list[tuple[object, ...]] = []

        def flush() -> None:
            with self._transaction():
                before = self._db.total_changes
                self._db.executemany(
                    "INSERT OR IGNORE INTO registering (article_id) VALUES (?)", [row[:1] for row in batch]
                )
                registered.duplicates += len(batch) - (self._db.total_changes - before)
                self._db.executemany(
                    """INSERT INTO articles (article_id, text_hash, text, published, url, title, updated, read_warnings)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(article_id) DO UPDATE SET
                         text_hash = excluded.text_hash, text = excluded.text, published = excluded.published,
                         url = excluded.url, title = excluded.title, status = 'pending', updated = excluded.updated,
                         read_warnings = excluded.read_warnings
                       WHERE articles.text_hash != excluded.text_hash""",
                    batch,
                )
            batch.clear()

        for article in articles:
            batch.append(
                (
                    article.article_id,
                    text_hash(article.text),
                    article.text,
                    article.published,
                    article.url,
                    article.title,
                    time.time(),
                    json.dumps(article.warnings, ensure_ascii=False) if article.warnings else None,
                )
            )
            registered.read += 1
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        return registered

    def pending(self) -> Iterator[Article]:
        """Articles not done yet (pending or failed earlier), read in pages so memory stays flat."""
        return self._articles("articles a", "a.status IN ('pending', 'failed')", ())

    def _articles(self, source: str, condition: str, parameters: tuple[object, ...]) -> Iterator[Article]:
        """Articles of ``source`` (aliased ``a``) meeting ``condition``, in id order, 500 at a time.

        ``source`` and ``condition`` are fixed SQL of this class; values go in as ``parameters``."""
        last = ""
        while rows := self._db.execute(
            f"SELECT a.article_id, a.text, a.published, a.url, a.title, a.read_warnings FROM {source} "
            f"WHERE {condition} AND a.article_id > ? ORDER BY a.article_id LIMIT 500",
            (*parameters, last),
        ).fetchall():
            for article_id, text, published, url, title, warnings in rows:
                yield Article(
                    article_id=article_id,
                    text=text,
                    published=published,
                    url=url,
                    title=title,
                    warnings=json.loads(warnings) if warnings else [],
                )
            last = rows[-1][0]

    def cached(self, key: str) -> ArticleResult | None:
        text = self.cached_text(key)
        return ArticleResult.model_validate_json(text) if text is not None else None

    def stale(self, made_with: str) -> int:
        """Articles done or skipped under another result key than ``made_with`` (or before keys were kept)."""
        return self._db.execute(
            "SELECT COUNT(*) FROM articles WHERE status IN ('done', 'skipped') AND made_with IS NOT ?", (made_with,)
        ).fetchone()[0]

    def refresh(self, made_with: str) -> int:
        """Set the articles :meth:`stale` counts back to pending; how many."""
        with self._transaction():
            before = self._db.total_changes
            self._db.execute(
                "UPDATE articles SET status = 'pending' WHERE status IN ('done', 'skipped') AND made_with IS NOT ?",
                (made_with,),
            )
            return self._db.total_changes - before

    def save(
        self,
        result: ArticleResult,
        *,
        status: str,
        cache: str | None = None,
        cached: bool = False,
        made_with: str | None = None,
    ) -> None:
        """Record one article's outcome atomically: mentions replaced, status set, cache filled. A mention
        recorded again unchanged (a re-run served from the cache) keeps the deal id reconciliation gave it."""
        with self._transaction():
            before = {
                position: (record, deal_id)
                for position, record, deal_id in self._db.execute(
                    "SELECT position, record, deal_id FROM mentions WHERE article_id = ?", (result.article_id,)
                )
            }
            self._db.execute("DELETE FROM mentions WHERE article_id = ?", (result.article_id,))
            records = [m.model_dump_json() for m in result.mentions]
            self._db.executemany(
                "INSERT INTO mentions (article_id, position, record, deal_id) VALUES (?, ?, ?, ?)",
                [
                    (
                        result.article_id,
                        i,
                        record,
                        m.deal_id or (before[i][1] if i in before and before[i][0] == record else None),
                    )
                    for i, (m, record) in enumerate(zip(result.mentions, records, strict=True))
                ],
            )
            self._db.execute(
                """UPDATE articles SET status = ?, error = ?, seconds = ?, prompt_tokens = ?, completion_tokens = ?,
                   calls = ?, cached = ?, warnings = ?, updated = ?, made_with = ? WHERE article_id = ?""",
                (
                    status,
                    result.error,
                    result.seconds,
                    result.usage.prompt_tokens,
                    result.usage.completion_tokens,
                    result.usage.calls,
                    int(cached),
                    json.dumps(result.warnings, ensure_ascii=False),
                    time.time(),
                    made_with,
                    result.article_id,
                ),
            )
            if cache is not None and status == "done":
                self.remember(cache, result)

    def remember(self, key: str, result: ArticleResult) -> None:
        """Put a result in the cache, as a run does for each article it extracts (inside its transaction)."""
        self.remember_text(key, result.model_dump_json())

    def cached_text(self, key: str) -> str | None:
        row = self._db.execute("SELECT result FROM llm_cache WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def remember_text(self, key: str, text: str) -> None:
        """Cache ``text`` (a result's JSON, an adjudication verdict) under ``key``; one statement, so outside a
        transaction it commits on its own."""
        self._db.execute(
            "INSERT OR REPLACE INTO llm_cache (key, result, created) VALUES (?, ?, ?)", (key, text, time.time())
        )

    def mention_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]

    def deal_count(self) -> int:
        """Deals of the last reconciliation: the distinct deal ids it gave the mentions."""
        return self._db.execute("SELECT COUNT(DISTINCT deal_id) FROM mentions").fetchone()[0]

    def contents_digest(self) -> str:
        """A hash of every mention record and every article (its text's hash, date, address and title), in order:
        what a run's outputs are made from, so that two equal digests mean the outputs would come out the same."""
        digest = hashlib.sha256()
        for query in (
            "SELECT article_id, position, record FROM mentions ORDER BY article_id, position",
            "SELECT article_id, text_hash, published, url, title FROM articles ORDER BY article_id",
        ):
            for row in self._db.execute(query):
                digest.update("\x1f".join(map(str, row)).encode() + b"\x1e")
            digest.update(b"\x1d")
        return digest.hexdigest()

    def outputs_made(self) -> tuple[str, dict[str, list[int]]] | None:
        """The key the run folder's outputs were last written with, and their files as written."""
        row = self._db.execute("SELECT key, files FROM outputs").fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def set_outputs_made(self, key: str, files: dict[str, list[int]]) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM outputs")
            self._db.execute("INSERT INTO outputs (key, files) VALUES (?, ?)", (key, json.dumps(files)))

    def mention_keys(self) -> list[tuple[str, int]]:
        """(article id, position) of every mention, in :meth:`mentions` order."""
        return self._db.execute("SELECT article_id, position FROM mentions ORDER BY article_id, position").fetchall()

    def mention(self, article_id: str, position: int) -> DealMention:
        record, deal_id = self._db.execute(
            "SELECT record, deal_id FROM mentions WHERE article_id = ? AND position = ?", (article_id, position)
        ).fetchone()
        return _mention(record, deal_id)

    def mentions(self) -> Iterator[DealMention]:
        """Every mention, in (article, position) order, read in pages so memory stays flat."""
        last: tuple[str, int] = ("", -1)
        while rows := self._db.execute(
            """SELECT article_id, position, record, deal_id FROM mentions WHERE (article_id, position) > (?, ?)
               ORDER BY article_id, position LIMIT 1000""",
            last,
        ).fetchall():
            for _, _, record, deal_id in rows:
                yield _mention(record, deal_id)
            last = rows[-1][:2]

    def mentions_of(self, deal_id: str) -> list[DealMention]:
        rows = self._db.execute(
            "SELECT record, deal_id FROM mentions WHERE deal_id = ? ORDER BY article_id, position", (deal_id,)
        )
        return [_mention(record, deal) for record, deal in rows]

    def set_deal_ids(self, deal_ids: Iterable[str]) -> None:
        """Give the mentions, in :meth:`mentions` order, their deal ids (one transaction)."""
        keys = self.mention_keys()
        with self._transaction():
            self._db.executemany(
                "UPDATE mentions SET deal_id = ? WHERE article_id = ? AND position = ?",
                ((deal_id, *key) for key, deal_id in zip(keys, deal_ids, strict=True)),
            )

    def record_job(self, job_id: str, requests: dict[str, int]) -> None:
        """A remote batch job now holds the requests of these articles (article id → number of requests)."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO remote_jobs (job_id, submitted, requests) VALUES (?, ?, ?)",
                (job_id, time.time(), sum(requests.values())),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO submitted (article_id, job_id, requests) VALUES (?, ?, ?)",
                [(article_id, job_id, count) for article_id, count in requests.items()],
            )
            self._db.executemany(
                "UPDATE articles SET status = 'submitted', updated = ? WHERE article_id = ?",
                [(time.time(), article_id) for article_id in requests],
            )

    def open_jobs(self) -> list[str]:
        return [
            row[0]
            for row in self._db.execute("SELECT job_id FROM remote_jobs WHERE collected IS NULL ORDER BY submitted")
        ]

    def job_articles(self, job_id: str) -> Iterator[Article]:
        """The articles a remote job holds, in pages (a job may hold 50,000)."""
        return self._articles("submitted s JOIN articles a USING (article_id)", "s.job_id = ?", (job_id,))

    def close_job(self, job_id: str) -> None:
        """Every article of the job has its outcome saved; the job is done with."""
        with self._transaction():
            self._db.execute("UPDATE remote_jobs SET collected = ? WHERE job_id = ?", (time.time(), job_id))
            self._db.execute("DELETE FROM submitted WHERE job_id = ?", (job_id,))

    def article_text(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM articles GROUP BY status").fetchall())

    def failures(self) -> list[tuple[str, str]]:
        return self._db.execute(
            "SELECT article_id, error FROM articles WHERE status = 'failed' ORDER BY article_id"
        ).fetchall()

    def start_run(self, settings: str) -> int:
        cursor = self._db.execute("INSERT INTO runs (started, settings) VALUES (?, ?)", (time.time(), settings))
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, summary: dict[str, object]) -> None:
        self._db.execute(
            "UPDATE runs SET finished = ?, summary = ? WHERE run_id = ?", (time.time(), json.dumps(summary), run_id)
        )
