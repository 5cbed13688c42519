"""Search insights: what visitors search for, what finds nothing, what is never opened.

Queries are redacted before they are queued (nurses type callers' details; see redaction.py),
written to SQLite by a background thread so a slow disk never slows a search, stored without IP
addresses, and deleted after `retention_days` (SEARCH_INSIGHTS_DAYS): at start, then daily by
that thread.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from webapp.redaction import redact

log = logging.getLogger(__name__)

MAX_STORED_CHARS = 200
PURGE_EVERY_SECONDS = 86400
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (ts REAL NOT NULL, query TEXT NOT NULL, results INTEGER NOT NULL,
                                     source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS opens (ts REAL NOT NULL, query TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS searches_ts ON searches (ts);
CREATE INDEX IF NOT EXISTS opens_ts ON opens (ts);
"""


def normalise(query: str) -> str:
    """The form queries are stored in: redacted, case kept, single spaces, at most 200 characters."""
    return redact(query)[:MAX_STORED_CHARS].strip()


@dataclass(frozen=True)
class QueryCount:
    """One line of an insights table."""

    query: str
    searches: int
    results: int


class Insights:
    """Records searches and opened results; reports on them. Writes happen off the request path."""

    def __init__(self, db_path: Path | str, retention_days: float = 90) -> None:
        self.db_path = Path(db_path)
        self.retention_days = retention_days
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._initialise()
        with closing(self._connect()) as db:
            self._purge_quietly(db)  # at start (here, before any fork), then daily by the writer
        # The writer thread starts with the first record, in the process that records it: a
        # thread does not survive a fork, and gunicorn's workers are forked from a master that
        # created the app (`--preload`, as `make run` does) but never records anything. Nor does
        # the master then fork while its own writer is inside SQLite (a lock held at the fork
        # would stay held in the worker for ever).
        self._queue: queue.Queue[tuple[str, tuple] | None] = queue.Queue(maxsize=10_000)
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
        self._start_guard = threading.Lock()
        atexit.register(self.close)

    def _start_writer(self) -> None:
        """Start this process's writer thread, with a queue of its own (a queue copied by a fork
        may have been copied with its lock held)."""
        self._queue = queue.Queue(maxsize=10_000)
        self._writer = threading.Thread(target=self._write_loop, name="insights-writer", daemon=True)
        self._writer.start()
        self._writer_pid = os.getpid()

    def _initialise(self, attempts: int = 100) -> None:
        """Create the tables and switch to WAL once. Every gunicorn worker does this at start-up,
        at the same moment on a fresh machine, and changing the journal mode does not wait for
        a lock: so retry briefly instead of failing the worker."""
        for attempt in range(attempts):
            try:
                with closing(self._connect()) as db:
                    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        db.execute("PRAGMA journal_mode=WAL")  # several workers write to one file
                    db.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=10)

    def record_search(self, query: str, results: int, source: str) -> None:
        """Queue one search (never blocks; dropped with a warning if the writer is far behind)."""
        text = normalise(query)
        if text:
            self._put("INSERT INTO searches VALUES (?, ?, ?, ?)", (time.time(), text, results, source))

    def record_open(self, query: str, key: str) -> None:
        """Queue one opened result."""
        self._put("INSERT INTO opens VALUES (?, ?, ?)", (time.time(), normalise(query), key))

    def _put(self, sql: str, row: tuple) -> None:
        if self._writer_pid != os.getpid():  # the first record in a forked worker
            with self._start_guard:
                if self._writer_pid != os.getpid():
                    self._start_writer()
        try:
            self._queue.put_nowait((sql, row))
        except queue.Full:
            log.warning("insights writer is behind; dropping a record")

    def purge(self, db: sqlite3.Connection | None = None) -> int:
        """Delete searches and opens older than the retention period; returns how many."""
        if db is None:
            with closing(self._connect()) as own:
                return self.purge(own)
        cutoff = time.time() - self.retention_days * 86400
        with db:
            deleted = db.execute("DELETE FROM searches WHERE ts < ?", (cutoff,)).rowcount
            return deleted + db.execute("DELETE FROM opens WHERE ts < ?", (cutoff,)).rowcount

    def _write_loop(self) -> None:
        db = self._connect()
        next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        while True:
            if time.monotonic() >= next_purge:  # once a day (the first purge ran at start)
                self._purge_quietly(db)
                next_purge = time.monotonic() + PURGE_EVERY_SECONDS
            try:
                item = self._queue.get(timeout=min(3600.0, max(1.0, next_purge - time.monotonic())))
            except queue.Empty:
                continue
            if item is None:
                break
            batch = [item]
            while not self._queue.empty() and len(batch) < 500:
                nxt = self._queue.get()
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            try:
                with db:
                    for sql, row in batch:
                        db.execute(sql, row)
            except sqlite3.Error:
                log.exception("could not store %d insight records", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()
        db.close()

    def _purge_quietly(self, db: sqlite3.Connection) -> None:
        try:
            if deleted := self.purge(db):
                log.info("insights: deleted %d records older than %s days", deleted, self.retention_days)
        except sqlite3.Error:
            log.exception("could not delete old insight records")

    def flush(self) -> None:
        """Wait until everything queued so far is stored (for tests and shutdown)."""
        self._queue.join()

    def close(self) -> None:
        """Store what is queued and stop the writer."""
        if self._writer is not None and self._writer_pid == os.getpid() and self._writer.is_alive():
            self.flush()
            self._queue.put(None)
            self._writer.join(timeout=5)

    def report(self, days: int, limit: int = 50) -> dict[str, list[QueryCount]]:
        """Top queries, queries with no results, and queries whose results were never opened."""
        since = time.time() - days * 86400
        # Counted case-insensitively ("NET" and "net" are one line); shown as typed.
        grouped = "GROUP BY lower(query) ORDER BY COUNT(*) DESC, lower(query) LIMIT ?"
        with closing(self._connect()) as db:
            top = db.execute("SELECT MIN(query), COUNT(*), MAX(results) FROM searches WHERE ts >= ? "
                             + grouped, (since, limit)).fetchall()
            empty = db.execute("SELECT MIN(query), COUNT(*), 0 FROM searches WHERE ts >= ? AND results = 0 "
                               + grouped, (since, limit)).fetchall()
            unopened = db.execute(
                "SELECT MIN(query), COUNT(*), MAX(results) FROM searches s WHERE ts >= ? AND results > 0 "
                "AND NOT EXISTS (SELECT 1 FROM opens o WHERE lower(o.query) = lower(s.query) AND o.ts >= ?) "
                + grouped, (since, since, limit)).fetchall()
        as_counts = lambda rows: [QueryCount(*row) for row in rows]  # noqa: E731
        return {"top": as_counts(top), "no_results": as_counts(empty), "never_opened": as_counts(unopened)}

    def opens_by_page(self, days: float) -> dict[str, PageOpens]:
        """For each page path: how often its sections were opened from results in the last `days`
        days, and from how many different searches (counted regardless of case)."""
        since = time.time() - days * 86400
        # keys are "path#anchor", cut at the first "#" (a file name with "#" in it would be cut short)
        with closing(self._connect()) as db:
            rows = db.execute("SELECT substr(key, 1, instr(key || '#', '#') - 1) AS path, COUNT(*), "
                              "COUNT(DISTINCT lower(query)) FROM opens WHERE ts >= ? GROUP BY path",
                              (since,)).fetchall()
        return {path: PageOpens(opens, searches) for path, opens, searches in rows}


@dataclass(frozen=True)
class PageOpens:
    """How often one page was opened from search results, and from how many different searches."""

    opens: int
    searches: int
