"""The visitors' pages in a real browser: as-you-type results, the journey back and forth,
filters, paging, suggestions, and landing on the right section of the site."""
import re
from urllib.parse import urlsplit

import pytest
from conftest import new_page, wait_for_focus_in_box, wait_until, wait_until_settled
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def type_search(page, text: str) -> None:
    """Replace what is in the box, as a visitor would, and wait until the search settles."""
    page.locator("#q").fill("")
    page.keyboard.type(text, delay=15)
    wait_until_settled(page, text)


def test_results_update_as_you_type(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)  # focus in the box on load, nothing to click
    page.keyboard.type("carcinoid crisis", delay=20)
    first = page.locator(".hit-link").first
    first.wait_for(timeout=5000)
    assert "Carcinoid syndrome" in first.inner_text()
    assert "<mark>" in page.locator(".snippet").first.inner_html()
    assert re.search(r"[?&]q=carcinoid\+crisis", page.url)  # the address can be shared
    expect(page).to_have_title(re.compile(r"^carcinoid crisis - Search"))


def test_one_live_region_announces_a_short_summary(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)
    page.keyboard.type("flushing", delay=20)
    status = page.locator("[role=status], [aria-live]")
    expect(status).to_have_count(1)
    expect(status).to_have_text(re.compile(r"^\d+ pages? found for “flushing”$"), timeout=5000)
    assert page.locator("#results").get_attribute("aria-live") is None  # the list is not re-read


def test_back_and_forward_step_through_searches_not_off_the_site(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)
    type_search(page, "flushing")
    type_search(page, "tiredness")
    expect(page.locator(".hit-link").first).to_contain_text("Tiredness")
    page.go_back()
    expect(page.locator("#q")).to_have_value("flushing")
    expect(page.locator(".hit-link").first).to_contain_text(re.compile("Carcinoid|NET"))
    assert "q=flushing" in page.url
    expect(page).to_have_title(re.compile("^flushing - "))
    page.go_back()
    assert urlsplit(page.url).path == "/"  # the home page, still on the site
    expect(page.locator(".hit")).to_have_count(0)
    expect(page.locator(".topic-list")).to_be_visible()
    page.go_forward()
    expect(page.locator("#q")).to_have_value("flushing")
    expect(page.locator(".hit-link").first).to_be_visible()


def test_topic_filter_and_its_counts(server, page):
    page.goto(server + "/search?q=how+long+can+you+live")
    facets = page.locator(".facets")
    expect(facets).to_contain_text("Pancreatic cancer (1)")
    facets.get_by_role("link", name=re.compile("Pancreatic cancer")).click()
    expect(page.locator("#results-heading")).to_contain_text("1 page found in Pancreatic cancer")
    expect(page.locator("#topic")).to_have_value("Pancreatic cancer")
    page.locator("#topic").select_option("")  # back to all topics, from the select
    expect(page.locator("#results-heading")).not_to_contain_text("in Pancreatic cancer")


def test_paging_and_a_page_past_the_end(server, page):
    page.goto(server + "/search?q=tiredness")
    expect(page.locator(".pagination")).to_contain_text("Page 1 of 2")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
    assert page.locator(".hit").count() >= 1
    page.goto(server + "/search?q=tiredness&page=999")
    expect(page.locator("#results-heading")).to_have_text("No more results")
    page.get_by_role("link", name="Go back to page 2").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")


def test_did_you_mean_and_nothing_matched(server, page):
    page.goto(server + "/search?q=carcinoyd+crisis")
    expect(page.locator(".notice")).to_contain_text("carcinoid")
    expect(page.locator(".hit-link").first).to_contain_text("Carcinoid syndrome")
    page.goto(server + "/search?q=xylophone+zebra")
    expect(page.locator("#results-heading")).to_have_text("No results")
    tries = page.locator(".try-instead a")
    assert tries.count() >= 3
    expect(page.locator(".helpline")).to_contain_text("0800 000 0000")
    tries.filter(has_text="treatment").first.click()
    expect(page.locator(".hit-link").first).to_be_visible()


def test_search_box_suggests_titles_and_headings(server, page):
    page.goto(server + "/")
    wait_for_focus_in_box(page)
    page.keyboard.type("carc", delay=20)
    wait_until(page, "() => document.querySelectorAll('#suggestions option').length > 0")
    options = page.eval_on_selector_all("#suggestions option", "els => els.map(e => e.value)")
    assert "Carcinoid syndrome" in options


def test_home_page_helps_a_visitor_start(server, page):
    page.goto(server + "/")
    expect(page.locator(".topic-list a")).to_contain_text(["Living with cancer", "Neuroendocrine cancer",
                                                           "Pancreatic cancer"])
    assert page.locator(".question-list a").count() >= 4
    expect(page.locator(".helpline")).to_contain_text("0800 000 0000")
    expect(page.get_by_role("link", name="For editors")).to_have_count(0)
    page.locator(".topic-list a", has_text="Pancreatic cancer").click()
    expect(page.locator("#results-heading")).to_contain_text("in Pancreatic cancer")


def test_a_result_lands_on_its_section_of_the_styled_page_without_trackers(server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server + "/search?q=gallium+scan")
    hit = page.locator(".hit-link").first
    expect(hit).to_contain_text("Gallium PET scan")
    hit.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/pages/net/scans.html#gallium-pet-scan")
    section = page.locator("#gallium-pet-scan")
    expect(section).to_be_in_viewport()
    # the site's own stylesheet is applied (its :target rule marks the section landed on)
    assert section.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 246, 204)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 245, 240)"
    outside = [url for url in requests if not url.startswith(server)]
    assert outside == []  # no analytics script was even requested


def test_search_works_without_javascript(server, browser):
    page = new_page(browser, {"width": 1280, "height": 800}, java_script_enabled=False)
    page.goto(server + "/")
    page.fill("#q", "flushing")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert "flushing" in page.locator(".results").inner_text().lower()
    page.locator(".hit-link").first.click()
    page.wait_for_load_state()
    assert "/pages/net/" in page.url and "#" in page.url
    page.context.close()
