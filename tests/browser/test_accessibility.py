"""Every page type with axe-core at a laptop and a phone size, with screenshots to look at;
focus that can be seen, and hints that can be read."""
import pytest
from conftest import DESKTOP, PHONE, axe_violations, describe, log_in_as_editor, new_page, screenshot

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "results": "/search?q=flushing",
    "no-results": "/search?q=xylophone+zebra",
    "past-the-end": "/search?q=tiredness&page=999",
    "ask": "/ask?q=carcinoid+flushing",
    "site-page": "/pages/net/scans.html#gallium-pet-scan",
    "real-site-page": "/pages/net/what-is-neuroendocrine-cancer.html#where-it-starts",
    "not-found": "/nowhere",
    "editors": "/editors/",
    "duplicates": "/editors/duplicates",
    "similar": "/editors/similar?key=net/carcinoid.html%23getting-support",
    "compare": "/editors/pair?a=net/carcinoid.html%23getting-support&b=net/about-nets.html%23getting-support",
    "insights": "/editors/insights?days=7",
    "review": "/editors/review?within=90",
    "best-bets": "/editors/best-bets",
    "synonyms": "/editors/synonyms",
}


@pytest.fixture(scope="module", params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewer(request, browser, server):
    """One browser page per screen size, shared by the page types (signed in for /editors/)."""
    tab = new_page(browser, request.param)
    log_in_as_editor(tab, server)
    yield tab
    tab.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_problems(server, viewer, name):
    response = viewer.goto(server + PAGES[name])
    assert response.status == (404 if name == "not-found" else 200)
    viewer.wait_for_load_state("load")
    screenshot(viewer, name)
    violations = axe_violations(viewer)
    assert not violations, describe(violations)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two rgb()/rgba() colours."""
    def luminance(colour: str) -> float:
        r, g, b = (int(float(x)) / 255 for x in colour[colour.index("(") + 1:-1].split(",")[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_focus_is_visible_and_hints_are_legible(server, browser):
    page = new_page(browser, PHONE)
    page.goto(server + "/ask?q=flushing")
    page.keyboard.press("Tab")  # from the page to the skip link, then into the header
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("""(() => { const s = getComputedStyle(document.activeElement);
        return {width: parseFloat(s.outlineWidth), style: s.outlineStyle, colour: s.outlineColor}; })()""")
    assert ring["style"] != "none" and ring["width"] >= 2
    page.locator(".answer-actions a").first.focus()
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert contrast(ring, "rgb(255, 255, 255)") >= 3  # against the white page
    sizes = page.eval_on_selector_all("#keys, #keys kbd",
                                      "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 13
    page.context.close()
