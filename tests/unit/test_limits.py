"""Bounded work on hostile input: huge sections in highlighting, huge or deep pages in the parser."""
from __future__ import annotations

import contextlib
import random
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import Tag

from indexer.build import build_index
from indexer.model import ParseError
from indexer.parse import MAX_DEPTH, MAX_PAGE_BYTES, MAX_SECTION_CHARS, parse_html
from webapp import snippets
from webapp.snippets import PASSAGE_CUT_NOTE, PASSAGE_MAX_CHARS, SNIPPET_SCAN_CHARS, best_window

TERMS = {"tummi": False, "pain": False}  # analysed forms of "tummy pain"
HUGE_SECTION = "Tummy pain can be a sign of many things, and pain often passes. " * 16_000  # ~1 MB


class CountingList(list):
    """A list that counts how many items are read from it: the work an algorithm does."""

    reads = 0

    def __getitem__(self, index):
        CountingList.reads += 1
        return super().__getitem__(index)

    def __iter__(self):
        for item in super().__iter__():
            CountingList.reads += 1
            yield item


@pytest.mark.timeout(60)
def test_snippet_of_a_huge_section_analyses_only_its_opening(monkeypatch):
    analysed: list[int] = []
    real = snippets.word_spans

    def counting(text: str):
        analysed.append(len(text))
        return real(text)

    monkeypatch.setattr(snippets, "word_spans", counting)
    snippets._analysed_opening.cache_clear()  # analysed by an earlier test: count this one
    out = snippets.snippet(HUGE_SECTION, TERMS)
    assert max(analysed) <= SNIPPET_SCAN_CHARS
    assert "<mark>Tummy</mark> <mark>pain</mark>" in out and out.endswith("…")
    assert len(out) < 1000


@pytest.mark.timeout(60)
def test_passage_of_a_huge_section_is_cut_with_a_note():
    paragraphs = snippets.passage(HUGE_SECTION, TERMS)
    shown = "".join(str(p) for p in paragraphs[:-1]).replace("<mark>", "").replace("</mark>", "")
    assert len(shown) <= PASSAGE_MAX_CHARS
    assert str(paragraphs[-1]) == PASSAGE_CUT_NOTE
    assert "<mark>pain</mark>" in paragraphs[0]


def test_a_short_passage_is_shown_whole_without_a_note():
    paragraphs = snippets.passage("Tummy pain.\nIt passes.", TERMS)
    assert [str(p) for p in paragraphs] == ["<mark>Tummy</mark> <mark>pain</mark>.", "It passes."]


def test_cut_snippet_drops_a_half_word_at_the_cut():
    text = "word " * (SNIPPET_SCAN_CHARS // 5) + "pain" + "x" * 100
    out = snippets.snippet(text, TERMS)
    assert "pain" not in out and "xxx" not in out and out.endswith("…")


@pytest.mark.timeout(60)
def test_best_window_reads_each_match_a_bounded_number_of_times():
    matches = CountingList(range(0, 200_000, 2))  # a match on every other word
    CountingList.reads = 0
    best_window(matches, 200_000, 30)
    assert CountingList.reads <= 5 * len(matches)


def brute_force_window(matches: list[int], total: int, words: int) -> int:
    """The obvious quadratic answer, to check the one-pass version against."""
    best, best_score = 0, -1
    for candidate in sorted(set(matches)):
        first = max(0, min(candidate - 4, total - words))
        score = sum(1 for m in matches if first <= m < first + words)
        if score > best_score:
            best, best_score = first, score
    return best


def test_best_window_agrees_with_brute_force():
    rng = random.Random(7)
    for _ in range(500):
        total = rng.randint(31, 300)
        matches = sorted(rng.choices(range(total), k=rng.randint(0, 40)))
        assert best_window(matches, total, 30) == brute_force_window(matches, total, 30)


def test_snippet_centres_on_the_densest_cluster():
    text = "pain " + "filler " * 100 + "tummy pain tummy pain tummy " + "filler " * 100
    out = snippets.snippet(text, TERMS)
    assert out.count("<mark>") == 5 and out.startswith("… ")


def test_a_section_shown_for_another_search_is_marked_for_that_search():
    """Sections' analysed openings are kept between searches; the marks are each search's own."""
    text = "Tummy pain and tiredness. NETs can cause flushing; a safety net helps."
    assert snippets.snippet(text, {"tummi": False}).count("<mark>") == 1
    again = snippets.snippet(text, {"tired": False, "net": True})
    assert "<mark>tiredness</mark>" in again and "<mark>NETs</mark>" in again
    assert "<mark>Tummy</mark>" not in again and "safety <mark>" not in again


# -- the parser -------------------------------------------------------------------------------

def nested(levels: int, tags: tuple[str, ...] = ("div",)) -> bytes:
    """A page whose text sits `levels` elements deep (once for each tag name)."""
    trees = "".join(f"<{tag}>" * levels + "<p>Deep text</p>" + f"</{tag}>" * levels for tag in tags)
    return f"<html><body><main><h1>Deep</h1>{trees}</main></body></html>".encode()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("levels", [1_000, 10_000, 100_000])
def test_a_page_nested_too_deep_is_skipped_with_the_reason(levels):
    with pytest.raises(ParseError) as caught:
        parse_html(nested(levels), "deep.html")
    assert f"nested over {MAX_DEPTH} levels" in caught.value.reason


class SubtreeScans:
    """Counts the nodes read by every walk over a subtree (find, find_all, get_text all use
    Tag.descendants): the parser's work, whatever the machine's speed."""

    def __init__(self, monkeypatch) -> None:
        self.nodes = 0
        real = Tag.descendants

        def counting(tag):
            for node in real.fget(tag):
                self.nodes += 1
                yield node

        monkeypatch.setattr(Tag, "descendants", property(counting))


@pytest.mark.timeout(60)
def test_work_grows_linearly_with_nesting_depth(monkeypatch):
    levels = MAX_DEPTH - 20
    page = nested(levels, ("div", "span"))  # two deep trees: date-line and header tests on each
    scans = SubtreeScans(monkeypatch)
    parsed = parse_html(page, "deep.html")
    assert [s.text for s in parsed.sections] == ["Deep text\nDeep text"]
    assert scans.nodes < 50 * (2 * levels)  # was about levels² / 2 per tree (a get_text per element)


@pytest.mark.timeout(90)  # the quadratic numbering took about a minute
def test_twenty_thousand_equal_heading_ids_get_unique_anchors():
    page = ("<main><h1>T</h1>" + '<h2 id="same">Same</h2>text' * 20_000 + "</main>").encode()
    anchors = [s.anchor for s in parse_html(page, "ids.html").sections]
    assert anchors[:3] == ["same", "same-2", "same-3"] and anchors[-1] == "same-20000"
    assert len(set(anchors)) == 20_000


def test_taken_anchor_numbers_are_skipped():
    page = b"""<main><h1>T</h1><h2 id="a">A</h2>1<h2 id="a-2">A2</h2>2<h2 id="a">A</h2>3
               <h2 id="a">A</h2>4<h2 id="a-2">A2</h2>5</main>"""
    anchors = [s.anchor for s in parse_html(page, "ids.html").sections]
    assert anchors == ["a", "a-2", "a-3", "a-4", "a-2-2"]


def test_a_page_over_the_size_limit_is_skipped_unread():
    page = b"<main><h1>Big</h1><p>" + b"word " * (MAX_PAGE_BYTES // 5) + b"</p></main>"
    with pytest.raises(ParseError) as caught:
        parse_html(page, "big.html")
    assert "over the limit" in caught.value.reason and f"{MAX_PAGE_BYTES:,}" in caught.value.reason


@pytest.mark.timeout(60)
def test_an_over_long_section_is_cut_with_a_warning():
    page = b"<main><h1>T</h1><h2 id='long'>Long</h2><p>" + b"word " * 100_000 + b"</p></main>"
    parsed = parse_html(page, "long.html")
    assert len(parsed.sections[0].text) == MAX_SECTION_CHARS
    assert any("'long' cut at" in w for w in parsed.warnings)


@pytest.mark.timeout(120)
def test_binary_junk_and_mangled_pages_give_a_page_or_a_parse_error():
    rng = random.Random(13)
    real = (Path(__file__).resolve().parents[1] / "fixtures" / "parse" / "broken_nesting.html").read_bytes()
    for case in range(150):
        if case % 3 == 0:
            data = rng.randbytes(rng.randint(1, 20_000))
        else:  # a real page with bytes changed, cut or repeated
            data = bytearray(real)
            for _ in range(rng.randint(1, 50)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data[:rng.randint(1, len(data))]) * rng.randint(1, 3)
        with contextlib.suppress(ParseError):
            parse_html(data, "junk.html")


def test_a_page_that_parses_too_long_is_skipped_with_the_reason():
    # pytest-timeout owns the alarm here, so the limit is checked in a process of its own
    script = ("from indexer import parse\n"
              "from indexer.model import ParseError\n"
              "parse.MAX_PARSE_SECONDS = 0.001\n"
              "page = b'<main><h1>T</h1>' + b'<h2>H</h2><p>text</p>' * 20000 + b'</main>'\n"
              "try:\n    parse.parse_html(page, 'slow.html')\n"
              "except ParseError as exc:\n    print(exc.reason)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert "took over 0.001 s to parse" in done.stdout, done.stderr


def test_the_build_reports_pages_over_the_limits_and_indexes_the_rest(small_corpus, tmp_path):
    (small_corpus / "deep.html").write_bytes(nested(MAX_DEPTH * 3))
    (small_corpus / "huge.html").write_bytes(b"<main><h1>Huge</h1><p>" + b"x " * MAX_PAGE_BYTES)
    report = build_index(small_corpus, tmp_path / "index", workers=1, semantic=False)
    reasons = dict(report.skipped)
    assert f"nested over {MAX_DEPTH} levels" in reasons["deep.html"]
    assert "over the limit" in reasons["huge.html"]
    assert report.published and report.pages == 5 and report.sections == 8  # the intros and five sections
