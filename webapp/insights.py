"""Search insights: what visitors search for, what finds nothing, what is never opened.

Queries are redacted before they are queued (nurses type callers' details), written to SQLite
by a background thread so a slow disk never slows a search, and stored without IP addresses.
"""
from __future__ import annotations

import atexit
import logging
import queue
import re
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
# Any run of 7+ digits, however spaced or dashed: phone numbers, NHS numbers, dates of birth.
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (ts REAL NOT NULL, query TEXT NOT NULL, results INTEGER NOT NULL,
                                     source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS opens (ts REAL NOT NULL, query TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS searches_ts ON searches (ts);
CREATE INDEX IF NOT EXISTS opens_ts ON opens (ts);
"""


def redact(text: str) -> str:
    """Replace email addresses, phone/NHS-number-like digit runs, dates and postcodes."""
    text = _EMAIL.sub("[email]", text)
    text = _DATE.sub("[date]", text)
    text = _DIGIT_RUN.sub("[number]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return " ".join(text.split())


def normalise(query: str) -> str:
    """The form queries are counted in: redacted, lower case, single spaces, at most 200 chars."""
    return redact(query).lower()[:200]


@dataclass(frozen=True)
class QueryCount:
    """One line of an insights table."""

    query: str
    searches: int
    results: int


class Insights:
    """Records searches and opened results; reports on them. Writes happen off the request path."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._initialise()
        self._queue: queue.Queue[tuple[str, tuple] | None] = queue.Queue(maxsize=10_000)
        self._writer = threading.Thread(target=self._write_loop, name="insights-writer", daemon=True)
        self._writer.start()
        atexit.register(self.close)

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
        try:
            self._queue.put_nowait((sql, row))
        except queue.Full:
            log.warning("insights writer is behind; dropping a record")

    def _write_loop(self) -> None:
        db = self._connect()
        while (item := self._queue.get()) is not None:
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

    def flush(self) -> None:
        """Wait until everything queued so far is stored (for tests and shutdown)."""
        self._queue.join()

    def close(self) -> None:
        """Store what is queued and stop the writer."""
        if self._writer.is_alive():
            self.flush()
            self._queue.put(None)
            self._writer.join(timeout=5)

    def report(self, days: int, limit: int = 50) -> dict[str, list[QueryCount]]:
        """Top queries, queries with no results, and queries whose results were never opened."""
        since = time.time() - days * 86400
        with closing(self._connect()) as db:
            top = db.execute(
                "SELECT query, COUNT(*), MAX(results) FROM searches WHERE ts >= ? "
                "GROUP BY query ORDER BY COUNT(*) DESC, query LIMIT ?", (since, limit)).fetchall()
            empty = db.execute(
                "SELECT query, COUNT(*), 0 FROM searches WHERE ts >= ? AND results = 0 "
                "GROUP BY query ORDER BY COUNT(*) DESC, query LIMIT ?", (since, limit)).fetchall()
            unopened = db.execute(
                "SELECT s.query, COUNT(*), MAX(s.results) FROM searches s WHERE s.ts >= ? AND s.results > 0 "
                "AND NOT EXISTS (SELECT 1 FROM opens o WHERE o.query = s.query AND o.ts >= ?) "
                "GROUP BY s.query ORDER BY COUNT(*) DESC, s.query LIMIT ?", (since, since, limit)).fetchall()
        as_counts = lambda rows: [QueryCount(*row) for row in rows]  # noqa: E731
        return {"top": as_counts(top), "no_results": as_counts(empty), "never_opened": as_counts(unopened)}
