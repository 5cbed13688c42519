"""Best bets and editors' synonyms in SQLite: checking input, dates, matching, ids, the audit trail."""
from datetime import date

import pytest

from webapp.curation import BestBetDraft, CurationError, CurationStore, PinnedIndex, query_key, synonym_rule

TODAY = date(2026, 6, 15)


def draft(**fields) -> BestBetDraft:
    values = {"queries": ["octreotide"], "sections": ["net/a.html#b"], **fields}
    return BestBetDraft.parse(**values)


def test_queries_match_however_they_are_written():
    assert query_key("  Tumours!! ") == query_key("tumor") == query_key("TUMOUR?")
    assert query_key("the") == ""


@pytest.mark.parametrize("fields, message", [
    ({"queries": []}, "between 1 and"), ({"queries": ["the"]}, "searchable word"),
    ({"sections": ["no anchor"]}, "path#anchor"), ({"starts": "31/12/2026"}, "start date"),
    ({"starts": "2026-05-02", "ends": "2026-05-01"}, "before the start"),
])
def test_unusable_best_bets_say_what_to_change(fields, message):
    with pytest.raises(CurationError, match=message):
        draft(**fields)


def test_pins_are_shown_only_between_their_dates(tmp_path):
    store = CurationStore(tmp_path / "editors.sqlite3")
    store.add_best_bet(draft(ends="2026-06-14", sections=["old.html#a"]), "ann")
    store.add_best_bet(draft(starts="2026-06-16", sections=["later.html#a"]), "ann")
    store.add_best_bet(draft(starts="2026-06-15", ends="2026-06-15", sections=["today.html#a"]), "ann")
    both = draft(queries=["Octreotide", "sandostatin"], sections=["today.html#a", "x.html#y"])
    store.add_best_bet(both, "bo")
    pins = PinnedIndex(store.best_bets())
    assert pins.pinned("octreotide?", TODAY) == ["today.html#a", "x.html#y"]
    assert pins.pinned("Sandostatin", TODAY) == ["today.html#a", "x.html#y"]
    assert pins.pinned("octreotide", date(2026, 6, 14)) == ["old.html#a", "today.html#a", "x.html#y"]
    assert [b.status(TODAY) for b in sorted(store.best_bets(), key=lambda b: b.id)] == [
        "expired", "scheduled", "active", "active"]


def test_ids_are_never_reused_so_the_audit_trail_stays_unambiguous(tmp_path):
    store = CurationStore(tmp_path / "editors.sqlite3")
    first = store.add_best_bet(draft(), "ann")
    assert store.remove_best_bet(first.id, "ann")
    second = store.add_best_bet(draft(), "bo")
    assert second.id != first.id
    assert [(e.action, e.target, e.editor) for e in store.audit()] == [
        ("add", second.id, "bo"), ("remove", first.id, "ann"), ("add", first.id, "ann")]


def test_searching_never_creates_the_database(tmp_path):
    store = CurationStore(tmp_path / "none" / "editors.sqlite3")
    assert store.version() == 0
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("fields, rule", [
    (("jabs", "injections"), "jabs => injections"), (("jabs", "injections", True), "jabs, injections"),
    (("jabs, shots => injections",), "jabs, shots => injections"),
    (("  chemo,   chemotherapy ",), "chemo, chemotherapy"),
])
def test_synonym_rules_in_solr_syntax(fields, rule):
    assert synonym_rule(*fields) == rule


@pytest.mark.parametrize("fields", [("jabs",), ("jabs =>",), ("the, a",), ("a => b => c",), ("jabs #x", "y")])
def test_synonym_rules_that_say_nothing_are_refused(fields):
    with pytest.raises(CurationError):
        synonym_rule(*fields)


def test_the_version_moves_with_every_change(tmp_path):
    store = CurationStore(tmp_path / "editors.sqlite3")
    versions = [store.version()]
    rule = store.add_synonym("jabs => injections", "ann")
    versions.append(store.version())
    assert store.add_synonym("jabs => injections", "bo").id == rule.id  # the same rule once
    assert store.version() == versions[-1]  # and no change recorded
    store.remove_synonym(rule.id, "ann")
    versions.append(store.version())
    bet = store.add_best_bet(draft(), "ann")
    versions.append(store.version())
    store.edit_best_bet(bet.id, draft(ends="2026-01-01"), "ann")
    versions.append(store.version())
    assert versions == sorted(set(versions))  # each change a new, larger version
