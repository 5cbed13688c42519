"""Links from page metadata are never trusted: unsafe canonical URLs fall back to /pages/."""
import re
from html import unescape

import pytest
from conftest import sign_in
from sitegen import page_html, write_corpus

from indexer.build import build_index
from webapp import create_app

CANONICAL = {
    "evil/script.html": "javascript:alert(document.cookie)",
    "evil/foreign.html": "https://evil.example/phish",
    "good/own.html": "https://www.lanterncancercare.org.uk/good/own",
}


@pytest.fixture(scope="module")
def linked_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    pages = {}
    for path, url in CANONICAL.items():
        html = page_html(f"Zebra page {path}", {"Zebra facts": f"Zebra stripes are explained in {path}.",
                                                "More zebra": "Another zebra section."})
        pages[path] = html.replace("<head>", f'<head><link rel="canonical" href="{url}">')
    corpus = write_corpus(root / "corpus", pages)
    build_index(corpus, root / "index", workers=1)
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(root / "index"),
                      "SEARCH_CORPUS_DIR": str(corpus),
                      "SEARCH_INSIGHTS_DB": str(root / "insights.sqlite3"), "SEARCH_LOCAL_LINKS": False,
                      "SEARCH_EDITORS_DB": str(root / "editors.sqlite3")})
    app.extensions["editors"].add("editor", "correct horse battery")
    return app


def assert_no_unsafe_link(text: str) -> None:
    assert "javascript:" not in text and "evil.example" not in text


def test_search_and_ask_pages_only_link_to_own_hosts(linked_app):
    client = linked_app.test_client()
    for url in ("/search?q=zebra", "/ask?q=zebra", "/api/search?q=zebra", "/api/ask?q=zebra",
                "/api/suggest?q=zebra"):
        text = client.get(url).get_data(as_text=True)
        assert "zebra" in text.lower(), url
        assert_no_unsafe_link(text)
    data = client.get("/api/search?q=zebra").get_json()
    urls = {r["path"]: r["url"] for r in data["results"]}
    assert urls == {"evil/script.html": "/pages/evil/script.html",
                    "evil/foreign.html": "/pages/evil/foreign.html",
                    "good/own.html": "https://www.lanterncancercare.org.uk/good/own"}


def test_open_never_redirects_off_site(linked_app):
    client = linked_app.test_client()
    for path in CANONICAL:
        opened = client.get("/open", query_string={"q": "zebra", "key": f"{path}#zebra-facts"})
        location = opened.headers["Location"]
        expected = CANONICAL[path] if path.startswith("good/") else f"/pages/{path}"
        assert location == f"{expected}#zebra-facts"


def test_editors_pages_only_link_to_own_hosts(linked_app):
    client = linked_app.test_client()
    sign_in(client, "editor", "correct horse battery")
    pair = "a=evil/script.html%23zebra-facts&b=evil/foreign.html%23zebra-facts"
    for url in ("/editors/similar?key=evil/script.html%23zebra-facts", f"/editors/pair?{pair}",
                "/api/editors/similar?key=evil/script.html%23zebra-facts", f"/api/editors/pair?{pair}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_unsafe_link(unescape(response.get_data(as_text=True)))
    html = client.get(f"/editors/pair?{pair}").get_data(as_text=True)
    assert re.search(r'href="/pages/evil/script.html#zebra-facts"', html)
