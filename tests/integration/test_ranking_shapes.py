"""Which section stands for a page in the results (nurses' and visitors' views alike)."""
from __future__ import annotations

import pytest
from sitegen import page_html, write_corpus

from indexer.analysis import SynonymTable
from indexer.build import build_index
from webapp.search import SearchRequest, SearchService


def _pages() -> dict[str, str]:
    return {
        # an introduction that is only the page's name again, above the sections that explain
        "carcinoid.html": page_html("Carcinoid syndrome", {
            "What happens": "Hormones made by a neuroendocrine tumour reach the bloodstream and cause "
                            "carcinoid syndrome: flushing of the face, diarrhoea and wheezing, often "
                            "after alcohol, stress or a large meal.",
            "Living with it": "Keeping a diary of flushing helps you and your specialist nurse spot what "
                              "sets off the carcinoid syndrome, so you can avoid it.",
        }, intro="Carcinoid syndrome."),
    }


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> SearchService:
    root = tmp_path_factory.mktemp("shapes")
    build_index(write_corpus(root / "corpus", _pages()), root / "index", workers=1, semantic=False)
    return SearchService(root / "index", SynonymTable(), semantic=False)


def _shown(service: SearchService, text: str, pages: bool = True) -> list[str]:
    response = service.search(SearchRequest(text=text), group_pages=pages)
    return [f"{hit.path}#{hit.heading}" for hit in response.results]


@pytest.mark.parametrize("pages", [True, False])
def test_a_near_empty_introduction_never_stands_for_its_page(service, pages):
    real_sections = {"carcinoid.html#What happens", "carcinoid.html#Living with it"}
    assert _shown(service, "carcinoid syndrome", pages)[0] in real_sections

