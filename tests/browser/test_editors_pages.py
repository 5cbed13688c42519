"""The editors' pages in a real browser, on a laptop and on a phone."""
import pytest
from conftest import DESKTOP, PHONE, editor_at, fits
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def editor(request, browser, server):
    """A signed-in editor's page at each screen size."""
    yield from editor_at(browser, server, request.param)


def test_duplicate_groups_compare_and_similar_are_reachable(server, editor):
    editor.goto(server + "/editors/duplicates")
    group = editor.locator(".dup-group", has_text="Getting support").first
    expect(group).to_contain_text("About NETs")
    assert fits(editor)  # no sideways scrolling, even on a phone
    width = editor.viewport_size["width"]
    compare = group.get_by_role("link", name="compare").first
    box = compare.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on screen, not cut off
    compare.click()
    expect(editor.locator("h1")).to_have_text("Compare two passages")
    assert fits(editor)
    editor.go_back()
    group.get_by_role("link", name="similar").first.click()
    expect(editor.locator("h1")).to_contain_text("Passages similar to")
    assert fits(editor)
    for cell in editor.locator("td[data-label=Similarity]").all_inner_texts():
        assert float(cell) >= 0.2  # near-strangers are left out


def test_editors_overview_and_insights(server, editor):
    editor.goto(server + "/editors/")
    expect(editor.get_by_role("link", name="For editors")).to_be_visible()  # their own menu
    editor.get_by_role("link", name="Search insights").click()
    expect(editor.locator("h1")).to_have_text("Search insights")
    assert fits(editor)
