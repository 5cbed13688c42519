"""Bounded work on hostile input: huge sections in highlighting, huge or deep pages in the parser."""
from __future__ import annotations

import random

import pytest

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
    real = snippets.match_spans

    def counting(text: str, terms: dict[str, bool]) -> list:
        analysed.append(len(text))
        return real(text, terms)

    monkeypatch.setattr(snippets, "match_spans", counting)
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
