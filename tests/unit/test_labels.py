"""Suggestion labels worked out by the build, kept up to date page by page."""
from sitegen import page_html

from indexer import store
from indexer.build import build_index
from indexer.labels import read_labels
from webapp.suggest import Labels


def test_the_builds_labels_are_what_the_stored_sections_give(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir, semantic=False)
    index, generation = store.open_index(index_dir)
    with index.searcher() as searcher:
        stored = Labels.read(tmp_path, searcher)  # no labels file there: read from the sections
        built = Labels.read(generation.path, searcher)
        assert built._labels == stored._labels and built._keys == stored._keys
        shown = built.find(searcher, "oct", 5)
    assert [(s["label"], s["anchor"], s["kind"]) for s in shown] == [("Octreotide", "octreotide", "section")]


def test_an_edited_page_changes_its_labels_and_only_its_own(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir, semantic=False)
    (small_corpus / "net/treatment.html").write_text(page_html("Treating NETs", {
        "Surgery": "Surgery may remove the tumour completely.",
        "Lanreotide": "Lanreotide is given as a monthly injection.",
    }, topic="Neuroendocrine cancer"))
    build_index(small_corpus, index_dir, semantic=False)
    labels = {label for label, _, _ in read_labels(store.current_generation(index_dir).path)}
    assert "Lanreotide" in labels and "Octreotide" not in labels
    assert {"What is a NET", "Screening", "About bowel cancer"} <= labels
