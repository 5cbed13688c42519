"""As-you-type suggestions: page titles and section headings that start with what was typed.

The build works out the distinct labels, each with the key of one section (indexer/labels.py);
a suggestion's link is read from the stored fields of the few labels actually shown.
"""
from __future__ import annotations

from pathlib import Path

from whoosh.searching import Searcher

from indexer.duplicates import SectionPrint
from indexer.labels import Label, read_labels, suggestion_labels
from indexer.schema import section_from_document

MIN_PREFIX = 2


class Labels:
    """Distinct page titles and section headings (lower-cased once), each with one section."""

    def __init__(self, labels: list[Label]) -> None:
        self._labels = [label for label, _, _ in labels]
        self._lowered = [label.lower() for label in self._labels]
        self._keys = [key for _, key, _ in labels]
        self._is_page = bytearray(page for _, _, page in labels)

    @classmethod
    def read(cls, gen_dir: Path, searcher: Searcher) -> Labels:
        """The labels the build stored with a generation; for one built before they were
        stored, worked out from every stored section (slow on a large site: rebuild to avoid it)."""
        labels = read_labels(gen_dir)
        if labels is None:
            labels = suggestion_labels(_prints(searcher))
        return cls(labels)

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
        fields = searcher.document(key=self._keys[i])
        anchor = "" if self._is_page[i] else fields["anchor"]
        url = f"{fields['url']}#{anchor}" if anchor else fields["url"]
        return {"label": self._labels[i], "kind": "page" if self._is_page[i] else "section",
                "path": fields["path"], "anchor": anchor, "url": url}


def _prints(searcher: Searcher):
    """Each stored section as the duplicate finder lists it (for labels of older generations)."""
    for fields in searcher.all_stored_fields():
        section = section_from_document(fields)
        page = section.page
        yield SectionPrint(section.key, page.path, section.anchor, section.heading, page.title,
                           page.topic, section.position, 0, "")
