"""Indexing at site scale (issue 11), every figure side by side in one run on a generated site.

    .venv/bin/python -m bench.scale --pages 10000                 # words index only
    .venv/bin/python -m bench.scale --pages 1000 --semantic       # plus embedding throughput

The site comes from bench/make_site.py (cached under var/sites). Each build runs in a fresh
process, so its peak memory is its own. The machine is shared and noisy: compare rows of one
run, not runs with each other.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import shlex
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.make_site import ROOT, make_site
from indexer.build import build_index, find_pages

TARGET_PAGES_PER_SECOND = 100
UPDATE_TARGET = "<= 3 s"
WORK = ROOT / "var" / "bench-scale"


def progress(message: str) -> None:
    """A line on stderr while a long run goes on (the table goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One line of the result table."""

    figure: str
    measured: str
    target: str = "-"
    floor: str = "-"

    def __post_init__(self) -> None:
        # each figure is logged the moment it is measured: a run stopped early still tells something
        progress(f"{self.figure}: {self.measured}")


# ---------------------------------------------------------------- parse floor

def _bs4_only(path: str) -> float:
    """CPU seconds to read and parse one file with BeautifulSoup and lxml, nothing else."""
    from bs4 import BeautifulSoup

    started = time.process_time()
    BeautifulSoup(Path(path).read_bytes(), "lxml")
    return time.process_time() - started


def _project_parser(job: tuple[str, str]) -> float:
    """CPU seconds to read one file and turn it into a Page with the project's parser."""
    from indexer.parse import parse_html

    path, rel = job
    started = time.process_time()
    parse_html(Path(path).read_bytes(), rel)
    return time.process_time() - started


def parse_floor(label: str, work: Callable, jobs: list, workers: int) -> tuple[Row, float, float]:
    """Pages/s of one parsing step over every page with `workers` processes, per-page CPU p50/p99;
    also returns the rate and the mean CPU seconds a page (CPU time, unlike wall time, hardly
    moves with what else the shared machine runs)."""
    progress(f"parse only: {label}, {len(jobs)} pages")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        times = list(pool.map(work, jobs, chunksize=16))
    rate = len(jobs) / (time.perf_counter() - started)
    mean = statistics.fmean(times)
    return Row(f"parse only: {label}, {workers} workers",
               f"{rate:.0f} pages/s; CPU a page mean {mean * 1000:.1f} ms, p50 {_ms(times, 50)}, "
               f"p99 {_ms(times, 99)}"), rate, mean


def write_floor(jobs: list[tuple[str, str]], sample: int) -> tuple[Row, float]:
    """CPU seconds a page of the work after parsing (duplicate fingerprints, then Whoosh's
    analysis, postings and commit) in one process, on the first `sample` pages parsed beforehand;
    returns the row and the seconds a page."""
    import tempfile

    from whoosh import index as whoosh_index

    from indexer.duplicates import DuplicateSettings, fingerprint_page
    from indexer.parse import parse_html
    from indexer.schema import build_schema, documents_for
    from indexer.workers import new_writer

    pages = [parse_html(Path(path).read_bytes(), rel) for path, rel in jobs[:sample]]
    documents = [document for page in pages for document in documents_for(page.sections)]
    progress(f"index writing only: {len(pages)} pages, {len(documents):,} sections")
    with tempfile.TemporaryDirectory() as folder:
        writer = new_writer(whoosh_index.create_in(folder, build_schema()))
        printed = time.process_time()
        for page in pages:
            fingerprint_page(page.sections, DuplicateSettings())
        started = time.process_time()
        for document in documents:
            writer.add_document(**document)
        added = time.process_time()
        writer.commit()
        ended = time.process_time()
    per_page = (ended - printed) / len(pages)
    parts = {"fingerprints": started - printed, "adding documents": added - started, "commit": ended - added}
    shares = ", ".join(f"{name} {seconds / len(pages) * 1000:.1f}" for name, seconds in parts.items())
    return Row("after parsing: fingerprints + index writing (Whoosh), 1 process",
               f"CPU a page {per_page * 1000:.1f} ms ({shares}; {len(pages)} pages)"), per_page


def _ms(values: list[float], pct: int) -> str:
    return f"{_percentile(values, pct) * 1000:.1f} ms"


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------- builds, each in its own process

def _build_child(conn, corpus: str, index: str, full: bool, workers: int) -> None:
    """Run one build and send back its report, wall time and peak memory (self and children)."""
    started = time.perf_counter()
    report = build_index(Path(corpus), Path(index), full=full, workers=workers, semantic=False)
    seconds = time.perf_counter() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    conn.send({"seconds": seconds, "report": report.to_dict(),
               "cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
               "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024})
    conn.close()


def run_build(corpus: Path, index: Path, *, full: bool, workers: int) -> dict:
    """One build_index call in a fresh process (so peak memory is this build's alone)."""
    progress(f"{'full' if full else 'incremental'} build of {corpus}")
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_build_child, args=(send, str(corpus), str(index), full, workers))
    child.start()
    send.close()
    result = receive.recv()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"build process failed with exit code {child.exitcode}")
    return result


def link_copy(site: Path, dest: Path) -> Path:
    """A hard-linked copy of the site: cheap, and edits replace files so the cache stays intact."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(site, dest, copy_function=os.link)
    return dest


def change_page(page: Path, n: int) -> None:
    """Rewrite one page's text (a new sentence in its first paragraph), replacing the file."""
    html = page.read_text(encoding="utf-8")
    edited = html.replace("<p>", f"<p>Edited for the scale benchmark, revision {n}. ", 1)
    tmp = page.with_suffix(".tmp")
    tmp.write_text(edited, encoding="utf-8")
    os.replace(tmp, page)  # a new inode: the cached site behind the hard link is not touched


def folder_mb(path: Path) -> float:
    """Size of the files under a folder, in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure_builds(site: Path, workers: int, repeats: int, floor: str) -> tuple[list[Row], int]:
    """Full build, unchanged rebuild, one changed and one deleted page, memory and index size;
    also returns how many sections the full build indexed."""
    corpus = link_copy(site, WORK / "site")
    index = WORK / "index"
    shutil.rmtree(index, ignore_errors=True)
    full = run_build(corpus, index, full=True, workers=workers)
    report = full["report"]
    rate = report["parsed"] / full["seconds"]
    cpu_ms = full["cpu_seconds"] / report["parsed"] * 1000
    rows = [Row(f"full build --no-semantic, {workers} workers",
                f"{full['seconds']:.1f} s, {rate:.1f} pages/s ({report['sections']:,} sections); "
                f"CPU a page {cpu_ms:.1f} ms, all processes", f">= {TARGET_PAGES_PER_SECOND} pages/s", floor)]
    unchanged = run_build(corpus, index, full=False, workers=workers)
    rows.append(Row("rebuild, nothing changed", f"{unchanged['seconds']:.2f} s"))
    pages = find_pages(corpus)
    changed = []
    for n in range(repeats):
        change_page(pages[(n * 7919) % len(pages)], n)
        result = run_build(corpus, index, full=False, workers=workers)
        _expect(result["report"], parsed=1, deleted=0)
        changed.append(result["seconds"])
    rows.append(Row("one page changed, incremental build", _spread(changed), UPDATE_TARGET))
    deleted = []
    for n in range(repeats):
        pages[(n * 7919 + 1) % len(pages)].unlink()
        result = run_build(corpus, index, full=False, workers=workers)
        _expect(result["report"], parsed=0, deleted=1)
        deleted.append(result["seconds"])
    rows.append(Row("one page deleted, incremental build", _spread(deleted), UPDATE_TARGET))
    rows.append(Row("peak RSS of the full build",
                    f"build process {full['rss_self_mb']:.0f} MB, largest child process "
                    f"{full['rss_children_mb']:.0f} MB", "bounded"))
    live = (index / "current").resolve()
    rows.append(Row("index size on disk", f"{folder_mb(live):.0f} MB live generation "
                    f"({folder_mb(index):.0f} MB with the kept predecessor); site {folder_mb(site):.0f} MB"))
    return rows, report["sections"]


def _expect(report: dict, parsed: int, deleted: int) -> None:
    if report.get("parsed") != parsed or report.get("deleted") != deleted:
        raise RuntimeError(f"incremental build did not do what was asked: {report}")


def _spread(seconds: list[float]) -> str:
    if len(seconds) == 1:
        return f"{seconds[0]:.2f} s"
    return (f"p50 {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
            f"({len(seconds)} runs)")


# ---------------------------------------------------------------- meaning vectors

def measure_embedding(site: Path, sample: int, total_sections: int, total_pages: int) -> list[Row]:
    """Embedding throughput on the first `sample` sections; the whole-site time is extrapolated."""
    from indexer import embeddings
    from indexer.parse import parse_file

    sections = []
    for path in find_pages(site):
        sections += parse_file(path, site).sections
        if len(sections) >= sample:
            break
    sections = sections[:sample]
    texts = [text for s in sections for text in embeddings.passage_windows(s)]
    progress(f"embedding {len(sections)} sections ({len(texts)} windows)")
    started = time.perf_counter()
    encoder = embeddings.load_encoder()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    encoder.encode(texts)
    rate = len(sections) / (time.perf_counter() - started)
    per_page = total_sections / total_pages
    whole = total_sections / rate
    return [Row(f"embedding, {len(sections)} sections (model load {loaded:.1f} s not counted)",
                f"{rate:.1f} sections/s = {rate / per_page:.1f} pages/s", "search first; vectors follow"),
            Row("embedding the whole site (extrapolated, not measured)",
                f"{whole / 60:.0f} min for {total_sections:,} sections")]


# ---------------------------------------------------------------- output

def print_table(rows: list[Row]) -> None:
    """A Markdown table: figure | measured | target | floor."""
    cells = [("figure", "measured", "target", "floor")] + [(r.figure, r.measured, r.target, r.floor)
                                                           for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the site, measure everything, print one table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="changed/deleted page builds (default 3)")
    parser.add_argument("--semantic", action="store_true", help="also measure embedding throughput")
    parser.add_argument("--sample", type=int, default=300, help="sections embedded for --semantic")
    parser.add_argument("--write-sample", type=int, default=300,
                        help="pages for the index-writing floor (default 300)")
    parser.add_argument("--keep", action="store_true", help=f"keep the index and site copy in {WORK}")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.workers < 1 or args.repeats < 1:
        parser.error("--pages, --workers and --repeats must be at least 1")
    command = "python -m bench.scale " + shlex.join(argv if argv is not None else sys.argv[1:])
    started = time.perf_counter()
    site = make_site(args.pages, args.seed)
    summary = json.loads((site / "site.json").read_text(encoding="utf-8"))
    print(f"command: {command}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"site: {site.relative_to(ROOT)} ({summary['pages']:,} pages, ~{summary['sections']:,} sections, "
          f"made in {time.perf_counter() - started:.1f} s or reused)\n")
    rows = measure(site, args, summary)
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


def measure(site: Path, args: argparse.Namespace, summary: dict) -> list[Row]:
    """Every row, in the order the table shows them."""
    files = [str(p) for p in find_pages(site)]
    bs4_row, bs4_rate, _ = parse_floor("BeautifulSoup+lxml", _bs4_only, files, args.workers)
    jobs = [(f, Path(f).relative_to(site).as_posix()) for f in files]
    own_row, own_rate, parse_cpu = parse_floor("indexer.parse.parse_html", _project_parser, jobs,
                                               args.workers)
    write_row, write_cpu = write_floor(jobs, min(args.write_sample, len(jobs)))
    ceiling = args.workers / (parse_cpu + write_cpu)
    ceiling_row = Row(f"ceiling: {args.workers} cores / CPU a page of parsing and the work after it",
                      f"{ceiling:.0f} pages/s ({(parse_cpu + write_cpu) * 1000:.1f} ms a page, "
                      "with nothing else on the machine and no other build step)")
    floor = f"{own_rate:.0f} pages/s parser, {bs4_rate:.0f} pages/s bs4+lxml, ceiling {ceiling:.0f}"
    build_rows, sections = measure_builds(site, args.workers, args.repeats, floor)
    rows = [bs4_row, own_row, write_row, ceiling_row, *build_rows]
    if args.semantic:
        rows += measure_embedding(site, args.sample, sections, summary["pages"])
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
