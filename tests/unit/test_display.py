"""How results read: section titles, deep links worth showing, snippets that keep lists apart,
and the copied site's pages without outside trackers."""
from types import SimpleNamespace

from indexer.duplicates import boilerplate_headings
from webapp.display import section_title, short_name, worth_linking
from webapp.sitecopy import rewrite_page
from webapp.snippets import flatten, snippet


def test_section_titles_read_as_one():
    assert section_title("Carcinoid syndrome", "Flushing") == "Carcinoid syndrome: Flushing"
    assert section_title("What is neuroendocrine cancer?", "Where it starts") == \
        "What is neuroendocrine cancer? – Where it starts"
    assert section_title("About NETs", "About NETs") == "About NETs"  # no "About NETs: About NETs"


def fields(path: str, heading: str) -> dict:
    return {"path": path, "display_heading": heading}


def test_a_heading_on_many_pages_is_boilerplate():
    stored = [fields(f"p{i}.html", "Getting support") for i in range(6)]
    stored += [fields(f"p{i}.html", f"Topic {i}") for i in range(12)]
    stored += [fields("p1.html", "Outlook"), fields("p2.html", "Outlook")]
    common = boilerplate_headings((f["display_heading"], f["path"]) for f in stored)
    assert common == {"getting support"}  # on 6 of 12 pages; "Outlook" on 2 is content


def test_deep_links_skip_the_results_own_title_and_boilerplate():
    link = lambda heading: SimpleNamespace(heading=heading, anchor=heading.lower())  # noqa: E731
    hit = SimpleNamespace(page_title="Carcinoid syndrome", heading="Flushing",
                          more_sections=[link("Carcinoid syndrome"), link("Getting support"),
                                         link("Carcinoid crisis")])
    kept = worth_linking(hit, frozenset({"getting support"}))
    assert [m.heading for m in kept] == ["Carcinoid crisis"]


def test_short_name_for_browsers_is_never_cut_mid_word():
    assert short_name("Lantern Cancer Care") == "Lantern search"
    assert short_name("Lantern") == "Lantern"
    assert len(short_name("Extraordinarilylongcharityname Care")) <= 16


def test_list_items_and_table_rows_stay_apart_in_snippets():
    text = ("There is no evidence that any of these cause NETs:\nstress or worry\nan injury or a knock\n"
            "Grade | Ki-67 index\nGrade 1 | Less than 3%")
    flat = flatten(text)
    assert flat.endswith("NETs: stress or worry; an injury or a knock; "
                         "Grade · Ki-67 index; Grade 1 · Less than 3%")
    assert "</mark>; an injury" in str(snippet(text, {"worri": False}))


PAGE = b"""<html><head><link rel="stylesheet" href="/static/site.css">
<script async src="https://stats.example.org/tag.js?id=1"></script>
<script>window.dataLayer=window.dataLayer||[];dataLayer.push(['page_view']);</script>
<script type="application/ld+json">{"@type": "MedicalWebPage"}</script>
<style>.hero { background: url('/static/hero.png'); }</style></head>
<body><img src="/static/logo.svg" alt="Logo"><a href="/static-pages/x">x</a>
<script src="/static/site.js"></script></body></html>"""


def test_copied_pages_use_their_own_assets_and_load_no_trackers():
    page = rewrite_page(PAGE)
    assert b'href="/pages/static/site.css"' in page and b'src="/pages/static/logo.svg"' in page
    assert b"url('/pages/static/hero.png')" in page and b'src="/pages/static/site.js"' in page
    assert b"stats.example.org" not in page and b"dataLayer" not in page
    assert b"application/ld+json" in page  # data, not code: kept
    assert b'href="/static-pages/x"' in page  # only the /static/ folder moves
