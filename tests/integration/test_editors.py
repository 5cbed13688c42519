"""Editors' pages and their JSON twins: duplicate groups, CSV, pair view, similar passages, insights."""
import csv
import io

from apiclient import api
from conftest import EDITOR, PASSWORD, sign_in
from sitegen import page_html, write_corpus

from indexer.build import build_index
from webapp import create_app

COPIES = {"support/helpline.html#call-us", "support/groups.html#getting-help", "net/help.html#talk-to-us"}


def test_duplicate_groups_include_copies_and_edited_copies(editor):
    data = editor.get("/api/editors/duplicates").get_json()
    assert data["threshold"] == 0.8
    groups = [{m["key"] for m in g["members"]} for g in data["groups"]]
    assert COPIES in groups
    members = next(g for g in data["groups"] if {m["key"] for m in g["members"]} == COPIES)["members"]
    assert all({"path", "anchor", "heading", "page_title", "topic"} <= set(m) for m in members)
    # the two word-for-word copies inside the near group are marked; the edited one is not
    assert {m["key"]: m["identical_to"] for m in members} == {
        "net/help.html#talk-to-us": "", "support/groups.html#getting-help": "",
        "support/helpline.html#call-us": "support/groups.html#getting-help"}
    assert {(p["a"], p["b"], p["shared_sections"]) for p in data["shared_pages"]} >= {
        ("net/help.html", "support/groups.html", 1), ("support/groups.html", "support/helpline.html", 1)}
    html = editor.get("/editors/duplicates").get_data(as_text=True)
    assert "identical to <code>support/groups.html#getting-help</code>" in html


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
    sections = [r for r in rows if r["row"] == "section"]
    assert {f"{r['path']}#{r['anchor']}" for r in sections} >= COPIES
    pairs = {(r["path"], r["other_path"], r["shared_sections"]) for r in rows if r["row"] == "page pair"}
    assert ("support/groups.html", "support/helpline.html", "1") in pairs


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


def test_insights_count_pages_for_searches_and_questions_alike(editor, app):
    search = editor.get("/api/search", query_string={"q": "carcinoid flushing"}).get_json()
    asked = editor.get("/api/ask", query_string={"q": "carcinoid flushing"}).get_json()
    assert asked["total"] != asked["matched_pages"]  # sections for /ask, so the units differed
    assert search["matched_pages"] == search["total"] == asked["matched_pages"]
    app.extensions["insights"].flush()
    rows = editor.get("/api/editors/insights?days=7").get_json()["top"]
    assert {row["results"] for row in rows if row["query"] == "carcinoid flushing"} == {search["total"]}


SUPPORT_BOX = ("Our nurses are here for you and the people close to you. Call the free helpline on weekdays "
               "from nine until five, or write to us at any time. We can also tell you about local groups.")


def editors_client(corpus, tmp_path):
    """A client of an app over a fresh index of `corpus`, with the editor's account (not signed in)."""
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "SEARCH_CORPUS_DIR": str(corpus), "SEARCH_INSIGHTS_DB": "",
                      "SEARCH_EDITORS_DB": str(tmp_path / "editors.sqlite3")})
    app.extensions["editors"].add(EDITOR, PASSWORD)
    return app.test_client()


def test_the_sites_own_support_box_is_one_site_wide_block_not_the_largest_group(tmp_path):
    own = ["Flushing comes and goes.", "Scans show where it is.", "Surgery can remove it.",
           "Diet matters after surgery.", "Tiredness is common.", "Talk to your team."]
    pages = {f"p{i}.html": page_html(f"Page {i}", {"Own words": f"{text} Page {i} says it its own way.",
                                                    "Getting support": SUPPORT_BOX})
             for i, text in enumerate(own)}
    short = "Ask your nurse for the leaflet."  # six words, copied word for word
    pages["q1.html"] = page_html("Leaflets one", {"Leaflet": short})
    pages["q2.html"] = page_html("Leaflets two", {"Leaflet": short})
    corpus = write_corpus(tmp_path / "corpus", pages)
    client = editors_client(corpus, tmp_path)
    sign_in(client)
    data = client.get("/api/editors/duplicates").get_json()
    assert [(g["kind"], len(g["members"]), g["site_wide"]) for g in data["groups"]] == [
        ("exact", 2, False), ("exact", 6, True)]  # the short copy to review first, the box last
    assert data["pages"] == 8 and data["exact_min_words"] == 5
    assert data["shared_pages"] == [{"a": "q1.html", "b": "q2.html", "shared_sections": 1,
                                     "similarity": None}]  # the box on six pages pairs none of them
    html = client.get("/editors/duplicates").get_data(as_text=True)
    assert html.count("Site-wide block: “Getting support”") == 1 and "On 6 of 8 pages" in html
    assert "1 group to review, and 1 site-wide block." in html
    assert html.index("Exact copies: 2 sections") < html.index("Site-wide blocks")
    assert "Exact copies: 6 sections" not in html  # never shown as the largest group
    rows = list(csv.DictReader(io.StringIO(client.get("/editors/duplicates.csv").get_data(as_text=True))))
    box = {r["site_wide"] for r in rows if r["row"] == "section" and r["heading"] == "Getting support"}
    assert box == {"yes"}
    overview = " ".join(client.get("/editors/").get_data(as_text=True).split())
    assert "1 group to review (1 exact) and 1 site-wide block," in overview


def test_editors_see_the_acronyms_learned_from_the_site_and_how_searches_use_them(tmp_path):
    pages = {
        "nph.html": page_html("Hydrocephalus", {"Types": "Doctors call one type normal pressure "
                                                         "hydrocephalus (NPH). It affects walking."}),
        "nph-tests.html": page_html("Tests", {"Scans": "A scan shows normal pressure hydrocephalus (NPH)."}),
        "carers.html": page_html("Carers", {"Groups": "Carers Are Really Essential (CARE) meets weekly."}),
        "net.html": page_html("NETs", {"About": "A neuroendocrine tumour (NET) often grows slowly."}),
    }
    corpus = write_corpus(tmp_path / "corpus", pages)
    (corpus / "synonyms.txt").write_text("NET, neuroendocrine tumour, carcinoid\n", encoding="utf-8")
    client = editors_client(corpus, tmp_path)
    assert client.get("/api/editors/acronyms").status_code == 401
    sign_in(client)
    learned = {item["acronym"]: item for item in client.get("/api/editors/acronyms").get_json()["acronyms"]}
    assert learned["NPH"]["long_form"] == "normal pressure hydrocephalus" and learned["NPH"]["pages"] == 2
    assert {name: item["use"] for name, item in learned.items()} == {
        "NPH": "searched", "CARE": "everyday word", "NET": "overridden"}
    html = client.get("/editors/acronyms").get_data(as_text=True)
    assert html.index("NPH") < html.index("CARE")  # the most-defined first
    assert "normal pressure hydrocephalus" in html
    assert "/editors/acronyms" in client.get("/editors/").get_data(as_text=True)
