"""Judged questions and the ranking metrics of bench/quality.py: graded nDCG@10 and MRR@10 for
ranked sections (the nurses' view) and for results grouped by page (the visitors' view).

A question's judgements grade sections: 2 = the section answers the question, 1 = it helps. Sets
that only list the sections that answer (binary relevance) give each of them grade 2, so one
definition serves both kinds of set: nDCG's gain is the grade (a binary set's nDCG is then the
usual binary one), and MRR looks for the first section that answers.
"""
from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

CUTOFF = 10
ANSWERS = 2  # the grade of a section that answers the question


@dataclass(frozen=True)
class Question:
    """A question and the grade of each judged section (`path#anchor` -> 1 or 2)."""

    text: str
    grades: dict[str, int]

    @property
    def answers(self) -> set[str]:
        """The sections that answer the question."""
        return {key for key, grade in self.grades.items() if grade >= ANSWERS}


@dataclass
class ViewScores:
    """Mean nDCG@10 and MRR@10 of one system in the nurses' and the visitors' view."""

    nurses_ndcg: float
    nurses_mrr: float
    visitors_ndcg: float
    visitors_mrr: float


def load_questions(path: Path) -> list[Question]:
    """JSONL with "question" (or "query") and either "judgements": {"path#anchor": grade} or
    "relevant": ["path#anchor", ...] (each relevant section counts as one that answers)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(row.get("question") or row["query"], _grades(row)) for row in rows]


def _grades(row: dict) -> dict[str, int]:
    if "judgements" in row:
        return {key: int(grade) for key, grade in row["judgements"].items() if int(grade) > 0}
    return dict.fromkeys(row["relevant"], ANSWERS)


def page_of(key: str) -> str:
    """The page part of a `path#anchor` key."""
    return key.partition("#")[0]


def dcg(gains: list[int]) -> float:
    """Discounted cumulative gain of gains in rank order."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, 1))


def ndcg(ranked: list[str], grades: dict[str, int], ideal: list[int]) -> float:
    """nDCG@10 of ranked keys, against `ideal`: the gains the best possible list could hold."""
    best = dcg(sorted(ideal, reverse=True)[:CUTOFF])
    return dcg([grades.get(key, 0) for key in ranked[:CUTOFF]]) / best if best else 0.0


def reciprocal_rank(ranked: list[str], answers: set[str]) -> float:
    """1 / the rank of the first key that answers, within the cutoff (0 if none does)."""
    return next((1 / rank for rank, key in enumerate(ranked[:CUTOFF], 1) if key in answers), 0.0)


def section_ideal(grades: dict[str, int]) -> list[int]:
    """The gains a section list could hold at best: every judged section."""
    return list(grades.values())


def page_ideal(grades: dict[str, int]) -> list[int]:
    """The gains a grouped list could hold at best: each judged page once, by its best section
    (a page shows one section, so two answers on one page cannot both be shown first)."""
    best: dict[str, int] = {}
    for key, grade in grades.items():
        best[page_of(key)] = max(grade, best.get(page_of(key), 0))
    return list(best.values())


def group_by_page(ranked: list[str]) -> list[str]:
    """A grouped list from a section ranking: each page once, shown by its highest-ranked section."""
    seen: set[str] = set()
    shown = []
    for key in ranked:
        if page_of(key) not in seen:
            seen.add(page_of(key))
            shown.append(key)
    return shown


def view_scores(questions: list[Question], sections: list[list[str]], pages: list[list[str]]) -> ViewScores:
    """Mean metrics of one system from its section rankings and its grouped rankings, where each
    page is represented by the section it shows. The shown section is what is scored, not the
    page: a page shown by its near-empty introduction earns nothing even when another of its
    sections answers, because the introduction is what the visitor sees."""
    nurses = [(ndcg(ranked, q.grades, section_ideal(q.grades)), reciprocal_rank(ranked, q.answers))
              for q, ranked in zip(questions, sections, strict=True)]
    visitors = [(ndcg(ranked, q.grades, page_ideal(q.grades)), reciprocal_rank(ranked, q.answers))
                for q, ranked in zip(questions, pages, strict=True)]
    return ViewScores(statistics.mean(n for n, _ in nurses), statistics.mean(r for _, r in nurses),
                      statistics.mean(n for n, _ in visitors), statistics.mean(r for _, r in visitors))
