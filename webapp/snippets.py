"""Highlighting: find the query's terms in a passage, pick the best window, mark it up safely.
Everything that is not a <mark> tag is HTML-escaped, so page text or queries cannot inject markup.

Work is bounded whatever a page holds: a snippet looks only at a section's opening
SNIPPET_SCAN_CHARS characters, a full passage shows at most PASSAGE_MAX_CHARS, and the best
window is found in one pass over the matches (a 1 MB section once took minutes)."""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from markupsafe import Markup

from indexer.analysis import word_spans

SNIPPET_WORDS = 30
# A snippet is picked from the opening of a section: about 1,500 words, far more than any
# ordinary section, and little enough that a huge page costs milliseconds.
SNIPPET_SCAN_CHARS = 10_000
# Sections whose analysed opening is kept per worker (a few KB each): the same sections come
# back in the results of many different searches, and analysing every word of a section was
# most of a snippet's cost.
OPENINGS_KEPT = 4096
# The full passage shown for an answer: about 8,000 words; a longer section ends with a note.
PASSAGE_MAX_CHARS = 50_000
PASSAGE_CUT_NOTE = "… (the passage is longer: the rest is on the page)"
# A line that ends like this already reads on into the next; any other (a list item, a table
# row) is kept apart from it with a semicolon, so "stress or worry" and "an injury" do not merge.
_RUNS_ON = tuple(".!?:;,…")
# A word of a flattened passage (flatten leaves single spaces between words).
_WORD = re.compile(r"[^ ]+")


@dataclass(frozen=True)
class Span:
    """Character range of one matched word in a passage."""

    start: int
    end: int


@dataclass(frozen=True)
class Words:
    """A text's analysed words: where each starts and ends, and its indexed form."""

    starts: array
    ends: array
    forms: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Words:
        """The words word_spans finds in `text`."""
        found = list(word_spans(text))
        return cls(array("l", [w[0] for w in found]), array("l", [w[1] for w in found]),
                   tuple(w[2] for w in found))

    def matching(self, text: str, terms: dict[str, bool]) -> list[Span]:
        """Spans of the words whose form is a query term (acronym terms only in capitals)."""
        spans = []
        for i in [i for i, form in enumerate(self.forms) if form in terms]:
            start, end = self.starts[i], self.ends[i]
            if terms[self.forms[i]] and not text[start:end][:2].isupper():
                continue
            spans.append(Span(start, end))
        return spans


def match_spans(text: str, terms: dict[str, bool]) -> list[Span]:
    """Spans of words whose analysed form is a query term (acronym terms only in capitals)."""
    return Words.of(text).matching(text, terms)


@dataclass(frozen=True)
class _Opening:
    """A section's opening as one line of prose (see flatten), with its words analysed."""

    flat: str
    cut: bool  # whether the section goes on past it
    words: Words
    word_starts: array  # where each word (a run of non-spaces) starts, stop words included


@lru_cache(maxsize=OPENINGS_KEPT)
def _analysed_opening(text: str) -> _Opening:
    flat, cut = _opening(text, SNIPPET_SCAN_CHARS)
    return _Opening(flat, cut, Words.of(flat), array("l", [m.start() for m in _WORD.finditer(flat)]))


def mark(text: str, spans: list[Span]) -> Markup:
    """The whole text, escaped, with matched spans wrapped in <mark>."""
    out, cursor = [], 0
    for span in spans:
        out.append(escape(text[cursor:span.start]))
        out.append(f"<mark>{escape(text[span.start:span.end])}</mark>")
        cursor = span.end
    out.append(escape(text[cursor:]))
    return Markup("".join(out))


def snippet(text: str, terms: dict[str, bool], words: int = SNIPPET_WORDS) -> Markup:
    """About `words` words around the densest cluster of matches, marked and escaped."""
    # keyed by what the opening depends on (its limit and the next character), so the cache
    # holds at most that much of each section, however long the section is
    opening = _analysed_opening(text[:SNIPPET_SCAN_CHARS + 1])
    flat, cut, word_starts = opening.flat, opening.cut, opening.word_starts
    spans = opening.words.matching(flat, terms)
    if len(word_starts) <= words:
        return mark(flat, spans) + Markup(" …" if cut else "")
    first = best_window(_word_numbers(word_starts, spans), len(word_starts), words)
    start = word_starts[first]
    last = first + words
    end = word_starts[last] - 1 if last < len(word_starts) else len(flat)
    inside = [Span(s.start - start, s.end - start) for s in spans if start <= s.start and s.end <= end]
    body = mark(flat[start:end], inside)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(flat) or cut else ""
    return Markup(prefix) + body + Markup(suffix)


def _opening(text: str, limit: int) -> tuple[str, bool]:
    """The text's first `limit` characters as one line of prose (see flatten), whole words only;
    and whether anything was cut off."""
    cut = len(text) > limit
    opening = text[:limit]
    if cut and not text[limit].isspace():
        opening = opening[:max(opening.rfind(" "), opening.rfind("\n"), 0)] or opening  # half a word
    return flatten(opening), cut


def flatten(text: str) -> str:
    """A section's lines as one line of prose: list items and table rows stay apart ("; "),
    and table cells are separated by a middle dot rather than the index's pipes."""
    parts: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split()).replace(" | ", " · ")
        if line:
            if parts:
                parts.append(" " if parts[-1].endswith(_RUNS_ON) else "; ")
            parts.append(line)
    return "".join(parts)


def _word_numbers(word_starts: list[int], spans: list[Span]) -> list[int]:
    """The number of the word each span starts in (spans and words both in text order)."""
    return [max(bisect_right(word_starts, span.start) - 1, 0) for span in spans]


def best_window(matches: list[int], total_words: int, words: int) -> int:
    """First word of the `words`-word window holding the most matches (earliest wins), given
    the word number of each match in order. One pass: both window edges only move forward."""
    best, best_score, low, high = 0, -1, 0, 0
    previous = None
    for candidate in matches:
        if candidate == previous:
            continue
        previous = candidate
        # start a little before the first match so it reads in context
        first = max(0, min(candidate - 4, total_words - words))
        while low < len(matches) and matches[low] < first:
            low += 1
        high = max(high, low)
        while high < len(matches) and matches[high] < first + words:
            high += 1
        if high - low > best_score:
            best, best_score = first, high - low
    return best


def passage(text: str, terms: dict[str, bool]) -> list[Markup]:
    """The passage as marked-up paragraphs (one per line of the section text); a passage longer
    than PASSAGE_MAX_CHARS is cut at a word and ends with a note saying so."""
    paragraphs, room = [], PASSAGE_MAX_CHARS
    for line in text.split("\n"):
        if not line.strip():
            continue
        if len(line) > room:
            shown, _ = _opening(line, room)
            if shown:
                paragraphs.append(mark(shown, match_spans(shown, terms)))
            paragraphs.append(Markup(escape(PASSAGE_CUT_NOTE)))
            break
        paragraphs.append(mark(line, match_spans(line, terms)))
        room -= len(line)
    return paragraphs
