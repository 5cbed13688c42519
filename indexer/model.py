"""Page and Section: the records that flow from the parser through the index to the API."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


def content_hash(text: str) -> str:
    """Stable short hash of normalised text (case and spacing do not count)."""
    normalised = " ".join(text.lower().split())
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=12).hexdigest()


def bytes_hash(data: bytes) -> str:
    """Hash of a file's exact bytes: an incremental build re-parses a page only when it changes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class PageMeta:
    """What is known about a page as a whole; every section carries it."""

    path: str
    url: str
    title: str
    h1: str
    description: str
    breadcrumb: tuple[str, ...]
    topic: str
    last_reviewed: str | None = None
    next_review_due: str | None = None


@dataclass(frozen=True)
class Section:
    """One searchable passage: the text under one heading of one page."""

    page: PageMeta
    anchor: str
    heading: str
    heading_path: tuple[str, ...]
    level: int
    position: int
    text: str

    @property
    def key(self) -> str:
        """The section's identity across the system: `path#anchor`."""
        return f"{self.page.path}#{self.anchor}"

    @property
    def content_hash(self) -> str:
        """Hash of the section's normalised text, for exact-duplicate grouping."""
        return content_hash(self.text)

    def to_dict(self) -> dict:
        """Flat JSON-ready record: section fields first, then page metadata."""
        page = asdict(self.page)
        page["breadcrumb"] = list(self.page.breadcrumb)
        page["page_title"] = page.pop("title")
        return {
            "path": self.page.path,
            "anchor": self.anchor,
            "url": self.page.url,
            "heading": self.heading,
            "heading_path": list(self.heading_path),
            "level": self.level,
            "position": self.position,
            "text": self.text,
            "content_hash": self.content_hash,
            **{k: v for k, v in page.items() if k not in ("path", "url")},
        }


@dataclass
class Page:
    """A parsed HTML file: its metadata, its sections, and what the parser had to say."""

    meta: PageMeta
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source_hash: str = ""


class ParseError(Exception):
    """Raised for input that cannot be read as an HTML page at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
