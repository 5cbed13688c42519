"""How results read on a page: a section's title, and which deep links are worth a visitor's time."""
from __future__ import annotations

from collections import Counter

# A heading found on more than this share of the site's pages is site furniture ("Getting
# support", "Contact us"): as a deep link it would repeat itself under nearly every result.
BOILERPLATE_SHARE = 0.25
# ...but on a site of a handful of pages, two pages sharing a heading says nothing.
BOILERPLATE_MIN_PAGES = 3


def section_title(page_title: str, heading: str) -> str:
    """"Carcinoid syndrome: Flushing", or "What is a NET? – Where it starts" when the page title
    already ends in punctuation (never "What is a NET?: Where...")."""
    if not heading or heading.strip().lower() == page_title.strip().lower():
        return page_title
    if page_title.rstrip()[-1:] in "?!.:;":
        return f"{page_title.rstrip()} – {heading}"
    return f"{page_title}: {heading}"


def boilerplate_headings(stored_fields) -> frozenset[str]:
    """Headings (lower case) that appear on so many pages that they are the site's boilerplate."""
    pages: dict[str, set[str]] = {}
    for fields in stored_fields:
        pages.setdefault(fields["display_heading"].strip().lower(), set()).add(fields["path"])
    all_pages = {path for paths in pages.values() for path in paths}
    floor = max(BOILERPLATE_MIN_PAGES, BOILERPLATE_SHARE * len(all_pages))
    counts = Counter({heading: len(paths) for heading, paths in pages.items()})
    return frozenset(heading for heading, n in counts.items() if n > floor)


def worth_linking(hit, boilerplate: frozenset[str]) -> list:
    """A hit's deep links without those that repeat its own title or heading, or are boilerplate."""
    own = {hit.page_title.strip().lower(), hit.heading.strip().lower()}
    return [more for more in hit.more_sections
            if more.heading.strip().lower() not in own | boilerplate]


def short_name(site_name: str, limit: int = 16) -> str:
    """A name for browsers' search menus (OpenSearch allows 16 characters), never cut mid-word:
    "Lantern Cancer Care" -> "Lantern search"."""
    if len(site_name) <= limit:
        return site_name
    words = site_name.split()
    name = f"{words[0]} search" if words else "Search"
    return name if len(name) <= limit else words[0][:limit]
