"""Editors act on what they see: best bets, synonyms added without a rebuild, the audit trail,
and the proposed fix for a failed search. Each test has its own editors' database."""
import re
import time
from datetime import date, timedelta

import pytest
from apiclient import keys
from conftest import EDITOR, PASSWORD, sign_in

from webapp import create_app

PINNED = "support/money.html#benefits"          # never found by "octreotide" on its own
ORGANIC = "net/about-nets.html#treatment-with-octreotide"  # what "octreotide" finds
FAILING = "jabs"                                 # a word the test site never uses
INJECTIONS = "net/about-nets.html#treatment-with-octreotide"


def make_app(site, root):
    """The real app over the test site with a fresh editors' database and search log."""
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]),
                      "SEARCH_CORPUS_DIR": str(site["corpus"]),
                      "SEARCH_INSIGHTS_DB": str(root / "insights.sqlite3"),
                      "SEARCH_EDITORS_DB": str(root / "editors.sqlite3"), "SEARCH_RATE_LIMIT": ""})
    app.extensions["editors"].add(EDITOR, PASSWORD)
    return app


@pytest.fixture
def app(site, tmp_path):
    return make_app(site, tmp_path)


@pytest.fixture
def editor(app):
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client


def token(client) -> str:
    """The session's CSRF token, as a program gets it."""
    return client.get("/api/editors/session").get_json()["csrf_token"]


def csrf(client) -> dict:
    """The header a program sends with a change."""
    return {"X-CSRF-Token": token(client)}


def pin(client, queries, sections, **dates):
    """Create a best bet through the JSON API; returns the response."""
    return client.post("/api/editors/best-bets", json={"queries": queries, "sections": sections, **dates},
                       headers=csrf(client))


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def search(client, q: str, path: str = "/api/search") -> dict:
    response = client.get(path, query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()


def test_a_pinned_section_comes_first_on_every_search_page_and_api(editor, client):
    assert keys(search(client, "octreotide"))[0] == ORGANIC
    assert pin(editor, ["octreotide", "octreotide injections"], [PINNED, ORGANIC]).status_code == 201
    for q in ("Octreotide", "  octreotide!", "octreotide injection"):  # folded like the index folds words
        data = search(client, q)
        assert keys(data)[:2] == [PINNED, ORGANIC], q
        assert [r["pinned"] for r in data["results"][:2]] == [True, True]
        assert keys(data).count(ORGANIC) == 1  # not repeated among the ranked results
    asked = search(client, "octreotide", "/api/ask")
    assert keys(asked)[:2] == [PINNED, ORGANIC] and asked["results"][0]["passage"]
    page = client.get("/search?q=octreotide").get_data(as_text=True)
    hits = re.findall(r'<li class="hit( pinned)?" data-path="([^"]+)" data-anchor="([^"]+)">', page)
    assert hits[:2] == [(" pinned", "support/money.html", "benefits"),
                        (" pinned", "net/about-nets.html", "treatment-with-octreotide")]
    assert page.count("Editor's pick") == 2 and all(not pinned for pinned, *_ in hits[2:])
    answers = client.get("/ask?q=octreotide").get_data(as_text=True)
    assert re.findall(r'data-key="([^"]+)"', answers)[:2] == [PINNED, ORGANIC]
    assert answers.count("Editor's pick") == 2
    assert PINNED not in keys(search(client, "octreotide dose"))  # another query: no pick


def test_a_pick_turns_a_search_that_found_nothing_into_one_that_finds_it(editor, client):
    assert search(client, FAILING)["total"] == 0
    assert "No results" in client.get(f"/search?q={FAILING}").get_data(as_text=True)  # rendered, kept
    pin(editor, [FAILING], [INJECTIONS])
    data = search(client, FAILING)
    assert keys(data) == [INJECTIONS] and data["total"] == 1 and data["message"] == ""
    assert "No results" not in client.get(f"/search?q={FAILING}").get_data(as_text=True)


def test_picks_show_on_the_first_page_and_in_their_own_topic_only(editor, client):
    pin(editor, ["tiredness"], [PINNED])  # a Support section
    assert keys(search(client, "tiredness"))[0] == PINNED
    def tiredness(**params) -> list[str]:
        return keys(client.get("/api/search", query_string={"q": "tiredness", **params}).get_json())

    assert PINNED not in tiredness(page=2)
    assert tiredness(topic="Support") == [PINNED] and PINNED not in tiredness(topic="Living with cancer")


def test_expired_and_future_best_bets_are_not_shown(editor, client):
    today = date.today()
    yesterday, tomorrow = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    expired = pin(editor, ["octreotide"], [PINNED], starts="2020-01-01", ends=yesterday).get_json()
    assert expired["status"] == "expired"
    later = pin(editor, ["octreotide"], ["support/helpline.html#call-us"], starts=tomorrow).get_json()
    assert later["status"] == "scheduled"
    shown = keys(search(client, "octreotide"))
    assert PINNED not in shown and "support/helpline.html#call-us" not in shown
    # ending today still shows today (end dates are inclusive); applied at once, no rebuild
    editor.put(f"/api/editors/best-bets/{expired['id']}", headers=csrf(editor),
               json={"queries": ["octreotide"], "sections": [PINNED], "ends": today.isoformat()})
    assert keys(search(client, "octreotide"))[0] == PINNED
    listed = {b["id"]: b["status"] for b in editor.get("/api/editors/best-bets").get_json()["best_bets"]}
    assert listed == {expired["id"]: "active", later["id"]: "scheduled"}


def test_the_audit_trail_records_who_changed_what_and_when(editor, client):
    before = time.time()
    field = form_token(editor, "/editors/best-bets")
    form = {"csrf_token": field, "queries": "octreotide\nlanreotide", "sections": PINNED, "note": "launch"}
    assert editor.post("/editors/best-bets", data=form).status_code == 302
    bet = editor.get("/api/editors/best-bets").get_json()["best_bets"][0]
    edited = {**form, "sections": f"{PINNED}\n{ORGANIC}", "ends": "2099-12-31"}
    assert editor.post(f"/editors/best-bets/{bet['id']}", data=edited).status_code == 302
    removal = editor.post(f"/editors/best-bets/{bet['id']}/delete", data={"csrf_token": field})
    assert removal.status_code == 302
    assert PINNED not in keys(search(client, "octreotide"))  # removed: gone from the next search
    changes = editor.get("/api/editors/audit").get_json()["changes"]
    assert [(c["action"], c["kind"], c["target"], c["editor"]) for c in changes] == [
        ("remove", "best_bet", bet["id"], EDITOR), ("edit", "best_bet", bet["id"], EDITOR),
        ("add", "best_bet", bet["id"], EDITOR)]
    assert all(before <= c["ts"] <= time.time() for c in changes)
    removed, edit, added = (c["detail"] for c in changes)
    assert added["after"]["queries"] == ["octreotide", "lanreotide"] and added["after"]["note"] == "launch"
    assert edit["before"]["sections"] == [PINNED] and edit["after"]["sections"] == [PINNED, ORGANIC]
    assert edit["after"]["ends"] == "2099-12-31" and removed["before"]["sections"] == [PINNED, ORGANIC]
    page = editor.get("/editors/best-bets").get_data(as_text=True)
    assert "Latest changes" in page and page.count(f"<td data-label=\"Who\">{EDITOR}</td>") == 3


def test_an_added_synonym_makes_a_failed_search_succeed_without_a_rebuild(app, editor, client):
    generation = client.get("/healthz").get_json()["generation"]
    assert search(client, FAILING)["total"] == 0  # and now cached
    field = form_token(editor, "/editors/synonyms")
    response = editor.post("/editors/synonyms", data={"csrf_token": field, "words": FAILING,
                                                      "target": "injections", "direction": "one-way",
                                                      "retry": FAILING})
    assert response.status_code == 302 and f"retry={FAILING}" in response.headers["Location"]
    data = search(client, FAILING)
    assert INJECTIONS in keys(data) and data["expanded"] == {FAILING: ["injections"]}
    page = client.get(f"/search?q={FAILING}").get_data(as_text=True)
    assert 'data-anchor="treatment-with-octreotide"' in page
    assert client.get("/healthz").get_json()["generation"] == generation  # the same index: no rebuild
    assert "injections" not in search(client, "injections")["expanded"]  # one way only
    rules = editor.get("/api/editors/synonyms").get_json()
    assert [r["rule"] for r in rules["editor_rules"]] == [f"{FAILING} => injections"]
    assert "NET, neuroendocrine tumour" in rules["file_rules"]
    export = editor.get("/editors/synonyms.txt").get_data(as_text=True)
    assert export.index("tummy, abdomen") < export.index(f"{FAILING} => injections")
    rule_id = rules["editor_rules"][0]["id"]
    assert editor.delete(f"/api/editors/synonyms/{rule_id}", headers=csrf(editor)
                         ).status_code == 204
    assert search(client, FAILING)["total"] == 0  # the cached answer was dropped with the rule
    assert [c["action"] for c in editor.get("/api/editors/audit").get_json()["changes"]] == ["remove", "add"]


def test_every_worker_uses_a_synonym_added_in_another(site, tmp_path, editor):
    other_worker = make_app(site, tmp_path).test_client()  # same database, its own search service
    assert search(other_worker, "jabs")["total"] == 0  # and cached there
    editor.post("/api/editors/synonyms", json={"rule": "jabs, injections"}, headers=csrf(editor))
    assert INJECTIONS in keys(search(other_worker, "jabs"))
    assert search(other_worker, "injections")["expanded"] == {"injections": ["jabs"]}  # both ways


def test_a_failed_search_is_shown_with_its_fix_and_one_action_applies_it(app, editor, client):
    client.get("/search", query_string={"q": FAILING})
    app.extensions["insights"].flush()
    data = editor.get("/api/editors/proposals?days=7").get_json()
    proposal = next(p for p in data["proposals"] if p["query"] == FAILING)
    assert proposal["pin"]["key"] and proposal["pin"]["source"] == "meaning"
    page = editor.get("/editors/insights?days=7").get_data(as_text=True)
    assert "What would answer it" in page and "Pin as best bet" in page
    form = re.search(r'action="/editors/best-bets" class="fix">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    assert fields["queries"] == FAILING and fields["sections"] == proposal["pin"]["key"]
    assert editor.post("/editors/best-bets", data=fields).status_code == 302
    assert keys(search(client, FAILING)) == [proposal["pin"]["key"]]


def test_spelling_and_vocabulary_proposals(app, editor, client):
    for q in ("flshng", "octreotide"):
        client.get("/search", query_string={"q": q})
    app.extensions["insights"].flush()
    proposals = {p["query"]: p for p in editor.get("/api/editors/proposals?days=7").get_json()["proposals"]}
    assert {"word": "flshng", "target": "flushing", "source": "spelling",
            "rule": "flshng => flushing"} in proposals["flshng"]["synonyms"]
    assert proposals["octreotide"]["synonyms"] == []  # found, never opened: every word is the site's
    assert editor.get("/api/editors/proposals?days=3").status_code == 400


@pytest.mark.parametrize("method, path", [
    ("get", "/api/editors/best-bets"), ("post", "/api/editors/best-bets"),
    ("delete", "/api/editors/best-bets/1"), ("put", "/api/editors/best-bets/1"),
    ("get", "/api/editors/synonyms"), ("post", "/api/editors/synonyms"),
    ("delete", "/api/editors/synonyms/1"),
    ("get", "/api/editors/proposals"), ("get", "/api/editors/audit"), ("get", "/api/editors/session")])
def test_the_api_refuses_anyone_not_signed_in(client, method, path):
    with client.session_transaction() as session:
        session["csrf"] = "known"  # even with a valid token, no account means no access
    response = getattr(client, method)(path, json={}, headers={"X-CSRF-Token": "known"})
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401


@pytest.mark.parametrize("path", ["/editors/best-bets", "/editors/synonyms", "/editors/synonyms.txt",
                                  "/editors/best-bets/1"])
def test_the_pages_send_anyone_not_signed_in_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/editors/login" in response.headers["Location"]


def test_changes_need_the_csrf_token(editor, client):
    forged = editor.post("/editors/synonyms", data={"words": FAILING, "target": "injections"})
    assert forged.status_code == 400
    assert editor.post("/api/editors/best-bets", json={"queries": ["x"], "sections": [PINNED]},
                       headers={"X-CSRF-Token": "guess"}).status_code == 400
    assert editor.post("/api/editors/synonyms", json={"rule": "jabs => injections"}).status_code == 400
    assert editor.get("/api/editors/synonyms").get_json()["editor_rules"] == []
    assert editor.get("/api/editors/best-bets").get_json()["best_bets"] == []
    assert search(client, FAILING)["total"] == 0


def test_unusable_input_is_refused_in_the_one_error_shape(editor):
    octreotide = {"queries": ["octreotide"], "sections": [PINNED]}
    for body in ({"queries": ["octreotide"], "sections": ["nowhere.html#x"]},
                 {"queries": ["the"], "sections": [PINNED]}, {**octreotide, "starts": "2026-02-30"},
                 {**octreotide, "starts": "2026-05-01", "ends": "2026-04-01"},
                 {"queries": [], "sections": [PINNED]}, []):
        response = editor.post("/api/editors/best-bets", json=body, headers=csrf(editor))
        assert response.status_code == 400, body
        assert set(response.get_json()["error"]) == {"status", "message"}
    for rule in ("jabs", "jabs => ", "the, a", "jabs # comment, injections"):
        response = editor.post("/api/editors/synonyms", json={"rule": rule}, headers=csrf(editor))
        assert response.status_code == 400, rule
    page = editor.post("/editors/best-bets", data={"csrf_token": form_token(editor, "/editors/best-bets"),
                                                    "queries": "octreotide", "sections": "nowhere.html#x"})
    assert page.status_code == 400 and "not in the index: nowhere.html#x" in page.get_data(as_text=True)
    assert editor.delete("/api/editors/best-bets/99", headers=csrf(editor)).status_code == 404
