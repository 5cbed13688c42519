"""The nurses' answers on the sample site itself: the section that answers a caller's question."""
from pathlib import Path

import pytest

from indexer.analysis import load_synonyms
from indexer.build import build_index
from webapp import create_app
from webapp.search import SearchRequest, SearchService

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    build_index(CORPUS, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def client(index):
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index), "SEARCH_CORPUS_DIR": str(CORPUS),
                      "SEARCH_INSIGHTS_DB": str(index.parent / "insights.sqlite3")})
    return app.test_client()


@pytest.mark.parametrize("question, answer, heading", [
    ("how long can you live with a pancreatic NET?", "pancreatic-nets.html#outlook", "Outlook"),
    ("is a NET the same as a NEC", "nets-and-necs.html#comparison", None),
    ("what is the Ki-67 on my report", "grades-and-stages.html#ki-67", None),
    ("does carcinoid syndrome affect the heart", "carcinoid-syndrome.html#heart-disease", None),
    ("what does a grade 2 NET mean", "grades-and-stages.html#grading", None),
])
def test_the_answer_card_shows_the_section_that_answers(client, question, answer, heading):
    data = client.get("/api/ask", query_string={"q": question}).get_json()
    best = data["results"][0]
    assert f"{best['path']}#{best['anchor']}".endswith(answer)
    html = client.get("/ask", query_string={"q": question}).get_data(as_text=True)
    assert best["text"].split(".")[0] in html  # the passage itself is on the page, not a link only
    if heading:
        assert best["heading"] == heading


@pytest.mark.parametrize("question, answer", [
    # one section repeats "injection"; the one about travelling covers the whole question
    ("monthly injection when going on holiday", "living-with-neuroendocrine-cancer.html#travel"),
    # "octreotide" fills the PRRT overview; stopping it before PRRT is its own section
    ("stopping octreotide before PRRT", "prrt.html#scan-first"),
])
def test_a_section_covering_more_of_the_question_beats_one_repeating_a_word(index, question, answer):
    service = SearchService(index, load_synonyms(CORPUS / "synonyms.txt"), semantic=False)
    best = service.search(SearchRequest(text=question), group_pages=False).results[0]
    assert f"{best.path}#{best.anchor}".endswith(answer)


def test_synonyms_are_found_before_question_words_are_dropped(client):
    # "being" frames questions, but inside "being sick" it is part of what is asked
    data = client.get("/api/search", query_string={"q": "my dad keeps being sick after his chemo"}).get_json()
    assert "vomiting" in data["expanded"]["being sick"]


def test_a_misspelt_american_word_is_corrected_to_the_site_spelling(client):
    data = client.get("/api/search", query_string={"q": "diarhea after eating"}).get_json()
    assert data["did_you_mean"] == "diarrhoea after eating"
    assert data["results"]


def test_did_you_mean_keeps_the_whole_question_and_its_punctuation(client):
    data = client.get("/api/search", query_string={"q": "how long does the diarhea last?"}).get_json()
    assert data["did_you_mean"] == "how long does the diarrhoea last?"
