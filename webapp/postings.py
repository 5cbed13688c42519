"""Whoosh's postings as numpy arrays, so a query is scored a whole posting list at a time.

Whoosh walks a query one posting at a time in Python: at 80,000 sections a common word ("cancer",
"treatment") costs it seconds. Its segment files never change once written, so each posting list
of a segment is decoded once into arrays (document numbers, term weights) and kept in a
byte-bounded cache that every generation sharing the segment uses. Field lengths are decoded the
same way, and BM25F is then a few vector operations. Whoosh still writes, stores and describes
the index (term statistics, stored fields, positions for phrase checks).
"""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from webapp.cache import LRU

# Decoded posting lists and field lengths kept per worker. The common words' lists are what a
# search cannot afford to decode again; 80,000 sections' postings of every searched field would
# take about 100 MB, and the words people actually search are a small part of them.
CACHE_BYTES = 48 * 1024 * 1024

# Scores of the most used posting lists in the live generation (they depend on its statistics,
# so they go with it). A common word's list scored again cost a millisecond or more.
SCORED_BYTES = 32 * 1024 * 1024

# Stored fields (a section's text and metadata) of the sections shown lately, in characters of
# text: the same sections come back in the results of many searches.
STORED_CHARS = 4 * 1024 * 1024

# Posting lists decoded per searched field when a worker starts: the most frequent terms' lists
# are the longest, and a cold one cost a search up to a second or two at 10,000 pages.
WARM_TERMS = 40

# Whoosh keeps a field's length in one byte (a lossy scale): the table turns bytes to lengths
# exactly as its scorer does.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_NOTHING = np.zeros(0, dtype=np.int64)


def _arrays_lru(capacity: int) -> LRU:
    """An LRU of tuples of numpy arrays, bounded by their bytes."""
    return LRU(capacity, lambda arrays: sum(array.nbytes for array in arrays))


def _frozen(arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The arrays made read-only: they are shared by every search, so a change in place would leak."""
    for array in arrays:
        array.flags.writeable = False
    return arrays


_CACHE = _arrays_lru(CACHE_BYTES)
_STORED = LRU(STORED_CHARS, lambda fields: sum(len(v) for v in fields.values() if isinstance(v, str)))


@dataclass(frozen=True)
class _Segment:
    reader: IndexReader
    offset: int
    key: str


class Postings:
    """One opened generation's postings, lengths and deletions as arrays over its document numbers."""

    def __init__(self, searcher: Searcher, b: float, k1: float) -> None:
        self.searcher = searcher
        self.b, self.k1 = b, k1
        self.doc_count = searcher.doc_count_all()
        self._segments = [_Segment(sub.reader(), offset, _segment_key(sub.reader()))
                          for sub, offset in searcher.leaf_searchers()]
        self._lengths: dict[str, np.ndarray] = {}
        self._alive: np.ndarray | None = None
        self._scored = _arrays_lru(SCORED_BYTES)
        self._keys: list[str] | None = None
        self._labels: dict[str, tuple[np.ndarray, list[str]]] = {}

    def docs(self, field: str, text: str) -> np.ndarray:
        """Sorted document numbers whose `field` holds the term (deleted ones included)."""
        return self.postings(field, text)[0]

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted document numbers, term weights) of one term in one field, over every segment."""
        btext = self.searcher.schema[field].to_bytes(text)
        parts = [self._segment_postings(segment, field, btext)[:2] for segment in self._segments]
        parts = [(docs + segment.offset, weights) for segment, (docs, weights) in
                 zip(self._segments, parts, strict=True) if len(docs)]
        if not parts:
            return _NOTHING, np.zeros(0, dtype=np.float32)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([d for d, _ in parts]), np.concatenate([w for _, w in parts])

    def bm25(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, BM25F scores) of one term in one field: Whoosh's own formula and
        statistics, over arrays; the common words' scores are kept for this generation."""
        key = (field, text)
        found = self._scored.get(key)
        if found is None:
            found = self._bm25(field, text)
            self._scored.put(key, _frozen(found))
        return found

    def _bm25(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        docs, weights = self.postings(field, text)
        if not len(docs):
            return docs, np.zeros(0)
        idf = self.searcher.idf(field, text)
        average = self.searcher.avg_field_length(field) or 1
        norm = self.k1 * ((1 - self.b) + self.b * self.lengths(field)[docs] / average)
        tf = weights.astype(np.float64)
        return docs, idf * (tf * (self.k1 + 1)) / (tf + norm)

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in `field`, as Whoosh's scorer reads it."""
        found = self._lengths.get(field)
        if found is None:
            found = self._lengths[field] = np.concatenate(
                [_LENGTH_OF_BYTE[self._segment_lengths(segment, field)] for segment in self._segments]
                or [np.zeros(0)])
        return found

    def warm(self, fields: tuple[str, ...], alive: Callable[[], None], terms: int = WARM_TERMS) -> None:
        """Decode and score the longest posting lists of `fields` now (a worker's start), so the
        first searches for common words do not each pay for it; `alive` is called between
        fields (gunicorn kills a worker that stays silent for 30 s)."""
        self.keys()
        for field in fields:
            alive()
            for btext in self.most_frequent(field, terms):
                self.bm25(field, btext.decode("utf-8"))

    def most_frequent(self, field: str, number: int) -> list[bytes]:
        """The field's most frequent terms, as Whoosh ranks them (see term_totals: this was a
        third of a worker's start at 10,000 pages)."""
        totals = term_totals(self.searcher.reader(), field, lambda info: info.weight())
        return [btext for _, btext in heapq.nlargest(number, ((w, b) for b, w in totals.items()))]

    def stored(self, docnum: int) -> dict:
        """The stored fields of one document, kept for later searches (its segment never changes,
        so a later generation sharing the segment uses them too). Shared: never change them."""
        for segment in reversed(self._segments):
            if docnum >= segment.offset:
                local = docnum - segment.offset
                key = (segment.key, local)
                found = _STORED.get(key)
                if found is None:
                    found = segment.reader.stored_fields(local)
                    _STORED.put(key, found)
                return found
        raise IndexError(f"no document {docnum}")

    def keys(self) -> list[str]:
        """Every document's unique `key`, by document number (deleted ones included), read from
        the terms file: loading 200 candidates' stored fields for their keys took a tenth of a search."""
        if self._keys is None:
            self._keys = [key for segment in self._segments for key in _segment_keys(segment)]
        return self._keys

    def labels(self, field: str) -> tuple[np.ndarray, list[str]]:
        """(each document's code, the field's values) for a field with few values (kind, topic);
        code -1: no value."""
        found = self._labels.get(field)
        if found is None:
            values = [term.decode("utf-8") for term in self.searcher.lexicon(field)]
            codes = np.full(self.doc_count, -1, dtype=np.int32)
            for code, value in enumerate(values):
                codes[self.docs(field, value)] = code
            found = self._labels[field] = (codes, values)
        return found

    def alive(self) -> np.ndarray:
        """True for every document not deleted."""
        if self._alive is None:
            alive = np.ones(self.doc_count, dtype=bool)
            for segment in self._segments:
                deleted = np.fromiter(segment.reader.deleted_docs_set, dtype=np.int64)
                alive[deleted + segment.offset] = False
            self._alive = alive
        return self._alive

    def phrase_docs(self, field: str, words: list[str], docs: np.ndarray) -> np.ndarray:
        """Those of the sorted `docs` where the words stand next to each other, in order (Whoosh's
        Phrase with its default slop), read from the positions of only the blocks holding them."""
        found = []
        for segment in self._segments:
            local = docs[(docs >= segment.offset) & (docs < segment.offset + segment.reader.doc_count_all())]
            local = local - segment.offset
            if not len(local):
                continue
            phrase = (segment.key, field, tuple(words))
            known = {doc: _PHRASE_HITS.get((*phrase, doc)) for doc in local.tolist()}
            unknown = np.array([doc for doc, hit in known.items() if hit is None], dtype=np.int64)
            if len(unknown):
                where = [self._segment_positions(segment, field, word, unknown) for word in words]
                for doc in unknown.tolist():
                    known[doc] = _adjacent(where, doc)
                    _PHRASE_HITS.put((*phrase, doc), known[doc])
            found += [doc + segment.offset for doc, hit in known.items() if hit]
        return np.array(found, dtype=np.int64)

    def _segment_postings(self, segment: _Segment, field: str, btext: bytes) -> tuple[np.ndarray, ...]:
        """(ids, weights, block starts in the postings file, index of each block's first posting)."""
        key = (segment.key, field, btext)
        found = _CACHE.get(key)
        if found is None:
            found = decode_postings(segment.reader, field, btext)
            _CACHE.put(key, _frozen(found))
        return found

    def _segment_positions(self, segment: _Segment, field: str, word: str,
                           docs: np.ndarray) -> dict[int, set[int]]:
        """Local document -> the word's positions in `field`, for those of `docs` holding it."""
        btext = self.searcher.schema[field].to_bytes(word)
        ids, _, starts, firsts = self._segment_postings(segment, field, btext)
        if not len(ids):
            return {}
        reader = segment.reader
        matcher = reader._terms.matcher(field, btext, reader.schema[field].format)
        if not len(starts):  # postings kept inside the term's entry: no blocks to point at
            return _walk_positions(matcher, set(docs.tolist()))
        at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
        held = ids[at] == docs
        blocks = np.searchsorted(firsts, at[held], side="right") - 1
        positions, values, loaded = {}, (), -1
        for doc, index, block in zip(docs[held].tolist(), at[held].tolist(), blocks.tolist(), strict=True):
            if block != loaded:
                values, loaded = self._block_values(segment, field, btext, matcher, int(starts[block])), block
            positions[doc] = set(matcher.format.decode_positions(values[index - int(firsts[block])]))
        return positions

    def _block_values(self, segment: _Segment, field: str, btext: bytes, matcher, start: int) -> list:
        """The encoded positions of one block of postings (a block read and unpickled once is
        kept: the phrases people ask for, "side effects", come back to the same blocks)."""
        key = (segment.key, field, btext, start)
        values = _BLOCKS.get(key)
        if values is None:
            matcher._goto(start)
            matcher._read_values()
            values = matcher._values
            _BLOCKS.put(key, values)
        return values

    def _segment_lengths(self, segment: _Segment, field: str) -> np.ndarray:
        key = (segment.key, field, None)
        found = _CACHE.get(key)
        if found is None:
            found = (_read_lengths(segment.reader, field),)
            _CACHE.put(key, _frozen(found))
        return found[0]


def decode_postings(reader: IndexReader, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term in one segment, deletions ignored.

    Whoosh's block format (a pickled tuple per block of 128 postings, ids delta-coded) is read
    a block at a time: decoding one posting at a time through the matcher is what made a common
    word cost seconds. Tested equal to the matcher's own walk."""
    if (field, btext) not in reader:
        return _NOTHING, np.zeros(0, dtype=np.float32), _NOTHING, _NOTHING
    # the terms file's own matcher: reader.postings() would wrap it to drop deleted documents
    # one by one, and alive() drops them all at once
    matcher = reader._terms.matcher(field, btext, reader.schema[field].format)
    if type(matcher) is not W3LeafMatcher:
        return _walk(matcher)
    ids, weights, starts, start = [], [], [], matcher._baseoffset
    while matcher.is_active():
        starts.append(start)
        matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
        weights.append(_block_weights(block_weights, matcher._blocklength))
        start = matcher._nextoffset
        matcher._next_block()
    firsts = np.cumsum([0] + [len(block) for block in ids[:-1]])
    return np.concatenate(ids), np.concatenate(weights), np.array(starts, dtype=np.int64), firsts


def _block_weights(weights, count: int) -> np.ndarray:
    """A block's weights: None means every weight is 1, a single float is shared by all."""
    if weights is None:
        return np.ones(count, dtype=np.float32)
    if isinstance(weights, float):
        return np.full(count, weights, dtype=np.float32)
    return np.asarray(weights, dtype=np.float32)


def _walk(matcher) -> tuple[np.ndarray, ...]:
    """Any other matcher (inlined postings), one posting at a time (no blocks to point at)."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32), _NOTHING, _NOTHING


def _walk_positions(matcher, docs: set[int]) -> dict[int, set[int]]:
    """Positions of a term in `docs`, one posting at a time."""
    positions = {}
    while matcher.is_active():
        if matcher.id() in docs:
            positions[matcher.id()] = set(matcher.format.decode_positions(matcher.value()))
        matcher.next()
    return positions


def _adjacent(positions: list[dict[int, set[int]]], doc: int) -> bool:
    """True when word i stands at position p + i for some p, for every word of a phrase."""
    if any(doc not in where for where in positions):
        return False
    starts = positions[0][doc]
    for offset, where in enumerate(positions[1:], start=1):
        starts = {p for p in starts if p + offset in where[doc]}
    return bool(starts)


def _read_lengths(reader: IndexReader, field: str) -> np.ndarray:
    """One segment's field lengths as Whoosh's one-byte codes (0: the field is empty)."""
    codes = np.zeros(reader.doc_count_all(), dtype=np.uint8)
    perdoc = reader._perdoc  # the segment's per-document files; the reader asks only per document
    column = f"_{field}_len"
    if perdoc.has_column(column):
        stored = np.frombuffer(bytes(perdoc.column_reader(column, LENGTHS_COLUMN).load()), dtype=np.uint8)
        codes[:len(stored)] = stored
    return codes


_KEYS = LRU(16)  # segments lately served
# Blocks of encoded positions kept per worker (a block of 128 postings' positions is a few KB).
POSITION_BLOCKS = 512
_BLOCKS = LRU(POSITION_BLOCKS)
# Whether a phrase stands in a document's field, for the documents lately checked: the phrases
# people search, and the synonyms' ("neuroendocrine tumour" for every NET), come back to the
# same sections, and checking positions was most of a phrase's cost (~100 bytes an entry).
PHRASE_CHECKS = 65_536
_PHRASE_HITS = LRU(PHRASE_CHECKS)


def _segment_keys(segment: _Segment) -> list[str]:
    """A segment's keys by local document number, kept for the few segments lately served."""
    keys = _KEYS.get(segment.key)
    if keys is None:
        keys = [""] * segment.reader.doc_count_all()
        for btext, info in segment.reader.iter_field("key"):
            key = btext.decode("utf-8")
            if info.doc_frequency() == 1:
                keys[info.min_id()] = key
            else:  # a page deleted and added again within one segment
                for doc in decode_postings(segment.reader, "key", btext)[0].tolist():
                    keys[doc] = key
        _KEYS.put(segment.key, keys)
    return keys


def term_totals(reader: IndexReader, field: str, measure: Callable[[Any], float]) -> Counter[bytes]:
    """Every term of a field with `measure` of its term info (weight, doc_frequency) added up over
    the index's segments. Whoosh's own reader over several segments looks each term up in every
    segment; reading each segment's lexicon once is about ten times faster."""
    totals: Counter[bytes] = Counter()
    for leaf, _ in reader.leaf_readers():
        for btext, info in leaf.iter_field(field):
            totals[btext] += measure(info)
    return totals


def _segment_key(reader: IndexReader) -> str:
    """A segment's identity: its files never change, so arrays decoded from them stay valid."""
    return reader.segment().segment_id()
