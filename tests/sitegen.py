"""Small HTML sites written on the fly, so tests never need ../shared."""
from __future__ import annotations

from pathlib import Path

PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{title} | Test site</title>
<meta name="description" content="{title} explained."></head>
<body><nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/t">{topic}</a></li>
<li>{title}</li></ol></nav>
<main><h1>{title}</h1><p>{intro}</p>
{sections}
<p>Last reviewed: 1 May 2025</p></main></body></html>
"""


def page_html(title: str, sections: dict[str, str], topic: str = "Test topic",
              intro: str = "An introduction.") -> str:
    """A complete page with one <h2 id> section per (heading, text) pair."""
    body = "\n".join(
        f'<h2 id="{heading.lower().replace(" ", "-")}">{heading}</h2><p>{text}</p>'
        for heading, text in sections.items()
    )
    return PAGE.format(title=title, topic=topic, intro=intro, sections=body)


def write_corpus(root: Path, pages: dict[str, str]) -> Path:
    """Write {relative path: html} under root and return root."""
    for rel, html in pages.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return root
