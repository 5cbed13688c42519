"""Meaning vectors: the encoder, and how builds store and reuse the vectors of each section's windows."""
import json

import numpy as np
import pytest
from sitegen import page_html, write_corpus

from indexer import build, embeddings, store
from indexer.build import build_index
from indexer.store import current_generation


@pytest.fixture(scope="module")
def encoder() -> embeddings.Encoder:
    return embeddings.load_encoder()


def vectors_of(index_dir) -> embeddings.SectionVectors | None:
    return embeddings.read_vectors(current_generation(index_dir).path)


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch(encoder):
    texts = ["flushing", "Octreotide injections every four weeks control flushing and diarrhoea. " * 20,
             "How long can you live with a pancreatic NET?"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert together.shape == (3, embeddings.DIMENSIONS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    assert np.allclose(together, alone, atol=1e-3)


def test_lay_wording_is_closest_to_the_passage_that_means_it(encoder):
    question, *passages = encoder.encode([
        "what can I eat to help with the runs",
        "Diarrhoea: if your bowel motions are loose and frequent, plain foods are easier to digest.",
        "Placebo: some trials compare a new drug with a dummy treatment that looks the same.",
        "Scans: a CT scan takes detailed pictures of the inside of your body.",
    ])
    closeness = [float(question @ passage) for passage in passages]
    assert closeness[0] == max(closeness)


def test_build_stores_one_vector_per_section_and_reembeds_only_edited_text(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    report = build_index(small_corpus, index_dir)
    vectors = vectors_of(index_dir)
    assert report.semantic and report.embedded == report.sections == len(vectors.sections)
    assert vectors.matrix.shape == (report.sections, embeddings.DIMENSIONS)
    page = small_corpus / "net" / "treatment.html"
    page.write_text(page.read_text().replace("completely", "in one operation"), encoding="utf-8")
    report = build_index(small_corpus, index_dir)
    assert report.parsed == 1 and report.embedded == 1  # only the edited Surgery section
    key = ["net/treatment.html#surgery"]
    edited = vectors_of(index_dir)
    assert not np.allclose(edited.matrix[edited.rows(key)], vectors.matrix[vectors.rows(key)])


def test_no_semantic_is_remembered_until_vectors_are_asked_for(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    report = build_index(small_corpus, index_dir, semantic=False)
    assert not report.semantic and vectors_of(index_dir) is None
    report = build_index(small_corpus, index_dir)  # a plain build keeps the operator's choice
    assert not report.published and not report.semantic and report.embedded == 0
    report = build_index(small_corpus, index_dir, semantic=True)  # nothing changed but the choice
    assert report.published and report.embedded == report.sections and report.vectors == "complete"
    assert len(vectors_of(index_dir).sections) == report.sections


def test_many_sections_to_embed_publish_words_first_then_vectors(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "INLINE_EMBEDDING", 2)  # the 8 sections count as "many"
    monkeypatch.setattr(build, "VECTOR_CHUNK", 3)
    published: list[tuple[str, int]] = []
    original = store.publish

    def spy(index_dir, tmp, info):
        generation = original(index_dir, tmp, info)
        vectors = embeddings.read_vectors(generation.path)
        published.append((info["vectors"], len(vectors.sections) if vectors else 0))
        return generation

    monkeypatch.setattr(store, "publish", spy)
    report = build_index(small_corpus, tmp_path / "index")
    assert published[0] == ("partial", 0)  # searchable before any vector was computed
    assert published[-1] == ("complete", 8) and report.vectors == "complete"
    assert report.embedded == 8
    assert not (tmp_path / "index" / build.VECTOR_CACHE).exists()


def test_interrupted_embedding_resumes_from_its_cache(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "INLINE_EMBEDDING", 2)
    monkeypatch.setattr(build, "VECTOR_CHUNK", 3)
    calls = {"n": 0}
    original = build._cache_chunk

    def die_after_two_chunks(index_dir, vectors):
        original(index_dir, vectors)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(build, "_cache_chunk", die_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        build_index(small_corpus, tmp_path / "index")
    assert current_generation(tmp_path / "index").info["vectors"] == "partial"  # words are served
    monkeypatch.setattr(build, "_cache_chunk", original)
    report = build_index(small_corpus, tmp_path / "index")
    assert report.vectors == "complete" and report.embedded == 8 - 6  # 6 came from the cache


def test_an_unreadable_vectors_file_reads_as_none(small_corpus, tmp_path):
    build_index(small_corpus, tmp_path / "index")
    generation = current_generation(tmp_path / "index").path
    (generation / embeddings.VECTORS_FILE).write_bytes(b"not a numpy archive")
    assert embeddings.read_vectors(generation) is None


def _stored(tmp_path, rows: int, keys: int, dimensions: int = embeddings.DIMENSIONS):
    matrix = np.random.default_rng(0).standard_normal((rows, dimensions)).astype(np.float32)
    names = [f"p.html#s{i}" for i in range(keys)]
    hashes = [f"h{i}" for i in range(keys)]
    embeddings.write_vectors(tmp_path, embeddings.SectionVectors(names, hashes, matrix))
    return matrix


def test_vectors_are_read_back_memory_mapped_in_half_precision(tmp_path):
    matrix = _stored(tmp_path, rows=5, keys=5)
    vectors = embeddings.read_vectors(tmp_path)
    assert isinstance(vectors.matrix, np.memmap) and vectors.matrix.dtype == np.float16
    assert np.allclose(vectors.matrix[vectors.rows(["p.html#s3"])][0], matrix[3], atol=1e-2)
    assert len(vectors.rows(["p.html#nowhere"])) == 0


@pytest.mark.parametrize(("rows", "keys", "dimensions"), [(5, 4, embeddings.DIMENSIONS), (5, 5, 16)])
def test_vectors_of_the_wrong_shape_read_as_none(tmp_path, rows, keys, dimensions):
    _stored(tmp_path, rows, keys, dimensions)
    assert embeddings.read_vectors(tmp_path) is None


def test_the_model_is_prepared_once_per_machine_and_never_left_half_written(tmp_path, monkeypatch, encoder):
    """The packaged model is re-quantized on first use into the model cache; later processes
    load the prepared file without converting again, and a conversion leaves no scratch files."""
    monkeypatch.setenv("SEARCH_MODEL_CACHE", str(tmp_path / "models"))
    embeddings.prepared_model.cache_clear()
    try:
        made = embeddings.prepared_model()
        assert made.parent == tmp_path / "models" and made.stat().st_size > 1_000_000
        assert [p.name for p in made.parent.iterdir()] == [made.name]
        assert embeddings.file_id(made) == encoder.model_id  # the same conversion as every process

        embeddings.prepared_model.cache_clear()

        def no_second_conversion(source, target):
            raise AssertionError("converted again")

        monkeypatch.setattr(embeddings, "_requantize", no_second_conversion)
        assert embeddings.prepared_model() == made
    finally:
        embeddings.prepared_model.cache_clear()


def advice(sentences: int, what: str) -> str:
    """A long section's text: `sentences` distinct sentences of about 17 word pieces."""
    return " ".join(f"Tip {n}: plan some {what} into day {n} and tell your nurse how it went."
                    for n in range(sentences))


@pytest.fixture
def long_corpus(small_corpus):
    """The small corpus with a page of two long sections (about 700 and 7,000 word pieces)."""
    page = page_html("Rest and energy", {"Diary": advice(40, "rest"), "Every tip": advice(400, "walking")})
    return write_corpus(small_corpus, {"living/rest.html": page})


def window_rows(vectors: embeddings.SectionVectors, key: str) -> np.ndarray:
    return np.asarray(vectors.matrix[vectors.rows([key])], dtype=np.float32)


def test_a_long_section_gets_capped_windows_and_an_edit_reembeds_only_its_own(long_corpus, tmp_path):
    index_dir = tmp_path / "index"
    first = build_index(long_corpus, index_dir)
    before = vectors_of(index_dir)
    diary = window_rows(before, "living/rest.html#diary")
    assert 2 <= len(diary) <= embeddings.MAX_WINDOWS
    assert len(window_rows(before, "living/rest.html#every-tip")) == embeddings.MAX_WINDOWS  # capped
    assert len(window_rows(before, "net/treatment.html#surgery")) == 1
    assert first.embedded == len(before.row_keys) == first.sections - 2 + len(diary) + embeddings.MAX_WINDOWS

    page = long_corpus / "living" / "rest.html"
    # the diary's last sentence: its last window changes, the windows before it do not
    page.write_text(page.read_text().replace("rest into day 39", "sleep into day 39"), encoding="utf-8")
    report = build_index(long_corpus, index_dir)
    after = vectors_of(index_dir)
    edited = window_rows(after, "living/rest.html#diary")
    assert report.parsed == 1 and 1 <= report.embedded < len(diary)
    assert np.array_equal(edited[0], diary[0]) and not np.allclose(edited[-1], diary[-1])
    for key in before.sections:
        if key != "living/rest.html#diary":
            assert np.array_equal(window_rows(after, key), window_rows(before, key)), key


def test_vectors_from_before_windows_are_searched_and_the_next_build_embeds_only_long_sections(
        long_corpus, tmp_path):
    """A generation written before windows has one row per section and no windows scheme: it
    reads as it is, and the next build embeds the long sections' windows, reusing the rest."""
    index_dir = tmp_path / "index"
    build_index(long_corpus, index_dir)
    generation = current_generation(index_dir).path
    current = vectors_of(index_dir)
    firsts = [current.rows([key])[0] for key in current.sections]
    long_keys = {"living/rest.html#diary", "living/rest.html#every-tip"}
    hashes = ["not this text" if current.row_keys[r] in long_keys else current.hashes[r] for r in firsts]
    old = embeddings.SectionVectors([current.row_keys[r] for r in firsts], hashes,
                                    np.asarray(current.matrix[firsts]), current.model)
    embeddings.write_vectors(generation, old)
    listing = json.loads((generation / embeddings.VECTOR_KEYS_FILE).read_text())
    del listing["windows"]
    (generation / embeddings.VECTOR_KEYS_FILE).write_text(json.dumps(listing))

    stored = vectors_of(index_dir)
    assert stored.windows == "" and stored.sections == current.sections
    assert len(stored.row_keys) == len(stored.sections)
    report = build_index(long_corpus, index_dir)
    assert report.published and report.embedded == len(current.row_keys) - len(current.sections) + 2
    assert vectors_of(index_dir).windows == embeddings.WINDOWS_SCHEME


def test_an_edit_whose_sections_need_many_windows_publishes_its_words_first(small_corpus, tmp_path,
                                                                          monkeypatch):
    """The work done before an edit is searchable is bounded in runs of the model, not in
    sections: one long new section of several windows waits for its vectors like many sections."""
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir)
    monkeypatch.setattr(build, "INLINE_EMBEDDING", 2)  # one section, but more windows than that
    published = []
    original = store.publish

    def spy(index_dir, tmp, info):
        published.append(info["vectors"])
        return original(index_dir, tmp, info)

    monkeypatch.setattr(store, "publish", spy)
    write_corpus(small_corpus, {"living/rest.html": page_html("Rest", {"Diary": advice(40, "rest")})})
    report = build_index(small_corpus, index_dir)
    assert published == ["partial", "complete"] and report.vectors == "complete"
    assert len(window_rows(vectors_of(index_dir), "living/rest.html#diary")) >= 3


def test_vectors_whose_section_rows_are_apart_read_as_none(tmp_path):
    """A section's windows are consecutive rows; a file where they are not is damaged."""
    matrix = np.ones((3, embeddings.DIMENSIONS), dtype=np.float32)
    embeddings.write_vectors(tmp_path, embeddings.SectionVectors(["a", "a", "b"], ["1", "2", "3"], matrix))
    listing = json.loads((tmp_path / embeddings.VECTOR_KEYS_FILE).read_text())
    (tmp_path / embeddings.VECTOR_KEYS_FILE).write_text(json.dumps({**listing, "keys": ["a", "b", "a"]}))
    assert embeddings.read_vectors(tmp_path) is None
