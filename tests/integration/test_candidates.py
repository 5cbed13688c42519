"""Candidates are found with a cheap query but scored exactly as the full query scores them."""
import pytest

from webapp import candidates, understand
from webapp.query import build_query


def parsed_query(app, text):
    service = app.extensions["search"]
    live = service.index.current()
    return live.searcher, understand.understand(text, service.synonyms, live).parsed


@pytest.mark.parametrize("text", ["NET", "symptoms of a NET", "tummy pain", "octreotide -heart",
                                  '"carcinoid syndrome"', "safety net benefits", "neuroendocrine cancer"])
def test_candidates_are_every_match_of_the_full_query_with_its_score(app, text):
    searcher, parsed = parsed_query(app, text)
    full = searcher.search(build_query(parsed), limit=None)
    found = candidates.by_words(searcher, parsed, topic="")
    assert {c.docnum: round(c.score, 6) for c in found} == {hit.docnum: round(hit.score, 6) for hit in full}


def test_a_word_matched_only_as_an_acronym_does_not_count_as_covered_in_ordinary_text(app):
    # "net" is searched as the acronym NET: the section on the welfare "safety net" matches the
    # other words, but must not count as covering NET (coverage scales the score)
    searcher, parsed = parsed_query(app, "safety net benefits")
    found = {c.fields["display_heading"]: c.matched for c in candidates.by_words(searcher, parsed, topic="")}
    assert "benefit" in found["Benefits"] and "net" not in found["Benefits"]


@pytest.mark.parametrize("topic", ["", "Neuroendocrine cancer"])
def test_a_spent_time_budget_stops_the_walk_with_what_was_found(app, topic):
    """A search over its time budget ranks the candidates found so far instead of running on."""
    from whoosh.collectors import TimeLimit

    searcher, parsed = parsed_query(app, "tummy pain")
    query = candidates.finding_query(searcher, parsed)
    everything = candidates.find(searcher, query, candidates.CANDIDATES, topic)
    cut = candidates.find(searcher, query, candidates.CANDIDATES, topic, seconds=0.0)
    assert everything and set(cut) <= set(everything)  # a walk cut at once keeps a part (or none)
    budget = candidates._Budget(searcher.collector(limit=10), timelimit=60)
    budget.timedout = True  # as the timer thread marks it
    with pytest.raises(TimeLimit):
        budget.collect(0)  # also when a topic filter hands it documents one by one


def test_a_search_cut_by_its_budget_still_answers(app, client, monkeypatch):
    monkeypatch.setattr(candidates, "FIND_SECONDS", 0.0)
    response = client.get("/api/search", query_string={"q": "what helps with tummy pain"})
    assert response.status_code == 200 and "results" in response.get_json()
