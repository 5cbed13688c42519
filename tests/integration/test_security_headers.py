"""Security headers on every response, and no echo of a forged Host header."""
import pytest

STRICT = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
          "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]


@pytest.mark.parametrize("path", ["/", "/search?q=flushing", "/ask?q=flushing", "/api/search?q=flushing",
                                  "/api/nothing", "/no/such/page", "/search?q=x&limit=500", "/editors/",
                                  "/editors/login", "/api/editors/duplicates", "/static/style.css",
                                  "/opensearch.xml", "/healthz"])
def test_every_response_has_the_security_headers(client, path):
    with client.get(path) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert all(rule in policy for rule in STRICT) and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_copied_site_pages_run_no_scripts(client):
    with client.get("/pages/net/carcinoid.html") as response:
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy  # so no script runs
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_service_pages_have_no_inline_scripts_or_styles(client):
    for path in ("/", "/search?q=flushing", "/ask?q=flushing", "/editors/login"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path


def test_opensearch_never_echoes_the_host_header(client, app):
    xml = client.get("/opensearch.xml", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in xml and 'template="/search?q={searchTerms}"' in xml
    app.config["SEARCH_PUBLIC_URL"] = "https://search.lantern.example/"
    try:
        xml = client.get("/opensearch.xml", headers={"Host": "evil.example"}).get_data(as_text=True)
    finally:
        app.config["SEARCH_PUBLIC_URL"] = ""
    assert 'template="https://search.lantern.example/search?q={searchTerms}"' in xml
