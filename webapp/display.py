"""How results read on a page: a section's title, and which deep links are worth a visitor's time."""
from __future__ import annotations


def section_title(page_title: str, heading: str) -> str:
    """"Carcinoid syndrome: Flushing", or "What is a NET? – Where it starts" when the page title
    already ends in punctuation (never "What is a NET?: Where...")."""
    if not heading or heading.strip().lower() == page_title.strip().lower():
        return page_title
    if page_title.rstrip()[-1:] in "?!.:;":
        return f"{page_title.rstrip()} – {heading}"
    return f"{page_title}: {heading}"


def page_title(fields: dict) -> str:
    """The title to show for a stored section's page: its h1, else its <title>."""
    return fields["page"]["h1"] or fields["page"]["title"]


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
