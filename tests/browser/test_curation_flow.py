"""An editor's flow in a real browser, at laptop and tablet sizes: a visitor's search finds
nothing, the insights page proposes a fix, one click applies it, the next search finds the page.
Each run removes its fix again, so the shared server is left as it was found."""
import pytest
from conftest import DESKTOP, TABLET, axe_violations, describe, editor_at, fits, screenshot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FAILING = "flshng"  # two letters short of the site's "flushing": too far for the visitors' corrector


@pytest.fixture(params=[DESKTOP, TABLET], ids=["desktop", "tablet"])
def editor(request, browser, server):
    """A signed-in editor's page at each screen size."""
    yield from editor_at(browser, server, request.param)


def accessible(page, name: str) -> None:
    """No serious axe problems and no sideways scrolling; a screenshot to look at."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert fits(page)


def failed_search_row(editor, server: str):
    """The failed search's row on the insights page, once the search log has stored it."""
    editor.goto(f"{server}/search?q={FAILING}")
    expect(editor.locator("#results-heading")).to_have_text("No results")
    editor.goto(server + "/editors/insights?days=7")
    table = editor.locator("section", has=editor.get_by_role("heading", name="Searches with no results"))
    row = table.locator("tr", has=editor.get_by_role("link", name=FAILING, exact=True))
    for _ in range(20):
        if row.count():
            return row
        editor.wait_for_timeout(250)
        editor.reload()
    raise AssertionError(f"{FAILING!r} never appeared among the searches with no results")


@pytest.mark.parametrize("fix", ["synonym", "pin"])
def test_from_a_failed_search_to_its_fix(server, editor, fix):
    row = failed_search_row(editor, server)
    expect(row).to_contain_text(f"{FAILING} => flushing")  # spelt alike: a synonym from the site's words
    accessible(editor, "insights-proposals")
    button = "Add synonym" if fix == "synonym" else "Pin as best bet"
    row.get_by_role("button", name=button).click()
    expect(editor.locator("h1")).to_have_text("Synonyms" if fix == "synonym" else "Best bets")
    accessible(editor, f"after-{fix}")
    editor.get_by_role("link", name=f"Search “{FAILING}” now").click()
    hits = editor.locator(".hit")
    expect(hits.first).to_be_visible()
    if fix == "pin":
        expect(hits.first.locator(".pick-label")).to_have_text("Editor's pick")
    else:
        expect(editor.locator(".expanded")).to_contain_text("flushing")
    accessible(editor, f"fixed-by-{fix}")
    undo(editor, server, fix)
    editor.goto(f"{server}/search?q={FAILING}")
    expect(editor.locator("#results-heading")).to_have_text("No results")


def undo(editor, server: str, fix: str) -> None:
    """Remove the fix through its page's own Remove button."""
    editor.goto(server + ("/editors/synonyms" if fix == "synonym" else "/editors/best-bets"))
    editor.get_by_role("button", name="Remove").first.click()
    expect(editor.get_by_text("None yet." if fix == "synonym" else "No best bets yet.")).to_be_visible()
