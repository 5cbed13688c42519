"""Suggestion labels: each distinct page title and section heading, with one section to link
to, worked out by the build from the duplicate finder's section list and stored with the
generation (a worker reading every stored section for them took seconds and 170 MB at 10,000 pages)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from indexer.duplicates import SectionPrint

LABELS_FILE = "labels.json"

Label = tuple[str, str, bool]  # (label as written, the key of a section it belongs to, is a page title)


def suggestion_labels(sections: Iterable[SectionPrint]) -> list[Label]:
    """Distinct titles and headings (compared in lower case), in site order: the first section
    that carries a label is the one it links to."""
    seen: set[str] = set()
    labels: list[Label] = []
    for section in sorted(sections, key=lambda s: (s.path, s.position)):
        for label, is_page in ((section.page_title, True), (section.heading, False)):
            lower = label.lower()
            if label and lower not in seen:
                seen.add(lower)
                labels.append((label, section.key, is_page))
    return labels


def write_labels(gen_dir: Path, sections: Iterable[SectionPrint]) -> None:
    """Store a generation's labels (compact JSON: one list per label)."""
    text = json.dumps(suggestion_labels(sections), ensure_ascii=False, separators=(",", ":"))
    (gen_dir / LABELS_FILE).write_text(text, encoding="utf-8")


def read_labels(gen_dir: Path) -> list[Label] | None:
    """A generation's labels, or None when it was built before they were stored."""
    path = gen_dir / LABELS_FILE
    if not path.exists():
        return None
    return [(label, key, bool(page)) for label, key, page in json.loads(path.read_text(encoding="utf-8"))]
