"""Search latency and memory at site scale, in process (Flask test client), next to a plain-Whoosh floor.

    .venv/bin/python -m bench.search_scale --pages 10000            # generated site, seed 1
    .venv/bin/python -m bench.search_scale --pages 10000 --random-vectors

Generates the site with bench/make_site.py and indexes it (--no-semantic) under var/ when
missing. Meaning vectors for 82,000 sections take ~40 minutes to compute, so --random-vectors
writes random unit vectors of the right shape and keys instead: speed and memory do not depend
on the values (the output says when they are random). The query mix (~300 queries: words,
phrases, caller questions, misspellings, synonyms, acronyms) is fixed; each query is timed once
with the result cache emptied, then the whole mix again with the cache warm. The CPU rows are
the no-cache passes' CPU time of the whole process per request: the figure to compare between
runs when the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import numpy as np
from whoosh.qparser import MultifieldParser, OrGroup

from bench.make_site import make_site
from bench.server import memory_mb
from indexer import embeddings, store
from indexer.build import build_index
from webapp import create_app
from webapp.cache import ResultCache

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"

WORDS = ("chemotherapy flushing diarrhoea octreotide lanreotide biopsy radiotherapy fatigue "
         "lymphoedema immunotherapy mastectomy colonoscopy stoma jaundice prognosis screening "
         "scan surgery grade stage symptoms treatment nausea hair pain tiredness diet").split()
SHORT = ("bowel cancer symptoms", "breast cancer surgery", "side effects chemotherapy", "liver transplant",
         "carcinoid syndrome", "pancreatic cancer outlook", "lung cancer screening", "skin cancer signs",
         "prostate cancer grade", "womb cancer treatment", "stomach cancer diet", "ovarian cancer genes",
         "kidney cancer surgery", "thyroid cancer scan", "brain tumour headache", "myeloma bone pain")
PHRASES = ('"side effects"', '"carcinoid syndrome"', '"clinical trials"', '"bowel cancer"',
           '"neuroendocrine tumour"', '"radiotherapy" -breast', '"hair loss"', '"blood tests"')
MISSPELT = ("diarhea", "octreatide", "chemotheraphy", "colonoscapy", "lymphodema", "neuroendocrin",
            "radiotherpy", "pancratic cancer", "jaundise", "mastectomey", "immunotheraphy", "prognosys")
SYNONYMS = ("the runs", "being sick", "tummy pain", "family doctor", "carcinoid tumour", "lutetium",
            "somatostatin analogue", "Sandostatin", "chromogranin A", "multiple endocrine neoplasia type 1")
ACRONYMS = ("NET", "NEC", "PRRT", "GP", "CgA", "MEN1", "5-HIAA", "what is a NET", "NET liver spread",
            "PRRT side effects")
CALLER_TEMPLATES = (
    "my {who} has just been told {pron} has {topic} and nobody explained what happens next",
    "how long can {pron} live with {topic} if it has spread to the liver already",
    "what are the side effects of the treatment for {topic} and will {pron} lose hair",
    "is {topic} something that runs in the family and should we all be tested for it",
    "can you tell me what the first signs of {topic} are that we should look out for",
    "will {pron} be able to keep working while having chemotherapy for {topic} do you know",
)
WHO = (("mum", "she"), ("dad", "he"), ("husband", "he"), ("sister", "she"))
TOPICS = ("bowel cancer", "a neuroendocrine tumour", "pancreatic cancer", "breast cancer", "myeloma",
          "lung cancer", "a NET in the small bowel", "stomach cancer")


def query_mix(seed: int = 1) -> list[tuple[str, str]]:
    """(kind, text) pairs: about 300, the same every run."""
    rng = Random(seed)
    mix = [("word", w) for w in WORDS] + [("2-3 words", s) for s in SHORT]
    mix += [("phrase", p) for p in PHRASES] + [("misspelt", m) for m in MISSPELT]
    mix += [("synonym", s) for s in SYNONYMS] + [("acronym", a) for a in ACRONYMS]
    callers = [t.format(who=w, pron=p, topic=topic) for t in CALLER_TEMPLATES for w, p in WHO
               for topic in TOPICS]
    project = [json.loads(line)["question"] for line in (ROOT / "bench" / "questions.jsonl").open()]
    callers += [q for q in project if 8 <= len(q.split()) <= 15]
    rng.shuffle(callers)
    mix += [("caller question", c) for c in callers[:300 - len(mix)]]
    return mix


def ensure_index(pages: int, seed: int, index_dir: Path, random_vectors: bool) -> bool:
    """Generate and index the site when missing; returns True when the vectors are random."""
    if not (index_dir / store.CURRENT).exists():
        site = make_site(pages, seed)
        print(f"indexing {site} (words only) ...", flush=True)
        build_index(site, index_dir, workers=2, semantic=False)
    generation = store.current_generation(index_dir).path
    vectors = embeddings.read_vectors(generation)
    random = (generation / "RANDOM_VECTORS").exists()
    # random vectors stamped with an older model would be left unused: stamp them anew
    stale = vectors is not None and random and not embeddings.from_this_model(vectors, generation)
    if (vectors is None and random_vectors) or stale:
        write_random_vectors(index_dir)
        return True
    return vectors is not None and random


def write_random_vectors(index_dir: Path) -> None:
    """Random unit vectors for every section of the live generation (marked as random)."""
    generation = store.current_generation(index_dir).path
    index, _ = store.open_index(index_dir)
    with index.searcher() as searcher:
        keys = [term.decode("utf-8") for term in searcher.lexicon("key")]
    matrix = np.random.default_rng(0).standard_normal((len(keys), embeddings.DIMENSIONS)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    embeddings.write_vectors(generation, embeddings.SectionVectors(keys, ["random"] * len(keys), matrix))
    (generation / "RANDOM_VECTORS").write_text("vectors written by bench.search_scale, not the model\n")


def percentiles(times: list[float]) -> str:
    """p50 / p95 / p99 / max in milliseconds."""
    ordered = sorted(times)
    pick = lambda p: ordered[min(len(ordered) - 1, int(p * len(ordered)))]  # noqa: E731
    return f"{statistics.median(ordered):7.1f} {pick(0.95):7.1f} {pick(0.99):7.1f} {ordered[-1]:7.1f}"


@dataclass
class Timings:
    """Per kind, each request's milliseconds: wall clock, and CPU of the whole process (every
    thread: the question's encoder too). On a shared machine the CPU figures hold still while
    the wall clock follows the other load."""

    wall: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def time_api(client, service, endpoint: str, mix: list[tuple[str, str]], cached: bool) -> Timings:
    """Time each request of the mix (the result cache emptied first unless `cached`)."""
    times = Timings()
    for kind, text in mix:
        if not cached:
            service.cache = ResultCache()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(endpoint, query_string={"q": text})
        times.wall[kind].append((time.perf_counter() - started) * 1000)
        times.cpu[kind].append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (text, response.status_code)
    return times


def time_floor(index_dir: Path, mix: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Plain Whoosh BM25F over title, heading and body (no synonyms, no ranking): the floor."""
    index, _ = store.open_index(index_dir)
    searcher = index.searcher()
    parser = MultifieldParser(["title", "heading", "body"], index.schema, group=OrGroup)
    times: dict[str, list[float]] = defaultdict(list)
    for kind, text in mix:
        started = time.perf_counter()
        [hit["key"] for hit in searcher.search(parser.parse(text), limit=10)]
        times[kind].append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: dict[str, list[float]]) -> None:
    """One line overall, one per kind."""
    every = [t for ts in times.values() for t in ts]
    print(f"{name:<28} {'all':<16} {len(every):4d} {percentiles(every)}")
    for kind, ts in sorted(times.items()):
        print(f"{'':<28} {kind:<16} {len(ts):4d} {percentiles(ts)}")


def main(argv: list[str] | None = None) -> int:
    """Command line: --pages N [--seed S] [--index DIR] [--random-vectors] [--skip-floor]
    [--floor-every K]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--index", type=Path, default=None, help="default var/idx-pages-N-seed-S")
    parser.add_argument("--random-vectors", action="store_true",
                        help="write random unit vectors when the index has none (speed and memory only)")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--floor-every", type=int, default=1, metavar="K",
                        help="time the floor on every K-th query of the mix only (plain Whoosh takes "
                             "seconds a query at 10,000 pages: the whole mix is ~20 minutes)")
    args = parser.parse_args(argv)
    index_dir = args.index or VAR / f"idx-pages-{args.pages}-seed-{args.seed}"
    random = ensure_index(args.pages, args.seed, index_dir, args.random_vectors)
    mix = query_mix(args.seed)
    before = memory_mb(os.getpid())["rss"]
    started = time.perf_counter()
    app = create_app({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_INSIGHTS_DB": "", "SEARCH_RATE_LIMIT": "",
                      "SEARCH_CORPUS_DIR": str(ROOT / "corpus")})
    service = app.extensions["search"]
    status = service.status()
    print(f"index {index_dir}: {status['documents']} sections, {status['pages']} pages; meaning vectors: "
          f"{'RANDOM (speed and memory only)' if random else status['semantic']}")
    print(f"app loaded in {time.perf_counter() - started:.1f}s; RSS {before:.0f} MB before, "
          f"{memory_mb(os.getpid())['rss']:.0f} MB after load")
    client = app.test_client()
    print(f"{'ms':<28} {'kind':<16} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    # the first pass pays what a worker meets once in its life (posting lists and blocks of
    # positions not read before, words not stemmed before); the others show a worker in service
    report("/api/search (first pass)", time_api(client, service, "/api/search", mix, cached=False).wall)
    searches = time_api(client, service, "/api/search", mix, cached=False)
    report("/api/search (no cache)", searches.wall)
    asks = time_api(client, service, "/api/ask", mix, cached=False)
    report("/api/ask (no cache)", asks.wall)
    time_api(client, service, "/api/search", mix, cached=True)
    report("/api/search (cache warm)", time_api(client, service, "/api/search", mix, cached=True).wall)
    report("CPU: /api/search (no cache)", searches.cpu)
    report("CPU: /api/ask (no cache)", asks.cpu)
    if not args.skip_floor:
        sample = mix[::args.floor_every]
        label = "floor: plain Whoosh BM25F" + (f" (1/{args.floor_every})" if args.floor_every > 1 else "")
        report(label, time_floor(index_dir, sample))
    memory = memory_mb(os.getpid())
    print(f"RSS after the runs: {memory['rss']:.0f} MB, of it private {memory['private_dirty']:.0f} MB "
          "(Private_Dirty; one process: app, index, vectors, encoder; under gunicorn the encoder's "
          "~170 MB is shared by the workers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
