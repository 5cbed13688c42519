"""As-you-type suggestions: page titles and section headings that start with what was typed.

Only the distinct labels and one document number each are kept in memory; a suggestion's link
is read from the stored fields of the few labels actually shown.
"""
from __future__ import annotations

from array import array

from whoosh.searching import Searcher

MIN_PREFIX = 2


class Labels:
    """Distinct page titles and section headings (lower-cased once), each with one section."""

    def __init__(self, lowered: list[str], labels: list[str], docnums: array, is_page: bytearray) -> None:
        self._lowered = lowered
        self._labels = labels
        self._docnums = docnums
        self._is_page = is_page

    @classmethod
    def read(cls, searcher: Searcher) -> Labels:
        """Every distinct title and heading of an index, in document order."""
        seen: set[str] = set()
        lowered, labels, docnums, is_page = [], [], array("l"), bytearray()
        for docnum, fields in searcher.reader().iter_docs():
            for label, page in ((fields["page"]["title"], True), (fields["display_heading"], False)):
                lower = label.lower()
                if lower in seen:
                    continue
                seen.add(lower)
                lowered.append(lower)
                labels.append(label)
                docnums.append(docnum)
                is_page.append(page)
        return cls(lowered, labels, docnums, is_page)

    def find(self, searcher: Searcher, prefix: str, limit: int) -> list[dict]:
        """Labels that start with the prefix, then those with a word starting with it; shortest first."""
        prefix = " ".join(prefix.lower().split())
        if len(prefix) < MIN_PREFIX:
            return []
        inner = f" {prefix}"
        found = [i for i, lower in enumerate(self._lowered) if lower.startswith(prefix) or inner in lower]
        found.sort(key=lambda i: (not self._lowered[i].startswith(prefix), len(self._labels[i])))
        return [self._suggestion(searcher, i) for i in found[:limit]]

    def _suggestion(self, searcher: Searcher, i: int) -> dict:
        fields = searcher.stored_fields(self._docnums[i])
        anchor = "" if self._is_page[i] else fields["anchor"]
        url = f"{fields['url']}#{anchor}" if anchor else fields["url"]
        return {"label": self._labels[i], "kind": "page" if self._is_page[i] else "section",
                "path": fields["path"], "anchor": anchor, "url": url}
