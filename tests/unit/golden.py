"""Golden files for the parser: each fixture page beside the JSON of how it is cut.

Run `python tests/unit/golden.py` to regenerate the JSON after an intended parser change,
then read the diff before committing it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parse"


def golden_output(html_file: Path) -> dict:
    """What the parser makes of one fixture, in the form stored in its .json twin."""
    from indexer.parse import parse_file

    page = parse_file(html_file, html_file.parent)
    meta = page.meta
    return {
        "path": meta.path, "url": meta.url, "title": meta.title, "h1": meta.h1,
        "description": meta.description, "breadcrumb": list(meta.breadcrumb), "topic": meta.topic,
        "last_reviewed": meta.last_reviewed, "next_review_due": meta.next_review_due,
        "warnings": page.warnings,
        "sections": [
            {"anchor": s.anchor, "heading": s.heading, "heading_path": list(s.heading_path),
             "level": s.level, "position": s.position, "text": s.text}
            for s in page.sections
        ],
    }


def fixture_pages() -> list[Path]:
    """Every fixture page that has (or should have) a golden file."""
    return sorted(FIXTURES.glob("*.html"))


def render(data: dict) -> str:
    """The exact text of a golden file."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def regenerate() -> None:
    """Rewrite every golden file from the current parser."""
    for page in fixture_pages():
        page.with_suffix(".json").write_text(render(golden_output(page)), encoding="utf-8")
        print(f"wrote {page.with_suffix('.json').name}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    regenerate()
