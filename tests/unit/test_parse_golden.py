"""Golden-file parser tests: each fixture is named after the markup edge case it covers."""
import json

import pytest
from golden import fixture_pages, golden_output, render

PAGES = fixture_pages()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_parser_matches_golden_file(page):
    golden = page.with_suffix(".json")
    assert golden.exists(), f"no golden file for {page.name}: run python tests/unit/golden.py"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert golden_output(page) == expected, (
        f"{page.name} parses differently from its golden file; if intended, run "
        "python tests/unit/golden.py and review the diff"
    )


def test_every_golden_file_has_its_fixture():
    orphans = [j.name for j in PAGES[0].parent.glob("*.json") if not j.with_suffix(".html").exists()]
    assert orphans == []


def test_golden_files_are_rendered_canonically():
    # A hand-edited golden file that no longer matches the renderer's format is stale.
    for page in PAGES:
        golden = page.with_suffix(".json")
        assert golden.read_text(encoding="utf-8") == render(json.loads(golden.read_text("utf-8")))
