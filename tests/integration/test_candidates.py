"""Candidates are scored exactly as Whoosh's own matchers score the full query."""
import pytest
from whoosh import query as q

from webapp import candidates, understand
from webapp.query import build_query


def live_and_parsed(app, text):
    service = app.extensions["search"]
    live = service.index.current()
    return live, understand.understand(text, service.synonyms, live).parsed


@pytest.mark.parametrize("text", ["NET", "symptoms of a NET", "tummy pain", "octreotide -heart",
                                  '"carcinoid syndrome"', "safety net benefits", "neuroendocrine cancer",
                                  '"face and neck" -"heart disease"', "treatment -tiredness",
                                  "what is tiredness after treatment"])
def test_candidates_are_every_match_of_the_full_query_with_its_score(app, text):
    live, parsed = live_and_parsed(app, text)
    full = build_query(parsed)
    positive, negative = (full.a, full.b) if isinstance(full, q.AndNot) else (full, q.NullQuery)
    # Whoosh's AndNot matcher can keep an excluded section when it is the first match of both
    # sides, so the exclusion is checked here as two searches
    excluded = {hit.docnum for hit in live.searcher.search(negative, limit=None)}
    full = [hit for hit in live.searcher.search(positive, limit=None, terms=True)
            if hit.docnum not in excluded]
    found = candidates.by_words(live, parsed, topic="")
    assert {c.docnum: round(c.score, 9) for c in found} == {hit.docnum: round(hit.score, 9) for hit in full}
    # Whoosh's collector also lists a word whose acronym check failed ("net" in "safety net"),
    # which coverage must not count (next test); otherwise the matched terms are the same
    whoosh_terms = {hit.docnum: {t.decode() for _, t in hit.matched_terms()} for hit in full}
    assert all(c.matched and c.matched <= whoosh_terms[c.docnum] for c in found)


def test_a_word_matched_only_as_an_acronym_does_not_count_as_covered_in_ordinary_text(app):
    # "net" is searched as the acronym NET: the section on the welfare "safety net" matches the
    # other words, but must not count as covering NET (coverage scales the score)
    live, parsed = live_and_parsed(app, "safety net benefits")
    found = {c.fields["display_heading"]: c.matched for c in candidates.by_words(live, parsed, topic="")}
    assert "benefit" in found["Benefits"] and "net" not in found["Benefits"]


def test_a_topic_keeps_only_its_sections(app):
    live, parsed = live_and_parsed(app, "treatment")
    found = candidates.by_words(live, parsed, topic="Support")
    assert found and {c.fields["topic"] for c in found} == {"Support"}


def test_only_the_best_candidates_are_kept_and_ties_go_to_earlier_sections(app):
    live, parsed = live_and_parsed(app, "tiredness")
    everything = candidates.by_words(live, parsed, topic="")
    kept = candidates.by_words(live, parsed, topic="", limit=3)
    ranked = sorted(everything, key=lambda c: (-c.score, c.docnum))
    best_kept = sorted(kept, key=lambda c: (-c.score, c.docnum))
    assert [c.docnum for c in best_kept] == [c.docnum for c in ranked[:3]]
