"""Duplicate finding on a synthetic site, several sizes in one run, with planted copies to recover.

    .venv/bin/python -m bench.duplicates_bench                  # 1,000 and 10,000 pages x 8 sections
    .venv/bin/python -m bench.duplicates_bench --sizes 500,5000

The machine is shared and noisy: compare rows of one run (ratios), not runs with each other.
"""
from __future__ import annotations

import argparse
import itertools
import random
import time
from dataclasses import dataclass, field

from indexer.duplicates import DuplicateReport, find_duplicates
from indexer.model import PageMeta, Section

SECTIONS_PER_PAGE = 8
SEED = 20240611
SYLLABLES = ("ab", "al", "an", "ar", "bo", "ca", "de", "di", "en", "er", "fa", "go", "he", "in", "ka",
             "la", "lo", "ma", "me", "mi", "na", "ne", "no", "or", "pa", "ra", "re", "ri", "sa", "se",
             "so", "ta", "te", "ti", "to", "tu", "ul", "un", "va", "ve", "vi", "ya", "ze", "zo")


@dataclass
class Site:
    """A synthetic site and the duplicates planted in it (pairs of section keys / page paths)."""

    sections: list[Section]
    planted: list[tuple[str, str]] = field(default_factory=list)
    planted_pages: list[tuple[str, str]] = field(default_factory=list)


def vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf-like weights, so common words are shared as in real prose."""
    words = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(size * 2)})[:size]
    rng.shuffle(words)
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    return words, weights


def passage(rng: random.Random, vocab: tuple[list[str], list[float]]) -> str:
    """A section's text: sentences of 8-20 words; mostly 40-220 words, some short ones (nav-like)."""
    target = rng.randint(5, 20) if rng.random() < 0.1 else rng.randint(40, 220)
    sentences, count = [], 0
    while count < target:
        length = rng.randint(8, 20)
        sentence = rng.choices(vocab[0], cum_weights=vocab[1], k=length)
        sentences.append(" ".join(sentence).capitalize() + ".")
        count += length
    return "\n".join(sentences)


def mutate(rng: random.Random, text: str, vocab: tuple[list[str], list[float]]) -> str:
    """A near copy: either one sentence added or 2% of the words swapped for others."""
    if rng.random() < 0.5:
        return text + "\n" + " ".join(rng.choices(vocab[0], cum_weights=vocab[1], k=12)).capitalize() + "."
    words = text.split()
    for index in rng.sample(range(len(words)), max(1, len(words) // 50)):
        words[index] = rng.choice(vocab[0])
    return " ".join(words)


def make_site(pages: int, seed: int = SEED) -> Site:
    """`pages` pages x 8 sections, with ~1% planted exact copies, ~1% near copies and 0.2% page copies."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    texts = {(p, s): passage(rng, vocab) for p in range(pages) for s in range(SECTIONS_PER_PAGE)}
    slots = rng.sample(sorted(texts), 2 * (pages // 100) * 2)
    plants: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for number, (source, target) in enumerate(zip(slots[::2], slots[1::2], strict=True)):
        while len(texts[source].split()) < 80:  # near copies of tiny passages are not near at all
            texts[source] = passage(rng, vocab)
        exact = number % 2 == 0
        texts[target] = texts[source] if exact else mutate(rng, texts[source], vocab)
        plants.append((source, target))
    page_plants = _copy_pages(rng, texts, pages, {page for page, _ in slots}, vocab)
    sections = [_section(p, s, texts[p, s]) for p in range(pages) for s in range(SECTIONS_PER_PAGE)]
    return Site(sections, [(_key(*a), _key(*b)) for a, b in plants],
                [(_path(a), _path(b)) for a, b in page_plants])


def _copy_pages(rng: random.Random, texts: dict, pages: int, used: set[int],
                vocab: tuple[list[str], list[float]]) -> list[tuple[int, int]]:
    """Whole-page copies with one section lightly edited (pages not touched by section plants)."""
    free = [p for p in range(pages) if p not in used]
    chosen = rng.sample(free, min(len(free), 2 * max(1, pages // 500)))
    pairs = list(zip(chosen[::2], chosen[1::2], strict=True))
    for source, target in pairs:
        for s in range(SECTIONS_PER_PAGE):
            texts[target, s] = texts[source, s]
        texts[target, 0] = mutate(rng, texts[source, 0], vocab)
    return pairs


def _path(page: int) -> str:
    return f"topic{page % 37}/page{page:05d}.html"


def _key(page: int, slot: int) -> str:
    return f"{_path(page)}#s{slot}"


def _section(page: int, slot: int, text: str) -> Section:
    meta = PageMeta(path=_path(page), url="/" + _path(page), title=f"Page {page}", h1=f"Page {page}",
                    description="", breadcrumb=(), topic=f"Topic {page % 37}")
    return Section(page=meta, anchor=f"s{slot}", heading=f"Heading {slot}", heading_path=(f"Heading {slot}",),
                   level=2, position=slot, text=text)


def found(report: DuplicateReport, planted: list[tuple[str, str]]) -> int:
    """How many planted pairs ended up in one group together."""
    group_of = {member.key: number for number, group in enumerate(report.groups) for member in group.members}
    return sum(1 for a, b in planted if a in group_of and group_of.get(a) == group_of.get(b))


def run(size: int) -> tuple[str, ...]:
    """Time find_duplicates on one synthetic site; a table row."""
    site = make_site(size)
    started = time.perf_counter()
    report = find_duplicates(site.sections)
    seconds = time.perf_counter() - started
    pairs = {(pair.a, pair.b) for pair in report.page_pairs}
    pages_found = sum(1 for a, b in site.planted_pages if tuple(sorted((a, b))) in pairs)
    return (f"{size:,}", f"{len(site.sections):,}", f"{seconds:.2f}", f"{len(site.sections) / seconds:,.0f}",
            f"{len(report.groups)}", f"{found(report, site.planted)}/{len(site.planted)}",
            f"{pages_found}/{len(site.planted_pages)} ({len(report.page_pairs)} reported)")


def main() -> None:
    """Run each size in turn and print one table, then the time ratio between sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="page counts, comma-separated")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    header = ("pages", "sections", "seconds", "sections/s", "groups found", "planted found",
              "page pairs found")
    rows = [run(size) for size in sizes]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    for (small, a), (large, b) in itertools.pairwise(zip(sizes, rows, strict=True)):
        print(f"{large:,} vs {small:,} pages: {large / small:.1f}x the input took "
              f"{float(b[2]) / float(a[2]):.1f}x the time")


if __name__ == "__main__":
    main()
