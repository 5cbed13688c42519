"""Exact and near-duplicate sections (and near-identical pages) for content editors: shingles, MinHash/LSH."""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from datasketch import MinHash

from indexer.model import Section

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
# datasketch's default scheme since 2.0.0; the seed fixes the permutations, so signatures are repeatable.
_SCHEME = "affine32"
_SEED = 1
# Odd 64-bit multiplier for the rolling shingle hash (the 64-bit golden ratio): any odd constant mixes.
_ROLL = np.uint64(0x9E3779B97F4A7C15)
CSV_COLUMNS = ("group", "kind", "similarity", "path", "anchor", "heading", "page_title", "topic", "words")


@dataclass
class DuplicateMember:
    """One section of a duplicate group, with what an editor needs to find it."""

    key: str
    path: str
    anchor: str
    heading: str
    page_title: str
    topic: str
    words: int


@dataclass
class DuplicateGroup:
    """Sections that are copies ("exact") or near copies ("near") of each other."""

    kind: str  # "exact" or "near"
    similarity: float  # min verified pairwise Jaccard within the group (1.0 for exact)
    members: list[DuplicateMember] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready record."""
        return {"kind": self.kind, "similarity": self.similarity,
                "members": [asdict(member) for member in self.members]}

    @classmethod
    def from_dict(cls, data: dict) -> DuplicateGroup:
        """Inverse of to_dict."""
        return cls(kind=data["kind"], similarity=float(data["similarity"]),
                   members=[DuplicateMember(**member) for member in data["members"]])


@dataclass
class PagePair:
    """Two pages whose whole main text is near-identical (a < b)."""

    a: str
    b: str
    similarity: float


@dataclass
class DuplicateReport:
    """Everything find_duplicates found, with the settings it used."""

    threshold: float
    min_words: int
    groups: list[DuplicateGroup] = field(default_factory=list)
    page_pairs: list[PagePair] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready record."""
        return {"threshold": self.threshold, "min_words": self.min_words,
                "groups": [group.to_dict() for group in self.groups],
                "page_pairs": [asdict(pair) for pair in self.page_pairs]}

    @classmethod
    def from_dict(cls, data: dict) -> DuplicateReport:
        """Inverse of to_dict."""
        return cls(threshold=float(data["threshold"]), min_words=int(data["min_words"]),
                   groups=[DuplicateGroup.from_dict(group) for group in data.get("groups", [])],
                   page_pairs=[PagePair(**pair) for pair in data.get("page_pairs", [])])


@dataclass(frozen=True)
class _Settings:
    threshold: float
    num_perm: int
    shingle_size: int


def normalised_words(text: str) -> list[str]:
    """The normalised words of a text: lower case, runs of [a-z0-9] (punctuation and spacing do not count)."""
    return _WORD.findall(text.lower())


def shingles(text: str, size: int = 3) -> set[str]:
    """The set of word `size`-shingles of a text; a text shorter than `size` words is one shingle."""
    return _shingle_set(normalised_words(text), size)


def _shingle_set(tokens: Sequence[str], size: int) -> set[str]:
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets score 0.0, because empty texts are not duplicates of anything."""
    if not a and not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def find_duplicates(sections: Iterable[Section], threshold: float = 0.8, min_words: int = 25,
                    num_perm: int = 128, shingle_size: int = 3) -> DuplicateReport:
    """Exact and near-duplicate section groups, and near-identical page pairs, at a Jaccard threshold."""
    if not 0.0 < threshold <= 1.0 or num_perm < 2 or shingle_size < 1:
        raise ValueError("need 0 < threshold <= 1, num_perm >= 2 and shingle_size >= 1")
    started = time.perf_counter()
    unique = _unique(sections)
    tokens = [normalised_words(section.text) for section in unique]
    settings = _Settings(threshold, num_perm, shingle_size)
    word_hashes = _WordHashes()
    # Empty sections are never duplicates, whatever min_words says.
    groups = _section_groups(unique, tokens, max(min_words, 1), settings, word_hashes)
    pairs = _page_pairs(unique, tokens, max(min_words, 1), settings, word_hashes)
    log.info("duplicates: %d sections, %d groups, %d page pairs in %.2fs",
             len(unique), len(groups), len(pairs), time.perf_counter() - started)
    return DuplicateReport(threshold=threshold, min_words=min_words, groups=groups, page_pairs=pairs)


def _unique(sections: Iterable[Section]) -> list[Section]:
    """Sections in input order, one per key: a section listed twice must not look like its own copy."""
    seen: dict[str, Section] = {}
    for section in sections:
        if section.key in seen:
            log.warning("duplicates: section %s given more than once; using the first", section.key)
            continue
        seen[section.key] = section
    return list(seen.values())


def _section_groups(sections: list[Section], tokens: list[list[str]], min_words: int,
                    settings: _Settings, word_hashes: _WordHashes) -> list[DuplicateGroup]:
    """Exact groups by identical normalised text; near groups over one representative per exact group."""
    by_text: dict[str, list[int]] = {}
    for index, section_words in enumerate(tokens):
        if len(section_words) >= min_words:
            by_text.setdefault(" ".join(section_words), []).append(index)
    classes = list(by_text.values())
    verified = _near_pairs([tokens[members[0]] for members in classes], settings, word_hashes)
    groups, joined = [], set()
    for reps, similarity in _clusters(verified):
        joined.update(reps)
        members = [index for rep in reps for index in classes[rep]]
        groups.append(_group("near", similarity, members, sections, tokens))
    # An exact group that joined a near group is listed there, so each section appears in one group only.
    groups += [_group("exact", 1.0, members, sections, tokens)
               for rep, members in enumerate(classes) if len(members) > 1 and rep not in joined]
    return sorted(groups, key=lambda group: (-len(group.members), -group.similarity, group.members[0].key))


def _group(kind: str, similarity: float, indices: list[int], sections: list[Section],
           tokens: list[list[str]]) -> DuplicateGroup:
    members = [DuplicateMember(key=sections[i].key, path=sections[i].page.path, anchor=sections[i].anchor,
                               heading=sections[i].heading, page_title=sections[i].page.title,
                               topic=sections[i].page.topic, words=len(tokens[i])) for i in indices]
    return DuplicateGroup(kind=kind, similarity=similarity, members=sorted(members, key=lambda m: m.key))


def _page_pairs(sections: list[Section], tokens: list[list[str]], min_words: int,
                settings: _Settings, word_hashes: _WordHashes) -> list[PagePair]:
    """Near-identical pages: each page's sections joined in position order, compared as one text."""
    by_page: dict[str, list[int]] = {}
    for index, section in enumerate(sections):
        by_page.setdefault(section.page.path, []).append(index)
    paths, page_words = [], []
    for path, indices in by_page.items():
        ordered = sorted(indices, key=lambda i: sections[i].position)
        joined = [word for i in ordered for word in tokens[i]]
        if len(joined) >= min_words:
            paths.append(path)
            page_words.append(joined)
    pairs = [PagePair(*sorted((paths[i], paths[j])), similarity=similarity)
             for i, j, similarity in _near_pairs(page_words, settings, word_hashes)]
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.a, pair.b))


def _near_pairs(texts: list[list[str]], settings: _Settings,
                word_hashes: _WordHashes) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) at or above the threshold: LSH candidates checked against real shingle sets."""
    started = time.perf_counter()
    hashes = [_shingle_hashes(text, settings.shingle_size, word_hashes) for text in texts]
    hashed = time.perf_counter()
    signatures = _signatures(hashes, settings.num_perm)
    signed = time.perf_counter()
    candidates = _candidate_pairs(signatures, settings)
    banded = time.perf_counter()
    # The LSH only proposes; every pair is confirmed on the exact shingle sets, so none is a guess.
    sets: dict[int, set[str]] = {}

    def shingle_set(index: int) -> set[str]:
        if index not in sets:
            sets[index] = _shingle_set(texts[index], settings.shingle_size)
        return sets[index]

    verified = []
    for i, j in sorted(candidates):
        similarity = jaccard(shingle_set(i), shingle_set(j))
        if similarity >= settings.threshold:
            verified.append((i, j, similarity))
    log.debug("duplicates: %d texts, %d candidate pairs, %d verified; shingles %.2fs, minhash %.2fs, "
              "lsh %.2fs, verify %.2fs", len(texts), len(candidates), len(verified), hashed - started,
              signed - hashed, banded - signed, time.perf_counter() - banded)
    return verified


class _WordHashes(dict):
    """word -> stable 64-bit hash, computed once per distinct word (vocabularies are small)."""

    def __missing__(self, word: str) -> int:
        value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        self[word] = value
        return value


def _shingle_hashes(tokens: list[str], size: int, word_hashes: _WordHashes) -> np.ndarray:
    """32-bit hashes of the text's shingles (the same sets as _shingle_set), computed with numpy.

    Hashing the joined shingle strings with SHA-1 one by one is what makes MinHash slow in pure
    Python; a rolling polynomial over per-word hashes gives the same sets at array speed.
    """
    word_values = np.fromiter(map(word_hashes.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    count = max(len(tokens) - size + 1, 1) if tokens else 0
    columns = [word_values[offset:offset + count] for offset in range(min(size, len(tokens)))]
    # The top half of the 64-bit roll: MinHash wants 32-bit input, and the top bits mix best.
    return (_roll(columns, count) >> np.uint64(32)).astype(np.uint32)


def _roll(columns: list[np.ndarray], length: int) -> np.ndarray:
    """Polynomial hash across equal-length uint64 columns, row by row (wrapping mod 2**64 on purpose)."""
    rolled = np.zeros(length, dtype=np.uint64)
    for column in columns:
        rolled = rolled * _ROLL + column
    return rolled


def _signatures(hashes: list[np.ndarray], num_perm: int) -> np.ndarray:
    """One MinHash signature per text, as the rows of a (texts x num_perm) array.

    One MinHash is cleared and refilled rather than copied per text (MinHash.bulk copies, and the
    copies cost a quarter of the time); `int` as the hash function passes the ready-made 32-bit
    shingle hashes through at C speed.
    """
    rows = np.empty((len(hashes), num_perm), dtype=np.uint32)
    minhash = MinHash(num_perm=num_perm, seed=_SEED, hashfunc=int, scheme=_SCHEME)
    for row, values in enumerate(hashes):
        minhash.clear()
        minhash.update_batch(values.tolist())
        rows[row] = minhash.hashvalues
    return rows


def _candidate_pairs(signatures: np.ndarray, settings: _Settings) -> set[tuple[int, int]]:
    """Pairs (i < j) whose signatures agree on every row of at least one band.

    This is MinHashLSH's banding (same bands and rows, see _lsh_params), done with numpy: sorting
    each band's keys finds the shared buckets in milliseconds, where inserting 80,000 sketches
    into a MinHashLSH one by one took 9 of the 20 seconds of a 10,000-page run.
    """
    bands, rows = _lsh_params(settings.threshold, settings.num_perm)
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        block = signatures[:, band * rows:(band + 1) * rows].astype(np.uint64)
        # A 64-bit key per band: a collision only adds a candidate, which verification then drops.
        keys = _roll([block[:, column] for column in range(rows)], len(block))
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        bounds = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
        lengths = np.diff(bounds)
        shared = lengths > 1
        for start, length in zip(bounds[:-1][shared].tolist(), lengths[shared].tolist(), strict=True):
            bucket = sorted(order[start:start + length].tolist())
            candidates.update(itertools.combinations(bucket, 2))
    return candidates


def _lsh_params(threshold: float, num_perm: int, miss: float = 0.005) -> tuple[int, int]:
    """(bands, rows) with the fewest candidates that still miss a pair AT the threshold < 0.5% of the time.

    datasketch's default weighs misses and false alarms equally, which at 0.8 and 128 permutations
    (9 bands x 13 rows) proposes only 40% of pairs whose Jaccard is exactly 0.8 and 89% at 0.89.
    Every candidate is verified exactly, so a false alarm costs a set comparison while a miss
    hides a real duplicate from editors: recall is what to buy.
    """
    for rows in range(num_perm // 2, 1, -1):
        bands = num_perm // rows
        if (1.0 - threshold**rows) ** bands <= miss:
            return bands, rows
    return num_perm, 1


def _clusters(pairs: list[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """Union-find over verified pairs: (members, lowest pair similarity) per connected group."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving keeps later look-ups short
            node = parent[node]
        return node

    for i, j, _ in pairs:
        parent[root(i)] = root(j)
    lowest: dict[int, float] = {}
    for i, _, similarity in pairs:
        top = root(i)
        lowest[top] = min(lowest.get(top, 1.0), similarity)
    members: dict[int, list[int]] = {}
    for node in sorted(parent):
        members.setdefault(root(node), []).append(node)
    return [(members[top], lowest[top]) for top in members]


def format_table(report: DuplicateReport) -> str:
    """Plain-text report for a terminal: one block per group, then the page pairs."""
    lines = [f"{len(report.groups)} duplicate groups (threshold {report.threshold:.2f}, "
             f"sections of {report.min_words}+ words)"]
    for number, group in enumerate(report.groups, 1):
        lines.append(f"\n#{number} {group.kind}, {len(group.members)} sections, "
                     f"similarity {group.similarity:.2f}")
        lines += [f"  {member.key:<60} {member.words:>5} words  {member.heading}" for member in group.members]
    lines.append(f"\n{len(report.page_pairs)} near-identical page pairs")
    lines += [f"  {pair.similarity:.2f}  {pair.a}  ~  {pair.b}" for pair in report.page_pairs]
    return "\n".join(lines) + "\n"


def format_csv(report: DuplicateReport) -> str:
    """One row per group member (spreadsheet-friendly); page pairs are not part of the CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for number, group in enumerate(report.groups, 1):
        for member in group.members:
            writer.writerow([number, group.kind, f"{group.similarity:.3f}", member.path, member.anchor,
                             member.heading, member.page_title, member.topic, member.words])
    return buffer.getvalue()
