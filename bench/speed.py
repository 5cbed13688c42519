"""Speed, side by side in one run: parsing and building (serial vs parallel, full vs incremental)
and search latency (in process, and end to end through gunicorn on loopback).

    .venv/bin/python -m bench.speed                 # sample corpus, plus ../shared pages if present
    .venv/bin/python -m bench.speed --no-http       # skip the gunicorn part

The machine is shared and noisy: compare rows of one run (ratios), not runs with each other.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.server import gunicorn
from indexer.analysis import load_synonyms
from indexer.build import build_index, find_pages
from webapp.search import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
MEDQUAD_PAGES = ROOT.parent / "shared" / "data" / "medquad-dev" / "pages"
VISITOR_QUERIES = ["carcinoid syndrome", "NET", "pancreatic net symptoms", "octreotide side effects",
                   "tumor", "neuroendocrin", "bowel cancer stages", "PRRT", "5-HIAA diet", "lung"]


def corpora() -> list[tuple[str, Path]]:
    """The corpora to measure: the sample site, and the real pages when ../shared is here."""
    found = [("sample", ROOT / "corpus")]
    if MEDQUAD_PAGES.is_dir():
        found.append(("medquad", MEDQUAD_PAGES))
    return found


def time_builds(name: str, corpus: Path, work: Path) -> list[tuple[str, ...]]:
    """Full builds with 1 and 2 workers, an unchanged rebuild, and a one-page change."""
    pages = find_pages(corpus)
    rows = []
    for workers in (1, 2):
        report = build_index(corpus, work / f"{name}-w{workers}-words", full=True, workers=workers,
                             semantic=False)
        rows.append((name, f"full build, {workers} worker(s), --no-semantic", f"{len(pages)}",
                     f"{report.seconds:.2f}", f"{report.pages_per_second:.0f} pages/s"))
    report = build_index(corpus, work / f"{name}-w2", full=True, workers=2)
    rows.append((name, "full build, 2 workers, with meaning vectors", f"{len(pages)}",
                 f"{report.seconds:.2f}",
                 f"{report.sections / report.embedding_seconds:.0f} sections/s embedded"))
    report = build_index(corpus, work / f"{name}-w2", workers=2)
    rows.append((name, "rebuild, nothing changed", f"{len(pages)}", f"{report.seconds:.2f}", "-"))
    copy = work / f"{name}-copy"
    shutil.copytree(corpus, copy)
    build_index(copy, work / f"{name}-inc", workers=2)
    victim = find_pages(copy)[0]
    victim.write_text(victim.read_text(encoding="utf-8", errors="replace") + "\n<!-- edited -->")
    report = build_index(copy, work / f"{name}-inc", workers=2)
    rows.append((name, "rebuild, one page changed", "1", f"{report.seconds:.2f}", "-"))
    return rows


def questions(limit: int = 60) -> list[str]:
    """Visitor keywords plus the project's own caller questions."""
    path = ROOT / "bench" / "questions.jsonl"
    asked = [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()] \
        if path.exists() else []
    return VISITOR_QUERIES + asked[:limit]


def latency_rows(label: str, timings: list[float]) -> tuple[str, ...]:
    """p50, p95 and max in milliseconds."""
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (label, f"{len(ms)}", f"{statistics.median(ms):.1f}", f"{p95:.1f}", f"{ms[-1]:.1f}")


def time_service(index_dir: Path, texts: list[str]) -> list[tuple[str, ...]]:
    """In-process latency of the visitor search and the nurses' full-passage answers."""
    synonyms = load_synonyms(ROOT / "corpus" / "synonyms.txt")
    rows = []
    for label, semantic, kwargs in (
            ("search, words only (no vectors)", False, {}),
            ("search (grouped, snippets)", True, {}),
            ("ask (full passages)", True, {"full_passages": True, "group_pages": False})):
        service = SearchService(index_dir, synonyms, semantic=semantic)
        service.search(SearchRequest("warm up"))
        timings = []
        for text in texts:
            started = time.perf_counter()
            service.search(SearchRequest(text), **kwargs)
            timings.append(time.perf_counter() - started)
        rows.append(latency_rows(label, timings))
    return rows


def time_http(index_dir: Path, texts: list[str]) -> list[tuple[str, ...]]:
    """End-to-end latency through gunicorn (2 workers) on a loopback port, sequential requests."""
    with gunicorn(index_dir, ROOT / "corpus") as base:
        rows = []
        for label, path in (("GET /api/search", "/api/search"), ("GET /search (HTML)", "/search"),
                            ("GET /api/ask", "/api/ask")):
            timings = []
            for text in texts:
                started = time.perf_counter()
                with urllib.request.urlopen(f"{base}{path}?q={urllib.parse.quote(text)}", timeout=10) as r:
                    r.read()
                timings.append(time.perf_counter() - started)
            rows.append(latency_rows(label, timings))
        return rows


def print_table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A plain text table."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn end-to-end part")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_rows = [row for name, corpus in corpora() for row in time_builds(name, corpus, work)]
        print_table("Parsing and indexing", ("corpus", "build", "pages", "seconds", "rate"), build_rows)
        texts = questions()
        sample_index = work / "sample-w2"
        header = ("path", "queries", "p50 ms", "p95 ms", "max ms")
        print_table("Search latency, sample corpus, in process", header, time_service(sample_index, texts))
        if not args.no_http:
            print_table("Search latency, sample corpus, HTTP through gunicorn", header,
                        time_http(sample_index, texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
