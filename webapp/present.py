"""Scored sections -> the response a visitor sees: grouped by page, with snippets and messages.

Returns plain objects with to_dict(), never Whoosh objects. Snippets come from snippets.py.
"""
from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from webapp.display import page_title
from webapp.rank import Scored
from webapp.snippets import passage, snippet

# Further sections of a page shown as deep links under its best one.
MORE_SECTIONS = 2
MORE_SNIPPET_WORDS = 16
# Pages are ordered by how well their best sections answer: the best section's score plus this
# share of the second best's, so a page with two sections on the question edges out a page with
# one lucky match. The shown section is still the page's best, as the nurses' view ranks it.
SECOND_SECTION_WEIGHT = 0.1


@dataclass
class SectionLink:
    """A further matching section of a page already in the results."""

    anchor: str
    heading: str
    url: str
    snippet: str
    score: float


@dataclass
class Hit:
    """The best matching section of one page, with up to two more sections as deep links."""

    path: str
    anchor: str
    url: str
    page_title: str
    heading: str
    heading_path: list[str]
    topic: str
    kind: str
    snippet: str
    score: float
    passage: list[str] = field(default_factory=list)
    text: str = ""
    more_sections: list[SectionLink] = field(default_factory=list)
    pinned: bool = False  # an editor's pick (a best bet), shown above the ranked results

    def to_dict(self) -> dict:
        """JSON-ready form (the full passage only where it was asked for)."""
        # field by field, not dataclasses.asdict: its deep copies cost more than a cached search
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["more_sections"] = [vars(more).copy() for more in self.more_sections]
        if not self.passage:
            del data["passage"], data["text"]
        return data

    def weight(self) -> int:
        """Its size, roughly, in characters of text."""
        return (300 + len(self.snippet) + len(self.text) + sum(len(p) for p in self.passage)
                + sum(200 + len(more.snippet) for more in self.more_sections))

    def copy(self) -> Hit:
        """A copy whose URL and deep links may be changed without changing this hit."""
        hit = copy.copy(self)
        hit.more_sections = [copy.copy(more) for more in self.more_sections]
        return hit


@dataclass
class SearchResponse:
    """A page of grouped results plus everything the results page needs to explain them."""

    query: str
    results: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    limit: int = 10
    expanded: dict[str, list[str]] = field(default_factory=dict)
    did_you_mean: str | None = None
    corrected: bool = False
    topics: dict[str, int] = field(default_factory=dict)
    topic: str = ""
    intent: list[str] = field(default_factory=list)
    message: str = ""
    # pages with a matching section, whether results are grouped by page or not: the one unit
    # the editors' insights count in, for visitors' searches and nurses' questions alike
    matched_pages: int = 0
    _json: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def pages(self) -> int:
        """Number of result pages."""
        return max(1, -(-self.total // self.limit))

    def copy(self) -> SearchResponse:
        """A copy a caller may change: its counts, message, hits and their links (the texts are
        shared, as nothing changes them; far cheaper than a deep copy of every snippet)."""
        response = copy.copy(self)
        response.results = [hit.copy() for hit in self.results]
        response._json = None
        return response

    def weight(self) -> int:
        """Its size, roughly, in characters of text (what the result cache counts)."""
        return 500 + sum(hit.weight() for hit in self.results)

    def json(self, dumps: Callable[[dict], str]) -> str:
        """to_dict() as JSON by `dumps`, kept with the response: a cached response is shared by
        every later hit and never changes (changes go to a copy), so it is encoded once."""
        if self._json is None:
            self._json = dumps(self.to_dict())
        return self._json

    def to_dict(self) -> dict:
        """The JSON of /api/search."""
        return {
            "query": self.query, "expanded": self.expanded, "did_you_mean": self.did_you_mean,
            "corrected": self.corrected, "total": self.total, "page": self.page,
            "pages": self.pages, "limit": self.limit, "topic": self.topic, "topics": self.topics,
            "intent": self.intent, "message": self.message, "matched_pages": self.matched_pages,
            "results": [hit.to_dict() for hit in self.results],
        }


def section_url(url: str, anchor: str) -> str:
    """Page URL plus #anchor."""
    return f"{url}#{anchor}" if anchor else url


def fill(response: SearchResponse, ranked: list[Scored], highlight: dict[str, bool],
         full_passages: bool, group_pages: bool) -> None:
    """Group sections by page (or not), count topics, and cut out the requested page of results."""
    groups: dict[str, list[Scored]] = {}
    for score, section in ranked:
        groups.setdefault(section.path if group_pages else section.key, []).append((score, section))
    if group_pages:
        groups = dict(sorted(groups.items(), key=lambda item: -page_score(item[1])))
    response.total = len(groups)
    response.matched_pages = len({section.path for _, section in ranked})
    response.topics = dict(Counter(g[0][1].topic for g in groups.values()).most_common())
    start = (response.page - 1) * response.limit
    for sections in list(groups.values())[start:start + response.limit]:
        (score, best), more = sections[0], sections[1:1 + MORE_SECTIONS]
        response.results.append(_hit(score, best.fields, [(s, c.fields) for s, c in more],
                                     highlight, full_passages))
    if not response.results:
        response.message = nothing_found(response)


def page_score(sections: list[Scored]) -> float:
    """How well a page's sections (best first) answer: its best and a little of its second."""
    second = sections[1][0] if len(sections) > 1 else 0.0
    return sections[0][0] + SECOND_SECTION_WEIGHT * second


def pinned_hit(fields: dict, full_passage: bool) -> Hit:
    """A section an editor pinned to the query, as a hit of its own (its opening as the snippet)."""
    hit = _hit(0.0, fields, [], {}, full_passage)
    hit.pinned = True
    return hit


def _hit(score: float, best: dict, more: list[tuple[float, dict]], terms: dict[str, bool], full: bool) -> Hit:
    """A result: the best section's stored fields and score, and further sections of its page."""
    hit = Hit(
        path=best["path"], anchor=best["anchor"], url=best["url"],
        page_title=page_title(best), heading=best["display_heading"],
        heading_path=best["heading_path"], topic=best["topic"], kind=best["kind"],
        snippet=str(snippet(best["body"], terms)), score=round(score, 4),
        more_sections=[
            SectionLink(anchor=f["anchor"], heading=f["display_heading"],
                        url=section_url(f["url"], f["anchor"]),
                        snippet=str(snippet(f["body"], terms, words=MORE_SNIPPET_WORDS)), score=round(s, 4))
            for s, f in more
        ],
    )
    if full:
        hit.passage = [str(p) for p in passage(best["body"], terms)]
        hit.text = best["body"]
    return hit


def nothing_to_search(text: str) -> str:
    """The message for a query with no searchable words."""
    if not text:
        return "Type a word or a question to search, for example “carcinoid syndrome” or “what is a NET?”."
    return (f"“{text}” has no words we can search for (very common words such as “the” or “what” "
            "are left out). Try adding what it is about, for example “symptoms of a NET”.")


def nothing_found(response: SearchResponse) -> str:
    """The message for a search that matched nothing."""
    if response.topic:
        return f"Nothing matched in {response.topic}. Try searching all topics."
    return ("Nothing matched. Check the spelling, use fewer words, or try a general word such "
            "as “treatment” or “symptoms”.")
