"""The ranking metrics of bench/quality.py: graded nDCG, the page-grouped (visitors') view, loading."""
import json
import math

import pytest

from bench.metrics import (
    Question,
    group_by_page,
    load_questions,
    ndcg,
    page_ideal,
    reciprocal_rank,
    section_ideal,
    view_scores,
)

GRADES = {"a.html#one": 2, "a.html#two": 1, "b.html#x": 2}


def test_perfect_section_ranking_scores_one():
    ranked = ["a.html#one", "b.html#x", "a.html#two"]
    assert ndcg(ranked, GRADES, section_ideal(GRADES)) == pytest.approx(1.0)


def test_graded_gain_prefers_the_answer_over_the_helper():
    helper_first = ndcg(["a.html#two", "a.html#one"], GRADES, section_ideal(GRADES))
    answer_first = ndcg(["a.html#one", "a.html#two"], GRADES, section_ideal(GRADES))
    assert answer_first > helper_first


def test_binary_relevance_gives_the_usual_binary_ndcg():
    [question] = [Question("q", dict.fromkeys(["p.html#r1", "p.html#r2"], 2))]
    ranked = ["p.html#other", "p.html#r1"]
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg(ranked, question.grades, section_ideal(question.grades)) == pytest.approx(expected)


def test_reciprocal_rank_counts_only_sections_that_answer():
    question = Question("q", GRADES)
    assert reciprocal_rank(["a.html#two", "c.html#y", "b.html#x"], question.answers) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a.html#two"], question.answers) == 0.0


def test_a_page_is_ideally_shown_once_by_its_best_section():
    assert sorted(page_ideal(GRADES)) == [2, 2]
    assert ndcg(["a.html#one", "b.html#x"], GRADES, page_ideal(GRADES)) == pytest.approx(1.0)


def test_the_shown_section_is_scored_not_the_page():
    # page a shown by its introduction: no gain, although another of its sections answers
    assert ndcg(["a.html#intro", "b.html#x"], GRADES, page_ideal(GRADES)) < 0.7


def test_grouping_keeps_each_pages_highest_ranked_section():
    ranked = ["a.html#two", "b.html#x", "a.html#one", "c.html#y"]
    assert group_by_page(ranked) == ["a.html#two", "b.html#x", "c.html#y"]


def test_view_scores_average_both_views():
    questions = [Question("q", GRADES)]
    scores = view_scores(questions, [["a.html#one", "b.html#x", "a.html#two"]], [["a.html#two", "b.html#x"]])
    assert scores.nurses_ndcg == pytest.approx(1.0) and scores.nurses_mrr == 1.0
    assert scores.visitors_mrr == pytest.approx(0.5) and scores.visitors_ndcg < 1.0


def test_load_questions_reads_graded_and_binary_rows(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [{"question": "graded", "judgements": {"a.html#one": 2, "a.html#two": 1, "a.html#no": 0}},
            {"query": "binary", "relevant": ["b.html#x"]}]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    graded, binary = load_questions(path)
    assert graded.grades == {"a.html#one": 2, "a.html#two": 1} and graded.answers == {"a.html#one"}
    assert binary.text == "binary" and binary.answers == {"b.html#x"}
