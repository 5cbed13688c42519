"""Editors' curation: best bets (sections pinned to queries) and synonyms added on top of the file.

Both live in SQLite (the editors' database, SEARCH_EDITORS_DB) so every worker sees a change at
once, without a rebuild; every change is written to an audit table in the same transaction.
Knows nothing of Flask.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from indexer.analysis import analyze

# AUTOINCREMENT: an id is never given again after a removal, so the audit trail stays unambiguous.
SCHEMA = """
CREATE TABLE IF NOT EXISTS best_bets (id INTEGER PRIMARY KEY AUTOINCREMENT, queries TEXT NOT NULL,
    sections TEXT NOT NULL, starts TEXT, ends TEXT, note TEXT NOT NULL DEFAULT '', updated_by TEXT NOT NULL,
    updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS editor_synonyms (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL UNIQUE,
    added_by TEXT NOT NULL, added REAL NOT NULL);
CREATE TABLE IF NOT EXISTS curation_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL,
    editor TEXT NOT NULL, action TEXT NOT NULL, kind TEXT NOT NULL, target INTEGER NOT NULL,
    detail TEXT NOT NULL);
"""
MAX_QUERIES = 20
MAX_SECTIONS = 5
MAX_TEXT = 200
SECTION_KEY = re.compile(r"^[^#\s]+#[^#\s]+$")


class CurationError(ValueError):
    """An editor's input cannot be stored; the message says what to change."""


def query_key(text: str) -> str:
    """The form queries are matched in: the index's own analysis (case, punctuation, British and
    American spelling, plurals and other word forms folded; stop words dropped)."""
    return " ".join(analyze(text))


@dataclass
class BestBet:
    """Sections an editor pinned above the results of some queries, between two dates."""

    id: int
    queries: list[str]
    sections: list[str]
    starts: str | None = None  # ISO dates, both ends included; None means open-ended
    ends: str | None = None
    note: str = ""
    updated_by: str = ""
    updated: float = 0.0

    def active(self, today: date) -> bool:
        """True when shown today: started, and not yet ended."""
        day = today.isoformat()
        return (self.starts is None or self.starts <= day) and (self.ends is None or day <= self.ends)

    def status(self, today: date) -> str:
        """"active", "scheduled" (starts later) or "expired"."""
        if self.starts is not None and today.isoformat() < self.starts:
            return "scheduled"
        return "active" if self.active(today) else "expired"

    def to_dict(self, today: date | None = None) -> dict:
        """JSON-ready form, with today's status."""
        return {**asdict(self), "status": self.status(today or date.today())}


class PinnedIndex:
    """Best bets by folded query: a search's picks found without asking the database."""

    def __init__(self, bets: list[BestBet]) -> None:
        self._by_query: dict[str, list[BestBet]] = {}
        for bet in sorted(bets, key=lambda b: b.id):
            for key in dict.fromkeys(query_key(q) for q in bet.queries):
                self._by_query.setdefault(key, []).append(bet)

    def pinned(self, text: str, today: date) -> list[str]:
        """Section keys pinned to this query and shown today, oldest best bet first, each once."""
        keys: dict[str, None] = {}
        for bet in self._by_query.get(query_key(text), []):
            if bet.active(today):
                keys.update(dict.fromkeys(bet.sections))
        return list(keys)


@dataclass
class SynonymRule:
    """One editor-added synonym line in Solr syntax."""

    id: int
    rule: str
    added_by: str
    added: float

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class AuditEntry:
    """Who changed what, and when."""

    id: int
    ts: float
    editor: str
    action: str
    kind: str
    target: int
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class BestBetDraft:
    """What an editor submits for a best bet, checked."""

    queries: tuple[str, ...]
    sections: tuple[str, ...]
    starts: str | None
    ends: str | None
    note: str

    @classmethod
    def parse(cls, queries: list[str], sections: list[str], starts: str = "", ends: str = "",
              note: str = "") -> BestBetDraft:
        """Check an editor's input (raises CurationError saying what is wrong)."""
        draft = cls(queries=_unique(queries), sections=_unique(sections), starts=_day(starts, "start"),
                    ends=_day(ends, "end"), note=note.strip()[:MAX_TEXT])
        draft.check()
        return draft

    def check(self) -> None:
        """Raise CurationError for an unusable draft."""
        if not 1 <= len(self.queries) <= MAX_QUERIES:
            raise CurationError(f"give between 1 and {MAX_QUERIES} queries")
        if any(not query_key(q) for q in self.queries):
            raise CurationError("every query needs a searchable word (not only words like “the”)")
        if not 1 <= len(self.sections) <= MAX_SECTIONS:
            raise CurationError(f"pin between 1 and {MAX_SECTIONS} sections")
        if any(not SECTION_KEY.match(s) for s in self.sections):
            raise CurationError("sections are given as path#anchor, for example net/about.html#symptoms")
        if self.starts and self.ends and self.ends < self.starts:
            raise CurationError("the end date is before the start date")


def _unique(values: list[str]) -> tuple[str, ...]:
    """Stripped, non-empty, each once, capped in length, in the order given."""
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(value.split())[:MAX_TEXT]
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def _day(text: str, which: str) -> str | None:
    """An ISO date (YYYY-MM-DD), or None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CurationError(f"the {which} date must be a date such as 2026-12-31") from None


def synonym_rule(words: str, target: str = "", two_way: bool = False) -> str:
    """A Solr rule from an editor's fields: `words => target` (one way) or `words, target`;
    with no target, `words` is taken as a whole rule. Raises CurationError if it says nothing."""
    words, target = " ".join(words.split()), " ".join(target.split())
    if "#" in words + target:
        raise CurationError("a synonym cannot contain # (it starts a comment in the synonym file)")
    rule = words if not target else (f"{words}, {target}" if two_way else f"{words} => {target}")
    left, arrow, right = rule.partition("=>")
    sides = [_searchable_entries(left), *([_searchable_entries(right)] if arrow else [])]
    enough = all(sides) if arrow else len(sides[0]) >= 2
    if len(rule) > MAX_TEXT or "=>" in right or not enough:
        raise CurationError("write a synonym as “a, b” (both ways) or “a => b” (one way), "
                            "with searchable words in each entry")
    return rule


def _searchable_entries(side: str) -> list[str]:
    """The comma-separated entries of one side of a rule that have searchable words."""
    return [entry for entry in side.split(",") if analyze(entry)]


class CurationStore:
    """Best bets, editor synonyms and the audit trail in one SQLite file."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._ready = False  # tables are made on first use, so an app that is never curated writes nothing
        self._reader: sqlite3.Connection | None = None
        self._reader_pid = 0  # a connection must not cross a fork into another worker
        self._reader_lock = threading.Lock()

    def _connect(self, shared: bool = False) -> sqlite3.Connection:
        if not self._ready:
            try:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise sqlite3.OperationalError(f"cannot make {self.db_path.parent}: {exc}") from exc
            with closing(sqlite3.connect(self.db_path, timeout=10)) as db:
                db.executescript(SCHEMA)
            self._ready = True
        return sqlite3.connect(self.db_path, timeout=10, check_same_thread=not shared)

    # -- best bets ------------------------------------------------------------------------

    def best_bets(self) -> list[BestBet]:
        """Every best bet, newest change first."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM best_bets ORDER BY updated DESC, id DESC").fetchall()
        return [_bet(row) for row in rows]

    def best_bet(self, bet_id: int) -> BestBet | None:
        """One best bet, or None."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM best_bets WHERE id = ?", (bet_id,)).fetchone()
        return _bet(row) if row else None

    def add_best_bet(self, draft: BestBetDraft, editor: str) -> BestBet:
        """Store a new best bet (audited)."""
        with closing(self._connect()) as db, db:
            cursor = db.execute("INSERT INTO best_bets (queries, sections, starts, ends, note, updated_by, "
                                "updated) VALUES (?, ?, ?, ?, ?, ?, ?)", _bet_row(draft, editor))
            bet_id = cursor.lastrowid
            _audit(db, editor, "add", "best_bet", bet_id, {"after": _draft_dict(draft)})
        return self.best_bet(bet_id)

    def edit_best_bet(self, bet_id: int, draft: BestBetDraft, editor: str) -> BestBet | None:
        """Replace a best bet's queries, sections, dates and note (audited); None if it is gone."""
        before = self.best_bet(bet_id)
        if before is None:
            return None
        with closing(self._connect()) as db, db:
            db.execute("UPDATE best_bets SET queries = ?, sections = ?, starts = ?, ends = ?, note = ?, "
                       "updated_by = ?, updated = ? WHERE id = ?", (*_bet_row(draft, editor), bet_id))
            _audit(db, editor, "edit", "best_bet", bet_id,
                   {"before": _public(before), "after": _draft_dict(draft)})
        return self.best_bet(bet_id)

    def remove_best_bet(self, bet_id: int, editor: str) -> bool:
        """Delete a best bet (audited); False if there was none."""
        before = self.best_bet(bet_id)
        if before is None:
            return False
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM best_bets WHERE id = ?", (bet_id,))
            _audit(db, editor, "remove", "best_bet", bet_id, {"before": _public(before)})
        return True

    # -- synonyms -------------------------------------------------------------------------

    def synonyms(self) -> list[SynonymRule]:
        """Every editor-added synonym rule, oldest first (the order they are applied in)."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, rule, added_by, added FROM editor_synonyms ORDER BY id").fetchall()
        return [SynonymRule(*row) for row in rows]

    def add_synonym(self, rule: str, editor: str) -> SynonymRule:
        """Store a checked rule (audited); an existing identical rule is returned as it is."""
        with closing(self._connect()) as db, db:
            row = db.execute("SELECT id, rule, added_by, added FROM editor_synonyms WHERE rule = ?",
                             (rule,)).fetchone()
            if row:
                return SynonymRule(*row)
            added = time.time()
            rule_id = db.execute("INSERT INTO editor_synonyms (rule, added_by, added) VALUES (?, ?, ?)",
                                 (rule, editor, added)).lastrowid
            _audit(db, editor, "add", "synonym", rule_id, {"after": rule})
        return SynonymRule(rule_id, rule, editor, added)

    def remove_synonym(self, rule_id: int, editor: str) -> bool:
        """Delete a rule (audited); False if there was none."""
        with closing(self._connect()) as db, db:
            row = db.execute("SELECT rule FROM editor_synonyms WHERE id = ?", (rule_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM editor_synonyms WHERE id = ?", (rule_id,))
            _audit(db, editor, "remove", "synonym", rule_id, {"before": row[0]})
        return True

    def version(self) -> int:
        """Moves with every change to best bets or synonyms (the id of the latest audit entry);
        asked on every search, so it reuses one connection per process."""
        if not self.db_path.exists():  # searching never creates the database
            return 0
        with self._reader_lock:
            if self._reader is None or self._reader_pid != os.getpid():
                self._reader, self._reader_pid = self._connect(shared=True), os.getpid()
            return self._reader.execute("SELECT COALESCE(MAX(id), 0) FROM curation_audit").fetchone()[0]

    # -- audit ----------------------------------------------------------------------------

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        """The latest changes, newest first."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, ts, editor, action, kind, target, detail FROM curation_audit "
                              "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [AuditEntry(*row[:6], detail=json.loads(row[6])) for row in rows]


def _bet(row: tuple) -> BestBet:
    bet_id, queries, sections, starts, ends, note, updated_by, updated = row
    return BestBet(id=bet_id, queries=json.loads(queries), sections=json.loads(sections), starts=starts,
                   ends=ends, note=note, updated_by=updated_by, updated=updated)


def _bet_row(draft: BestBetDraft, editor: str) -> tuple:
    return (json.dumps(list(draft.queries)), json.dumps(list(draft.sections)), draft.starts, draft.ends,
            draft.note, editor, time.time())


def _draft_dict(draft: BestBetDraft) -> dict:
    return {"queries": list(draft.queries), "sections": list(draft.sections), "starts": draft.starts,
            "ends": draft.ends, "note": draft.note}


def _public(bet: BestBet) -> dict:
    return {"queries": bet.queries, "sections": bet.sections, "starts": bet.starts, "ends": bet.ends,
            "note": bet.note}


def _audit(db: sqlite3.Connection, editor: str, action: str, kind: str, target: int, detail: dict) -> None:
    """Record one change inside the caller's transaction, so a change is never unrecorded."""
    db.execute("INSERT INTO curation_audit (ts, editor, action, kind, target, detail) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (time.time(), editor, action, kind, target, json.dumps(detail)))
