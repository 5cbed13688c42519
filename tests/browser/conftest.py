"""A real gunicorn serving the test site, and a real headless Chromium (Debian's) driving it."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from sitegen import page_html, write_corpus

from bench.server import gunicorn
from indexer.build import build_index

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: `make test` installs it; elsewhere they are skipped,
    except in CI, where a missing browser must fail loudly rather than pass quietly."""
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """gunicorn (2 workers) on a loopback port over a small site; yields its base URL."""
    root = tmp_path_factory.mktemp("browser-site")
    corpus = write_corpus(root / "corpus", {
        "net/about-nets.html": page_html("About NETs", {
            "What is a NET": "A NET is a neuroendocrine tumour that grows from neuroendocrine cells.",
            "Symptoms of a NET": "Symptoms include flushing, diarrhoea and tummy pain.",
            "Outlook": "Many people live for many years with a slow-growing NET.",
        }, topic="Neuroendocrine cancer"),
        "net/carcinoid.html": page_html("Carcinoid syndrome", {
            "Flushing": "Carcinoid syndrome causes flushing of the face and neck.",
            "Carcinoid crisis": "A carcinoid crisis is a sudden attack of severe flushing.",
        }, topic="Neuroendocrine cancer"),
    })
    (corpus / "synonyms.txt").write_text("NET, neuroendocrine tumour\n", encoding="utf-8")
    build_index(corpus, root / "index", workers=1)
    with gunicorn(root / "index", corpus, str(root / "insights.sqlite3")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, launched once for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context, clipboard allowed) for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    yield tab
    context.close()


def wait_until(page, expression: str, seconds: float = 5.0) -> None:
    """Poll a JavaScript expression until it is true. Not page.wait_for_function: that evaluates
    the string with eval() inside the page, which the site's Content-Security-Policy forbids."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error as exc:  # the page navigated while we asked: ask the new one
            if "context was destroyed" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {expression}")
        page.wait_for_timeout(50)


def wait_for_focus_in_box(page) -> None:
    """Chromium applies `autofocus` just after load; typing before then would lose keys."""
    wait_until(page, "document.activeElement && document.activeElement.id === 'q'")
