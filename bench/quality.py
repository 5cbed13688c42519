"""Ranking quality: the real search path next to plain baselines, in the nurses' and visitors' views.

    .venv/bin/python -m bench.quality                      # every question set present
    .venv/bin/python -m bench.quality --sets project       # only bench/questions.jsonl
    .venv/bin/python -m bench.quality --show-misses 20     # list questions ranked badly
    .venv/bin/python -m bench.quality --systems search     # only the real search path (quicker)

Systems. "baseline" is Whoosh's default BM25F over the section text (same index, no synonyms, no
field boosts, no question handling); "bm25f" adds the title and heading fields with equal weights;
"words" is the real search path without the meaning vectors, "search" the real path itself. All
run in the same process, so the gain is visible.

Question sets. "project" (bench/questions.jsonl) and "medquad" (../shared/data/medquad-dev) list
the sections that answer each question (binary relevance); "real" (bench/questions_real.jsonl,
sample site) and "real-dev" (bench/questions_real_dev.jsonl, the medquad dev pages) grade them:
2 = the section answers the question, 1 = it helps. A binary set's relevant sections count as
grade 2, so one definition serves both.

Table 1, section-level (the figures README and BENCHMARKS quote, meaning unchanged): MRR@10,
nDCG@10 (binary), Recall@5 and ms/query of the ranked sections, for the binary sets.

Table 2, both views (issue 15), every set, every system: nDCG@10 (gain = grade) and MRR@10 (the
first section that answers) in the nurses' view (ranked sections, ungrouped, as /api/ask ranks
them) and in the visitors' view (results grouped by page as /search shows them, each page
represented by the section it shows; for the baselines, the page's highest-ranked section). The
visitors' view scores the shown section, not the page: a page shown by its near-empty
introduction earns nothing even when another of its sections answers. Definitions in
bench/metrics.py.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh.qparser import MultifieldParser, OrGroup, QueryParser

from bench.metrics import (
    CUTOFF,
    Question,
    ViewScores,
    group_by_page,
    load_questions,
    ndcg,
    reciprocal_rank,
    section_ideal,
    view_scores,
)
from indexer import store
from indexer.analysis import SynonymTable, load_synonyms
from indexer.build import build_index
from webapp.search import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "bench" / "questions.jsonl"
REAL = ROOT / "bench" / "questions_real.jsonl"
REAL_DEV = ROOT / "bench" / "questions_real_dev.jsonl"
MEDQUAD = ROOT.parent / "shared" / "data" / "medquad-dev"
CACHE = ROOT / "var" / "bench"
SET_NAMES = ("project", "medquad", "real", "real-dev")
SYSTEM_NAMES = ("baseline", "bm25f", "words", "search")
# Sections a baseline ranks before grouping them by page: enough to fill ten pages.
GROUPING_DEPTH = 100

Ranker = Callable[[str], list[str]]


@dataclass
class QuestionSet:
    """A named list of judged questions over one corpus; `graded` sets are not in table 1."""

    name: str
    corpus: Path
    questions: list[Question]
    graded: bool


@dataclass
class Scores:
    """Mean section-level metrics of one system on one question set (table 1)."""

    mrr10: float
    ndcg10: float
    recall5: float
    ms_per_query: float
    ranks: list[int | None]


@dataclass
class System:
    """How one system ranks: sections one by one, and pages each shown by one section."""

    sections: Ranker
    pages: Ranker


def evaluate(ranker: Ranker, questions: list[Question]) -> tuple[Scores, list[list[str]]]:
    """Table 1 for one system (section-level metrics), plus its rankings for table 2."""
    rr, ndcgs, recall, ranks, rankings = [], [], [], [], []
    started = time.perf_counter()
    for question in questions:
        ranked = ranker(question.text)[:CUTOFF]
        rankings.append(ranked)
        answers = question.answers
        first = next((i for i, key in enumerate(ranked, 1) if key in answers), None)
        ranks.append(first)
        rr.append(1 / first if first else 0.0)
        ndcgs.append(ndcg(ranked, question.grades, section_ideal(question.grades)))
        recall.append(len(set(ranked[:5]) & answers) / len(answers) if answers else 0.0)
    elapsed = (time.perf_counter() - started) * 1000 / max(1, len(questions))
    scores = Scores(statistics.mean(rr), statistics.mean(ndcgs), statistics.mean(recall), elapsed, ranks)
    return scores, rankings


def service_system(service: SearchService) -> System:
    """The real search path: sections as /ask and /api/ask rank them, pages as /search shows them."""

    def sections(text: str) -> list[str]:
        response = service.search(SearchRequest(text=text, limit=CUTOFF), group_pages=False)
        return [f"{hit.path}#{hit.anchor}" for hit in response.results]

    def pages(text: str) -> list[str]:
        response = service.search(SearchRequest(text=text, limit=CUTOFF), group_pages=True)
        return [f"{hit.path}#{hit.anchor}" for hit in response.results]

    return System(sections, pages)


def whoosh_system(index_dir: Path, fields: list[str]) -> System:
    """Plain BM25F over `fields` with equal weights: no synonyms, boosts or question handling."""
    index, _ = store.open_index(index_dir)
    searcher = index.searcher()
    if fields == ["body"]:
        parser = QueryParser("body", index.schema, group=OrGroup)
    else:
        parser = MultifieldParser(fields, index.schema, group=OrGroup)

    def ranked(text: str, limit: int) -> list[str]:
        return [hit["key"] for hit in searcher.search(parser.parse(text), limit=limit)]

    return System(lambda text: ranked(text, CUTOFF),
                  lambda text: group_by_page(ranked(text, GROUPING_DEPTH))[:CUTOFF])


def ensure_index(corpus: Path, name: str) -> Path:
    """Build (incrementally) a benchmark index of a corpus under var/bench/."""
    index_dir = CACHE / name
    build_index(corpus, index_dir)
    return index_dir


def question_sets(names: list[str]) -> list[QuestionSet]:
    """The requested sets that exist here (../shared is absent in a fresh clone)."""
    sample, dev = ROOT / "corpus", MEDQUAD / "pages"
    known = {  # --sets name: (name in the tables, questions, corpus, graded)
        "project": ("project", PROJECT, sample, False),
        "medquad": ("medquad-dev", MEDQUAD / "queries.jsonl", dev, False),
        "real": ("real", REAL, sample, True),
        "real-dev": ("real-dev", REAL_DEV, dev, True),
    }
    return [QuestionSet(label, corpus, load_questions(path), graded)
            for name, (label, path, corpus, graded) in known.items()
            if name in names and path.exists() and corpus.exists()]


def main(argv: list[str] | None = None) -> int:
    """Print table 1 (section-level, binary sets) and table 2 (both views, every set)."""
    args = _arguments(argv)
    synonyms = load_synonyms(ROOT / "corpus" / "synonyms.txt")
    systems: dict[Path, dict[str, System]] = {}  # one set of systems per corpus, shared by its sets
    table1, table2 = [], []
    for qset in question_sets(args.sets):
        if qset.corpus not in systems:
            built = _systems(ensure_index(qset.corpus, _index_name(qset.corpus)), synonyms)
            systems[qset.corpus] = {name: built[name]() for name in args.systems}
        questions = qset.questions[: args.limit] if args.limit else qset.questions
        for name, system in systems[qset.corpus].items():
            scores, sections = evaluate(system.sections, questions)
            pages = [system.pages(question.text) for question in questions]
            if not qset.graded:
                table1.append((qset.name, name, len(questions), scores))
            table2.append((qset.name, name, len(questions), view_scores(questions, sections, pages)))
        if args.show_misses:
            _print_misses(questions, systems[qset.corpus]["search"], args.show_misses)
    _print_tables(table1, table2)
    return 0


def _index_name(corpus: Path) -> str:
    """The benchmark index of a corpus (the names earlier runs built under var/bench/)."""
    return "project" if corpus == ROOT / "corpus" else "medquad-dev"


def _systems(index_dir: Path, synonyms: SynonymTable) -> dict[str, Callable[[], System]]:
    """Each system by name, made when asked for (--systems)."""
    return {"baseline": lambda: whoosh_system(index_dir, ["body"]),
            "bm25f": lambda: whoosh_system(index_dir, ["title", "heading", "body"]),
            "words": lambda: service_system(SearchService(index_dir, synonyms, semantic=False)),
            "search": lambda: service_system(SearchService(index_dir, synonyms))}


def _print_tables(table1: list[tuple[str, str, int, Scores]],
                  table2: list[tuple[str, str, int, ViewScores]]) -> None:
    if table1:
        print("Table 1: ranked sections (binary sets)")
        print(f"{'set':<12} {'system':<10} {'n':>5} {'MRR@10':>7} {'nDCG@10':>8} {'R@5':>6} {'ms/q':>6}")
        for name, system, n, s in table1:
            print(f"{name:<12} {system:<10} {n:>5} {s.mrr10:>7.3f} {s.ndcg10:>8.3f} {s.recall5:>6.3f} "
                  f"{s.ms_per_query:>6.1f}")
        print()
    print("Table 2: nurses' view (sections) and visitors' view (pages, shown section scored)")
    print(f"{'set':<12} {'system':<10} {'n':>5} {'nurse nDCG':>10} {'nurse MRR':>9} "
          f"{'visit nDCG':>10} {'visit MRR':>9}")
    for name, system, n, v in table2:
        print(f"{name:<12} {system:<10} {n:>5} {v.nurses_ndcg:>10.3f} {v.nurses_mrr:>9.3f} "
              f"{v.visitors_ndcg:>10.3f} {v.visitors_mrr:>9.3f}")


def _print_misses(questions: list[Question], system: System, limit: int) -> None:
    shown = 0
    for question in questions:
        ranked = system.sections(question.text)
        if reciprocal_rank(ranked, question.answers) == 1.0 or shown >= limit:
            continue
        shown += 1
        rank = next((i for i, key in enumerate(ranked, 1) if key in question.answers), None)
        print(f"  rank {rank or '-':>2}  {question.text}")
        print(f"      want {sorted(question.answers)[:2]}\n      got  {ranked[:2]}")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SET_NAMES), type=lambda s: s.split(","),
                        help="question sets to run: " + ", ".join(SET_NAMES))
    parser.add_argument("--systems", default=",".join(SYSTEM_NAMES), type=lambda s: s.split(","),
                        help="systems to run: " + ", ".join(SYSTEM_NAMES) + " (the baselines take longest)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N",
                        help="print N questions whose answer was not ranked first (search, sections)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
