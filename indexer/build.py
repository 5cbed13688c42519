"""Corpus folder -> index: incremental, parallel parsing, atomic publish, and a BuildReport."""
from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher

from indexer import acronyms, embeddings, store
from indexer.duplicates import STATE_FILE as DUPLICATE_STATE_FILE
from indexer.duplicates import STATE_VERSION as DUPLICATES_VERSION
from indexer.duplicates import (
    DuplicateFinder,
    DuplicateSettings,
    TextSource,
    boilerplate_headings,
    fingerprint_page,
    normalised_words,
)
from indexer.embeddings import SectionVectors
from indexer.files import servable_pages
from indexer.labels import LABELS_FILE, write_labels
from indexer.model import Section, bytes_hash
from indexer.schema import (
    SCHEMA_VERSION,
    build_schema,
    indexed_sections,
    section_from_document,
)
from indexer.workers import PageDone, index_pages

log = logging.getLogger(__name__)

# Up to this many windows of sections needing the model are embedded before publishing (an
# edited page: seconds); more are embedded after the words index is live, so search is never
# held up. Counted in windows, as a long section is up to four runs of the model.
INLINE_EMBEDDING = 256
# Sections embedded between saves of the resumable cache, and seconds between publishing the
# vectors so far while a long embedding runs.
VECTOR_CHUNK = 1024
PUBLISH_VECTORS_EVERY = 120.0
VECTOR_CACHE = "vector-cache"

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
    embedded: int = 0  # windows embedded by the model (a section that fits it has one)
    embedding_seconds: float = 0.0
    semantic: bool = False
    vectors: str = "none"  # "complete", "partial" (still being embedded) or "none"
    words_seconds: float = 0.0
    generation: str = ""

    @property
    def pages_per_second(self) -> float:
        """Parsed pages per second until the words index was live (0 when nothing was parsed)."""
        seconds = self.words_seconds or self.seconds
        return self.parsed / seconds if seconds and self.parsed else 0.0

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 1)}


def find_pages(corpus_dir: Path) -> list[Path]:
    """Every page under the corpus in a stable order: what /pages/ would serve, nothing else
    (no symlinks, hidden files or folders)."""
    return [Path(corpus_dir) / relative for relative in servable_pages(corpus_dir)]


@dataclass(frozen=True)
class BuildOptions:
    """How a build runs (everything but what to build and where)."""

    full: bool = False
    workers: int | None = None
    semantic: bool | None = None  # None: as the previous build chose (on for a new index)
    progress: Progress | None = None


@dataclass
class CorpusScan:
    """What changed in the corpus since the previous build."""

    root: Path
    sources: dict[str, str]  # rel -> the file's path
    records: dict[str, dict]  # rel -> the previous build's record, for unchanged pages
    changed: list[str]
    deleted: list[str]
    stamps: dict[str, dict]  # rel -> {"hash", "mtime_ns", "size"} of changed pages

    @property
    def gone(self) -> set[str]:
        """Pages whose old sections leave the index: changed ones (replaced) and deleted ones."""
        return {*self.changed, *self.deleted}


def build_index(corpus_dir: Path, index_dir: Path, *, full: bool = False, workers: int | None = None,
                wait_seconds: float = 0.0, progress: Progress | None = None,
                semantic: bool | None = None) -> BuildReport:
    """Build or update the index of `corpus_dir` in `index_dir` and publish it atomically.

    The words index is published first; meaning vectors for new text follow in later
    generations when there is much to embed, so search is never held up by the model.
    `semantic` None keeps the previous build's choice (vectors on for a new index)."""
    started = time.perf_counter()
    options = BuildOptions(full=full, workers=workers, semantic=semantic, progress=progress)
    with store.build_lock(index_dir, wait_seconds):
        store.prune(index_dir)
        report = _build_locked(Path(corpus_dir), Path(index_dir), options)
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(corpus_dir: Path, index_dir: Path, options: BuildOptions) -> BuildReport:
    previous = _previous_generation(index_dir, options.full)
    semantic = _semantic_choice(options.semantic, previous)
    scan = scan_corpus(corpus_dir, previous.info.get("pages", {}) if previous else {})
    report = BuildReport(pages=len(scan.sources), unchanged=len(scan.sources) - len(scan.changed),
                         deleted=len(scan.deleted), full=previous is None, semantic=semantic)
    unchanged = previous is not None and not scan.changed and not scan.deleted
    if unchanged and _vectors_as_asked(previous, semantic) and _derived_current(previous):
        _carry_over(report, scan.records)
        report.generation = previous.name
        report.vectors = previous.info.get("vectors", "complete" if semantic else "none")
        return report
    words_started = time.perf_counter()
    generation, pending = _publish_words(index_dir, previous, scan, report, options, semantic)
    report.words_seconds = time.perf_counter() - words_started
    report.vectors = generation.info["vectors"]
    if pending:
        _publish_vectors(index_dir, generation, pending, report, options.progress)
        report.vectors = "complete"
    store.prune(index_dir)
    return report


def _semantic_choice(asked: bool | None, previous: store.Generation | None) -> bool:
    """Whether this build keeps meaning vectors: as asked, else as the previous build chose."""
    if asked is not None:
        return asked
    return bool(previous.info.get("semantic", True)) if previous else True


def scan_corpus(corpus_dir: Path, known: dict[str, dict]) -> CorpusScan:
    """Find changed and deleted pages. A page whose size and modification time match the last
    build is unchanged without reading it; otherwise its bytes are hashed, so a touched but
    identical file is not parsed again."""
    found = servable_pages(corpus_dir)
    sources = {rel: os.path.join(corpus_dir, rel) for rel in found}
    records, changed, stamps = {}, [], {}
    for rel, path in sources.items():
        record = known.get(rel, {})
        stamp = {"mtime_ns": found[rel].st_mtime_ns, "size": found[rel].st_size}
        if record and record.get("mtime_ns") == stamp["mtime_ns"] and record.get("size") == stamp["size"]:
            records[rel] = record
            continue
        stamp["hash"] = bytes_hash(Path(path).read_bytes())
        if record.get("hash") == stamp["hash"]:
            records[rel] = {**record, **stamp}
        else:
            changed.append(rel)
            stamps[rel] = stamp
    deleted = [rel for rel in known if rel not in sources]
    return CorpusScan(Path(corpus_dir), sources, records, changed, deleted, stamps)


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


def _vectors_as_asked(generation: store.Generation, semantic: bool) -> bool:
    """True when the generation's vectors are as this build wants them (complete, made by this
    build's model and cut into windows as this build cuts them, or none)."""
    state = generation.info.get("vectors", "complete" if _has_vectors(generation.path) else "none")
    if not semantic:
        return state == "none"
    vectors = _model_vectors(generation)
    return state == "complete" and vectors is not None and vectors.windows == embeddings.WINDOWS_SCHEME


def _derived_current(generation: store.Generation) -> bool:
    """Whether what the build works out from the sections (duplicate report, suggestion labels,
    the site's acronyms) is there and made by this version: after an upgrade an unchanged
    corpus still gets them."""
    return (generation.info.get("duplicates_version") == DUPLICATES_VERSION
            and all((generation.path / name).exists() for name in (LABELS_FILE, acronyms.ACRONYMS_FILE)))


def _has_vectors(gen_dir: Path) -> bool:
    return (gen_dir / embeddings.VECTORS_FILE).exists()


def _carry_over(report: BuildReport, records: dict[str, dict]) -> None:
    """Fill an 'up to date' report from the previous build's records."""
    for rel, record in sorted(records.items()):
        report.sections += record.get("sections", 0)
        if record.get("skipped"):
            report.skipped.append((rel, record["skipped"]))


def _publish_words(index_dir: Path, previous: store.Generation | None, scan: CorpusScan,
                   report: BuildReport, options: BuildOptions,
                   semantic: bool) -> tuple[store.Generation, VectorPlan | None]:
    """Write and publish the new words generation (sharing the previous one's unchanged segment
    files); returns it and, when many sections await a meaning vector, the plan to embed them."""
    with store.new_generation_dir(index_dir) as tmp:
        if previous is not None:
            store.link_index_files(previous.path, tmp)
        finder = _previous_finder(previous)
        removed_keys = {key for key, s in finder.sections.items() if s.path in scan.gone}
        index, records = _write_words(tmp, previous, scan, report, options, finder)
        _carry_over(report, scan.records)
        write_duplicates(finder, tmp, report)
        write_labels(tmp, finder.sections.values())
        write_acronyms(index, tmp, records)
        plan = _plan_vectors(index_dir, previous, finder, removed_keys) if semantic else None
        state = _write_vectors_now(index, tmp, plan, report, options.progress)
        headings = boilerplate_headings((s.heading, s.path) for s in finder.sections.values())
        info = _build_info(scan, records, report, semantic, state, headings)
        generation = store.publish(index_dir, tmp, info)
    report.published, report.generation = True, generation.name
    return generation, plan if state == "partial" else None


def _write_vectors_now(index: Index, tmp: Path, plan: VectorPlan | None, report: BuildReport,
                       progress: Progress | None) -> str:
    """Store what vectors the generation can have before it is published: all of them when few
    sections need the model (an edit), else the carried ones. Returns the vectors' state."""
    if plan is None:
        return "none"
    vectors, state = plan.carried, "partial" if plan.pending else "complete"
    if plan.pending and len(plan.pending) <= INLINE_EMBEDDING:  # no window count needed above
        def embedding_progress(done: int, total: int) -> None:
            if progress:
                progress("embedding", done, total, "")
        with index.searcher() as searcher:
            sections = _sections(searcher, plan.pending)
        if sum(len(embeddings.passage_windows(s)) for s in sections) <= INLINE_EMBEDDING:
            vectors = _joined(vectors, _embed(sections, plan, report, embedding_progress))
            state = "complete"
    embeddings.write_vectors(tmp, vectors)
    return state


def _build_info(scan: CorpusScan, records: dict[str, dict], report: BuildReport, semantic: bool,
                vectors: str, boilerplate: frozenset[str]) -> dict:
    """The build record published with a generation (build.json)."""
    return {"schema_version": SCHEMA_VERSION, "built_at": time.time(), "corpus": str(scan.root.resolve()),
            "boilerplate_headings": sorted(boilerplate), "duplicates_version": DUPLICATES_VERSION,
            "pages": records,
            "sections": report.sections, "documents": report.sections, "semantic": semantic,
            "vectors": vectors}


def _write_words(tmp: Path, previous: store.Generation | None, scan: CorpusScan, report: BuildReport,
                 options: BuildOptions, finder: DuplicateFinder) -> tuple[Index, dict[str, dict]]:
    """Index the changed pages into `tmp` (deleting their old sections and those of deleted pages)
    and update the duplicate finder; returns the index and the page records."""
    if previous is None:
        index = whoosh_index.create_in(str(tmp), build_schema())
    else:
        index = whoosh_index.open_dir(str(tmp))
    jobs = [(rel, Path(scan.sources[rel])) for rel in scan.changed]
    done_pages = index_pages(index, jobs, sorted(scan.gone), options.workers or os.cpu_count() or 1)
    finished = list(_report_progress(done_pages, len(jobs), options.progress))
    # workers finish pages in no set order; the records, report and finder take them in the
    # corpus's order, so every build of the same pages gives the same files
    order = {rel: n for n, rel in enumerate(scan.changed)}
    finished.sort(key=lambda done: order[done.path])
    records = dict(scan.records)
    for done in finished:
        records[done.path] = {**scan.stamps[done.path], **done.record}
        _count_page(report, done)
    prints = [done.fingerprint for done in finished if done.fingerprint is not None]
    with index.searcher() as searcher:
        finder.update(prints, scan.gone, _IndexTexts(searcher))
    return index, records


def _count_page(report: BuildReport, done: PageDone) -> None:
    """Add one parsed page (or why it was skipped) to the report."""
    report.parsed += 1
    if done.record.get("skipped"):
        report.skipped.append((done.path, done.record["skipped"]))
        log.warning("skipped %s: %s", done.path, done.record["skipped"])
    report.warnings += [(done.path, warning) for warning in done.warnings]
    report.sections += done.record["sections"]


class _IndexTexts(TextSource):
    """Section text read back from the index, for the few pairs the duplicate finder must verify."""

    def __init__(self, searcher: Searcher) -> None:
        self._searcher = searcher

    def text_words(self, text_id: str, key: str) -> list[str]:
        fields = self._searcher.document(key=key)
        return normalised_words(fields["body"]) if fields else []


def _previous_finder(previous: store.Generation | None) -> DuplicateFinder:
    """The previous generation's duplicate finder; rebuilt from its sections if it was not stored."""
    if previous is None:
        return DuplicateFinder()
    finder = DuplicateFinder.load(previous.path)
    if finder is not None and finder.settings == DuplicateSettings():
        return finder
    finder = DuplicateFinder()
    index = whoosh_index.open_dir(str(previous.path))
    by_page: dict[str, list[Section]] = {}
    for section in indexed_sections(index):
        by_page.setdefault(section.page.path, []).append(section)
    with index.searcher() as searcher:
        finder.update([fingerprint_page(s, finder.settings) for s in by_page.values()], set(),
                      _IndexTexts(searcher))
    return finder


def write_duplicates(finder: DuplicateFinder, gen_dir: Path, report: BuildReport) -> None:
    """Store the duplicate report, and the finder that the next build updates, with the generation."""
    duplicates = finder.report()
    store.write_json_durably(gen_dir / store.DUPLICATES_FILE, duplicates.to_dict())
    finder.save(gen_dir)
    report.duplicate_groups = len(duplicates.groups)


def write_acronyms(index: Index, gen_dir: Path, records: dict[str, dict]) -> None:
    """Store the acronyms the site defines (acronyms.json) with the generation. Each page's
    definitions live in its build record, so unchanged pages are not read again and a changed
    or deleted page takes its own with it."""
    _fill_acronym_records(index, records)
    listing = acronyms.site_acronyms(acronyms.from_record(r.get("acronyms", ())) for r in records.values())
    store.write_json_durably(gen_dir / acronyms.ACRONYMS_FILE, {"acronyms": listing})


def _fill_acronym_records(index: Index, records: dict[str, dict]) -> None:
    """Records from a build that did not look for acronyms are filled in once, from the index."""
    unread = [rel for rel, record in records.items()
              if "acronyms" not in record and not record.get("skipped")]
    if not unread:
        return
    with index.searcher() as searcher:
        for rel in unread:
            sections = sorted((section_from_document(fields) for fields in searcher.documents(path=rel)),
                              key=lambda section: section.position)
            definitions = acronyms.page_definitions(sections)
            records[rel] = {**records[rel], "acronyms": acronyms.to_record(definitions)}


# -- meaning vectors -------------------------------------------------------------------------

@dataclass
class VectorPlan:
    """Meaning vectors of a new generation: those it carries at once, and the keys still to embed."""

    carried: SectionVectors
    pending: list[str]
    known: dict[str, np.ndarray]  # text hash -> vector, reusable without running the model


def _plan_vectors(index_dir: Path, previous: store.Generation | None, finder: DuplicateFinder,
                  removed_keys: set[str]) -> VectorPlan:
    """Carry the previous generation's vectors of unchanged sections (all their windows); everything
    else is pending. Vectors of the live generation (for --full), of an interrupted build and of
    another windows scheme (after an upgrade: only sections cut otherwise need the model) are
    reused by text hash."""
    reuse = _reusable_vectors(index_dir, previous)
    known = {**(reuse.by_hash() if reuse else {}), **_cached_vectors(index_dir)}
    keys = finder.sections
    if previous is None or reuse is None or reuse.windows != embeddings.WINDOWS_SCHEME:
        return VectorPlan(_no_vectors(), list(keys), known)
    keep = [row for row, key in enumerate(reuse.row_keys) if key in keys and key not in removed_keys]
    carried = SectionVectors([reuse.row_keys[r] for r in keep], [reuse.hashes[r] for r in keep],
                             reuse.matrix[keep])
    have = set(carried.sections)
    return VectorPlan(carried, [key for key in keys if key not in have], known)


def _reusable_vectors(index_dir: Path, previous: store.Generation | None) -> SectionVectors | None:
    """The previous generation's vectors, or the live one's when building from scratch; None when
    there are none or another model made them."""
    source = previous
    if source is None:
        try:
            source = store.current_generation(index_dir)
        except store.IndexError_:
            return None
    return _model_vectors(source)


def _model_vectors(generation: store.Generation) -> SectionVectors | None:
    """The generation's vectors when this build's model made them, else None."""
    vectors = embeddings.read_vectors(generation.path)
    return vectors if vectors is not None and embeddings.from_this_model(vectors, generation.path) else None


def _no_vectors() -> SectionVectors:
    return SectionVectors([], [], np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32))


def _joined(a: SectionVectors, b: SectionVectors) -> SectionVectors:
    # never the same section in both (b holds pending ones), so each section's rows stay together
    return SectionVectors([*a.row_keys, *b.row_keys], [*a.hashes, *b.hashes], np.vstack([a.matrix, b.matrix]))


def _embed_keys(searcher: Searcher, keys: list[str], plan: VectorPlan, report: BuildReport,
                progress: Callable[[int, int], None] | None = None) -> SectionVectors:
    """Vectors for the sections `keys` (read from the index), reusing known ones by text hash."""
    return _embed(_sections(searcher, keys), plan, report, progress)


def _sections(searcher: Searcher, keys: list[str]) -> list[Section]:
    """The sections `keys`, read back from the index."""
    return [section_from_document(searcher.document(key=key)) for key in keys]


def _embed(sections: list[Section], plan: VectorPlan, report: BuildReport,
           progress: Callable[[int, int], None] | None = None) -> SectionVectors:
    """Vectors for `sections`, reusing known ones by text hash; the report counts the windows
    embedded and the time taken."""
    started = time.perf_counter()
    vectors, computed = embeddings.embed_sections(sections, plan.known, progress)
    report.embedded += computed
    report.embedding_seconds += time.perf_counter() - started
    return vectors


def _cache_dir(index_dir: Path) -> Path:
    return Path(index_dir) / VECTOR_CACHE


def _cached_vectors(index_dir: Path) -> dict[str, np.ndarray]:
    """Vectors an interrupted build computed but did not publish (text hash -> vector)."""
    found: dict[str, np.ndarray] = {}
    for chunk in sorted(_cache_dir(index_dir).glob("chunk-*.npz")):
        try:
            with np.load(chunk, allow_pickle=False) as data:
                found.update(zip((str(h) for h in data["hashes"]), data["matrix"].astype(np.float32),
                                 strict=True))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable vector cache %s: %s", chunk, exc)
    return found


def _cache_chunk(index_dir: Path, vectors: SectionVectors) -> None:
    """Keep a chunk of fresh vectors on disk, so a killed build resumes where it stopped."""
    folder = _cache_dir(index_dir)
    folder.mkdir(exist_ok=True)
    tmp = folder / f".chunk-{os.getpid()}.tmp"
    with open(tmp, "wb") as handle:
        np.savez(handle, hashes=np.array(vectors.hashes, dtype=str), matrix=vectors.matrix.astype(np.float16))
    tmp.rename(folder / f"chunk-{time.time_ns()}.npz")


def _publish_vectors(index_dir: Path, generation: store.Generation, plan: VectorPlan,
                     report: BuildReport, progress: Progress | None) -> None:
    """Embed the pending sections after the words index is live, publishing a generation with
    the vectors so far every PUBLISH_VECTORS_EVERY seconds and at the end."""
    total, done, vectors = len(plan.pending), 0, plan.carried
    last_publish = time.monotonic()
    index = whoosh_index.open_dir(str(generation.path))
    with index.searcher() as searcher:
        for start in range(0, total, VECTOR_CHUNK):
            chunk = _embed_keys(searcher, plan.pending[start:start + VECTOR_CHUNK], plan, report)
            _cache_chunk(index_dir, chunk)
            vectors, done = _joined(vectors, chunk), done + len(chunk.sections)
            if progress:
                progress("embedding", done, total, "")
            if done < total and time.monotonic() - last_publish >= PUBLISH_VECTORS_EVERY:
                generation = _publish_with_vectors(index_dir, generation, vectors, "partial")
                store.prune(index_dir)  # each holds only links and its vectors, but they add up
                last_publish = time.monotonic()
    report.generation = _publish_with_vectors(index_dir, generation, vectors, "complete").name
    shutil.rmtree(_cache_dir(index_dir), ignore_errors=True)


def _publish_with_vectors(index_dir: Path, generation: store.Generation, vectors: SectionVectors,
                          state: str) -> store.Generation:
    """A new generation sharing every file of `generation` but its vectors and build record."""
    with store.new_generation_dir(index_dir) as tmp:
        store.link_index_files(generation.path, tmp)
        for name in (store.DUPLICATES_FILE, DUPLICATE_STATE_FILE, acronyms.ACRONYMS_FILE):
            os.link(generation.path / name, tmp / name)
        embeddings.write_vectors(tmp, vectors)
        info = {**generation.info, "vectors": state, "vectors_done": len(vectors.sections)}
        published = store.publish(index_dir, tmp, info)
    log.info("published %s with vectors of %d sections (%s)", published.name, len(vectors.sections), state)
    return published


def _report_progress(pages: Iterable[PageDone], total: int, progress: Progress | None) -> Iterator[PageDone]:
    for count, done in enumerate(pages, start=1):
        if progress:
            progress("parsing", count, total, done.path)
        yield done
