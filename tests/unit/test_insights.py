"""Search insights: redaction before storage, reports by period, no IP addresses kept."""
import sqlite3
import time

import pytest

from webapp.insights import Insights, redact


@pytest.mark.parametrize("raw, stored", [
    ("email jo.bloggs+nhs@example.co.uk about NETs", "email [email] about NETs"),
    ("call me on 07700 900123 re octreotide", "call me on [number] re octreotide"),
    ("NHS number 943 476 5919 scan results", "NHS number [number] scan results"),
    ("+44 (0)20 7946 0958", "[number]"),
    ("born 12/03/1961 in BS1 4QA", "born [date] in [postcode]"),
    ("grade 2 NET, Ki-67 15%", "grade 2 NET, Ki-67 15%"),
])
def test_personal_details_are_redacted(raw, stored):
    assert redact(raw) == stored


def test_reports_count_top_empty_and_never_opened_queries(tmp_path):
    log = Insights(tmp_path / "insights.sqlite3")
    for _ in range(3):
        log.record_search("Carcinoid Syndrome", 4, "search")
    log.record_search("pancreatic net", 2, "search")
    log.record_search("zzzz", 0, "search")
    log.record_open("carcinoid syndrome", "net/carcinoid.html#flushing")
    log.flush()
    report = log.report(days=7)
    assert [(r.query, r.searches) for r in report["top"]][:1] == [("carcinoid syndrome", 3)]
    assert [r.query for r in report["no_results"]] == ["zzzz"]
    assert [r.query for r in report["never_opened"]] == ["pancreatic net"]
    log.close()


def test_old_searches_fall_out_of_the_period(tmp_path):
    log = Insights(tmp_path / "insights.sqlite3")
    log.flush()
    with sqlite3.connect(tmp_path / "insights.sqlite3") as db:
        db.execute("INSERT INTO searches VALUES (?, ?, ?, ?)", (time.time() - 20 * 86400, "old", 1, "search"))
    assert [r.query for r in log.report(days=30)["top"]] == ["old"]
    assert log.report(days=7)["top"] == []
    log.close()


def test_only_redacted_query_text_is_stored(tmp_path):
    log = Insights(tmp_path / "insights.sqlite3")
    log.record_search("my email is a@b.com", 1, "ask")
    log.flush()
    with sqlite3.connect(tmp_path / "insights.sqlite3") as db:
        rows = db.execute("SELECT * FROM searches").fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(searches)")]
    assert columns == ["ts", "query", "results", "source"]  # nothing about who asked
    assert rows[0][1] == "my email is [email]"
    log.close()


WORKER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
from webapp.insights import Insights
log = Insights(sys.argv[1])
log.record_search("flushing", 2, "search")
log.close()
"""


def test_many_workers_starting_at_once_share_one_new_database(tmp_path):
    # gunicorn starts every worker at the same moment, as separate processes; none may fail
    import subprocess
    import sys

    db, go = tmp_path / "fresh.sqlite3", tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(db), str(go)],
                                stderr=subprocess.PIPE, text=True) for _ in range(6)]
    time.sleep(1.0)  # let every worker import and wait at the line
    go.touch()
    outcomes = [(w.wait(timeout=60), w.stderr.read()) for w in workers]
    for worker in workers:
        worker.stderr.close()
    assert [code for code, _ in outcomes] == [0] * 6, [err[-300:] for _, err in outcomes]
    log = Insights(db)
    assert log.report(days=7)["top"][0].searches == 6
    log.close()


def test_an_unusable_insights_database_does_not_stop_search(tmp_path):
    from webapp import create_app

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "none"),
                      "SEARCH_INSIGHTS_DB": str(blocker / "insights.sqlite3")})
    assert app.extensions["insights"] is None
