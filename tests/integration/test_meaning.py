"""Ranking by meaning as well as words: the search service over a site built for it."""
import json

import pytest
from sitegen import page_html, write_corpus

from indexer import embeddings
from indexer.analysis import SynonymTable
from indexer.build import build_index
from indexer.store import current_generation
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


def test_a_passage_sharing_no_word_with_the_question_is_found_by_meaning(tmp_path):
    """Meaning is a second source of candidates: the travel advice shares no word with the
    question, yet is offered; without vectors only word matches are."""
    pages = {**PAGES, "living/trips.html": page_html("Trips", {
        "By air": "Pack medicines in the cabin bag and carry a doctor's letter on the plane.",
    }, topic="Living with cancer")}
    corpus = write_corpus(tmp_path / "corpus", pages)
    build_index(corpus, tmp_path / "index")

    def anchors(semantic: bool) -> list[str]:
        service = SearchService(tmp_path / "index", SynonymTable(), semantic=semantic)
        return [hit.anchor for hit in service.search(SearchRequest(text=QUESTION), group_pages=False).results]

    assert "by-air" in anchors(semantic=True)
    assert "by-air" not in anchors(semantic=False)


def test_words_the_site_does_not_use_find_nothing_even_with_meaning(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    service = SearchService(tmp_path / "index", SynonymTable(), semantic=True)
    assert service.search(SearchRequest(text="zyxwv qwertyuiop")).results == []


def test_vectors_made_by_another_model_are_not_searched_and_the_next_build_remakes_them(corpus, tmp_path):
    """An upgrade (or a build machine with other library versions) changes the model: its old
    vectors would be compared with the new model's question vectors, so they are left unused and
    words rank until a build, which re-embeds every section even though no page changed."""
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir)
    listing_file = current_generation(index_dir).path / embeddings.VECTOR_KEYS_FILE
    listing = json.loads(listing_file.read_text())
    listing_file.write_text(json.dumps({**listing, "model": "an older model"}))
    assert SearchService(index_dir, SynonymTable()).status()["semantic"] is False
    assert best_section(index_dir, semantic=True) == "your-injections"  # words alone
    rebuilt = build_index(corpus, index_dir)
    assert rebuilt.published and rebuilt.embedded == first.sections
    assert SearchService(index_dir, SynonymTable()).status()["semantic"] is True
    assert best_section(index_dir, semantic=True) == "going-away"


# Over 280 word pieces about daily life, then advice on air travel that shares no word with
# QUESTION: the answer lies wholly past the first window of the model.
DAILY_LIFE = 2 * (
    "Eating well helps you cope with treatment. Small meals every few hours are easier than three "
    "large ones, and a snack before bed can help you sleep. Drink plenty of water through the day, and "
    "ask your dietitian about supplements if you are losing weight. Some people find that cold foods "
    "taste better than hot ones during treatment. Gentle exercise, such as a short walk after lunch, "
    "can lift your mood and ease tiredness. Rest when you need to, but try to keep a routine of getting "
    "up and going to bed at the same times. Tell your nurse if you feel low for more than a couple of "
    "weeks: talking to someone often helps, and there are support groups that meet near most hospitals. ")
AIR_TRAVEL = (
    "Travelling by air: pack your medicines in your cabin bag, never in the suitcase that goes in the "
    "hold. Carry a letter from your doctor saying what they are, and a copy of your prescription. "
    "Airport security may ask about needles and syringes, so keep them with the letter. Check the time "
    "difference before the trip so you keep to your usual schedule, and buy travel insurance that "
    "covers your condition. If you will be away for more than a few weeks, ask your nurse whether "
    "treatment can be arranged where you are staying. On a long flight, walk up and down the aisle now "
    "and then and drink water. Keep the medicines that need a fridge in a cool bag, and ask the airline "
    "in advance if you need to bring one on board. Some countries limit the drugs that visitors may "
    "bring in, so check with the embassy before you book.")


def test_an_answer_past_the_first_window_of_a_long_section_is_found_by_meaning(tmp_path, monkeypatch):
    """The long section is embedded as several windows, the last one about air travel, so meaning
    offers it; embedded as its first window only (the cap at one), it is not offered."""
    pages = {**PAGES, "living/daily.html": page_html("Daily life", {"Day to day": DAILY_LIFE + AIR_TRAVEL},
                                                    topic="Living with cancer")}
    corpus = write_corpus(tmp_path / "corpus", pages)
    assert len(embeddings.window_tokenizer().encode(DAILY_LIFE).ids) > embeddings.MAX_TOKENS

    def anchors(index_dir) -> list[str]:
        build_index(corpus, index_dir)
        service = SearchService(index_dir, SynonymTable(), semantic=True)
        return [hit.anchor for hit in service.search(SearchRequest(text=QUESTION), group_pages=False).results]

    assert "day-to-day" in anchors(tmp_path / "windows")
    monkeypatch.setattr(embeddings, "MAX_WINDOWS", 1)
    assert "day-to-day" not in anchors(tmp_path / "first-window-only")
