"""Ranking by meaning as well as words: the search service over a site built for it."""
import pytest
from sitegen import page_html, write_corpus

from indexer.analysis import SynonymTable
from indexer.build import build_index
from webapp.search import SearchRequest, SearchService

PAGES = {
    "net/injections.html": page_html("Injections for NETs", {
        "Your injections": "Most people have their injections every four weeks. A nurse can teach you "
                           "to give the injections at home, and some people have the injections at "
                           "their GP surgery.",
        "Going away": "If you are going away, take a letter from your doctor about your medicines. "
                      "Keep your injections in your hand luggage when you travel by plane, and plan "
                      "the dates around your trip.",
    }, topic="Neuroendocrine cancer"),
}
QUESTION = "can I fly abroad on holiday with my injections"


def best_section(index_dir, semantic: bool) -> str:
    service = SearchService(index_dir, SynonymTable(), semantic=semantic)
    response = service.search(SearchRequest(text=QUESTION), group_pages=False)
    return response.results[0].anchor


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("meaning") / "corpus", PAGES)


def test_the_passage_that_means_the_question_beats_one_that_repeats_its_words(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    # both sections say "injections"; only one is about flying abroad, in other words
    assert best_section(tmp_path / "index", semantic=True) == "going-away"
    assert best_section(tmp_path / "index", semantic=False) == "your-injections"


def test_an_index_built_without_vectors_still_answers_by_words(corpus, tmp_path):
    build_index(corpus, tmp_path / "index", semantic=False)
    service = SearchService(tmp_path / "index", SynonymTable())
    assert service.status()["semantic"] is False
    assert best_section(tmp_path / "index", semantic=True) == "your-injections"
