"""The visitor search through the JSON API: ranking, grouping, snippets, synonyms, spelling."""
from apiclient import api, keys


def test_best_section_first_with_more_sections_of_the_same_page(client):
    data = api(client, q="octreotide tumour")
    first = data["results"][0]
    assert (first["path"], first["anchor"]) == ("net/about-nets.html", "treatment-with-octreotide")
    assert len({r["path"] for r in data["results"]}) == len(data["results"])  # one result a page
    assert [m["anchor"] for m in first["more_sections"]][:1] == ["what-is-a-net"]
    assert first["more_sections"][0]["url"].endswith("#what-is-a-net")
    assert set(first) >= {"path", "anchor", "url", "page_title", "heading", "heading_path", "topic",
                          "snippet", "score", "more_sections"}


def test_snippet_marks_matched_words(client):
    snippet = api(client, q="flushing")["results"][0]["snippet"]
    assert "<mark>flushing</mark>" in snippet


def test_markup_in_page_text_is_escaped_in_snippets(client):
    snippet = api(client, q="forums code")["results"][0]["snippet"]
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet


def test_acronym_net_does_not_match_safety_net(client):
    for query in ("NET", "net", "NETs"):
        found = {r["path"] for r in api(client, q=query)["results"]}
        assert "net/about-nets.html" in found, query
        assert "support/money.html" not in found, query


def test_quoted_lower_case_phrase_still_finds_the_plain_word(client):
    assert "support/money.html" in {r["path"] for r in api(client, q='"safety net"')["results"]}


def test_synonyms_expand_and_are_highlighted_and_reported(client):
    data = api(client, q="tummy pain")
    assert data["expanded"] == {"tummy": ["abdomen"]}
    hits = {r["path"]: r["snippet"] for r in data["results"]}
    assert "<mark>abdomen</mark>" in hits["net/about-nets.html"]


def test_one_way_rule_expands_neuroendocrine_cancer_to_net(client):
    data = api(client, q="neuroendocrine cancer")
    assert set(data["expanded"]["neuroendocrine cancer"]) == {"NET", "NEC"}
    assert data["results"][0]["path"] == "net/about-nets.html"


def test_british_and_american_spellings_find_each_other(client):
    assert "bowel/about.html" in {r["path"] for r in api(client, q="tumour growth")["results"]}
    assert "net/about-nets.html" in {r["path"] for r in api(client, q="tumor")["results"]}


def test_misspelling_gets_did_you_mean_and_corrected_results(client):
    data = api(client, q="octreatide")
    assert data["did_you_mean"] == "octreotide"
    assert data["corrected"] is True
    assert data["results"][0]["anchor"] == "treatment-with-octreotide"
    assert api(client, q="carcinoyd syndrome")["did_you_mean"] == "carcinoid syndrome"


def test_misspelt_word_among_known_words_is_searched_as_corrected(client):
    data = api(client, q="octreatide injections")
    assert data["did_you_mean"] == "octreotide injections"
    assert data["corrected"] is False  # "injections" alone found something
    assert data["results"][0]["anchor"] == "treatment-with-octreotide"
    assert data["expanded"]["octreatide"] == ["octreotide"]


def test_correctly_spelled_words_get_no_suggestion(client):
    # common English words the site never uses ("jabs", "kids", "versus") are not typos
    for query in ("carcinoid syndrome", "tumor", "tumours", "what is a NET", "jabs for kids",
                  "NET versus NEC", "my mum's told me"):
        assert api(client, q=query)["did_you_mean"] is None, query


def test_pasted_text_with_syntax_characters_still_searches(client):
    for query in ('What is a NET? (AND "OR" NOT: *)', "flushing AND OR NOT", "heart:valves*",
                  'carcinoid "heart', "((flushing", "title:flushing", "*"):
        data = api(client, q=query)
        assert isinstance(data["results"], list), query
    assert api(client, q="flushing AND OR NOT")["results"][0]["path"] == "net/carcinoid.html"


def test_phrase_and_exclusion(client):
    phrase = api(client, q='"carcinoid heart disease"')
    assert keys(phrase) == ["net/carcinoid.html#heart"]
    excluded = api(client, q="flushing -carcinoid")
    assert "net/carcinoid.html" not in {r["path"] for r in excluded["results"]}
    assert "net/about-nets.html" in {r["path"] for r in excluded["results"]}


def test_empty_and_stop_word_queries_get_a_helpful_message(client):
    for query in ("", "   ", "the", "what is the", "?!"):
        data = api(client, q=query)
        assert data["results"] == [] and data["total"] == 0
        assert data["message"], query


def test_topic_filter_and_counts(client):
    data = api(client, q="tiredness treatment")
    assert data["topics"]["Living with cancer"] == 14
    filtered = api(client, q="tiredness treatment", topic="Neuroendocrine cancer")
    assert {r["topic"] for r in filtered["results"]} == {"Neuroendocrine cancer"}
    assert filtered["total"] < data["total"]


def test_pagination(client):
    first = api(client, q="tiredness", limit=10)
    second = api(client, q="tiredness", limit=10, page=2)
    assert first["total"] == second["total"] == 14
    assert len(first["results"]) == 10 and len(second["results"]) == 4
    assert not set(keys(first)) & set(keys(second))
    assert api(client, q="tiredness", page=9)["results"] == []


def test_question_prefers_the_section_of_the_kind_asked(client):
    data = api(client, q="how long can you live with a NET?")
    assert data["results"][0]["anchor"] == "outlook"
    assert "outlook and survival" in data["intent"]
    assert api(client, q="what are the symptoms of a NET")["results"][0]["anchor"] == "symptoms-of-a-net"


def test_suggest_offers_titles_and_headings(client):
    labels = [s["label"] for s in client.get("/api/suggest?q=carc").get_json()["suggestions"]]
    assert "Carcinoid syndrome" in labels
    assert client.get("/api/suggest?q=c").get_json()["suggestions"] == []


def test_ask_api_returns_full_passages_ungrouped(client):
    data = client.get("/api/ask", query_string={"q": "what is a NET"}).get_json()
    best = data["results"][0]
    assert best["text"].startswith("A NET is a neuroendocrine tumour")
    assert any("<mark>" in p for p in best["passage"])
    assert len(data["results"]) <= 6


def test_an_answer_from_the_cache_is_the_answer_searched(client):
    service = client.application.extensions["search"]
    service.cache.clear()
    first = client.get("/api/search", query_string={"q": "carcinoid flushing"})
    hits = service.cache.hits
    again = client.get("/api/search", query_string={"q": "  carcinoid   flushing "})  # normalised
    assert service.cache.hits == hits + 1
    assert again.data == first.data and again.mimetype == "application/json"
    assert again.get_json()["results"][0]["snippet"].count("<mark>") >= 1
    second_page = client.get("/api/search", query_string={"q": "carcinoid flushing", "page": 2})
    assert second_page.get_json()["page"] == 2
