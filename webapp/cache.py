"""The result cache: finished responses keyed by the live generation and the normalised request.

Two levels. Each worker keeps an LRU in memory (a hit costs about what /healthz does), and every
worker on the machine shares a SQLite file beside the index, so a search one worker has answered
is not computed again by the next worker asked (with N workers, a popular search would otherwise
cost N full searches). A new build publishes a new generation, so its key changes: old entries are
dropped from memory at once and from the file at the next write.

The shared file is a cache: if it cannot be opened or read, searches go on without it.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import pickle
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

# Responses kept in each worker's memory, at most this many and this many characters of text
# (about 10-15 MB with the objects and the JSON kept beside them): the shared file behind them
# keeps many more, so a response dropped here costs a read of the file, not a search.
MAX_ENTRIES = 2048
MAX_CHARS = 4_000_000
# Responses kept in the shared file (~10 KB each: ~200 MB at most), trimmed oldest first.
SHARED_ENTRIES = 20_000
TRIM_EVERY = 256  # writes between two trims of the shared file
# A worker waits this long for another's write to the shared file before counting a miss.
BUSY_MS = 200


class Copyable(Protocol):
    """A cached value: shared by every hit, so whoever needs to change one changes a copy."""

    def copy(self): ...

    def weight(self) -> int:
        """Its size, roughly, in characters of text."""


Value = TypeVar("Value", bound=Copyable)


class ResultCache(Generic[Value]):
    """Thread-safe LRU of responses for one generation at a time, backed by an optional shared file."""

    def __init__(self, max_entries: int = MAX_ENTRIES, shared: SharedResults | None = None,
                 max_chars: int = MAX_CHARS) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self.shared = shared
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._chars = 0
        self._generation = ""
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, generation: str, key: Hashable) -> Value | None:
        """The cached response, or None. Shared with every later hit: callers change a copy()."""
        with self._lock:
            if generation != self._generation:
                self._forget()
                self._generation = generation
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
        if value is None and self.shared is not None:
            value = self.shared.get(generation, key)
            if value is not None:
                self._remember(generation, key, value)
        with self._lock:
            if value is None:
                self.misses += 1
                return None
            self.hits += 1
        return value

    def clear(self) -> None:
        """Forget every response held in memory (the synonyms changed: the shared file's entries
        are keyed by the synonyms they were computed with, so they need no clearing)."""
        with self._lock:
            self._forget()

    def put(self, generation: str, key: Hashable, value: Value) -> None:
        """Remember a response of a generation (ignored if a newer generation is already live);
        from now on nobody may change it in place."""
        if self._remember(generation, key, value) and self.shared is not None:
            self.shared.put(generation, key, value)

    def _remember(self, generation: str, key: Hashable, value: Value) -> bool:
        with self._lock:
            if generation != self._generation:
                return False
            if key not in self._entries:
                self._entries[key] = value
                self._chars += value.weight()
            self._entries.move_to_end(key)
            while len(self._entries) > 1 and (len(self._entries) > self.max_entries
                                              or self._chars > self.max_chars):
                self._chars -= self._entries.popitem(last=False)[1].weight()
            return True

    def _forget(self) -> None:
        self._entries.clear()
        self._chars = 0


def code_version(*packages: str) -> str:
    """A digest of the packages' Python sources: a response cached by other code (another
    ranking, another response shape) is never read as this code's, even for the same index."""
    digest = hashlib.sha1()
    for package in packages:
        root = Path(importlib.import_module(package).__file__).parent
        for source in sorted(root.rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


class _NotYet(Exception):
    """The index directory the shared file belongs in does not exist yet."""


class SharedResults:
    """Responses in one SQLite file, read and written by every process serving the same index.

    The file lives in the index directory, which the service already trusts as much as its code
    (Whoosh keeps its table of contents as a pickle there too), so values are pickled.
    """

    def __init__(self, path: Path | str, namespace: str, max_entries: int = SHARED_ENTRIES) -> None:
        self.path = Path(path)
        self.namespace = namespace  # part of every key: names the code that wrote the value
        self.max_entries = max_entries
        self._local = threading.local()
        self._writes = 0
        self._broken = False

    def get(self, generation: str, key: Hashable) -> Copyable | None:
        """The stored response, or None (also when the file cannot be read)."""
        row = self._run("SELECT value FROM results WHERE generation = ? AND key = ?",
                        (generation, self._key(key)))
        if row is None:
            return None
        try:
            return pickle.loads(row[0])
        except Exception as exc:  # whatever a bad entry raises, it is a miss, never a failed search
            log.warning("shared result cache: unreadable entry ignored: %r", exc)
            return None

    def put(self, generation: str, key: Hashable, value: Copyable) -> None:
        """Store a response; entries of other generations go, and the oldest beyond the bound."""
        self._writes += 1
        trim = self._writes % TRIM_EVERY == 1  # the first write of a worker too: a new generation
        self._run("INSERT OR REPLACE INTO results (generation, key, value) VALUES (?, ?, ?)",
                  (generation, self._key(key), pickle.dumps(value, pickle.HIGHEST_PROTOCOL)), trim=trim)

    def _run(self, sql: str, args: tuple, trim: bool = False) -> tuple | None:
        """One statement on this thread's connection; errors are logged once and count as misses."""
        if self._broken:
            return None
        try:
            db = self._connection()
            with db:
                row = db.execute(sql, args).fetchone()
                if trim:
                    self._trim(db, args[0])
            return row
        except _NotYet:
            return None
        except (sqlite3.Error, OSError, pickle.PickleError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                return None  # another worker is writing: a miss this time, nothing broken
            log.warning("shared result cache off (%s): %s", self.path, exc)
            self._broken = True
            return None

    def _key(self, key: Hashable) -> str:
        return f"{self.namespace} {key!r}"

    def _trim(self, db: sqlite3.Connection, generation: str) -> None:
        db.execute("DELETE FROM results WHERE generation != ?", (generation,))
        db.execute("DELETE FROM results WHERE rowid <= (SELECT max(rowid) FROM results) - ?",
                   (self.max_entries,))

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened after the fork (a connection must not cross one)."""
        held = getattr(self._local, "db", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        if not self.path.parent.is_dir():  # no index built yet: nothing to share, nothing broken
            raise _NotYet
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=True)
        db.execute("PRAGMA journal_mode=WAL")     # readers never wait for a writer
        db.execute("PRAGMA synchronous=NORMAL")   # a cache: no fsync per write, still never corrupt
        db.execute("CREATE TABLE IF NOT EXISTS results (generation TEXT NOT NULL, key TEXT NOT NULL,"
                   " value BLOB NOT NULL, UNIQUE (generation, key))")
        self._local.db = (os.getpid(), db)
        return db


class LRU:
    """A least-recently-used cache bounded by the total weight of its values (by default, one
    each) and, if given, by how many it holds; thread-safe. A value heavier than the whole
    capacity is not kept."""

    def __init__(self, capacity: int, weigh: Callable[[Any], int] = lambda value: 1,
                 max_items: int | None = None) -> None:
        self.capacity, self.max_items = capacity, max_items
        self.size = 0
        self._weigh = weigh
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        size = self._weigh(value)
        with self._lock:
            if key in self._items or size > self.capacity:
                return
            self._items[key] = value
            self.size += size
            while self.size > self.capacity or (self.max_items is not None
                                                and len(self._items) > self.max_items):
                _, dropped = self._items.popitem(last=False)
                self.size -= self._weigh(dropped)


# Pages rendered from cached responses, kept per worker (a results page is ~20-40K characters).
RENDERED_ENTRIES = 256
RENDERED_CHARS = 8_000_000


class RenderedPages:
    """Each shared response's rendered page, kept for the next request of the same page.

    A cached response is shared by every hit and never changes (changes go to a copy), so the
    page rendered from it is the same until the response leaves the cache: rendering it again
    cost about three times what the rest of a hit does. Entries hold their response, so an
    entry is only ever found for that very object (ids are reused only once an object is gone)."""

    def __init__(self, max_entries: int = RENDERED_ENTRIES, max_chars: int = RENDERED_CHARS) -> None:
        self._pages = LRU(max_chars, lambda kept: len(kept[1]), max_items=max_entries)

    def page(self, response: object, form: Hashable, render: Callable[[], str]) -> str:
        """The page `render` makes of `response` in `form` (template and options), rendered once."""
        key = (id(response), form)
        kept = self._pages.get(key)
        if kept is not None and kept[0] is response:
            return kept[1]
        html = render()
        self._pages.put(key, (response, html))
        return html
