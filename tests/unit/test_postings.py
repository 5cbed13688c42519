"""Posting arrays hold exactly what Whoosh's matchers read, across segments and deletions."""
import random

import numpy as np
import pytest
from whoosh import index, scoring
from whoosh import query as q
from whoosh.fields import ID, TEXT, Schema

from webapp.postings import Postings

WORDS = "tumour flushing liver scan grade stage octreotide surgery diet tired pain bowel".split()


@pytest.fixture
def searcher(tmp_path):
    """Three segments (one of them written after deletions), 900 documents of random words."""
    rng = random.Random(7)
    ix = index.create_in(tmp_path, Schema(key=ID(unique=True, stored=True), body=TEXT, title=TEXT))
    for batch in range(3):
        writer = ix.writer()
        for i in range(300):  # common words: lists of several 128-posting blocks
            words = rng.choices(WORDS, k=rng.randint(1, 40))
            writer.add_document(key=f"{batch}-{i}", body=" ".join(words), title=rng.choice(WORDS))
        if batch == 2:
            for i in range(0, 200, 7):
                writer.delete_by_term("key", f"0-{i}")
        writer.commit(merge=False)
    weighting = scoring.BM25F(B=0.5, K1=1.0)
    with ix.searcher(weighting=weighting) as opened:
        assert len(opened.leaf_searchers()) == 3
        yield opened


@pytest.mark.parametrize("field", ["body", "title"])
def test_bm25_over_arrays_equals_whoosh_for_every_live_document(searcher, field):
    postings = Postings(searcher, b=0.5, k1=1.0)
    for word in [*WORDS, "absent"]:
        docs, scores = postings.bm25(field, word)
        alive = postings.alive()[docs]
        whoosh = {hit.docnum: hit.score for hit in searcher.search(q.Term(field, word), limit=None)}
        assert dict(zip(docs[alive].tolist(), scores[alive].tolist(), strict=True)) == pytest.approx(whoosh)


def test_deleted_documents_are_marked_dead(searcher):
    postings = Postings(searcher, b=0.5, k1=1.0)
    dead = np.flatnonzero(~postings.alive())
    assert len(dead) == len(range(0, 200, 7))
    assert all(searcher.reader().is_deleted(int(doc)) for doc in dead)


def test_phrases_read_from_blocks_match_whoosh_phrase_search(searcher):
    postings = Postings(searcher, b=0.5, k1=1.0)
    everyone = np.flatnonzero(postings.alive())
    for first, second in [("liver", "scan"), ("pain", "bowel"), ("tired", "tired")]:
        whoosh = sorted(hit.docnum for hit in searcher.search(q.Phrase("body", [first, second]), limit=None))
        assert postings.phrase_docs("body", [first, second], everyone).tolist() == whoosh


def test_phrases_are_checked_by_position(tmp_path):
    ix = index.create_in(tmp_path, Schema(body=TEXT))
    with ix.writer() as writer:
        writer.add_document(body="carcinoid syndrome causes flushing")
        writer.add_document(body="the syndrome is not carcinoid")
    with ix.searcher() as opened:
        postings = Postings(opened, b=0.5, k1=1.0)
        both = np.array([0, 1])
        assert postings.phrase_docs("body", ["carcinoid", "syndrome"], both).tolist() == [0]


def test_warming_scores_the_commonest_lists_and_reports_progress(searcher):
    postings = Postings(searcher, b=0.5, k1=1.0)
    calls = []
    postings.warm(("body", "title"), alive=lambda: calls.append(1), terms=3)
    assert len(calls) == 2
    commonest = searcher.reader().most_frequent_terms("body", 1)[0][1].decode()
    assert postings._scored.get(("body", commonest)) is not None  # the first search finds it ready


@pytest.mark.parametrize("field", ["body", "title"])
def test_the_commonest_terms_across_segments_are_whooshs_own(searcher, field):
    """Warming reads each segment's lexicon once instead of every term in every segment, and
    still finds the terms Whoosh ranks most frequent over the whole index."""
    whoosh_top = [btext for _, btext in searcher.reader().most_frequent_terms(field, 5)]
    assert Postings(searcher, b=0.5, k1=1.0).most_frequent(field, 5) == whoosh_top
