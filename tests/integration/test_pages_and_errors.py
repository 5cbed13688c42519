"""HTML pages, their agreement with the API, error shapes, health checks and index reloads."""
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from apiclient import api, keys
from sitegen import page_html, write_corpus

from indexer.build import build_index
from webapp import create_app


def result_keys(html: str) -> list[str]:
    """The path#anchor each result links to (through the /open redirect)."""
    links = re.findall(r'class="hit-link" href="([^"]+)"', html)
    return [parse_qs(urlsplit(unescape(link)).query)["key"][0] for link in links]


def test_search_page_and_api_agree(client):
    for query in ("tiredness", "carcinoid", "how long can you live with a NET?", "tummy"):
        html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        data = api(client, q=query)
        assert result_keys(html) == keys(data), query


def test_results_page_shows_expansion_and_suggestion(client):
    html = client.get("/search?q=tummy").get_data(as_text=True)
    assert "Also searched for" in html and "abdomen" in html
    html = client.get("/search?q=carcinoyd").get_data(as_text=True)
    assert "carcinoid" in html and "instead" in html


def test_query_markup_is_never_injected(client):
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    for url in ("/search", "/ask"):
        html = client.get(url, query_string={"q": attack}).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_home_page_works_without_a_query(client):
    html = client.get("/").get_data(as_text=True)
    assert 'name="q"' in html and "autofocus" in html


def test_partial_results_block_for_as_you_type(client):
    html = client.get("/search?q=flushing&partial=1").get_data(as_text=True)
    assert html.lstrip().startswith("<section") and "<html" not in html


def test_ask_page_shows_best_passage_in_full(client):
    html = client.get("/ask", query_string={"q": "how long can you live with a NET?"}).get_data(as_text=True)
    assert "Many people live for many years" in html
    assert 'class="answer selected"' in html


def test_corpus_pages_are_served_but_nothing_outside(client, site):
    with client.get("/pages/net/carcinoid.html") as page:
        assert page.status_code == 200 and b"Carcinoid syndrome" in page.data
    (site["corpus"].parent / "secret.html").write_text("secret")
    for path in ("/pages/../secret.html", "/pages/%2e%2e/secret.html", "/pages/synonyms.txt",
                 "/pages/net/../../secret.html"):
        assert client.get(path).status_code == 404, path


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    assert "/search?q={searchTerms}" in response.get_data(as_text=True)


def test_healthz_reports_documents_build_time_and_meaning_vectors(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] > 20 and data["built_at"] > 0
    assert data["semantic"] is True  # the model loaded and the index has its vectors


@pytest.mark.parametrize("url, status, message", [
    ("/api/search?q=x&limit=0", 400, "limit must be between 1 and 50"),
    ("/api/search?q=x&limit=51", 400, "limit must be between 1 and 50"),
    ("/api/search?q=x&page=abc", 400, "page must be a whole number"),
    ("/api/search?q=x&page=0", 400, "page must be 1 or more"),
    ("/api/nothing-here", 404, "not found"),
])
def test_api_errors_have_one_shape(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert message in body["error"]["message"]


def test_html_errors_use_the_friendly_page(client):
    response = client.get("/search?q=x&limit=500")
    assert response.status_code == 400
    assert "We could not read that request" in response.get_data(as_text=True)
    assert client.get("/no/such/page").status_code == 404


def test_missing_index_is_a_clear_503(tmp_path):
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "none"), "SEARCH_INSIGHTS_DB": ""})
    client = app.test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503
    assert "python -m indexer build" in response.get_json()["error"]["message"]
    assert client.get("/healthz").status_code == 503
    html = client.get("/search?q=x")
    assert html.status_code == 503 and "python -m indexer build" in html.get_data(as_text=True)


def test_rebuild_while_serving_is_picked_up_without_restart(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.html": page_html("First", {"One": "apples"})})
    build_index(corpus, tmp_path / "index", workers=1)
    client = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                         "SEARCH_CORPUS_DIR": str(corpus), "SEARCH_INSIGHTS_DB": ""}).test_client()
    assert api(client, q="pears")["total"] == 0
    write_corpus(corpus, {"b.html": page_html("Second", {"Two": "pears"})})
    build_index(corpus, tmp_path / "index", workers=1)
    assert api(client, q="pears")["total"] == 1
    assert api(client, q="apples")["total"] == 1


def test_opening_a_result_redirects_to_the_section(client):
    response = client.get("/open", query_string={"q": "flushing", "key": "net/carcinoid.html#flushing"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/pages/net/carcinoid.html#flushing"
    for bad in ("https://evil.example/", "net/carcinoid.html#nope", ""):
        assert client.get("/open", query_string={"q": "x", "key": bad}).status_code == 404


def test_without_insights_results_link_straight_to_the_section(site):
    client = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]),
                         "SEARCH_CORPUS_DIR": str(site["corpus"]), "SEARCH_INSIGHTS_DB": ""}).test_client()
    html = client.get("/search?q=carcinoid+crisis").get_data(as_text=True)
    links = re.findall(r'class="hit-link" href="([^"]+)"', html)
    assert links and all(link.startswith("/pages/") and "#" in link for link in links)


def test_pages_never_follow_symlinks_or_serve_hidden_files(client, site):
    import os

    corpus = site["corpus"]
    (corpus.parent / "outside.html").write_text("outside the corpus")
    os.symlink(corpus.parent / "outside.html", corpus / "net" / "escape.html")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "secret.html").write_text("hidden")
    try:
        for path in ("/pages/net/escape.html", "/pages/.git/secret.html"):
            assert client.get(path).status_code == 404, path
    finally:
        (corpus / "net" / "escape.html").unlink()
        (corpus / ".git" / "secret.html").unlink()
        (corpus / ".git").rmdir()


def test_over_long_urls_get_414_in_the_error_shape(client):
    response = client.get("/api/search", query_string={"q": "tummy " * 1500})
    assert response.status_code == 414
    error = response.get_json()["error"]
    assert error["status"] == 414 and "too long" in error["message"]
    html = client.get("/search", query_string={"q": "tummy " * 1500})
    assert html.status_code == 414 and "too long" in html.get_data(as_text=True)
