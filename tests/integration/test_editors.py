"""Editors' pages and their JSON twins: duplicate groups, CSV, pair view, similar passages, insights."""
import csv
import io

from apiclient import api

COPIES = {"support/helpline.html#call-us", "support/groups.html#getting-help", "net/help.html#talk-to-us"}


def test_duplicate_groups_include_copies_and_edited_copies(editor):
    data = editor.get("/api/editors/duplicates").get_json()
    assert data["threshold"] == 0.8
    groups = [{m["key"] for m in g["members"]} for g in data["groups"]]
    assert COPIES in groups
    members = next(g for g in data["groups"] if {m["key"] for m in g["members"]} == COPIES)["members"]
    assert all({"path", "anchor", "heading", "page_title", "topic"} <= set(m) for m in members)


def test_duplicates_page_filters_by_topic_and_links_pairs(editor):
    html = editor.get("/editors/duplicates").get_data(as_text=True)
    assert "support/groups.html#getting-help" in html and "compare" in html
    other = editor.get("/api/editors/duplicates?topic=Bowel cancer").get_json()
    assert other["groups"] == []


def test_duplicates_csv_download(editor):
    response = editor.get("/editors/duplicates.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {"path", "anchor", "similarity"} <= set(rows[0])
    assert {f"{r['path']}#{r['anchor']}" for r in rows} >= COPIES


def test_pair_view_marks_the_words_that_differ(editor):
    pair = "a=support/helpline.html%23call-us&b=net/help.html%23talk-to-us"
    data = editor.get(f"/api/editors/pair?{pair}").get_json()
    assert "<ins>Calls are free from mobiles and landlines.</ins>" in data["b_html"]
    assert "<del>" not in data["a_html"]
    assert 0.8 <= data["similarity"] < 1
    html = editor.get(f"/editors/pair?{pair}")
    assert html.status_code == 200 and "<ins>" in html.get_data(as_text=True)
    assert editor.get("/api/editors/pair?a=nope&b=net/help.html%23talk-to-us").status_code == 404


def test_similar_passages_ranked_by_overlap(editor):
    data = editor.get("/api/editors/similar?key=support/helpline.html%23call-us").get_json()
    top = data["similar"][:2]
    assert {s["key"] for s in top} == COPIES - {"support/helpline.html#call-us"}
    assert top[0]["similarity"] == 1.0
    assert editor.get("/editors/similar?key=support/helpline.html%23call-us").status_code == 200


def test_insights_count_searches_without_keystrokes(app, editor):
    api(editor, q="octreotide injections")
    editor.get("/search", query_string={"q": "flushing at night"})
    editor.get("/search", query_string={"q": "flush", "partial": "1"})  # a keystroke: not counted
    editor.get("/search", query_string={"q": "flushing at night", "partial": "1", "settled": "1"})
    editor.get("/search", query_string={"q": "xyzzy nothing"})
    editor.get("/search", query_string={"q": "call me on 07700 900123"})
    editor.get("/open", query_string={"q": "octreotide injections", "key": "net/about-nets.html#outlook"})
    app.extensions["insights"].flush()
    data = editor.get("/api/editors/insights?days=7").get_json()
    top = {row["query"]: row["searches"] for row in data["top"]}
    assert top["flushing at night"] == 2 and "flush" not in top
    assert "call me on [number]" in top
    assert "xyzzy nothing" in {row["query"] for row in data["no_results"]}
    never = {row["query"] for row in data["never_opened"]}
    assert "flushing at night" in never and "octreotide injections" not in never
    assert editor.get("/editors/insights?days=30").status_code == 200
    assert editor.get("/api/editors/insights?days=3").status_code == 400


def test_insights_period_must_be_a_plain_whole_number(editor):
    for days in ("%C2%B2", "1" * 4301, "7.0", "%EF%BC%97", "1_0"):
        for prefix in ("/api/editors", "/editors"):
            response = editor.get(f"{prefix}/insights?days={days}")
            assert response.status_code == 400, (prefix, days[:10])
            assert "days must be a whole number" in response.get_data(as_text=True)
    for param in ("page=%C2%B2", "limit=" + "9" * 4301, "page=%D9%A1"):
        response = editor.get(f"/api/search?q=net&{param}")
        assert response.status_code == 400 and "whole number" in response.get_json()["error"]["message"]


def test_site_wide_blocks_are_listed_after_the_copies_to_review(editor, app, monkeypatch):
    from indexer.duplicates import DuplicateGroup, DuplicateMember, DuplicateReport
    from webapp import editors

    def group(pages: int, heading: str) -> DuplicateGroup:
        members = [DuplicateMember(f"p{i}.html#a", f"p{i}.html", "a", heading, f"Page {i}", "Support", 40)
                   for i in range(pages)]
        return DuplicateGroup("exact", 1.0, members)

    shared, copied = group(4, "Getting support"), group(2, "Octreotide")
    report = DuplicateReport(0.8, 25, groups=[shared, copied])  # largest first, as stored
    monkeypatch.setattr(editors, "SITE_WIDE_SHARE", 0.0)  # the test site is small: 4 pages is "wide"
    with app.test_request_context():
        assert editors.site_wide_groups(report) == {id(shared)}
        assert editors.filtered_groups(report, "", "") == [copied, shared]
    # the real report of the test site: its one group (the helpline box on three pages) is labelled
    monkeypatch.setattr(editors, "SITE_WIDE_PAGES", 3)
    html = editor.get("/editors/duplicates").get_data(as_text=True)
    assert "shared by a large part of the site" in html


def test_insights_count_pages_for_searches_and_questions_alike(editor, app):
    search = editor.get("/api/search", query_string={"q": "carcinoid flushing"}).get_json()
    asked = editor.get("/api/ask", query_string={"q": "carcinoid flushing"}).get_json()
    assert asked["total"] != asked["matched_pages"]  # sections for /ask, so the units differed
    assert search["matched_pages"] == search["total"] == asked["matched_pages"]
    app.extensions["insights"].flush()
    rows = editor.get("/api/editors/insights?days=7").get_json()["top"]
    assert {row["results"] for row in rows if row["query"] == "carcinoid flushing"} == {search["total"]}
