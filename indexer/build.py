"""Corpus folder -> index: incremental, parallel parsing, atomic publish, and a BuildReport."""
from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.writing import IndexWriter

from indexer import embeddings, store
from indexer.duplicates import find_duplicates
from indexer.files import is_servable
from indexer.model import Page, ParseError, Section, bytes_hash
from indexer.parse import parse_html
from indexer.schema import SCHEMA_VERSION, build_schema, document_for, indexed_sections

log = logging.getLogger(__name__)

# Below this many changed pages a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 16

# (stage, done, total, item): stage is "parsing" (item is the page) or "embedding"
Progress = Callable[[str, int, int, str], None]


@dataclass
class BuildReport:
    """What a build did, for the CLI summary, logs and tests."""

    pages: int = 0
    sections: int = 0
    parsed: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    full: bool = False
    published: bool = False
    duplicate_groups: int = 0
    embedded: int = 0
    embedding_seconds: float = 0.0
    semantic: bool = False
    generation: str = ""

    @property
    def pages_per_second(self) -> float:
        """Parsed pages per second of wall time (0 when nothing was parsed)."""
        return self.parsed / self.seconds if self.seconds and self.parsed else 0.0

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 1)}


def find_pages(corpus_dir: Path) -> list[Path]:
    """Every page under the corpus in a stable order: what /pages/ would serve, nothing else
    (no symlinks, hidden files or folders)."""
    corpus_dir = Path(corpus_dir)
    return sorted(
        p for p in corpus_dir.rglob("*")
        if is_servable(corpus_dir, p.relative_to(corpus_dir).as_posix())
    )


@dataclass(frozen=True)
class BuildOptions:
    """How a build runs (everything but what to build and where)."""

    full: bool = False
    workers: int | None = None
    semantic: bool = True
    progress: Progress | None = None


def build_index(corpus_dir: Path, index_dir: Path, *, full: bool = False, workers: int | None = None,
                wait_seconds: float = 0.0, progress: Progress | None = None,
                semantic: bool = True) -> BuildReport:
    """Build or update the index of `corpus_dir` in `index_dir` and publish it atomically.
    With `semantic` (the default) each section also gets a meaning vector for the ranking."""
    started = time.perf_counter()
    options = BuildOptions(full=full, workers=workers, semantic=semantic, progress=progress)
    with store.build_lock(index_dir, wait_seconds):
        store.prune(index_dir)
        report = _build_locked(Path(corpus_dir), Path(index_dir), options)
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(corpus_dir: Path, index_dir: Path, options: BuildOptions) -> BuildReport:
    previous = _previous_generation(index_dir, options.full)
    known: dict[str, dict] = previous.info.get("pages", {}) if previous else {}
    sources = {p.relative_to(corpus_dir).as_posix(): p for p in find_pages(corpus_dir)}
    hashes = {rel: bytes_hash(path.read_bytes()) for rel, path in sources.items()}
    changed = [rel for rel in sources if known.get(rel, {}).get("hash") != hashes[rel]]
    deleted = [rel for rel in known if rel not in sources]
    report = BuildReport(pages=len(sources), unchanged=len(sources) - len(changed),
                         deleted=len(deleted), full=previous is None)
    if previous is not None and not changed and not deleted and _vectors_as_asked(previous, options):
        _carry_over(report, known)
        report.semantic = options.semantic
        report.generation = previous.name
        return report
    tmp = store.new_generation_dir(index_dir)
    try:
        pages_record = _write_generation(tmp, previous, known, changed, deleted, sources, hashes,
                                         report, options)
        info = {"schema_version": SCHEMA_VERSION, "built_at": time.time(),
                "corpus": str(corpus_dir.resolve()), "pages": pages_record,
                "sections": report.sections, "documents": report.sections}
        final = store.publish(index_dir, tmp, info)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.published, report.generation = True, final.name
    store.prune(index_dir)
    return report


def _previous_generation(index_dir: Path, full: bool) -> store.Generation | None:
    if full:
        return None
    try:
        return store.current_generation(index_dir)
    except store.IndexMissing:
        return None
    except store.IndexVersionMismatch as exc:
        log.warning("%s; rebuilding from scratch", exc)
        return None


def _vectors_as_asked(generation: store.Generation, options: BuildOptions) -> bool:
    """True when the generation has vectors exactly if this build wants them."""
    return (generation.path / embeddings.VECTORS_FILE).exists() == options.semantic


def _carry_over(report: BuildReport, known: dict[str, dict]) -> None:
    """Fill an 'up to date' report from the previous build's records."""
    for rel, record in sorted(known.items()):
        report.sections += record.get("sections", 0)
        if record.get("skipped"):
            report.skipped.append((rel, record["skipped"]))


def _write_generation(tmp: Path, previous: store.Generation | None, known: dict[str, dict],
                      changed: list[str], deleted: list[str], sources: dict[str, Path],
                      hashes: dict[str, str], report: BuildReport, options: BuildOptions) -> dict[str, dict]:
    """Write the new generation into `tmp`; returns the per-page records for build.json."""
    if previous is None:
        index = whoosh_index.create_in(str(tmp), build_schema())
    else:
        shutil.copytree(previous.path, tmp, dirs_exist_ok=True)
        index = whoosh_index.open_dir(str(tmp))
    records = {rel: rec for rel, rec in known.items() if rel in sources and rel not in changed}
    writer = _writer(index, full=previous is None, workers=options.workers, pages=len(changed))
    try:
        for rel in (*changed, *deleted):
            writer.delete_by_term("path", rel)
        jobs = [(rel, sources[rel]) for rel in changed]
        for rel, outcome in _parse_all(jobs, options.workers, options.progress):
            records[rel] = _add_page(writer, rel, outcome, hashes[rel], report)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    _carry_over(report, {rel: rec for rel, rec in records.items() if rel not in changed})
    sections = indexed_sections(index)
    write_duplicates(sections, tmp, report)
    (tmp / embeddings.VECTORS_FILE).unlink(missing_ok=True)  # copied from the previous generation
    if options.semantic:
        write_vectors(sections, tmp, previous, report, options.progress)
    return records


def write_duplicates(sections: list[Section], gen_dir: Path, report: BuildReport) -> None:
    """Find duplicate sections once per build and store the report with the generation.
    It is recomputed over the whole index, so an incremental build keeps it exact."""
    started = time.perf_counter()
    duplicates = find_duplicates(sections)
    store.write_json_durably(gen_dir / store.DUPLICATES_FILE, duplicates.to_dict())
    report.duplicate_groups = len(duplicates.groups)
    log.info("found %d duplicate groups in %.1f s", len(duplicates.groups), time.perf_counter() - started)


def write_vectors(sections: list[Section], gen_dir: Path, previous: store.Generation | None,
                  report: BuildReport, progress: Progress | None) -> None:
    """Store a meaning vector for every section with the generation; passages whose text is
    unchanged keep the previous generation's vector, so an edit re-embeds only what changed."""
    started = time.perf_counter()
    old = embeddings.read_vectors(previous.path) if previous else None

    def embedding_progress(done: int, total: int) -> None:
        if progress:
            progress("embedding", done, total, "")

    vectors, report.embedded = embeddings.embed_sections(
        sections, old.by_hash() if old else {}, embedding_progress)
    embeddings.write_vectors(gen_dir, vectors)
    report.semantic = True
    report.embedding_seconds = time.perf_counter() - started
    log.info("embedded %d of %d sections in %.1f s", report.embedded, len(sections),
             report.embedding_seconds)


def _writer(index: Index, full: bool, workers: int | None, pages: int) -> IndexWriter:
    """A full build of many pages indexes in several processes too (analysis is the other half
    of the work); updates use one writer, which also handles the deletions."""
    procs = workers or os.cpu_count() or 1
    if full and procs > 1 and pages >= _PARALLEL_THRESHOLD:
        return index.writer(limitmb=128, procs=procs, multisegment=True)
    return index.writer(limitmb=256)


def _add_page(writer: IndexWriter, rel: str, outcome: Page | str, digest: str, report: BuildReport) -> dict:
    """Index one parsed page (or record why it was skipped); returns its build record."""
    report.parsed += 1
    if isinstance(outcome, str):
        report.skipped.append((rel, outcome))
        log.warning("skipped %s: %s", rel, outcome)
        return {"hash": digest, "sections": 0, "skipped": outcome}
    for warning in outcome.warnings:
        report.warnings.append((rel, warning))
    for section in outcome.sections:
        writer.add_document(**document_for(section))
    report.sections += len(outcome.sections)
    return {"hash": digest, "sections": len(outcome.sections), "title": outcome.meta.title}


def _parse_all(jobs: list[tuple[str, Path]], workers: int | None,
               progress: Progress | None) -> Iterator[tuple[str, Page | str]]:
    """Parse pages, in parallel when there are enough; yields (path, Page or skip reason)."""
    workers = workers or os.cpu_count() or 1
    total = len(jobs)
    if workers > 1 and total >= _PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _report_progress(pool.map(_parse_job, jobs, chunksize=4), total, progress)
    else:
        yield from _report_progress(map(_parse_job, jobs), total, progress)


def _report_progress(results: Iterable[tuple[str, Page | str]], total: int,
                     progress: Progress | None) -> Iterator[tuple[str, Page | str]]:
    for done, (rel, outcome) in enumerate(results, start=1):
        if progress:
            progress("parsing", done, total, rel)
        yield rel, outcome


def _parse_job(job: tuple[str, Path]) -> tuple[str, Page | str]:
    """Parse one page; a ParseError becomes its reason (the one place a page is caught)."""
    rel, path = job
    try:
        return rel, parse_html(path.read_bytes(), rel)
    except ParseError as exc:
        return rel, exc.reason
    except OSError as exc:
        return rel, f"cannot read file: {exc.strerror or exc}"
    except Exception as exc:  # a parser bug on one page must not stop the whole build
        log.exception("unexpected error parsing %s", rel)
        return rel, f"unexpected parser error: {type(exc).__name__}: {exc}"
