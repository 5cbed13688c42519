"""An app over a small site written for the tests, indexed once per session."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sitegen import page_html, write_corpus

from indexer.build import build_index
from webapp import create_app

SYNONYMS = """
NET, neuroendocrine tumour
neuroendocrine cancer => neuroendocrine cancer, NET, NEC
tummy, abdomen
GP, family doctor
"""


def site_pages() -> dict[str, str]:
    """Pages that each exercise one behaviour: acronyms, synonyms, markup, spelling, paging."""
    pages = {
        "net/about-nets.html": page_html("About NETs", {
            "What is a NET": "A NET is a neuroendocrine tumour. NETs grow from neuroendocrine cells.",
            "Symptoms of a NET": "Symptoms include flushing, diarrhoea and pain in the abdomen.",
            "Treatment with octreotide": "Octreotide injections slow the growth of the tumour.",
            "Outlook": "Many people live for many years with a slow-growing NET.",
        }, topic="Neuroendocrine cancer"),
        "net/carcinoid.html": page_html("Carcinoid syndrome", {
            "Flushing": "Carcinoid syndrome causes flushing of the face and neck.",
            "Heart": "Carcinoid heart disease affects the valves of the heart.",
        }, topic="Neuroendocrine cancer"),
        "support/money.html": page_html("Money worries", {
            "Benefits": "The welfare safety net includes benefits if you cannot work.",
        }, topic="Support"),
        "support/markup.html": page_html("Talking about treatment", {
            "Examples": "Some forums show code like &lt;script&gt;alert('x')&lt;/script&gt; in posts "
                        "about treatment.",
        }, topic="Support"),
        "bowel/about.html": page_html("About bowel cancer", {
            "Tumor growth": "A tumor in the bowel can block it and cause tummy pain.",
            "Seeing your GP": "See your family doctor if you have blood in your poo.",
        }, topic="Bowel cancer"),
    }
    helpline = ("Our support nurses answer questions about cancer, treatment, money and work. Call the free "
                "helpline on weekdays from nine until five, or write to us by email at any time. We can "
                "also put you in touch with local groups and with people who have had the same cancer.")
    pages["support/helpline.html"] = page_html("Contact the helpline", {"Call us": helpline},
                                               topic="Support")
    pages["support/groups.html"] = page_html("Support groups", {"Getting help": helpline}, topic="Support")
    edited = helpline + " Calls are free from mobiles and landlines."  # an older, edited copy
    pages["net/help.html"] = page_html("Help with NETs", {"Talk to us": edited},
                                       topic="Neuroendocrine cancer")
    for i in range(14):  # enough pages about tiredness to need two result pages
        pages[f"living/tiredness-{i:02d}.html"] = page_html(f"Tiredness guide {i}", {
            "Tiredness": f"Tiredness (fatigue) after treatment, advice number {i}.",
        }, topic="Living with cancer")
    return pages


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> dict[str, Path]:
    """The test site on disk and its index."""
    root = tmp_path_factory.mktemp("site")
    corpus = write_corpus(root / "corpus", site_pages())
    (corpus / "synonyms.txt").write_text(SYNONYMS, encoding="utf-8")
    build_index(corpus, root / "index", workers=1)
    return {"corpus": corpus, "index": root / "index"}


EDITOR, PASSWORD = "editor", "correct horse battery"


@pytest.fixture(scope="session")
def app(site):
    """The real application over the test site, with one editor's account."""
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]),
                      "SEARCH_CORPUS_DIR": str(site["corpus"]),
                      "SEARCH_INSIGHTS_DB": str(site["index"].parent / "insights.sqlite3"),
                      "SEARCH_EDITORS_DB": str(site["index"].parent / "editors.sqlite3"),
                      "SEARCH_RATE_LIMIT": ""})  # the suite is one fast client: test_rate_limits checks it
    app.extensions["editors"].add(EDITOR, PASSWORD)
    return app


@pytest.fixture
def client(app):
    """A test client, not signed in."""
    return app.test_client()


def sign_in(client, name: str = EDITOR, password: str = PASSWORD):
    """Sign in through the real form (with its CSRF token); returns the form's response."""
    form = client.get("/editors/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post("/editors/login", data={"name": name, "password": password, "csrf_token": token,
                                               "next": "/editors/"})


@pytest.fixture
def editor(app):
    """A test client signed in as an editor."""
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client
