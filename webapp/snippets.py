"""Highlighting: find the query's terms in a passage, pick the best window, mark it up safely.
Everything that is not a <mark> tag is HTML-escaped, so page text or queries cannot inject markup."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from indexer.analysis import TEXT_ANALYZER

SNIPPET_WORDS = 30
# A line that ends like this already reads on into the next; any other (a list item, a table
# row) is kept apart from it with a semicolon, so "stress or worry" and "an injury" do not merge.
_RUNS_ON = tuple(".!?:;,…")


@dataclass(frozen=True)
class Span:
    """Character range of one matched word in a passage."""

    start: int
    end: int


def match_spans(text: str, terms: dict[str, bool]) -> list[Span]:
    """Spans of words whose analysed form is a query term (acronym terms only in capitals)."""
    spans = []
    for token in TEXT_ANALYZER(text, chars=True, mode="index", removestops=True):
        caps_only = terms.get(token.text)
        if caps_only is None:
            continue
        original = text[token.startchar:token.endchar]
        if caps_only and not original[:2].isupper():
            continue
        spans.append(Span(token.startchar, token.endchar))
    return spans


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
    flat = flatten(text)
    spans = match_spans(flat, terms)
    word_starts = [i for i, ch in enumerate(flat) if ch != " " and (i == 0 or flat[i - 1] == " ")]
    if len(word_starts) <= words:
        return mark(flat, spans)
    first = _best_window(word_starts, spans, words)
    start = word_starts[first]
    last = first + words
    end = word_starts[last] - 1 if last < len(word_starts) else len(flat)
    inside = [Span(s.start - start, s.end - start) for s in spans if start <= s.start and s.end <= end]
    body = mark(flat[start:end], inside)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(flat) else ""
    return Markup(prefix) + body + Markup(suffix)


def flatten(text: str) -> str:
    """A section's lines as one line of prose: list items and table rows stay apart ("; "),
    and table cells are separated by a middle dot rather than the index's pipes."""
    out = ""
    for line in text.split("\n"):
        line = " ".join(line.split()).replace(" | ", " · ")
        if line:
            out += ("" if not out else " " if out.endswith(_RUNS_ON) else "; ") + line
    return out


def _best_window(word_starts: list[int], spans: list[Span], words: int) -> int:
    """Index of the first word of the window holding the most matches (earliest wins)."""
    if not spans:
        return 0
    best, best_score = 0, -1
    for candidate in sorted({_word_index(word_starts, s.start) for s in spans}):
        # start a little before the first match so it reads in context
        first = max(0, min(candidate - 4, len(word_starts) - words))
        lo, hi = word_starts[first], word_starts[min(first + words, len(word_starts) - 1)]
        score = sum(1 for s in spans if lo <= s.start < hi)
        if score > best_score:
            best, best_score = first, score
    return best


def _word_index(word_starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(word_starts, char) - 1)


def passage(text: str, terms: dict[str, bool]) -> list[Markup]:
    """The full passage as marked-up paragraphs (one per line of the section text)."""
    return [mark(line, match_spans(line, terms)) for line in text.split("\n") if line.strip()]
