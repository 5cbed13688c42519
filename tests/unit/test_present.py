"""Grouping ranked sections by page for the visitors' view."""
from types import SimpleNamespace

from webapp.present import SearchResponse, fill


def _section(path: str, anchor: str) -> SimpleNamespace:
    fields = {"path": path, "anchor": anchor, "url": f"https://example.org/{path}",
              "page": {"h1": path, "title": path}, "display_heading": anchor, "heading_path": [path, anchor],
              "topic": "Topic", "kind": "other", "body": f"Text of {anchor}."}
    return SimpleNamespace(path=path, key=f"{path}#{anchor}", topic="Topic", fields=fields)


def _grouped(ranked: list[tuple[float, SimpleNamespace]], group_pages: bool = True) -> list[str]:
    response = SearchResponse(query="q")
    fill(response, ranked, {}, full_passages=False, group_pages=group_pages)
    return [f"{hit.path}#{hit.anchor}" for hit in response.results]


def test_a_page_whose_two_best_sections_answer_edges_out_one_lucky_section():
    ranked = [(1.00, _section("lucky.html", "a")), (0.97, _section("solid.html", "b")),
              (0.95, _section("solid.html", "c")), (0.10, _section("lucky.html", "d"))]
    assert _grouped(ranked) == ["solid.html#b", "lucky.html#a"]
    # the nurses' view keeps the sections' own order
    assert _grouped(ranked, group_pages=False)[0] == "lucky.html#a"


def test_a_clearly_better_section_still_puts_its_page_first():
    ranked = [(2.0, _section("clear.html", "a")), (0.97, _section("other.html", "b")),
              (0.95, _section("other.html", "c"))]
    assert _grouped(ranked) == ["clear.html#a", "other.html#b"]
