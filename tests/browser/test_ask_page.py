"""The nurses' page in a real browser: keyboard only, from question to copied answer."""
import pytest
from conftest import wait_for_focus_in_box, wait_until

pytestmark = pytest.mark.browser


def ask(server, page, question: str) -> None:
    """Type a question into a freshly loaded /ask and submit it with Enter, keyboard only."""
    page.goto(server + "/ask")
    wait_for_focus_in_box(page)  # the box has focus on load: the nurse just types
    page.keyboard.type(question, delay=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")  # the keyboard script is deferred until the page has loaded
    wait_for_focus_in_box(page)
    page.locator(".answer.selected").wait_for(timeout=5000)


def test_best_passage_is_shown_in_full(server, page):
    ask(server, page, "how long can you live with a NET?")
    best = page.locator(".answer.selected")
    assert "Many people live for many years" in best.inner_text()
    assert "About NETs" in best.locator(".answer-path").inner_text()


def test_arrow_and_number_keys_move_between_answers(server, page):
    ask(server, page, "carcinoid flushing")
    count = page.locator(".answer").count()
    assert count >= 3
    page.keyboard.press("ArrowDown")
    assert page.locator(".answer.selected").get_attribute("data-index") == "2"
    assert page.locator(".answer.selected .passage").is_visible()  # the chosen one opens in full
    page.keyboard.press("3")
    assert page.locator(".answer.selected").get_attribute("data-index") == "3"
    page.keyboard.press("ArrowUp")
    assert page.locator(".answer.selected").get_attribute("data-index") == "2"


def test_slash_focuses_the_box_from_anywhere(server, page):
    ask(server, page, "flushing")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_c_copies_the_passage_with_its_link(server, page):
    ask(server, page, "what is a NET")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("c")
    wait_until(page, "document.body.dataset.copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "neuroendocrine tumour" in copied
    assert "net/about-nets.html#" in copied  # the link to send the caller


def test_enter_opens_the_selected_answer(server, page):
    ask(server, page, "carcinoid crisis")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/pages/net/carcinoid.html#carcinoid-crisis" in page.url


def test_usable_on_a_small_laptop_screen(server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 600})
    page = context.new_page()
    ask(server, page, "what is a NET")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024  # no sideways scrolling
    box = page.locator(".answer.selected").bounding_box()
    assert box["y"] < 600  # the best answer starts on the first screen
    context.close()
