"""Faults: a build killed mid-way, damaged index files, a full or read-only disk. The live index
must keep serving, the app must answer (503 at worst, never 500) and say what to do."""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sitegen import page_html, write_corpus

from indexer import cli, embeddings, store
from indexer.build import build_index
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]


def indexer_cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m indexer ...` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def app_over(index_dir: Path, tmp_path: Path):
    """A test client of the real app over `index_dir`."""
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index_dir),
                      "SEARCH_CORPUS_DIR": str(tmp_path), "SEARCH_INSIGHTS_DB": ""})
    return app.test_client()


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory) -> Path:
    """A few hundred small pages: enough for a build with two workers to be caught mid-way."""
    root = tmp_path_factory.mktemp("many")
    return write_corpus(root / "corpus", {f"p/page{i:03d}.html": page_html(f"Page {i}", {
        f"Part {j}": f"Words about carcinoid and flushing, number {i} {j}. " * 12 for j in range(3)
    }) for i in range(100)})


@pytest.mark.timeout(300)
def test_a_killed_build_with_workers_never_blocks_the_next_one(many_pages, tmp_path):
    index_dir = tmp_path / "index"
    build_index(many_pages, index_dir, workers=1, semantic=False)
    live = (index_dir / store.CURRENT).resolve()
    build = subprocess.Popen([sys.executable, "-m", "indexer", "build", str(many_pages), "--index",
                              str(index_dir), "--full", "--workers", "2", "--no-semantic"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    workers: list[int] = []
    try:
        while len(workers) < 2 and build.poll() is None:  # the build workers
            workers = children_of(build.pid)
            time.sleep(0.01)
        assert build.poll() is None, "the build finished before it could be killed"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        # the old generation still serves
        client = app_over(index_dir, tmp_path)
        assert client.get("/healthz").get_json()["generation"] == live.name
        assert client.get("/api/search?q=carcinoid").get_json()["total"] > 0
        # and the next build starts at once: no --wait, the lock died with its holder
        again = indexer_cli("build", str(many_pages), "--index", str(index_dir), "--no-semantic")
        assert again.returncode == 0, again.stderr
        deadline = time.monotonic() + 60  # SIGKILL is delivered at once; this only allows for a slow machine
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers), "workers outlived the killed build"
    finally:
        for pid in [build.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def lockable_elsewhere(lock_file: Path) -> bool:
    """True if another process can take the lock now."""
    script = ("import fcntl, sys\nhandle = open(sys.argv[1], 'a+')\ntry:\n"
              "    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", script, str(lock_file)]).returncode == 0


def build_lock_elsewhere(index_dir: Path) -> str:
    """What another process is told when it asks for the build lock."""
    script = ("import sys\nfrom indexer import store\ntry:\n    store.build_lock(sys.argv[1]).__enter__()\n"
              "except store.BuildLocked as exc:\n    print(exc)\n")
    return subprocess.run([sys.executable, "-c", script, str(index_dir)], capture_output=True, text=True,
                          cwd=ROOT, check=True).stdout


def test_the_locked_message_names_only_a_live_holder(tmp_path):
    lock_file = tmp_path / store.LOCK_FILE

    def claim(pid: int) -> None:
        # written by another process: closing a file here would drop this process's record lock
        subprocess.run([sys.executable, "-c", f"open({str(lock_file)!r}, 'w').write('{pid}')"], check=True)

    with store.build_lock(tmp_path):
        with pytest.raises(store.BuildLocked) as refused:  # a second build, even in this process
            store.build_lock(tmp_path).__enter__()
        assert f"(pid {os.getpid()})" in str(refused.value)
        assert not lockable_elsewhere(lock_file)  # refusing the second build kept the first's lock
        assert f"(pid {os.getpid()})" in build_lock_elsewhere(tmp_path)
        claim(999_999_999)  # a pid no process has
        message = build_lock_elsewhere(tmp_path)
        assert "another build is running" in message and "pid" not in message
    assert lockable_elsewhere(lock_file)  # free again afterwards


# -- damaged index files ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small index with every kind of file (Whoosh segments, duplicates, meaning vectors)."""
    root = tmp_path_factory.mktemp("built")
    corpus = write_corpus(root / "corpus", {f"p/page{i}.html": page_html(f"Page {i}", {
        "Flushing": f"Carcinoid syndrome causes flushing, page {i}.",
        "Help": "Call the helpline on weekdays.",
    }) for i in range(4)})
    build_index(corpus, root / "index", workers=1)
    return root / "index"


def truncate(path: Path, keep: float) -> None:
    """Cut a file to `keep` of its size."""
    with open(path, "r+b") as handle:
        handle.truncate(int(path.stat().st_size * keep))


def wrong_width_vectors(path: Path) -> None:
    rows = len(np.load(path, mmap_mode="r"))
    np.save(path, np.zeros((rows, 7), dtype=np.float16))


def vectors_of_other_sections(path: Path) -> None:
    listing_path = path.with_name(embeddings.VECTOR_KEYS_FILE)
    listing = json.loads(listing_path.read_text(encoding="utf-8"))
    listing["keys"] = [f"gone.html#{key}" for key in listing["keys"]]
    listing_path.write_text(json.dumps(listing), encoding="utf-8")


DAMAGE = {
    "segment cut in half": ("*.seg", lambda p: truncate(p, 0.5)),
    "segment emptied": ("*.seg", lambda p: truncate(p, 0)),
    "segment missing": ("*.seg", Path.unlink),
    "table of contents emptied": ("*.toc", lambda p: truncate(p, 0)),
    "table of contents garbage": ("*.toc", lambda p: p.write_bytes(b"\x00garbage" * 50)),
    "duplicates garbage": (store.DUPLICATES_FILE, lambda p: p.write_text("{not json")),
    "duplicates of the wrong shape": (store.DUPLICATES_FILE, lambda p: p.write_text('{"groups": 3}')),
    "vectors cut short": (store.VECTORS_FILE, lambda p: truncate(p, 0.6)),
    "vectors of the wrong width": (store.VECTORS_FILE, wrong_width_vectors),
    "vectors for other sections": (store.VECTORS_FILE, vectors_of_other_sections),
}


def damaged_copy(built: Path, tmp_path: Path, damage: str) -> Path:
    """A copy of the built index whose live generation has one file damaged."""
    index_dir = tmp_path / "index"
    shutil.copytree(built, index_dir, symlinks=True)
    pattern, harm = DAMAGE[damage]
    harm(next((index_dir / store.CURRENT).resolve().glob(pattern)))
    return index_dir


# Whoosh leaves a damaged segment's file open when it fails to read it (closed when collected)
LEAKED_FILES = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


@pytest.mark.parametrize("damage", list(DAMAGE))
@LEAKED_FILES[0]
@LEAKED_FILES[1]
def test_the_app_starts_on_a_damaged_index_and_answers_503_naming_the_fix(built, tmp_path, damage, caplog):
    client = app_over(damaged_copy(built, tmp_path, damage), tmp_path)
    logged = [r.getMessage() for r in caplog.records]
    assert any("rebuild it with `python -m indexer build" in line for line in logged), logged
    for url in ("/api/search?q=flushing", "/api/ask?q=what+is+flushing", "/healthz", "/api/suggest?q=flu"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "is damaged" in response.get_json()["error"]["message"]
    for url in ("/search?q=flushing", "/ask?q=flushing", "/"):
        assert client.get(url).status_code in (200, 503), url
    assert client.get("/editors/duplicates").status_code == 302  # to the sign-in page, not a 500


@LEAKED_FILES[0]
@LEAKED_FILES[1]
def test_a_damaged_new_generation_is_refused_and_healthz_says_so(built, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(built, index_dir, symlinks=True)
    client = app_over(index_dir, tmp_path)
    old = (index_dir / store.CURRENT).resolve()
    assert client.get("/healthz").get_json()["serving"] == old.name
    new = old.with_name(old.name + "-new")  # "published" by hand: a copy with a damaged segment
    shutil.copytree(old, new)
    truncate(next(new.glob("*.seg")), 0.5)
    (index_dir / "next").symlink_to(new.name)
    os.replace(index_dir / "next", index_dir / store.CURRENT)
    assert client.get("/api/search?q=flushing").get_json()["total"] > 0  # the old one answers
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and health["serving"] == old.name
    assert health["current"] == new.name and "is damaged" in health["problem"]


def test_validate_generation_passes_a_sound_index(built):
    store.validate_generation((built / store.CURRENT).resolve())


# -- a full or unwritable disk ----------------------------------------------------------------

LIMITED_BUILD = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # as if the disk filled up at 4 KB
from indexer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_full_disk_gives_one_line_and_leaves_the_live_index_whole(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir, workers=1, semantic=False)
    live = (index_dir / store.CURRENT).resolve()
    full = subprocess.run([sys.executable, "-c", LIMITED_BUILD, "build", str(small_corpus), "--index",
                           str(index_dir), "--full", "--no-semantic"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert full.returncode == 1
    assert full.stderr.strip().count("\n") == 0 and "Traceback" not in full.stderr
    assert full.stderr.startswith("error: the disk is full") and "unchanged" in full.stderr
    assert (index_dir / store.CURRENT).resolve() == live
    store.validate_generation(live)
    assert not list(index_dir.glob("tmp-gen-*"))


def test_an_unwritable_index_folder_gives_one_line(small_corpus, tmp_path, monkeypatch, capsys):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir, workers=1, semantic=False)
    live = (index_dir / store.CURRENT).resolve()
    real_mkdir = Path.mkdir

    def refused(path: Path, *args, **kwargs) -> None:
        # tests run as root in CI, where permissions do not stop writes: refuse as a read-only disk would
        if index_dir in (path, *path.parents):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    assert cli.main(["build", str(small_corpus), "--index", str(index_dir), "--full"]) == cli.EXIT_FAILED
    message = capsys.readouterr().err
    assert message.startswith(f"error: cannot write to the index folder {index_dir}")
    assert "Read-only file system" in message and message.strip().count("\n") == 0
    assert (index_dir / store.CURRENT).resolve() == live


def test_a_full_disk_hidden_behind_a_missing_file_is_still_named():
    hidden = FileNotFoundError(errno.ENOENT, "No such file or directory", "seg.tmp")
    hidden.__context__ = OSError(errno.ENOSPC, "No space left on device")  # raised while handling it
    assert cli.write_failure(hidden).errno == errno.ENOSPC
    assert "disk is full" in cli.write_failure_message(cli.write_failure(hidden), Path("idx"))
    assert cli.write_failure(ValueError("a bug")) is None  # not a disk problem: the traceback stays
