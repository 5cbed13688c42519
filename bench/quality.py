"""Ranking quality: MRR@10, nDCG@10 and Recall@5 of the real search path next to a plain baseline.

    .venv/bin/python -m bench.quality                      # both question sets
    .venv/bin/python -m bench.quality --sets project       # only bench/questions.jsonl
    .venv/bin/python -m bench.quality --show-misses 20     # list questions ranked badly

The baseline is Whoosh's default BM25F over the section text (same index, no synonyms, no field
boosts, no question handling); "bm25f" adds the title and heading fields with equal weights;
"words" is the real search path without the meaning vectors, "search" the real path itself.
Both run in the same process as the real search path, so the gain is visible. Section-level:
a question is answered when one of its relevant `path#anchor`s is ranked.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh.qparser import MultifieldParser, OrGroup, QueryParser

from indexer import store
from indexer.analysis import load_synonyms
from indexer.build import build_index
from webapp.search import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "bench" / "questions.jsonl"
MEDQUAD = ROOT.parent / "shared" / "data" / "medquad-dev"
CACHE = ROOT / "var" / "bench"

Ranker = Callable[[str], list[str]]


@dataclass
class QuestionSet:
    """A named list of (question, relevant keys) over one corpus."""

    name: str
    corpus: Path
    questions: list[tuple[str, set[str]]]


@dataclass
class Scores:
    """Mean metrics of one system on one question set."""

    mrr10: float
    ndcg10: float
    recall5: float
    ms_per_query: float
    ranks: list[int | None]


def load_questions(path: Path) -> list[tuple[str, set[str]]]:
    """JSONL with "question" (or "query") and "relevant": ["path#anchor", ...]."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r.get("question") or r["query"], set(r["relevant"])) for r in rows]


def evaluate(ranker: Ranker, questions: list[tuple[str, set[str]]]) -> Scores:
    """Run every question through `ranker` and average the metrics."""
    rr, ndcg, recall, ranks, started = [], [], [], [], time.perf_counter()
    for text, relevant in questions:
        ranked = ranker(text)[:10]
        first = next((i for i, key in enumerate(ranked, 1) if key in relevant), None)
        ranks.append(first)
        rr.append(1 / first if first else 0.0)
        gains = sum(1 / math.log2(i + 1) for i, key in enumerate(ranked, 1) if key in relevant)
        ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(relevant), 10) + 1))
        ndcg.append(gains / ideal)
        recall.append(len(set(ranked[:5]) & relevant) / len(relevant))
    elapsed = (time.perf_counter() - started) * 1000 / max(1, len(questions))
    return Scores(statistics.mean(rr), statistics.mean(ndcg), statistics.mean(recall), elapsed, ranks)


def service_ranker(service: SearchService) -> Ranker:
    """The real search path, section by section (as /ask and /api/ask rank them)."""

    def rank(text: str) -> list[str]:
        response = service.search(SearchRequest(text=text, limit=10), group_pages=False)
        return [f"{hit.path}#{hit.anchor}" for hit in response.results]

    return rank


def baseline_ranker(index_dir: Path) -> Ranker:
    """Whoosh's default BM25F over the section text: no synonyms, boosts or question handling."""
    index, _ = store.open_index(index_dir)
    searcher = index.searcher()
    parser = QueryParser("body", index.schema, group=OrGroup)

    def rank(text: str) -> list[str]:
        return [hit["key"] for hit in searcher.search(parser.parse(text), limit=10)]

    return rank


def fields_ranker(index_dir: Path) -> Ranker:
    """Plain BM25F over title, headings and text with equal weights: fields, but no understanding."""
    index, _ = store.open_index(index_dir)
    searcher = index.searcher()
    parser = MultifieldParser(["title", "heading", "body"], index.schema, group=OrGroup)

    def rank(text: str) -> list[str]:
        return [hit["key"] for hit in searcher.search(parser.parse(text), limit=10)]

    return rank


def ensure_index(corpus: Path, name: str) -> Path:
    """Build (incrementally) a benchmark index of a corpus under var/bench/."""
    index_dir = CACHE / name
    build_index(corpus, index_dir)
    return index_dir


def question_sets(names: list[str]) -> list[QuestionSet]:
    """The requested sets that exist here (../shared is absent in a fresh clone)."""
    sets = []
    if "project" in names and PROJECT.exists():
        sets.append(QuestionSet("project", ROOT / "corpus", load_questions(PROJECT)))
    if "medquad" in names and (MEDQUAD / "queries.jsonl").exists():
        sets.append(QuestionSet("medquad-dev", MEDQUAD / "pages", load_questions(MEDQUAD / "queries.jsonl")))
    return sets


def main(argv: list[str] | None = None) -> int:
    """Print the quality table for each question set."""
    args = _arguments(argv)
    synonyms = load_synonyms(ROOT / "corpus" / "synonyms.txt")
    print(f"{'set':<12} {'system':<10} {'n':>5} {'MRR@10':>7} {'nDCG@10':>8} {'R@5':>6} {'ms/q':>6}")
    for qset in question_sets(args.sets):
        index_dir = ensure_index(qset.corpus, qset.name)
        questions = qset.questions[: args.limit] if args.limit else qset.questions
        systems = {"baseline": baseline_ranker(index_dir), "bm25f": fields_ranker(index_dir),
                   "words": service_ranker(SearchService(index_dir, synonyms, semantic=False)),
                   "search": service_ranker(SearchService(index_dir, synonyms))}
        for system, ranker in systems.items():
            scores = evaluate(ranker, questions)
            print(f"{qset.name:<12} {system:<10} {len(questions):>5} {scores.mrr10:>7.3f} "
                  f"{scores.ndcg10:>8.3f} {scores.recall5:>6.3f} {scores.ms_per_query:>6.1f}")
        if args.show_misses:
            _print_misses(questions, scores.ranks, systems["search"], args.show_misses)
    return 0


def _print_misses(questions: list[tuple[str, set[str]]], ranks: list[int | None], ranker: Ranker,
                  limit: int) -> None:
    misses = [(q, rel, r) for (q, rel), r in zip(questions, ranks, strict=True) if r != 1]
    for text, relevant, rank in misses[:limit]:
        print(f"  rank {rank or '-':>2}  {text}")
        print(f"      want {sorted(relevant)[:2]}\n      got  {ranker(text)[:2]}")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="project,medquad", type=lambda s: s.split(","),
                        help="question sets to run: project, medquad")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N",
                        help="print N questions whose answer was not ranked first")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
