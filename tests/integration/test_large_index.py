"""Searching an index whose posting lists span many blocks (as a real site's would)."""
from sitegen import page_html, write_corpus

from indexer.analysis import parse_synonyms
from indexer.build import build_index
from webapp.search import SearchRequest, SearchService


def test_acronym_search_over_long_posting_lists_does_not_fail(tmp_path):
    # 40 pages of 60 sections that say NET a varying number of times: Whoosh stores postings in
    # blocks of 128, and skipping weak blocks inside its Require matcher (NET as an acronym, here
    # beside its synonym) used to raise an AssertionError: a 500 for the visitor
    pages = {f"net/page{p:02d}.html": page_html(f"Page {p}", {
        f"Part {s}": " ".join(["A NET grows slowly."] * (1 + (p * s) % 9) + ["Other words here."] * (s % 7))
        for s in range(60)
    }, topic="Neuroendocrine cancer") for p in range(40)}
    corpus = write_corpus(tmp_path / "corpus", pages)
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    service = SearchService(tmp_path / "index", parse_synonyms(["NET, neuroendocrine tumour"]))
    for text in ("NET", "how long can you live with a NET", "NET grows"):
        response = service.search(SearchRequest(text=text))
        assert len(response.results) == 10 and "<mark>NET</mark>" in response.results[0].snippet
