"""The ranking's rules about page names and section shapes, on their own."""
from __future__ import annotations

import pytest

from indexer.analysis import SynonymTable
from indexer.kinds import section_kind
from webapp.query import parse_query
from webapp.rank import (
    NAME_WEIGHT,
    THIN_INTRO_TERMS,
    asked_terms,
    name_fit,
    name_terms,
    shape_factor,
    sibling_factors,
)


def _asked(text: str) -> frozenset[str]:
    return asked_terms(parse_query(text, SynonymTable()).concepts)


def _order(question: str, titles: list[str]) -> list[str]:
    """Titles of sibling pages, best first, when their scores were equal before names counted."""
    factors = sibling_factors({t: name_terms(t) for t in titles}, _asked(question))
    return sorted(titles, key=lambda t: -factors[t])


@pytest.mark.parametrize(("question", "titles", "first"), [
    ("how is Hodgkin lymphoma treated", ["Non-Hodgkin lymphoma", "Hodgkin lymphoma"], "Hodgkin lymphoma"),
    ("how is non-Hodgkin lymphoma treated", ["Hodgkin lymphoma", "Non-Hodgkin lymphoma"],
     "Non-Hodgkin lymphoma"),
    ("early signs of melanoma", ["Uveal melanoma", "Melanoma"], "Melanoma"),
    ("melanoma of the eye uveal", ["Melanoma", "Uveal melanoma"], "Uveal melanoma"),
    ("acute leukaemia in adults", ["Childhood acute leukaemia", "Adult acute leukaemia"],
     "Adult acute leukaemia"),
])
def test_the_page_named_exactly_comes_before_siblings_with_words_the_question_lacks(question, titles, first):
    assert _order(question, titles)[0] == first


def test_pages_that_share_no_asked_word_are_left_alone():
    factors = sibling_factors({"a": name_terms("Bowel cancer"), "b": name_terms("Hodgkin lymphoma")},
                              _asked("hodgkin"))
    assert factors["a"] == 1.0 and factors["b"] == 1.0


def test_a_qualifier_costs_at_most_the_name_weight():
    factors = sibling_factors({"a": name_terms("Melanoma"), "b": name_terms("Uveal melanoma")},
                              _asked("melanoma"))
    assert factors["a"] == 1.0
    assert 1.0 - NAME_WEIGHT <= factors["b"] < 1.0


def test_question_words_in_a_page_name_do_not_count_as_its_subject():
    assert name_fit(name_terms("What I need to know about hepatitis C"), _asked("hepatitis")) == 1.0


def test_near_empty_introductions_and_summaries_give_way_to_real_sections():
    real = shape_factor("treatment", THIN_INTRO_TERMS + 30, introduction=False)
    near_empty = shape_factor("what_is", THIN_INTRO_TERMS - 1, introduction=True)
    assert near_empty < shape_factor("summary", 200, introduction=False) < real == 1.0


def test_short_sections_under_their_own_heading_and_full_introductions_keep_their_score():
    assert shape_factor("other", 3, introduction=False) == 1.0
    assert shape_factor("what_is", THIN_INTRO_TERMS + 30, introduction=True) == 1.0


@pytest.mark.parametrize("heading", ["Key points", "Summary", "Points to remember", "In brief"])
def test_summary_headings_make_summary_sections(heading):
    assert section_kind(heading) == "summary"


def test_a_table_of_side_effects_at_a_glance_stays_about_side_effects():
    assert section_kind("Side effects at a glance") == "side_effects"
