"""The nurses' page in a real browser: keyboard only, from question to copied answer."""
import re

import pytest
from conftest import new_page, wait_for_focus_in_box, wait_until_settled
from playwright.sync_api import expect

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


def selected_index(page) -> str:
    return page.locator(".answer.selected").get_attribute("data-index")


def focused(page, script: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_best_passage_is_shown_in_full(server, page):
    ask(server, page, "how long can you live with a NET?")
    best = page.locator(".answer.selected")
    assert "Many people live for many years" in best.inner_text()
    assert "About NETs" in best.locator(".answer-path").inner_text()


def test_down_from_the_box_chooses_the_first_answer_then_the_next(server, page):
    ask(server, page, "carcinoid flushing")
    assert page.locator(".answer").count() >= 3
    page.keyboard.press("ArrowDown")
    assert selected_index(page) == "1"
    assert focused(page, "el.dataset.index") == "1"
    page.keyboard.press("ArrowDown")
    assert selected_index(page) == "2"
    assert page.locator(".answer.selected .passage").is_visible()  # the chosen one opens in full
    # the answer left behind still shows what it says, not just its heading
    expect(page.locator('.answer[data-index="1"] .snippet')).to_be_visible()
    page.keyboard.press("3")
    assert selected_index(page) == "3"
    page.keyboard.press("ArrowUp")
    assert selected_index(page) == "2"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert focused(page, "el.id") == "q"  # Up from the first answer goes back to the question


def test_slash_focuses_the_box_from_anywhere(server, page):
    ask(server, page, "flushing")
    page.keyboard.press("ArrowDown")
    assert focused(page, "el.id") != "q"
    page.keyboard.press("/")
    assert focused(page, "el.id") == "q"


def test_c_copies_the_chosen_passage_with_its_link_and_says_so(server, page):
    ask(server, page, "what is a NET")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("c")
    expect(page.locator("#status")).to_contain_text("Copied answer 1")
    expect(page.locator("#status")).to_be_visible()
    copied = clipboard(page)
    assert "neuroendocrine tumour" in copied
    assert "net/about-nets.html#" in copied  # the link to send the caller


def test_a_redraw_after_typing_settles_keeps_the_nurses_choice(server, page):
    """The answers shown while typing are drawn again when typing settles: a nurse who has
    already moved to answer 3 must stay there, with focus, and copy answer 3."""
    page.goto(server + "/ask")
    wait_for_focus_in_box(page)
    page.keyboard.type("carcinoid flushing", delay=10)
    # the as-you-type answers to the whole question, no Enter pressed
    expect(page.locator(".answers")).to_have_attribute("data-summary", re.compile("carcinoid flushing"))
    page.locator('.answer[data-index="4"]').wait_for(timeout=5000)
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert selected_index(page) == "3"
    wait_until_settled(page, "carcinoid flushing")
    assert selected_index(page) == "3"
    assert focused(page, "el.dataset.index") == "3"
    chosen = page.locator('.answer[data-index="3"] .copy-text').input_value()
    page.keyboard.press("c")
    expect(page.locator("#status")).to_contain_text("Copied answer 3")
    assert clipboard(page) == chosen


def test_enter_on_a_copy_button_copies_and_c_copies_the_focused_answer(server, page):
    ask(server, page, "carcinoid flushing")
    page.keyboard.press("ArrowDown")  # from the question to the answers
    page.keyboard.press("2")
    page.keyboard.press("Tab")  # focus order inside an answer: its heading, open, copy
    assert focused(page, "el.className") == "pick"
    page.keyboard.press("Tab")
    assert "Open the page section" in focused(page, "el.textContent")
    page.keyboard.press("Tab")
    assert focused(page, "el.className") == "copy"
    url = page.url
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Copied answer 2")
    assert page.url == url  # copied, not navigated
    assert clipboard(page) == page.locator('.answer[data-index="2"] .copy-text').input_value()
    page.locator('.answer[data-index="4"] .copy').focus()
    page.keyboard.press("c")
    expect(page.locator("#status")).to_contain_text("Copied answer 4")
    assert clipboard(page) == page.locator('.answer[data-index="4"] .copy-text').input_value()


def test_clicking_a_card_opens_it(server, page):
    ask(server, page, "carcinoid flushing")
    page.locator('.answer[data-index="4"] .snippet').click()
    assert selected_index(page) == "4"
    expect(page.locator('.answer[data-index="4"] .passage')).to_be_visible()


def test_enter_opens_the_selected_answer(server, page):
    ask(server, page, "carcinoid crisis")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/pages/net/carcinoid.html#carcinoid-crisis" in page.url


def test_escape_clears_the_question_the_answers_and_the_address(server, page):
    ask(server, page, "carcinoid crisis")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(page.locator(".answer")).to_have_count(0)
    assert page.locator("#q").input_value() == ""
    assert page.url == server + "/ask"
    assert focused(page, "el.id") == "q"


def test_an_answer_from_another_cancer_type_is_labelled(server, page):
    ask(server, page, "how long can you live with a pancreatic NET")
    labels = page.locator(".answer .topic").all_inner_texts()
    assert any("Pancreatic cancer" in t for t in labels) and any("Neuroendocrine cancer" in t for t in labels)
    first = labels[0]
    others = page.locator(".answer .other-topic").all_inner_texts()
    assert others and all(not t.startswith(first) for t in others)  # marked: another cancer type
    assert len(others) == sum(1 for t in labels if not t.startswith(first))


def test_a_pasted_paragraph_shows_in_full_and_enter_still_asks(server, page):
    page.goto(server + "/ask")
    wait_for_focus_in_box(page)
    paragraph = ("My husband was told last month that he has a slow growing tumour in his pancreas, "
                 "they called it a NET, and he gets flushing in his face after meals and some diarrhoea. "
                 "We want to know how long people usually live with this and what the outlook is.")
    page.keyboard.insert_text(paragraph)  # what a paste does
    box = page.locator("#q")
    assert box.evaluate("el => el.scrollHeight <= el.clientHeight + 2")  # nothing hidden
    assert box.evaluate("el => el.clientHeight") > 60  # it grew beyond one line
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "flushing" in page.locator("#q").input_value()
    expect(page.locator(".answer").first).to_be_visible()


def test_usable_on_a_small_laptop_screen(server, browser):
    page = new_page(browser, {"width": 1024, "height": 600})
    ask(server, page, "what is a NET")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024  # no sideways scrolling
    box = page.locator(".answer.selected").bounding_box()
    assert box["y"] < 600  # the best answer starts on the first screen
    page.context.close()


def test_choosing_an_answer_works_without_javascript(server, browser):
    page = new_page(browser, {"width": 1280, "height": 800}, java_script_enabled=False)
    page.goto(server + "/ask?q=carcinoid+flushing")
    page.locator('.answer[data-index="3"] .pick').click()
    page.wait_for_load_state()
    assert selected_index(page) == "3"
    expect(page.locator('.answer[data-index="3"] .passage')).to_be_visible()
    page.context.close()
