"""A real gunicorn serving the test site, and a real headless Chromium (Debian's) driving it."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from sitegen import page_html, write_corpus

from bench.server import gunicorn
from indexer.build import build_index
from webapp.auth import EditorAccounts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ROOT = Path(__file__).resolve().parents[2]
# axe-core comes from npm (`make browser-deps`); screenshots are kept for people to look at.
AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
EDITOR = ("editor", "a long browser-test password")
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
HELPLINE = ("Our nurses answer questions about cancer, treatment, money and work. Call the free helpline "
            "on weekdays from nine until five, or write to us by email at any time. We can also put you "
            "in touch with local support groups and with people who have had the same cancer as you.")
# The copied site's own stylesheet, and a tracker it loads from another host: a served page
# must use the first and never the second.
SITE_CSS = "body { background: rgb(250, 245, 240); } :target { background: rgb(255, 246, 204); }\n"
# The content review report counts from this day (SEARCH_REVIEW_TODAY), against these stated dates.
REVIEW_TODAY = "2027-10-15"
REVIEW_DATES = {"net/about-nets.html": "Next review due: August 2027",
                "net/carcinoid.html": "Next review due: 1 November 2027",
                "pancreas/outlook.html": "Next review due: December 2027"}
SITE_HEAD = ('<link rel="stylesheet" href="/static/site.css">'
             '<script async src="https://stats.example.org/tag.js?id=1"></script>'
             "<script>window.dataLayer=window.dataLayer||[];dataLayer.push(['page_view']);</script>")


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: `make test` installs it; elsewhere they are skipped,
    except in CI, where a missing browser must fail loudly rather than pass quietly."""
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(skip)


def site_pages() -> dict[str, str]:
    """A small site: NET pages, another cancer type, enough pages to page through, a repeated
    passage for the editors, and a page that loads its own stylesheet and an outside tracker."""
    pages = {
        "net/about-nets.html": page_html("About NETs", {
            "What is a NET": "A NET is a neuroendocrine tumour that grows from neuroendocrine cells.",
            "Symptoms of a NET": "Symptoms include flushing, diarrhoea and tummy pain.",
            "Outlook": "Many people live for many years with a slow-growing NET.",
            "Getting support": HELPLINE,
        }, topic="Neuroendocrine cancer"),
        "net/carcinoid.html": page_html("Carcinoid syndrome", {
            "Flushing": "Carcinoid syndrome causes flushing of the face and neck.",
            "Carcinoid crisis": "A carcinoid crisis is a sudden attack of severe flushing.",
            "Diarrhoea": "Carcinoid syndrome can cause diarrhoea and flushing after meals.",
            "Getting support": HELPLINE,
        }, topic="Neuroendocrine cancer"),
        "pancreas/outlook.html": page_html("Pancreatic cancer outlook", {
            "How long can you live with pancreatic cancer": "How long people live with pancreatic "
            "cancer depends on the stage. A pancreatic NET usually grows more slowly.",
            "Getting support": HELPLINE + " Calls are free from mobiles and landlines.",
        }, topic="Pancreatic cancer"),
    }
    for i in range(12):  # enough pages about tiredness for two result pages
        pages[f"living/tiredness-{i:02d}.html"] = page_html(f"Tiredness guide {i}", {
            "Tiredness": f"Tiredness (fatigue) after treatment, advice number {i}.",
        }, topic="Living with cancer")
    styled = page_html("Scans for NETs", {
        "Before the scan": "You may need to stop eating a few hours before the scan.",
        "Getting ready": "Filler text so that the page is long enough to scroll. " * 60,
        "Gallium PET scan": "A gallium PET scan shows where NET cells are in the body.",
        "After the scan": "You can usually go home the same day. " * 20,
    }, topic="Neuroendocrine cancer")
    pages["net/scans.html"] = styled.replace("</title>", "</title>" + SITE_HEAD, 1)
    for path, line in REVIEW_DATES.items():
        pages[path] = pages[path].replace("</main>", f"<p>{line}</p></main>", 1)
    return pages


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """gunicorn (2 workers) on a loopback port over a small site; yields its base URL."""
    root = tmp_path_factory.mktemp("browser-site")
    corpus = write_corpus(root / "corpus", site_pages())
    # the sample site's real assets and one of its real pages (cookie banner, menus, trackers)
    shutil.copytree(ROOT / "corpus" / "static", corpus / "static")
    with (corpus / "static" / "site.css").open("a", encoding="utf-8") as css:
        css.write(SITE_CSS)
    real = ROOT / "corpus" / "neuroendocrine-cancer" / "what-is-neuroendocrine-cancer.html"
    shutil.copy(real, corpus / "net" / "what-is-neuroendocrine-cancer.html")
    (corpus / "synonyms.txt").write_text("NET, neuroendocrine tumour\n", encoding="utf-8")
    build_index(corpus, root / "index", workers=1)
    EditorAccounts(root / "editors.sqlite3").add(*EDITOR)
    env = {"SEARCH_EDITORS_DB": str(root / "editors.sqlite3"), "SEARCH_SECURE_COOKIES": "false",
           "SEARCH_SECRET_KEY": "browser-tests-only",  # plain HTTP on loopback; one key for both workers
           "SEARCH_REVIEW_TODAY": REVIEW_TODAY}
    with gunicorn(root / "index", corpus, str(root / "insights.sqlite3"), env=env) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, launched once for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_page(browser, viewport: dict, **options):
    """A fresh page in its own context, the clipboard allowed (copying is tested for real)."""
    context = browser.new_context(viewport=viewport, **options)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return context.new_page()


@pytest.fixture
def page(browser):
    """A fresh desktop-sized page for each test."""
    tab = new_page(browser, DESKTOP)
    yield tab
    tab.context.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized page (390 x 844, touch) for each test."""
    tab = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    yield tab
    tab.context.close()


def log_in_as_editor(page, server: str) -> None:
    """Sign in through the real form, as an editor would (the one place tests get into /editors/)."""
    page.goto(server + "/editors/login")
    page.fill("#name", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/editors/**")


def editor_at(browser, server: str, size: dict):
    """A signed-in editor's page at one screen size, closed afterwards (yield from a fixture)."""
    tab = new_page(browser, size)
    log_in_as_editor(tab, server)
    yield tab
    tab.context.close()


def fits(page) -> bool:
    """True when the page needs no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def wait_until(page, expression: str, arg=None, seconds: float = 10.0) -> None:
    """Poll a JavaScript function until it returns true. Not page.wait_for_function: that evaluates
    the string with eval() inside the page, which the site's Content-Security-Policy forbids."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while True:
        try:
            if page.evaluate(expression, arg):
                return
        except Error as exc:  # the page navigated while we asked: ask the new one
            if "context was destroyed" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {expression}")
        page.wait_for_timeout(50)


def wait_for_focus_in_box(page) -> None:
    """Chromium applies `autofocus` just after load; typing before then would lose keys."""
    wait_until(page, "() => document.activeElement && document.activeElement.id === 'q'")


def wait_until_settled(page, query: str) -> None:
    """Wait, as a person pausing would, until the as-you-type search for `query` has settled:
    shown, counted, and given its own history entry."""
    wait_until(page, "q => { const f = document.querySelector('form[data-live]');"
               " return f && new URLSearchParams(f.dataset.settled || '').get('q') === q; }", query)


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now (target size included).
    Evaluated as a script, so a strict Content-Security-Policy on the page cannot block it."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing ({AXE}): run `make browser-deps`")
        pytest.skip("axe-core is not installed: run `make browser-deps`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {rules: {"target-size": {enabled: true}},
                                           resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ (a test artefact to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def describe(violations: list[dict]) -> str:
    """Violations as readable JSON for an assertion message."""
    return json.dumps(violations, indent=1)
