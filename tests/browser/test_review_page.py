"""The editors' content review report in a real browser, on a laptop and on a tablet."""
from pathlib import Path

import pytest
from conftest import (
    DESKTOP,
    TABLET,
    axe_violations,
    describe,
    editor_at,
    fits,
    screenshot,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(params=[DESKTOP, TABLET], ids=["desktop", "tablet"])
def editor(request, browser, server):
    """A signed-in editor's page at each screen size."""
    yield from editor_at(browser, server, request.param)


def test_review_report_bands_horizon_topic_and_csv(server, editor):
    editor.goto(server + "/editors/")
    editor.get_by_role("link", name="Content review").click()
    expect(editor.locator("h1")).to_have_text("Content review")
    # the browser site's dates, read on 15 October 2027 (SEARCH_REVIEW_TODAY)
    expect(editor.locator("#overdue")).to_contain_text("About NETs")
    expect(editor.locator("#overdue")).to_contain_text("45 days late")  # due by 31 August 2027
    expect(editor.locator("#due-30")).to_contain_text("Carcinoid syndrome")
    expect(editor.locator("#due-90")).to_have_count(0)
    expect(editor.locator("#no-review-date")).to_contain_text("Tiredness guide 0")
    assert fits(editor)
    editor.get_by_label("Show").select_option("90")
    editor.get_by_role("button", name="Show").click()
    editor.wait_for_url("**/editors/review?within=90**")
    expect(editor.locator("#due-90")).to_contain_text("Pancreatic cancer outlook")
    editor.get_by_label("Topic").select_option("Pancreatic cancer")
    editor.get_by_role("button", name="Show").click()
    expect(editor.locator("#overdue")).to_contain_text("None.")
    expect(editor.locator("#no-review-date")).not_to_contain_text("Tiredness")
    assert fits(editor)
    screenshot(editor, "review")
    violations = axe_violations(editor)
    assert not violations, describe(violations)
    with editor.expect_download() as download:
        editor.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "content-review.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("band,path,title,topic") and "pancreas/outlook.html" in text
    assert "net/about-nets.html" not in text  # the topic chosen on the page


