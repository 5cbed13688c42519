"""The visitors' page in a real browser: as-you-type results, suggestions, and no-JS search."""
import re

import pytest
from conftest import wait_for_focus_in_box, wait_until

pytestmark = pytest.mark.browser


def test_results_update_as_you_type(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)  # focus in the box on load, nothing to click
    page.keyboard.type("carcinoid crisis", delay=20)
    first = page.locator(".hit-link").first
    first.wait_for(timeout=5000)
    assert "Carcinoid syndrome" in first.inner_text()
    assert "<mark>" in page.locator(".snippet").first.inner_html()
    assert re.search(r"[?&]q=carcinoid\+crisis", page.url)  # the address can be shared


def test_search_box_suggests_titles_and_headings(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)
    page.keyboard.type("carc", delay=20)
    wait_until(page, "document.querySelectorAll('#suggestions option').length > 0")
    options = page.eval_on_selector_all("#suggestions option", "els => els.map(e => e.value)")
    assert "Carcinoid syndrome" in options


def test_search_works_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#q", "flushing")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert "flushing" in page.locator(".results").inner_text().lower()
    page.locator(".hit-link").first.click()
    page.wait_for_load_state()
    assert "/pages/net/" in page.url and "#" in page.url
    context.close()
