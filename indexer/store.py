"""The index on disk: immutable generations, an atomic `current` pointer, a build lock.

Layout of an index directory::

    current -> gen-20261124T071500-1a2b   (symlink, switched atomically by os.replace)
    gen-.../                              a complete Whoosh index plus build.json
    .build.lock                           held by the one build that may write (see build_lock)

A build writes a new generation beside the live one and publishes it by swapping the symlink,
so readers never see a half-built index and a killed build leaves the previous one serving.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from indexer.duplicates import DuplicateReport
from indexer.embeddings import DIMENSIONS, VECTOR_KEYS_FILE, VECTORS_FILE
from indexer.schema import SCHEMA_VERSION

CURRENT = "current"
BUILD_INFO = "build.json"
DUPLICATES_FILE = "duplicates.json"
LOCK_FILE = ".build.lock"
KEEP_GENERATIONS = 2  # the live one and its predecessor, for readers still holding it
# Whoosh's own files in a generation (table of contents and segments), shared between generations.
WHOOSH_FILE_PREFIXES = ("_MAIN_", "MAIN_")


class IndexError_(Exception):
    """Base for index problems that an operator must act on; the message says what to do."""


class IndexMissing(IndexError_):
    """No index has been built at this location yet."""


class IndexVersionMismatch(IndexError_):
    """The index was built by another schema version and must be rebuilt."""


class BuildLocked(IndexError_):
    """Another build holds the lock."""


class IndexCorrupt(IndexError_):
    """A file of the generation cannot be read as what it should be; it must be rebuilt."""


@dataclass(frozen=True)
class Generation:
    """One published index generation: its directory and its build record."""

    path: Path
    info: dict

    @property
    def name(self) -> str:
        """Directory name, e.g. gen-20261124T071500-1a2b."""
        return self.path.name


def current_generation(index_dir: Path) -> Generation:
    """The live generation, checked for presence and schema version."""
    link = Path(index_dir) / CURRENT
    if not link.exists():
        raise IndexMissing(
            f"no index at {index_dir}: build one with `python -m indexer build CORPUS --index {index_dir}`"
        )
    gen_path = link.resolve()
    info = read_build_info(gen_path)
    version = info.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexVersionMismatch(
            f"the index at {index_dir} has schema version {version}, this software needs "
            f"{SCHEMA_VERSION}: rebuild it with `python -m indexer build CORPUS --index {index_dir} --full`"
        )
    return Generation(gen_path, info)


def validate_generation(gen_path: Path) -> None:
    """Check everything a reader loads from a generation (the Whoosh table of contents and
    segments, duplicates.json, the vectors if present); IndexCorrupt says what and how to fix it."""
    gen_path = Path(gen_path)
    for part, check in (("Whoosh index", _check_whoosh), (DUPLICATES_FILE, _check_duplicates),
                        (VECTORS_FILE, _check_vectors)):
        try:
            check(gen_path)
        except Exception as exc:  # whatever a damaged file makes a reader raise
            raise _damaged(gen_path, part, exc) from exc


def _damaged(gen_path: Path, part: str, exc: Exception) -> IndexCorrupt:
    return IndexCorrupt(
        f"index generation {gen_path.name} is damaged ({part}: {type(exc).__name__}: {exc}); "
        f"rebuild it with `python -m indexer build CORPUS --index {gen_path.parent} --full`")


def _check_whoosh(gen_path: Path) -> None:
    """Open the index and read a little from every segment: its first and last stored document
    and the first term and postings of every field."""
    with whoosh_index.open_dir(str(gen_path)).searcher() as searcher:
        for reader, _offset in searcher.reader().leaf_readers():
            documents = reader.doc_count_all()
            if documents:
                reader.stored_fields(0)
                reader.stored_fields(documents - 1)
            for field in reader.indexed_field_names():
                first = next(iter(reader.lexicon(field)), None)
                if first is not None:
                    reader.postings(field, first).all_ids()


def _check_duplicates(gen_path: Path) -> None:
    path = gen_path / DUPLICATES_FILE
    if path.exists():
        DuplicateReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _check_vectors(gen_path: Path) -> None:
    """The meaning vectors, if there: one row of the model's width per key, and every key a
    section of the index (a build still embedding publishes vectors for some sections only)."""
    if not (gen_path / VECTORS_FILE).exists():
        return
    listing = json.loads((gen_path / VECTOR_KEYS_FILE).read_text(encoding="utf-8"))
    keys, hashes = listing["keys"], listing["hashes"]
    matrix = np.load(gen_path / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
    if matrix.ndim != 2 or matrix.shape[1] != DIMENSIONS or not len(keys) == len(hashes) == len(matrix):
        raise ValueError(f"{len(keys)} keys, {len(hashes)} hashes and a matrix of shape {matrix.shape}: "
                         f"expected one {DIMENSIONS}-wide row per key")
    with whoosh_index.open_dir(str(gen_path)).reader() as reader:
        indexed = {term.decode("utf-8") for term in reader.lexicon("key")}
    if not set(keys) <= indexed:
        raise ValueError(f"its keys are not sections of the index's {len(indexed)}")


def read_build_info(gen_path: Path) -> dict:
    """The build record of a generation (empty if unreadable)."""
    try:
        return json.loads((gen_path / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def open_index(index_dir: Path) -> tuple[Index, Generation]:
    """Open the live generation's Whoosh index for reading. Its files are read in place, not
    memory-mapped: Whoosh copies every part of a mapped compound segment into the process's own
    memory (90 MB a worker at 10,000 pages), while read in place they live once, in the page
    cache, for every worker."""
    generation = current_generation(index_dir)
    try:
        return FileStorage(str(generation.path), supports_mmap=False).open_index(), generation
    except Exception as exc:  # a damaged table of contents
        raise _damaged(generation.path, "Whoosh index", exc) from exc


@contextlib.contextmanager
def new_generation_dir(index_dir: Path) -> Iterator[Path]:
    """A fresh, not yet published directory for a build to write into; removed again if the
    block fails, so a failed build leaves nothing half-written beside the live generation."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = Path(index_dir) / f"tmp-gen-{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir(parents=True)
    try:
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def link_index_files(source: Path, target: Path) -> None:
    """Share a generation's Whoosh files with a new one by hard links: segment files are never
    changed once written (a writer adds new segments and a new table of contents), so an edit
    costs the new segment, not a copy of the index. Our own records are written afresh."""
    for path in source.iterdir():
        if path.is_file() and path.name.startswith(WHOOSH_FILE_PREFIXES) and "LOCK" not in path.name:
            try:
                os.link(path, target / path.name)
            except OSError:  # a file system without hard links: copying is slower but the same
                shutil.copy2(path, target / path.name)


def publish(index_dir: Path, tmp_path: Path, info: dict) -> Generation:
    """Write the build record, then switch `current` to the new generation in one rename."""
    write_json_durably(tmp_path / BUILD_INFO, info)
    final = tmp_path.with_name(tmp_path.name.removeprefix("tmp-"))
    tmp_path.rename(final)
    link_tmp = Path(index_dir) / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(final.name)
    os.replace(link_tmp, Path(index_dir) / CURRENT)
    _fsync_dir(Path(index_dir))
    return Generation(final, info)


def write_json_durably(path: Path, data: dict) -> None:
    """Write JSON and fsync it, so a crash right after publishing cannot leave it empty. It goes
    to a new file renamed into place, so a file shared with another generation is never changed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        # dumps, compact: json.dump and indented output use the pure-Python encoder, seconds for
        # the build record of 10,000 pages; dumps without an indent runs in C
        handle.write(json.dumps(data, separators=(",", ":"), sort_keys=True))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(index_dir: Path) -> None:
    """Remove abandoned temporary builds and generations older than the last KEEP_GENERATIONS."""
    index_dir = Path(index_dir)
    live = (index_dir / CURRENT).resolve() if (index_dir / CURRENT).exists() else None
    for tmp in index_dir.glob("tmp-gen-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    generations = sorted(index_dir.glob("gen-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in generations[KEEP_GENERATIONS:]:
        if old != live:
            shutil.rmtree(old, ignore_errors=True)


# Index directories whose build lock this process holds (POSIX record locks do not conflict
# within one process, so a second build here must be refused by this set).
_held_locks: set[str] = set()
_held_guard = threading.Lock()
_lock_owner_pid = 0
_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for the child when its parent dies


@contextlib.contextmanager
def build_lock(index_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the index's build lock; wait up to `wait_seconds`, then raise BuildLocked.

    The lock dies with the process that holds it: it is a POSIX record lock (fcntl.lockf),
    which forked children (the build workers, indexer/workers.py) do not inherit, and those
    children are killed when the builder dies, so a SIGKILLed build never wedges the next one."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    key = _claim_in_process(index_dir, deadline)
    try:
        # Nothing else in this process may open the lock file: closing any descriptor of a file
        # drops the process's POSIX locks on it (so a second build here is refused before it).
        with open(index_dir / LOCK_FILE, "a+", encoding="utf-8") as handle:
            _acquire(handle, index_dir, deadline)
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
    finally:
        with _held_guard:
            _held_locks.discard(key)


def _claim_in_process(index_dir: Path, deadline: float) -> str:
    """Refuse a second build in this process (record locks do not conflict within one)."""
    global _lock_owner_pid
    key = str((index_dir / LOCK_FILE).resolve())
    while True:
        with _held_guard:
            if key not in _held_locks:
                _held_locks.add(key)
                _lock_owner_pid = os.getpid()
                return key
        if time.monotonic() >= deadline:
            raise _locked(index_dir, f" (pid {os.getpid()})")
        time.sleep(0.2)


def _acquire(handle: TextIO, index_dir: Path, deadline: float) -> None:
    """Take the record lock, retrying until `deadline`."""
    while True:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise _locked(index_dir, _live_holder(handle))
        time.sleep(0.2)


def _locked(index_dir: Path, holder: str) -> BuildLocked:
    return BuildLocked(f"another build is running on {index_dir}{holder}; "
                       "wait for it to finish or pass --wait SECONDS")


def _live_holder(handle: TextIO) -> str:
    """' (pid N)' naming the process that holds the lock, if the file names one still alive."""
    handle.seek(0)
    text = handle.read().strip()
    if not text.isdigit():
        return ""
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return ""
    except PermissionError:
        pass  # alive, owned by another user
    return f" (pid {text})"


def _die_with_builder() -> None:
    """In a child forked while this process builds: ask Linux to kill it when the builder dies,
    so no worker outlives a killed build (orphans once ran on for minutes)."""
    global _lock_owner_pid
    if not _held_locks:
        return
    owner, _lock_owner_pid = _lock_owner_pid, 0
    _held_locks.clear()  # the child holds no lock: record locks are not inherited
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != owner:  # the builder died before the request took effect
        os._exit(1)


os.register_at_fork(after_in_child=_die_with_builder)
