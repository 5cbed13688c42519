"""Build workers: parallel builds equal serial ones, a dead worker fails the build loudly, and the
faster segment writer writes what Whoosh's own writer writes, spilling to disk or not."""
import json
import os
import signal

import pytest
from sitegen import page_html, write_corpus
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser
from whoosh.writing import SegmentWriter

from indexer import store, workers
from indexer.build import build_index
from indexer.parse import parse_html
from indexer.schema import build_schema, documents_for
from indexer.store import current_generation


def corpus_of(tmp_path, count: int, word: str = "text"):
    pages = {f"topic{i % 3}/p{i}.html": page_html(f"Page {i}", {
        "Symptoms": f"{word} {i} tummy pain and tiredness " * (1 + i % 4),
        "Treatment": f"Surgery or octreotide for tumour {i}. NETs are rare."}) for i in range(count)}
    return write_corpus(tmp_path / "corpus", pages)


def search_results(index_dir, text: str) -> list[tuple[str, float]]:
    index, _ = store.open_index(index_dir)
    with index.searcher() as searcher:
        query = QueryParser("body", index.schema).parse(text)
        return sorted((hit["key"], round(hit.score, 6)) for hit in searcher.search(query, limit=None))


def build_records(index_dir) -> dict:
    info = json.loads((current_generation(index_dir).path / "build.json").read_text())
    return {rel: {k: v for k, v in record.items() if k != "mtime_ns"}
            for rel, record in info["pages"].items()}


def test_parallel_update_with_deletions_equals_a_serial_one(tmp_path):
    corpus = corpus_of(tmp_path, 40)
    build_index(corpus, tmp_path / "serial", workers=1, semantic=False)
    build_index(corpus, tmp_path / "parallel", workers=2, semantic=False)
    # enough edited pages for the workers, plus deletions the builder's own writer makes
    edits = {f"topic{i % 3}/p{i}.html": page_html(f"Page {i}", {"Outlook": f"edited {i} outlook"})
             for i in range(0, 40, 2)}
    write_corpus(corpus, edits)
    for i in (1, 3, 5):
        (corpus / f"topic{i % 3}" / f"p{i}.html").unlink()
    serial = build_index(corpus, tmp_path / "serial", workers=1, semantic=False)
    parallel = build_index(corpus, tmp_path / "parallel", workers=2, semantic=False)
    assert (parallel.parsed, parallel.deleted) == (serial.parsed, serial.deleted) == (20, 3)
    assert parallel.sections == serial.sections
    for text in ("edited", "tummy pain", "octreotide", "outlook"):
        assert search_results(tmp_path / "parallel", text) == search_results(tmp_path / "serial", text)
    assert build_records(tmp_path / "parallel") == build_records(tmp_path / "serial")


def test_a_worker_that_dies_fails_the_build_and_the_old_index_keeps_serving(tmp_path, monkeypatch):
    corpus = corpus_of(tmp_path, 30)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, workers=1, semantic=False)
    before = current_generation(index_dir).name

    def die(writer, rel, path):
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would

    monkeypatch.setattr(workers, "index_page", die)
    with pytest.raises(workers.WorkerDied, match="exit code"):
        build_index(corpus, index_dir, full=True, workers=2, semantic=False)
    assert current_generation(index_dir).name == before
    assert search_results(index_dir, "octreotide")


def postings_of(index) -> list[tuple]:
    """Every posting with what its block records (lengths and weights feed BM25's shortcuts)."""
    found = []
    with index.reader() as reader:
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                found.append((fieldname, text, matcher.id(), matcher.weight(), matcher.value(),
                              matcher.block_min_length(), matcher.block_max_length(),
                              matcher.block_max_weight()))
                matcher.next()
    return found


def test_bulk_writer_writes_the_same_postings_as_whooshs_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "_RUN_BATCH", 7)  # several batches in each spilled run
    sections = []
    for i in range(6):
        html = page_html(f"Page {i}", {"Symptoms": "tummy pain " * (i + 1) + "and more words here",
                                       "Short": "pain", "Acronyms": "NETs and PRRT" if i % 2 else "none"})
        sections += parse_html(html.encode(), f"p{i}.html").sections
    written = []
    tiny = 0.005  # MB: a few hundred postings, so the pool spills many sorted runs to disk
    for name, make in (("whoosh", SegmentWriter), ("bulk", workers.BulkSegmentWriter),
                       ("bulk-spilling", lambda index: workers.BulkSegmentWriter(index, limitmb=tiny))):
        folder = tmp_path / name
        folder.mkdir()
        index = whoosh_index.create_in(str(folder), build_schema())
        writer = make(index)
        for document in documents_for(sections):
            writer.add_document(**document)
        if name == "bulk-spilling":
            assert len(writer.pool.runs) >= 3
        writer.commit()
        written.append(postings_of(index))
    assert len(written[0]) > 100 and written[0] == written[1] == written[2]
