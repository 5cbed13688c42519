"""Parse pages and index them: in the build's process, or in worker processes that each write
their own Whoosh segment (the build's process then only deletes, merges and writes the table of
contents)."""
from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from whoosh import index as whoosh_index
from whoosh.codec.base import PerDocumentReader, Segment
from whoosh.index import Index
from whoosh.writing import PostingPool, SegmentWriter

from indexer import acronyms
from indexer.duplicates import DuplicateSettings, PagePrint, fingerprint_page
from indexer.model import Page, ParseError
from indexer.parse import parse_html
from indexer.schema import documents_for

log = logging.getLogger(__name__)

# Below this many pages worker processes cost more than they save.
PARALLEL_THRESHOLD = 16
# Pages handed to a worker at a time: enough to keep the queues quiet, few enough to balance.
_BATCH = 8
# Memory for a writer's postings before it spills a sorted run to disk (per process).
_WRITER_MB = 128
# Postings a pickled batch of a spilled run holds (batches cost far less than single postings).
_RUN_BATCH = 10_000
# Seconds between checks that the workers are alive while waiting for their results.
_POLL_SECONDS = 1.0


@dataclass
class PageDone:
    """One page indexed (or skipped): its build record, parser warnings and duplicate fingerprint."""

    path: str
    record: dict
    warnings: list[str] = field(default_factory=list)
    fingerprint: PagePrint | None = None


class WorkerDied(RuntimeError):
    """A worker process ended without handing back its segment."""


class BulkSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with two costs of large builds cut (the index files are the same):
    the postings written at commit read each field's document lengths from a list (Whoosh looked
    every posting's length up in the lengths file, a quarter of the commit), and postings that
    outgrow memory are spilled to disk and read back in batches, not one pickle call each."""

    def __init__(self, index: Index, limitmb: int = _WRITER_MB, **options) -> None:
        super().__init__(index, limitmb=limitmb, **options)
        self.pool = _BatchedPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _flush_segment(self) -> None:
        """Write the pooled postings (Whoosh's own steps, with the lengths read once)."""
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = _ListedLengths(reader) if reader is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if reader is not None:
            reader.close()


class _BatchedPostingPool(PostingPool):
    """Whoosh's posting pool, writing each sorted run to disk as pickled lists of postings."""

    def _write_run(self, handle: BinaryIO, items: Iterable[tuple]) -> None:
        """Write `items` (in order) to a run file and close it."""
        iterator = iter(items)
        while batch := list(itertools.islice(iterator, _RUN_BATCH)):
            pickle.dump(batch, handle, pickle.HIGHEST_PROTOCOL)
        handle.close()

    def _read_run(self, path: str) -> Iterator[tuple]:
        """The postings of a run file in order; the file is removed once read (as Whoosh's)."""
        handle = self._open_run(path)
        try:
            while True:
                try:
                    batch = pickle.load(handle)
                except EOFError:
                    return
                yield from batch
        finally:
            handle.close()
            self._remove_run(path)


class _ListedLengths:
    """The doc_field_length of a per-document reader, each field's values listed on first use."""

    def __init__(self, reader: PerDocumentReader) -> None:
        self._reader = reader
        self._fields: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """The length the reader gives for this document's field (None for an empty one, as Whoosh)."""
        listed = self._fields.get(fieldname)
        if listed is None:
            read = self._reader.doc_field_length
            listed = [read(n, fieldname, default) for n in range(self._reader.doc_count_all())]
            self._fields[fieldname] = listed
        return listed[docnum]


def new_writer(index: Index, **options) -> BulkSegmentWriter:
    """A writer for `index` (holding its Whoosh lock unless `_lk=False` is passed)."""
    return BulkSegmentWriter(index, **options)


# (path, Page or the reason it was skipped, its duplicate fingerprint)
ParseOutcome = tuple[str, Page | str, PagePrint | None]


def parse_page(rel: str, path: Path) -> ParseOutcome:
    """Parse and fingerprint one page; a ParseError becomes its reason (the one place a page is caught)."""
    try:
        page = parse_html(path.read_bytes(), rel)
    except ParseError as exc:
        return rel, exc.reason, None
    except OSError as exc:
        return rel, f"cannot read file: {exc.strerror or exc}", None
    except Exception as exc:  # a parser bug on one page must not stop the whole build
        log.exception("unexpected error parsing %s", rel)
        return rel, f"unexpected parser error: {type(exc).__name__}: {exc}", None
    return rel, page, fingerprint_page(page.sections, DuplicateSettings()) if page.sections else None


def index_page(writer: SegmentWriter, rel: str, path: Path) -> PageDone:
    """Parse one page and add its sections to `writer`; returns what the build records of it."""
    rel, outcome, fingerprint = parse_page(rel, path)
    if isinstance(outcome, str):
        return PageDone(rel, {"sections": 0, "skipped": outcome})
    for document in documents_for(outcome.sections):
        writer.add_document(**document)
    record = {"sections": len(outcome.sections), "title": outcome.meta.title,
              "acronyms": acronyms.to_record(acronyms.page_definitions(outcome.sections))}
    return PageDone(rel, record, list(outcome.warnings), fingerprint)


def index_pages(index: Index, jobs: Sequence[tuple[str, Path]], gone: Sequence[str],
                workers: int) -> Iterator[PageDone]:
    """Delete the sections of the pages `gone`, index the pages `jobs` (path, file) and commit;
    yields each page as it is done. With several workers and enough pages, each worker parses
    its share and writes its own segment, so postings are written in parallel."""
    writer = new_writer(index)
    pool = None
    try:
        for rel in gone:
            writer.delete_by_term("path", rel)
        if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
            pool = _SegmentWorkers(index, min(workers, len(jobs)))
            yield from pool.run(jobs)
            _commit_with_segments(writer, pool.segments)
        else:
            for rel, path in jobs:
                yield index_page(writer, rel, path)
            writer.commit()
    except BaseException:
        if pool is not None:
            pool.stop()
        if not writer.is_closed:
            writer.cancel()
        raise


def _commit_with_segments(writer: SegmentWriter, segments: list[Segment]) -> None:
    """Commit `writer` (its deletions and merges) with the workers' segments added to the table
    of contents, as Whoosh's own multi-process writer does with multisegment=True."""
    final = writer._merge_segments(None, None, None)  # the merge policy commit() would apply
    final += segments
    if writer._added:  # the merge policy moved small segments into this writer
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


class _SegmentWorkers:
    """Forked processes that parse pages and each write one new segment of the index."""

    def __init__(self, index: Index, count: int) -> None:
        context = multiprocessing.get_context("fork")  # a worker starts at once, without imports
        self._jobs = context.Queue()
        self._results = context.Queue()
        self.segments: list[Segment] = []
        folder = index.storage.folder
        self._processes = [context.Process(target=_work, args=(folder, self._jobs, self._results),
                                           daemon=True) for _ in range(count)]

    def run(self, jobs: Sequence[tuple[str, Path]]) -> Iterator[PageDone]:
        """Hand out the pages, yield each as it is done, and collect every worker's segment."""
        for process in self._processes:
            process.start()
        for start in range(0, len(jobs), _BATCH):
            self._jobs.put(list(jobs[start:start + _BATCH]))
        for _ in self._processes:
            self._jobs.put(None)  # no more pages: finish your segment
        finished = 0
        while finished < len(self._processes):
            kind, payload = self._next_result()
            if kind == "pages":
                yield from payload
            elif kind == "segment":
                finished += 1
                if payload is not None:
                    self.segments.append(payload)
            else:
                raise WorkerDied(f"a build worker failed:\n{payload}")
        for process in self._processes:
            process.join()

    def _next_result(self) -> tuple[str, object]:
        """The next message from a worker; WorkerDied if one ended without a word (killed)."""
        while True:
            try:
                return self._results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                dead = [p.exitcode for p in self._processes if p.exitcode not in (None, 0)]
                if dead:
                    raise WorkerDied(f"a build worker ended with exit code {dead[0]}") from None

    def stop(self) -> None:
        """End the workers at once (the build failed or was interrupted); their files go with
        the unpublished generation."""
        for process in self._processes:
            if process.is_alive():
                process.kill()
        for process in self._processes:
            if process.pid is not None:
                process.join()


def _work(folder: str, jobs, results) -> None:
    """A worker's life: index batches of pages into its own segment until told to stop, then
    hand the segment back. Errors are reported rather than raised, so the builder can say why."""
    try:
        writer = new_writer(whoosh_index.open_dir(folder), _lk=False)  # the builder holds the lock
        while (batch := jobs.get()) is not None:
            results.put(("pages", [index_page(writer, rel, path) for rel, path in batch]))
        # _finish() is never called here: it would remove the temporary folder all writers share
        if writer._added:
            results.put(("segment", writer._finalize_segment()))
        else:
            writer._close_segment()
            results.put(("segment", None))
    except BaseException:
        results.put(("error", f"pid {os.getpid()}: {traceback.format_exc()}"))
