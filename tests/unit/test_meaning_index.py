"""The compact copy of the vectors finds the sections nearest in meaning, as a full comparison does."""
import numpy as np

from indexer.embeddings import DIMENSIONS, LATER_WINDOW_PENALTY, SectionVectors
from webapp.meaning import MIN_CLOSENESS, MeaningIndex


def clustered_vectors(rows: int, seed: int = 0) -> SectionVectors:
    """Unit vectors around 40 topics, as sections of a site cluster around its subjects (float16,
    as a generation stores them)."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((40, DIMENSIONS))
    matrix = topics[rng.integers(0, 40, rows)] + 0.6 * rng.standard_normal((rows, DIMENSIONS))
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return SectionVectors([f"p{i}.html#s" for i in range(rows)], ["h"] * rows, matrix.astype(np.float16))


def test_the_sections_found_are_as_close_as_the_truly_nearest():
    """Within a topic many sections are about equally close, so which ten come back may differ
    from a full comparison; how close they are must not: the closest is always found, and every
    one found is within 0.03 of the true tenth closest."""
    vectors = clustered_vectors(10_000)
    index = MeaningIndex(vectors)
    rng = np.random.default_rng(1)
    for row in rng.integers(0, 10_000, 10):
        noise = 0.03 * rng.standard_normal(DIMENSIONS).astype(np.float32)  # about a third of its length
        question = vectors.matrix[row].astype(np.float32) + noise
        question /= np.linalg.norm(question)
        full = np.sort(vectors.matrix.astype(np.float32) @ question)[::-1]
        nearest = index.nearest(question, count=10)
        closeness = [c for _, c in nearest]
        assert len(nearest) == 10 and closeness == sorted(closeness, reverse=True)
        assert nearest[0][0] == vectors.row_keys[row] and closeness[0] == full[0]
        assert min(closeness) >= full[9] - 0.03


def test_nothing_below_the_closeness_floor_is_offered():
    vectors = clustered_vectors(2_000)
    question = np.random.default_rng(5).standard_normal(DIMENSIONS).astype(np.float32)
    question /= np.linalg.norm(question)  # a direction no section is about
    assert all(closeness >= MIN_CLOSENESS for _, closeness in MeaningIndex(vectors).nearest(question))
    assert MeaningIndex(SectionVectors([], [], np.zeros((0, DIMENSIONS), np.float16))).nearest(question) == []


def test_a_section_of_several_windows_is_found_once_by_its_closest_window():
    """A long section has a row per window: the nearest sections list it once, as close as its
    closest window, and a candidate's closeness is the same figure."""
    vectors = clustered_vectors(600, seed=2)
    keys = [f"p{row // 3}.html#s" for row in range(600)]  # three windows per section
    windowed = SectionVectors(keys, ["h"] * 600, vectors.matrix)
    question = windowed.matrix[301].astype(np.float32)  # the middle window of p100
    nearest = MeaningIndex(windowed).nearest(question, count=10)
    found = [key for key, _ in nearest]
    assert found[0] == "p100.html#s" and len(found) == len(set(found))
    assert nearest[0][1] == windowed.closeness(["p100.html#s"], question)[0]  # one measure for both
    # a window after the first counts LATER_WINDOW_PENALTY less than the same match at the opening
    assert np.isclose(nearest[0][1], question @ question - LATER_WINDOW_PENALTY, atol=1e-3)
    assert list(windowed.closeness(["p100.html#s", "p.html#nowhere"], question))[1] == 0.0
