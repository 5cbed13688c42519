"""The benchmark site generator: repeatable, parses like the sample site, planted copies are found."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.make_site import MARKER, make_site
from indexer.build import find_pages
from indexer.duplicates import find_duplicates
from indexer.parse import parse_file

PAGES = 80


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(PAGES, 5, tmp_path_factory.mktemp("site") / "s")


@pytest.fixture(scope="module")
def parsed(site: Path) -> list:
    return [parse_file(path, site) for path in find_pages(site)]


def test_same_arguments_give_identical_files(site: Path, tmp_path: Path) -> None:
    again = make_site(PAGES, 5, tmp_path / "again")
    assert _files(again) == _files(site)
    other = make_site(PAGES, 6, tmp_path / "other")
    assert _files(other) != _files(site)


def test_a_finished_site_is_reused_and_a_half_written_one_is_redone(tmp_path: Path) -> None:
    out = make_site(3, 1, tmp_path / "s")
    page = find_pages(out)[0]
    page.write_text("edited", encoding="utf-8")
    make_site(3, 1, out)
    assert page.read_text(encoding="utf-8") == "edited"  # reused: the marker says it is whole
    (out / MARKER).unlink()
    make_site(3, 1, out)
    assert page.read_text(encoding="utf-8") != "edited"


def test_pages_parse_into_about_eight_sections_in_several_folders(site: Path, parsed: list) -> None:
    assert len(parsed) == PAGES
    assert all(not page.warnings for page in parsed)
    per_page = sum(len(page.sections) for page in parsed) / len(parsed)
    assert 6.5 <= per_page <= 9.5
    assert len({page.meta.path.split("/")[0] for page in parsed}) >= 5
    assert len({page.meta.title for page in parsed}) >= 0.9 * PAGES
    assert all(page.meta.last_reviewed and page.meta.breadcrumb for page in parsed)
    assert (site / "synonyms.txt").read_text() == Path("corpus/synonyms.txt").read_text()
    # no furniture leaks into the text: cookie banner, menus, footer, "On this page"
    text = "\n".join(s.text for page in parsed for s in page.sections)
    for furniture in ("We use cookies", "Accept all cookies", "Get involved", "Was this page helpful",
                      "registered charity", "On this page", "Last reviewed"):
        assert furniture not in text


def test_planted_copies_are_found_by_the_duplicate_finder(site: Path, parsed: list) -> None:
    manifest = json.loads((site / "duplicates.json").read_text(encoding="utf-8"))
    sections = [s for page in parsed for s in page.sections]
    keys = {s.key for s in sections}
    assert manifest["exact"] and manifest["near"]
    report = find_duplicates(sections)
    group_of = {m.key: (g.kind, i) for i, g in enumerate(report.groups) for m in g.members}
    for entry in manifest["exact"]:
        assert set(entry["sections"]) <= keys
        assert {group_of.get(k) for k in entry["sections"]} == {group_of[entry["sections"][0]]}
        assert group_of[entry["sections"][0]][0] == "exact"
    for entry in manifest["near"]:
        assert set(entry["sections"]) <= keys
        assert len({group_of.get(k) for k in entry["sections"]}) == 1 and None not in {
            group_of.get(k) for k in entry["sections"]}
