"""The visitor's journey on the server side: home page, past the last page, the site's own
assets, the icon and the short name browsers show, and what the insights store."""
import sqlite3

from flask import Flask


def test_home_page_offers_topics_questions_and_the_helpline(client, editor):
    html = client.get("/").get_data(as_text=True)
    assert "Popular topics" in html and "/search?q=Support&amp;topic=Support" in html
    assert "Common questions" in html and "0800 000 0000" in html
    assert "For editors" not in html  # patients do not need the editors' tools
    assert "For editors" in editor.get("/editors/").get_data(as_text=True)


def test_a_page_past_the_last_says_so_and_is_not_a_failed_search(app, client):
    html = client.get("/search?q=tiredness&page=999").get_data(as_text=True)
    assert "No more results" in html and "Go back to page 2" in html and "Check the spelling" not in html
    assert 'href="/search?q=tiredness&amp;page=2"' in html
    app.extensions["insights"].flush()
    with sqlite3.connect(app.config["SEARCH_INSIGHTS_DB"]) as db:
        rows = db.execute("SELECT results FROM searches WHERE query = 'tiredness'").fetchall()
    assert (0,) not in rows


def test_nothing_matched_offers_searches_to_try_and_the_helpline(client):
    html = client.get("/search?q=xylophone").get_data(as_text=True)
    assert 'class="try-instead"' in html and 'href="/search?q=treatment"' in html
    assert "0800 000 0000" in html


def test_control_characters_are_never_stored(app, client):
    client.get("/search", query_string={"q": "octreotide\x00 dose"})
    client.get("/api/search", query_string={"q": "nul\x00here"})
    app.extensions["insights"].flush()
    with sqlite3.connect(app.config["SEARCH_INSIGHTS_DB"]) as db:
        stored = [q for (q,) in db.execute("SELECT query FROM searches")]
    assert "octreotide dose" in stored and not any("\x00" in q for q in stored)


def test_copied_pages_get_their_own_assets_and_no_trackers(client, site):
    page = site["corpus"] / "net" / "tracked.html"
    page.write_text('<html><head><title>T</title><link rel="stylesheet" href="/static/site.css">'
                    '<script src="https://stats.example.org/t.js"></script></head>'
                    "<body><main><h1>T</h1><p>Text.</p></main></body></html>", encoding="utf-8")
    (site["corpus"] / "static").mkdir(exist_ok=True)
    (site["corpus"] / "static" / "site.css").write_text("body { color: black; }", encoding="utf-8")
    html = client.get("/pages/net/tracked.html").get_data(as_text=True)
    assert 'href="/pages/static/site.css"' in html and "stats.example.org" not in html
    with client.get("/pages/static/site.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/pages/static/../synonyms.txt").status_code == 404
    page.unlink()


def test_favicon_and_opensearch_short_name(client, app: Flask):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    xml = client.get("/opensearch.xml").get_data(as_text=True)
    assert "<ShortName>Lantern search</ShortName>" in xml


def test_results_titles_never_read_question_colon(client):
    html = client.get("/search?q=neuroendocrine").get_data(as_text=True)
    assert "?: " not in html
