"""Exact and near-duplicate sections (and near-identical pages) for content editors: shingles, MinHash/LSH."""
from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import pickle
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.model import Section
from indexer.spreadsheet import csv_text

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
# The seed fixes the permutations, so signatures are repeatable across processes and builds.
_SEED = 1
# Odd 64-bit multiplier for the rolling shingle hash (the 64-bit golden ratio): any odd constant mixes.
_ROLL = np.uint64(0x9E3779B97F4A7C15)
# The finder's state, stored with each index generation so the next build can update it.
STATE_FILE = "duplicates-state.pickle"
# 2: exact copies from five words, identical members marked, site-wide groups flagged.
STATE_VERSION = 2
# One CSV for spreadsheets: a row per group member ("section"), then a row per pair of pages that
# share duplicated sections ("page pair", with the other page and how many passages they share).
CSV_COLUMNS = ("row", "group", "kind", "similarity", "path", "anchor", "heading", "page_title", "topic",
               "words", "identical_to", "site_wide", "other_path", "shared_sections")


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
    identical_to: str = ""  # in a near group: the key of an earlier member with exactly this text


@dataclass
class DuplicateGroup:
    """Sections that are copies ("exact") or near copies ("near") of each other."""

    kind: str  # "exact" or "near"
    similarity: float  # min verified pairwise Jaccard within the group (1.0 for exact)
    members: list[DuplicateMember] = field(default_factory=list)
    site_wide: bool = False  # the site's own furniture (a support box on most pages): see is_site_wide

    @property
    def pages(self) -> int:
        """How many pages the group's sections are on."""
        return len({member.path for member in self.members})

    def to_dict(self) -> dict:
        """JSON-ready record."""
        return {"kind": self.kind, "similarity": self.similarity, "site_wide": self.site_wide,
                "members": [vars(member).copy() for member in self.members]}  # flat: no deep copy

    @classmethod
    def from_dict(cls, data: dict) -> DuplicateGroup:
        """Inverse of to_dict."""
        return cls(kind=data["kind"], similarity=float(data["similarity"]),
                   members=[DuplicateMember(**member) for member in data["members"]],
                   site_wide=bool(data.get("site_wide", False)))


@dataclass
class PagePair:
    """Two pages whose whole main text is near-identical (a < b)."""

    a: str
    b: str
    similarity: float


@dataclass
class SharedPages:
    """Two pages (a < b) with duplicated sections in common: how many passages they share."""

    a: str
    b: str
    shared_sections: int
    similarity: float | None = None  # whole-page similarity when the pages are near-identical too


@dataclass
class DuplicateReport:
    """Everything find_duplicates found, with the settings it used."""

    threshold: float
    min_words: int
    groups: list[DuplicateGroup] = field(default_factory=list)
    page_pairs: list[PagePair] = field(default_factory=list)
    exact_min_words: int = 5
    pages: int = 0  # pages with sections when the report was made (what "site-wide" is a share of)

    def to_dict(self) -> dict:
        """JSON-ready record."""
        return {"threshold": self.threshold, "min_words": self.min_words,
                "exact_min_words": self.exact_min_words, "pages": self.pages,
                "groups": [group.to_dict() for group in self.groups],
                "page_pairs": [vars(pair).copy() for pair in self.page_pairs]}

    @classmethod
    def from_dict(cls, data: dict) -> DuplicateReport:
        """Inverse of to_dict."""
        return cls(threshold=float(data["threshold"]), min_words=int(data["min_words"]),
                   groups=[DuplicateGroup.from_dict(group) for group in data.get("groups", [])],
                   page_pairs=[PagePair(**pair) for pair in data.get("page_pairs", [])],
                   exact_min_words=int(data.get("exact_min_words", data["min_words"])),
                   pages=int(data.get("pages", 0)))

    def shared_pages(self) -> list[SharedPages]:
        """Pairs of pages sharing duplicated sections, most shared first (see shared_pages)."""
        return shared_pages(self.groups, self.page_pairs)


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
                    num_perm: int = 128, shingle_size: int = 3, exact_min_words: int = 5) -> DuplicateReport:
    """Exact and near-duplicate section groups, and near-identical page pairs, at a Jaccard threshold
    (near copies from `min_words` words, exact copies from `exact_min_words`)."""
    settings = DuplicateSettings(threshold, min_words, num_perm, shingle_size, exact_min_words)
    unique = _unique(sections)
    by_page: dict[str, list[Section]] = {}
    for section in unique:
        by_page.setdefault(section.page.path, []).append(section)
    finder = DuplicateFinder(settings)
    prints = [fingerprint_page(page_sections, settings) for page_sections in by_page.values()]
    finder.update(prints, set(), _InMemoryTexts(unique))
    return finder.report()


# A heading or passage found on more than this share of the site's pages is site furniture
# ("Getting support", the helpline box): as a deep link it would repeat itself under nearly every
# result, and as a duplicate group it is meant, not a copy to clean up.
SITE_WIDE_SHARE = 0.25
# ...but on a site of a handful of pages, three pages sharing something says nothing.
SITE_WIDE_MIN_PAGES = 3


def is_site_wide(pages_with_it: int, all_pages: int) -> bool:
    """Whether something on `pages_with_it` of the site's `all_pages` pages is site furniture."""
    return pages_with_it > max(SITE_WIDE_MIN_PAGES, SITE_WIDE_SHARE * all_pages)


def boilerplate_headings(headings: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Headings (lower case) found on so many pages that they are the site's boilerplate, from
    (heading, page path) pairs. Worked out once per build and kept in its record, so no search
    has to read every section for it."""
    pages: dict[str, set[str]] = {}
    for heading, path in headings:
        pages.setdefault(heading.strip().lower(), set()).add(path)
    all_pages = len({path for paths in pages.values() for path in paths})
    return frozenset(heading for heading, paths in pages.items() if is_site_wide(len(paths), all_pages))


def _unique(sections: Iterable[Section]) -> list[Section]:
    """Sections in input order, one per key: a section listed twice must not look like its own copy."""
    seen: dict[str, Section] = {}
    for section in sections:
        if section.key in seen:
            log.warning("duplicates: section %s given more than once; using the first", section.key)
            continue
        seen[section.key] = section
    return list(seen.values())


@dataclass(frozen=True)
class DuplicateSettings:
    """What counts as a duplicate: Jaccard threshold, shortest near copy, MinHash size, shingle
    size, shortest exact copy."""

    threshold: float = 0.8
    min_words: int = 25
    num_perm: int = 128
    shingle_size: int = 3
    # An identical sentence of five words on two pages is worth an editor's look; a near copy that
    # short is mostly chance (a few shingles decide its similarity), so near copies keep min_words.
    exact_min_words: int = 5

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0 or self.num_perm < 2 or self.shingle_size < 1:
            raise ValueError("need 0 < threshold <= 1, num_perm >= 2 and shingle_size >= 1")

    @property
    def least_words(self) -> int:
        """The shortest near copy: empty sections are never duplicates, whatever min_words says."""
        return max(self.min_words, 1)

    @property
    def least_exact_words(self) -> int:
        """The shortest exact copy (never longer than the shortest near copy)."""
        return max(min(self.exact_min_words, self.min_words), 1)


@dataclass
class SectionPrint:
    """What the duplicate finder keeps of one section: where it is, and its text's identity."""

    key: str
    path: str
    anchor: str
    heading: str
    page_title: str
    topic: str
    position: int
    words: int
    text_id: str  # hash of the normalised words; "" when too short even for an exact copy


@dataclass
class PagePrint:
    """The fingerprints of one page: its sections, their MinHash signatures, and the whole page's."""

    path: str
    sections: list[SectionPrint]
    signatures: dict[str, np.ndarray]  # text_id -> signature, for sections long enough for a near copy
    page_signature: np.ndarray | None  # None when the page's text is too short to count


def fingerprint_page(sections: Sequence[Section], settings: DuplicateSettings) -> PagePrint:
    """Fingerprint one page's sections (cheap enough to run in the build workers, in parallel)."""
    word_hashes = _WordHashes()
    prints, signatures, page_words = [], {}, []
    for section in sorted(sections, key=lambda s: s.position):
        words = normalised_words(section.text)
        page_words += words
        text_id = _text_id(words) if len(words) >= settings.least_exact_words else ""
        if text_id and text_id not in signatures and len(words) >= settings.least_words:
            signatures[text_id] = _signature(words, settings, word_hashes)
        page = section.page
        prints.append(SectionPrint(section.key, page.path, section.anchor, section.heading, page.title,
                                   page.topic, section.position, len(words), text_id))
    page_signature = (_signature(page_words, settings, word_hashes)
                      if len(page_words) >= settings.least_words else None)
    path = sections[0].page.path if sections else ""
    return PagePrint(path, prints, signatures, page_signature)


def _text_id(words: list[str]) -> str:
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=12).hexdigest()


def _signature(words: list[str], settings: DuplicateSettings, word_hashes: _WordHashes) -> np.ndarray:
    hashes = _shingle_hashes(words, settings.shingle_size, word_hashes)
    return _signatures([hashes], settings.num_perm)[0]


class TextSource:
    """Where the finder reads the words of texts it must compare (the index, or memory)."""

    def text_words(self, text_id: str, key: str) -> list[str]:
        """Normalised words of the section `key`, whose text has id `text_id`."""
        raise NotImplementedError

    def page_words(self, path: str, keys: list[str]) -> list[str]:
        """Normalised words of a whole page: its sections `keys`, in position order."""
        return [word for key in keys for word in self.text_words("", key)]


class _InMemoryTexts(TextSource):
    def __init__(self, sections: Iterable[Section]) -> None:
        self._by_key = {s.key: s.text for s in sections}

    def text_words(self, text_id: str, key: str) -> list[str]:
        return normalised_words(self._by_key[key])


class DuplicateFinder:
    """Duplicate sections and pages, kept up to date page by page.

    An incremental build removes the prints of changed and deleted pages, adds the new ones, and
    compares only new texts against the stored LSH buckets; pairs between unchanged texts keep their
    verified similarity. Every candidate is checked on exact shingle sets, and the LSH is
    deterministic, so the result is exactly what a full recomputation gives.
    """

    def __init__(self, settings: DuplicateSettings | None = None) -> None:
        self.settings = settings or DuplicateSettings()
        self.sections: dict[str, SectionPrint] = {}
        self.text_signatures: dict[str, np.ndarray] = {}
        self.text_pairs: dict[tuple[str, str], float] = {}
        self.page_signatures: dict[str, np.ndarray] = {}
        self.page_pairs: dict[tuple[str, str], float] = {}

    def update(self, added: Sequence[PagePrint], removed_paths: set[str], source: TextSource) -> None:
        """Forget `removed_paths` and the pages being replaced, add `added`, verify new candidates."""
        started = time.perf_counter()
        gone = set(removed_paths) | {page.path for page in added}
        self.sections = {k: s for k, s in self.sections.items() if s.path not in gone}
        for page in added:
            self.sections.update((s.key, s) for s in page.sections)
        new_texts = self._refresh_texts(added)
        self._refresh_pages(added, gone)
        self.text_pairs.update(self._verified(self.text_signatures, new_texts, self._text_words(source)))
        new_pages = {page.path for page in added if page.page_signature is not None}
        self.page_pairs.update(self._verified(self.page_signatures, new_pages, self._page_words(source)))
        log.info("duplicates: %d new texts, %d new pages compared in %.2fs", len(new_texts),
                 len(new_pages), time.perf_counter() - started)

    def _refresh_texts(self, added: Sequence[PagePrint]) -> set[str]:
        """Drop texts no section has any more (with their pairs); add new ones. Returns the new ids."""
        live = {s.text_id for s in self.sections.values() if s.text_id}
        new = set()
        for page in added:
            for text_id, signature in page.signatures.items():
                if text_id not in self.text_signatures:
                    self.text_signatures[text_id] = signature
                    new.add(text_id)
        self.text_signatures = {t: sig for t, sig in self.text_signatures.items() if t in live}
        self.text_pairs = {pair: sim for pair, sim in self.text_pairs.items()
                           if pair[0] in self.text_signatures and pair[1] in self.text_signatures}
        return new & live

    def _refresh_pages(self, added: Sequence[PagePrint], gone: set[str]) -> None:
        self.page_signatures = {p: sig for p, sig in self.page_signatures.items() if p not in gone}
        self.page_pairs = {pair: sim for pair, sim in self.page_pairs.items()
                           if pair[0] not in gone and pair[1] not in gone}
        for page in added:
            if page.page_signature is not None:
                self.page_signatures[page.path] = page.page_signature

    def _verified(self, signatures: dict[str, np.ndarray], new: set[str],
                  words_of: Callable[[str], list[str]]) -> dict[tuple[str, str], float]:
        """Pairs with at least one new member whose LSH buckets meet, kept if their Jaccard is high enough."""
        if not new:
            return {}
        ids = sorted(signatures)
        matrix = np.vstack([signatures[i] for i in ids])
        is_new = np.array([i in new for i in ids])
        size, threshold = self.settings.shingle_size, self.settings.threshold
        sets: dict[str, set[str]] = {}

        def shingle_set(item: str) -> set[str]:
            if item not in sets:
                sets[item] = _shingle_set(words_of(item), size)
            return sets[item]

        found = {}
        for i, j in sorted(_candidate_pairs(matrix, self.settings, involving=is_new)):
            pair = (ids[i], ids[j])
            similarity = jaccard(shingle_set(pair[0]), shingle_set(pair[1]))
            if similarity >= threshold:
                found[pair] = similarity
        return found

    def _text_words(self, source: TextSource) -> Callable[[str], list[str]]:
        member = {s.text_id: s.key for s in self.sections.values() if s.text_id}
        return lambda text_id: source.text_words(text_id, member[text_id])

    def _page_words(self, source: TextSource) -> Callable[[str], list[str]]:
        pages: dict[str, list[SectionPrint]] = {}
        for s in self.sections.values():
            pages.setdefault(s.path, []).append(s)

        def words(path: str) -> list[str]:
            keys = [s.key for s in sorted(pages[path], key=lambda s: s.position)]
            return source.page_words(path, keys)
        return words

    def report(self) -> DuplicateReport:
        """The groups and page pairs, as find_duplicates has always reported them."""
        settings = self.settings
        classes: dict[str, list[SectionPrint]] = {}
        for s in self.sections.values():
            if s.text_id:
                classes.setdefault(s.text_id, []).append(s)
        groups, joined = [], set()
        for members, similarity in _clusters([(a, b, sim) for (a, b), sim in self.text_pairs.items()]):
            joined.update(members)
            groups.append(_group("near", similarity, [s for t in members for s in classes[t]]))
        # An exact group that joined a near group is listed there, so each section appears in one group only.
        groups += [_group("exact", 1.0, members) for text_id, members in classes.items()
                   if len(members) > 1 and text_id not in joined]
        pages = len({s.path for s in self.sections.values()})
        for group in groups:
            group.site_wide = is_site_wide(group.pages, pages)
        # the site's furniture after the copies to review, each part largest first
        groups.sort(key=lambda group: (group.site_wide, -len(group.members), -group.similarity,
                                       group.members[0].key))
        pairs = sorted((PagePair(*sorted(pair), similarity=sim) for pair, sim in self.page_pairs.items()),
                       key=lambda pair: (-pair.similarity, pair.a, pair.b))
        return DuplicateReport(threshold=settings.threshold, min_words=settings.min_words, groups=groups,
                               page_pairs=pairs, exact_min_words=settings.least_exact_words, pages=pages)

    def save(self, directory: Path) -> None:
        """Store the finder with an index generation (one pickle: a JSON of 80,000 sections took
        seconds to write, and the file is only ever read by the indexer that wrote it)."""
        text_ids, page_paths = sorted(self.text_signatures), sorted(self.page_signatures)
        width = self.settings.num_perm
        state = {"version": STATE_VERSION, "settings": self.settings,
                 "text_ids": text_ids, "page_paths": page_paths,
                 "text_matrix": _stack([self.text_signatures[t] for t in text_ids], width),
                 "page_matrix": _stack([self.page_signatures[p] for p in page_paths], width),
                 "sections": [_section_row(s) for s in self.sections.values()],
                 "text_pairs": self.text_pairs, "page_pairs": self.page_pairs}
        tmp = directory / f".{STATE_FILE}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / STATE_FILE)

    @classmethod
    def load(cls, directory: Path) -> DuplicateFinder | None:
        """The finder stored with a generation, or None when it is missing or unreadable."""
        try:
            with open(directory / STATE_FILE, "rb") as handle:
                state = pickle.load(handle)
            if state.get("version") != STATE_VERSION:
                return None
            finder = cls(state["settings"])
            finder.sections = {row[0]: SectionPrint(*row) for row in state["sections"]}
            finder.text_signatures = dict(zip(state["text_ids"], state["text_matrix"], strict=True))
            finder.page_signatures = dict(zip(state["page_paths"], state["page_matrix"], strict=True))
            finder.text_pairs, finder.page_pairs = state["text_pairs"], state["page_pairs"]
        except FileNotFoundError:
            return None
        except Exception as exc:  # any damage: recompute rather than fail the build
            log.warning("cannot read the stored duplicate finder in %s (%s): recomputing", directory, exc)
            return None
        return finder


def _section_row(s: SectionPrint) -> tuple:
    return (s.key, s.path, s.anchor, s.heading, s.page_title, s.topic, s.position, s.words, s.text_id)


def _stack(rows: list[np.ndarray], width: int) -> np.ndarray:
    return np.vstack(rows).astype(np.uint32) if rows else np.zeros((0, width), dtype=np.uint32)


def _group(kind: str, similarity: float, members: list[SectionPrint]) -> DuplicateGroup:
    """A group, members by key; in a near group each member whose text is word for word that of
    an earlier member names it, so editors see which copies are identical and which were edited."""
    first_with_text: dict[str, str] = {}
    listed = []
    for s in sorted(members, key=lambda s: s.key):
        twin = first_with_text.setdefault(s.text_id, s.key)
        listed.append(DuplicateMember(key=s.key, path=s.path, anchor=s.anchor, heading=s.heading,
                                      page_title=s.page_title, topic=s.topic, words=s.words,
                                      identical_to=twin if kind == "near" and twin != s.key else ""))
    return DuplicateGroup(kind=kind, similarity=similarity, members=listed)


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

    The same signatures as datasketch's MinHash with the "affine32" scheme and seed 1 (a test
    holds them equal), computed here with numpy: importing datasketch pulls in SciPy, which cost
    a one-page rebuild more than the rest of its work.
    """
    multipliers, offsets = _permutations(num_perm)
    rows = np.full((len(hashes), num_perm), _MAX_HASH32, dtype=np.uint32)
    with np.errstate(over="ignore"):  # wrapping mod 2**32 is the permutation
        for row, values in enumerate(hashes):
            if len(values):
                mixed = _fmix32(values.astype(np.uint32)).reshape(-1, 1)
                rows[row] = (mixed * multipliers + offsets).min(axis=0)
    return rows


_MAX_HASH32 = np.uint32(0xFFFFFFFF)


@functools.cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Odd multipliers and offsets of the affine permutations h -> a*h + b (mod 2**32)."""
    generator = np.random.RandomState(_SEED)
    multipliers = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    offsets = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return multipliers, offsets


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer: spreads the shingle hashes before the permutations."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        return values ^ (values >> np.uint32(16))


def _candidate_pairs(signatures: np.ndarray, settings: DuplicateSettings,
                     involving: np.ndarray | None = None) -> set[tuple[int, int]]:
    """Pairs (i < j) whose signatures agree on every row of at least one band (only pairs with a
    member marked in `involving`, when given: an incremental update compares new texts only).

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
            if involving is None:
                candidates.update(itertools.combinations(bucket, 2))
            elif involving[bucket].any():
                candidates.update((i, j) for i, j in itertools.combinations(bucket, 2)
                                  if involving[i] or involving[j])
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


def shared_pages(groups: Iterable[DuplicateGroup], page_pairs: Iterable[PagePair] = ()) -> list[SharedPages]:
    """Pairs of pages with sections in the same duplicate groups, with how many groups they share
    (and their whole-page similarity when near-identical), most shared first, then near-identical
    pages that share no section. Site-wide groups do not count: the support box on every page
    would pair every page with every other."""
    shared: dict[tuple[str, str], int] = {}
    for group in groups:
        if group.site_wide:
            continue
        for pair in itertools.combinations(sorted({m.path for m in group.members}), 2):
            shared[pair] = shared.get(pair, 0) + 1
    similar = {(p.a, p.b): p.similarity for p in page_pairs}
    # near-identical pages with no duplicate section in common are listed too (sharing none)
    found = [SharedPages(a, b, shared.get((a, b), 0), similar.get((a, b)))
             for a, b in shared.keys() | similar.keys()]
    return sorted(found, key=lambda p: (-p.shared_sections, -(p.similarity or 0.0), p.a, p.b))


def format_table(report: DuplicateReport) -> str:
    """Plain-text report for a terminal: one block per group, then the page pairs."""
    lines = [f"{len(report.groups)} duplicate groups (threshold {report.threshold:.2f}, near copies of "
             f"{report.min_words}+ words, exact copies of {report.exact_min_words}+ words)"]
    for number, group in enumerate(report.groups, 1):
        wide = ", site-wide block" if group.site_wide else ""
        lines.append(f"\n#{number} {group.kind}{wide}, {len(group.members)} sections, "
                     f"similarity {group.similarity:.2f}")
        lines += [f"  {member.key:<60} {member.words:>5} words  {member.heading}"
                  + (f"  (identical to {member.identical_to})" if member.identical_to else "")
                  for member in group.members]
    lines.append(f"\n{len(report.page_pairs)} near-identical page pairs")
    lines += [f"  {pair.similarity:.2f}  {pair.a}  ~  {pair.b}" for pair in report.page_pairs]
    return "\n".join(lines) + "\n"


def format_csv(report: DuplicateReport) -> str:
    """A row per group member, then a row per pair of pages sharing duplicated sections
    (spreadsheet-friendly: filter on the first column)."""
    return csv_text(CSV_COLUMNS, [*_member_rows(report), *_page_pair_rows(report)])


def _member_rows(report: DuplicateReport) -> Iterator[list]:
    for number, group in enumerate(report.groups, 1):
        for m in group.members:
            yield ["section", number, group.kind, f"{group.similarity:.3f}", m.path, m.anchor, m.heading,
                   m.page_title, m.topic, m.words, m.identical_to, "yes" if group.site_wide else "no", "", ""]


def _page_pair_rows(report: DuplicateReport) -> Iterator[list]:
    for pair in report.shared_pages():
        similarity = None if pair.similarity is None else f"{pair.similarity:.3f}"
        yield ["page pair", None, None, similarity, pair.a, *[None] * 7, pair.b, pair.shared_sections]
