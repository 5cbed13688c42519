"""Index builds: summary, incremental updates, deletions, bad files, kills, concurrency, versions."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sitegen import page_html, write_corpus
from whoosh.query import Term

from indexer import store
from indexer.build import build_index
from indexer.schema import SCHEMA_VERSION


def keys_in(index_dir: Path) -> set[str]:
    index, _ = store.open_index(index_dir)
    with index.searcher() as searcher:
        return {fields["key"] for fields in searcher.all_stored_fields()}


def body_hits(index_dir: Path, term: str) -> list[str]:
    index, _ = store.open_index(index_dir)
    with index.searcher() as searcher:
        return [hit["key"] for hit in searcher.search(Term("body", term), limit=None)]


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True,
                          text=True, **kwargs)


def test_full_build_indexes_every_section(small_corpus, tmp_path):
    report = build_index(small_corpus, tmp_path / "index")
    assert (report.pages, report.parsed, report.skipped) == (3, 3, [])
    assert keys_in(tmp_path / "index") == {
        "net/what-is.html#top", "net/what-is.html#overview", "net/what-is.html#symptoms",
        "net/treatment.html#top", "net/treatment.html#surgery", "net/treatment.html#octreotide",
        "bowel/about.html#top", "bowel/about.html#screening",
    }
    assert report.sections == 8


def test_second_build_reparses_only_changed_pages_and_drops_deleted(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir)
    write_corpus(small_corpus, {"net/treatment.html": page_html("Treating NETs", {
        "PRRT": "Peptide receptor radionuclide therapy delivers radiation to the tumour."})})
    (small_corpus / "bowel" / "about.html").unlink()
    report = build_index(small_corpus, index_dir)
    assert (report.parsed, report.unchanged, report.deleted) == (1, 1, 1)
    keys = keys_in(index_dir)
    assert "net/treatment.html#prrt" in keys
    assert "net/treatment.html#surgery" not in keys
    assert not any(k.startswith("bowel/") for k in keys)
    assert body_hits(index_dir, "octreotid") == []
    assert report.sections == len(keys)


def test_unchanged_corpus_is_up_to_date_without_a_new_generation(small_corpus, tmp_path):
    first = build_index(small_corpus, tmp_path / "index")
    second = build_index(small_corpus, tmp_path / "index")
    assert second.published is False and second.parsed == 0
    assert second.generation == first.generation
    assert second.sections == first.sections


def test_full_flag_rebuilds_everything(small_corpus, tmp_path):
    build_index(small_corpus, tmp_path / "index")
    report = build_index(small_corpus, tmp_path / "index", full=True)
    assert report.parsed == 3 and report.full


def test_broken_file_is_reported_and_skipped_while_the_rest_are_indexed(small_corpus, tmp_path):
    (small_corpus / "net" / "logo.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    report = build_index(small_corpus, tmp_path / "index")
    assert report.skipped == [("net/logo.html", "binary data, not an HTML page")]
    assert len(keys_in(tmp_path / "index")) == 8
    # still reported by a later, incremental build that did not re-read it
    assert build_index(small_corpus, tmp_path / "index").skipped == report.skipped


def test_cli_summary_and_exit_codes(small_corpus, tmp_path):
    (small_corpus / "bad.html").write_bytes(b"")
    result = run_cli("build", str(small_corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 0
    assert "4 pages, 8 sections" in result.stdout
    assert "bad.html: empty file" in result.stdout
    assert "pages/s" in result.stdout
    assert "Meaning vectors: complete; 8 sections embedded" in result.stdout
    words_only = run_cli("build", str(small_corpus), "--index", str(tmp_path / "words"), "--no-semantic")
    assert words_only.returncode == 0 and "Meaning vectors: off" in words_only.stdout
    strict = run_cli("build", str(small_corpus), "--index", str(tmp_path / "index"), "--strict")
    assert strict.returncode == 1
    missing = run_cli("build", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index"))
    assert missing.returncode == 2 and "corpus folder not found" in missing.stderr
    assert run_cli("build", str(small_corpus)).returncode == 2  # --index is required


def test_second_concurrent_build_fails_with_a_clear_message(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir)
    with store.build_lock(index_dir):
        result = run_cli("build", str(small_corpus), "--index", str(index_dir), "--full")
        assert result.returncode == 1
        assert "another build is running" in result.stderr
    assert len(keys_in(index_dir)) == 8


def test_concurrent_builds_with_wait_both_succeed_and_index_is_whole(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    cmd = [sys.executable, "-m", "indexer", "build", str(small_corpus), "--index", str(index_dir),
           "--full", "--wait", "60"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, code in outcomes] == [0, 0], outcomes
    assert len(keys_in(index_dir)) == 8


def test_killed_build_leaves_previous_index_serving(tmp_path):
    pages = {f"p/page{i:03d}.html": page_html(f"Page {i}", {
        f"Part {j}": f"Words about carcinoid and flushing number {i} {j}. " * 30 for j in range(6)
    }) for i in range(160)}
    corpus = write_corpus(tmp_path / "corpus", pages)
    index_dir = tmp_path / "index"
    # meaning vectors are not what this is about, and 960 long sections take a minute to embed
    build_index(corpus, index_dir, workers=1, semantic=False)
    before = keys_in(index_dir)
    live = (index_dir / "current").resolve()
    for rel in pages:  # every page changes, so the next build has real work to do
        (corpus / rel).write_text(pages[rel].replace("carcinoid", "octreotide"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "build", str(corpus), "--index",
                             str(index_dir), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(index_dir.glob("tmp-gen-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well inside parsing and writing
    assert proc.poll() is None, "build finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (index_dir / "current").resolve() == live
    assert keys_in(index_dir) == before
    assert body_hits(index_dir, "carcinoid")  # the old text is still searchable
    report = build_index(corpus, index_dir, semantic=False)  # the next build recovers and cleans up
    assert report.published and report.parsed == 160
    assert body_hits(index_dir, "octreotid") and not body_hits(index_dir, "carcinoid")
    assert list(index_dir.glob("tmp-gen-*")) == []


def test_index_from_another_schema_version_asks_for_a_rebuild(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir)
    info_file = (index_dir / "current").resolve() / store.BUILD_INFO
    info = json.loads(info_file.read_text())
    info["schema_version"] = SCHEMA_VERSION - 1
    info_file.write_text(json.dumps(info))
    with pytest.raises(store.IndexVersionMismatch, match="--full"):
        store.open_index(index_dir)
    report = build_index(small_corpus, index_dir)  # an incremental build rebuilds it whole
    assert report.full and report.parsed == 3
    store.open_index(index_dir)


def test_missing_index_tells_the_operator_what_to_run(tmp_path):
    with pytest.raises(store.IndexMissing, match="python -m indexer build"):
        store.open_index(tmp_path / "nothing")


def test_parallel_build_gives_the_same_index_as_serial(tmp_path):
    pages = {f"p{i}.html": page_html(f"Page {i}", {"Body": f"text {i}"}) for i in range(40)}
    corpus = write_corpus(tmp_path / "corpus", pages)
    serial = build_index(corpus, tmp_path / "serial", workers=1)
    parallel = build_index(corpus, tmp_path / "parallel", workers=2)
    assert serial.sections == parallel.sections == 80
    assert keys_in(tmp_path / "serial") == keys_in(tmp_path / "parallel")
