"""Throughput and latency over HTTP under a real load generator (wrk), against gunicorn as `make run` runs it.

    .venv/bin/python -m bench.http_load --pages 10000 --index DIR       # the table: 1, 8, 32 connections
    .venv/bin/python -m bench.http_load --pages 10000 --index DIR --compare-models

For each number of connections, three loads in one run, each a bounded wrk run on 127.0.0.1
after a warm-up: `/healthz` (the floor: the server doing no search), unique queries (every
request a different `/api/search?q=`, so the result cache never answers) and a Zipf mix over
1,000 queries (popular searches repeat, as on a real site, and hit the cache). The Zipf runs
after a short warm-up still meet much of the long tail for the first time (each such search is
a miss); so, after the table's runs, every one of the 1,000 is asked once and the Zipf mix is
measured again at each number of connections ("all seen before": a server in service some
while after a build, misses only after a new generation). Then the memory of each worker.
`--compare-models` instead serves the same unique and Zipf loads at 8 connections from several
gunicorn worker models (sync, gthread, preload; 2 and 3 workers).

The index is bench/search_scale.py's (generated site, words only, random vectors marked
RANDOM_VECTORS; built when missing, which takes 10+ minutes at 10,000 pages). wrk comes from
Debian: `make bench-deps`. The server runs without rate limits (all load comes from one
address) and without search insights; everything else is `make run`'s.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from random import Random

from bench.search_scale import ROOT, VAR, ensure_index, query_mix
from bench.server import Server, WorkerModel, memory_mb, serve

ZIPF_QUERIES = 1000
ZIPF_EXPONENT = 1.0      # the classic web-search shape: the top query ~13% of requests, top 100 ~70%
ZIPF_SEQUENCE = 60_000   # requests drawn per run; wrk walks them in order (wraps if it gets further)
UNIQUE_SLICE = 3_000     # unique queries set aside for each run: more than any run gets through
IDLE_SECONDS = 0.05      # /healthz this quick means no search is queued ahead of it
SERVER_ENV = {"SEARCH_RATE_LIMIT": ""}  # the whole load comes from one address on purpose
MODELS = (WorkerModel(2), WorkerModel(3), WorkerModel(2, "gthread", 4), WorkerModel(3, "gthread", 4),
          WorkerModel(2, preload=True), WorkerModel(3, preload=True))

LUA = """-- written by bench/http_load.py: walk `paths` in `order`, then print the figures as JSON
local paths = {%(paths)s}
local order = {%(order)s}
local done_requests = 0
request = function()
  done_requests = done_requests + 1
  return wrk.format("GET", paths[order[(done_requests - 1) %% #order + 1]])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"max_us": %%d, "errors": %%d, "bad_status": %%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Load:
    """One kind of traffic: a list of distinct paths and the order wrk requests them in."""

    name: str
    paths: list[str]
    order: list[int]

    def lua(self) -> str:
        """The wrk script that requests this load (Lua indexes from 1)."""
        return LUA % {"paths": ",".join(f'"{p}"' for p in self.paths),
                      "order": ",".join(str(i + 1) for i in self.order)}


@dataclass
class Result:
    """What wrk measured in one run."""

    load: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    failed: int
    note: str = ""

    @property
    def per_second(self) -> float:
        """Requests answered a second."""
        return self.requests / self.seconds


def search_path(text: str) -> str:
    """The API path of a search."""
    return "/api/search?" + urllib.parse.urlencode({"q": text})


def extra_words(mix: list[str]) -> list[str]:
    """The mix's own words of five letters or more: what a variant adds to a query."""
    words = {word.lower() for text in mix for word in text.split() if word.isalpha() and len(word) >= 5}
    return sorted(words)


def variants(mix: list[str]) -> list[str]:
    """Each query of the mix with one more word of the mix added: tens of thousands of searches
    shaped like the mix (a unique run must never repeat one; the cache would answer it)."""
    words = extra_words(mix)
    return [f"{text} {word}" for text in mix for word in words if word not in text.lower()]


def unique_queries(seed: int) -> list[str]:
    """The mix and its variants, shuffled, each once."""
    mix = [text for _, text in query_mix(seed)]
    texts = list(dict.fromkeys(mix + variants(mix)))
    Random(seed).shuffle(texts)
    return texts


def unique_load(queries: list[str], run: int) -> Load:
    """The run's own slice of the unique queries, so no query repeats within a server's life."""
    paths = [search_path(text) for text in queries[run * UNIQUE_SLICE:(run + 1) * UNIQUE_SLICE]]
    if len(paths) < UNIQUE_SLICE:
        raise ValueError(f"only {len(queries)} unique queries for run {run}")
    return Load("unique queries", paths, list(range(len(paths))))


def zipf_queries(seed: int) -> list[str]:
    """1,000 searches: the whole mix plus variants, in a shuffled order of popularity."""
    texts = list(dict.fromkeys(text for _, text in query_mix(seed)))
    extra = [text for text in dict.fromkeys(variants(texts)) if text not in texts]
    texts += Random(seed).sample(extra, ZIPF_QUERIES - len(texts))
    Random(seed + 1).shuffle(texts)
    return texts


def zipf_load(queries: list[str], run: int) -> Load:
    """A fresh Zipf draw per run (same popularity, different sequence), so a measured run never
    replays its warm-up request for request."""
    weights = [1 / rank ** ZIPF_EXPONENT for rank in range(1, len(queries) + 1)]
    order = Random(1000 + run).choices(range(len(queries)), weights=weights, k=ZIPF_SEQUENCE)
    return Load("Zipf repeats", [search_path(text) for text in queries], order)


def healthz_load() -> Load:
    """Only /healthz: the server's floor."""
    return Load("/healthz", ["/healthz"], [0])


def run_wrk(base: str, load: Load, connections: int, seconds: float) -> Result:
    """One bounded wrk run (one wrk thread, so each run walks its order exactly once)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(load.lua())
        script.flush()
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
                   "-s", script.name, base + "/"]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90,
                                check=True).stdout
    figures = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    return Result(load.name, connections, figures["requests"], figures["duration_us"] / 1e6,
                  figures["p50_us"] / 1000, figures["p99_us"] / 1000, figures["max_us"] / 1000,
                  figures["errors"] + figures["bad_status"])


def wait_until_idle(base: str, seconds: float = 120) -> None:
    """Wait until the server has finished what wrk left it: a sync worker still computes the
    searches of connections wrk closed at the end of a run, and the next run would pay for them.
    Idle is /healthz answering quickly (it waits in the same queue as those searches)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(base + "/healthz", timeout=seconds) as response:
            response.read()
        if time.monotonic() - started < IDLE_SECONDS:
            return
    raise RuntimeError(f"the server at {base} was still busy after {seconds:g} s")


class Bench:
    """Warm-up and measured runs against one server, keeping track of what it has seen."""

    def __init__(self, server: Server, args: argparse.Namespace) -> None:
        self.server, self.args = server, args
        self.zipf = zipf_queries(args.seed)
        popular = set(self.zipf)  # a Zipf run must not have put a "unique" query in the cache
        self.unique = [text for text in unique_queries(args.seed) if text not in popular]
        self.unique_runs = self.zipf_runs = 0
        self.seen: set[str] = set()  # search paths this server has been asked before

    def measure(self, kind: str, connections: int) -> Result:
        """Warm up, then measure one load; notes how many of its searches were new to the server."""
        self._run(kind, connections, self.args.zipf_warmup if kind == "zipf" else self.args.warmup)
        return self._run(kind, connections, self.args.seconds)

    def ask_every_zipf_query(self, connections: int = 8) -> None:
        """Ask each of the Zipf mix's 1,000 searches once, as a site's popular searches all have
        been some while after a build: what follows measures a server in service, not one meeting
        its long tail for the first time."""
        def ask(text: str) -> None:
            with urllib.request.urlopen(self.server.base + search_path(text), timeout=120) as response:
                response.read()

        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(ask, self.zipf))
        self.seen |= {search_path(text) for text in self.zipf}
        wait_until_idle(self.server.base)

    def _run(self, kind: str, connections: int, seconds: float) -> Result:
        if kind == "unique":
            load = unique_load(self.unique, self.unique_runs)  # each unique run its own slice
            self.unique_runs += 1
        elif kind == "healthz":
            load = healthz_load()
        else:
            self.zipf_runs += 1
            load = zipf_load(self.zipf, self.zipf_runs)
            if kind == "zipf-seen":
                load.name = "Zipf, all seen before"
        result = run_wrk(self.server.base, load, connections, seconds)
        result.note = self._note(load, result.requests)
        wait_until_idle(self.server.base)
        return result

    def _note(self, load: Load, requests: int) -> str:
        """For searches: how many distinct searches the run made and how many of them no
        earlier run had made (each of those is computed at least once, by some worker)."""
        if load.name == "/healthz":
            return ""
        asked = [load.paths[load.order[i % len(load.order)]] for i in range(requests)]
        distinct = set(asked)
        new = len(distinct - self.seen)
        self.seen |= distinct
        wrapped = " (walked its list more than once!)" if requests > len(load.order) else ""
        return f"{len(distinct)} distinct, {new} new{wrapped}"


def print_results(results: list[Result], floors: dict[int, float]) -> None:
    """The side-by-side table, with each load's throughput as a share of the /healthz floor."""
    print(f"{'load':<24} {'conns':>5} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'x floor':>7} {'failed':>6}  searches")
    for r in results:
        share = f"{r.per_second / floors[r.connections]:.3f}" if r.connections in floors else "-"
        print(f"{r.load:<24} {r.connections:>5} {r.requests:>8} {r.per_second:>8.1f} {r.p50_ms:>8.1f} "
              f"{r.p99_ms:>8.1f} {r.max_ms:>8.1f} {share:>7} {r.failed:>6}  {r.note}", flush=True)


def print_memory(server: Server, label: str = "") -> None:
    """RSS, PSS and private memory of the master and each worker."""
    print(f"memory after the load{label} (MB): process  RSS  PSS  private")
    master = server.process.pid
    for pid in [master, *server.worker_pids()]:
        figures = memory_mb(pid)
        role = "master" if pid == master else "worker"
        print(f"  {role} {pid:>7} {figures['rss']:7.0f} {figures['pss']:7.0f} {figures['private']:7.0f}")


def main_table(args: argparse.Namespace, index_dir: Path, model: WorkerModel) -> None:
    """The three loads at each number of connections, against one server."""
    with serve(index_dir, ROOT / "corpus", seconds=300, env=SERVER_ENV, model=model,
               access_log=True) as server:
        bench = Bench(server, args)
        results, floors = [], {}
        for connections in args.connections:
            for kind in ("healthz", "unique", "zipf"):
                results.append(bench.measure(kind, connections))
                if kind == "healthz":
                    floors[connections] = results[-1].per_second
            print(f"  ... {connections} connections done ({time.strftime('%H:%M:%S')})", flush=True)
        bench.ask_every_zipf_query()
        for connections in args.connections:
            results.append(bench.measure("zipf-seen", connections))
        print(f"  ... Zipf with every search seen before done ({time.strftime('%H:%M:%S')})", flush=True)
        print_results(results, floors)
        print_memory(server)


def compare_models(args: argparse.Namespace, index_dir: Path) -> None:
    """Unique and Zipf loads at 8 connections from each worker model, one server after another."""
    results, memory = [], []
    for model in MODELS:
        with serve(index_dir, ROOT / "corpus", seconds=300, env=SERVER_ENV, model=model,
                   access_log=True) as server:
            bench = Bench(server, args)
            for kind in ("unique", "zipf"):
                result = bench.measure(kind, 8)
                result.load = f"{model.label()}: {kind}"
                results.append(result)
            workers = [memory_mb(pid) for pid in server.worker_pids()]
            memory.append((model.label(), workers))
        print(f"  ... {model.label()} done ({time.strftime('%H:%M:%S')})", flush=True)
    print_results(results, {})
    print("worker memory after the load (MB, each worker): RSS / PSS / private")
    for label, workers in memory:
        print(f"  {label:<22} " + "   ".join(f"{w['rss']:.0f} / {w['pss']:.0f} / {w['private']:.0f}"
                                            for w in workers))


def uptime() -> str:
    """The machine's load averages, as `uptime` prints them."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line: --pages N [--seed S] [--index DIR] [--seconds T] [--warmup T] [--compare-models]..."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--index", type=Path, default=None, help="default var/idx-pages-N-seed-S")
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=3, help="length of the warm-up before each run")
    parser.add_argument("--zipf-warmup", type=float, default=10,
                        help="warm-up before a Zipf run: longer, as that load is about a cache in use")
    parser.add_argument("--connections", type=lambda s: [int(c) for c in s.split(",")], default=[1, 8, 32])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--preload", action=argparse.BooleanOptionalAction, default=True,
                        help="load the app in the master before forking (as `make run` does)")
    parser.add_argument("--compare-models", action="store_true",
                        help="unique and Zipf at 8 connections for each worker model, instead of the table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Check for wrk, make sure the index exists, then run the table or the model comparison."""
    args = parse_args(argv)
    print("$ .venv/bin/python -m bench.http_load " + shlex.join(sys.argv[1:] if argv is None else argv))
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-deps` (installs Debian's wrk with apt-get; needs "
              "root or sudo), or `sudo apt-get install wrk`", file=sys.stderr)
        return 2
    index_dir = args.index or VAR / f"idx-pages-{args.pages}-seed-{args.seed}"
    random = ensure_index(args.pages, args.seed, index_dir, random_vectors=True)
    model = WorkerModel(args.workers, args.worker_class, args.threads, args.preload)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {uptime()}")
    print(f"index {index_dir} ({'RANDOM vectors' if random else 'vectors from the model'}); "
          f"{args.seconds:g} s runs after {args.warmup:g} s warm-ups ({args.zipf_warmup:g} s for Zipf); "
          "one wrk thread on the same machine")
    if args.compare_models:
        compare_models(args, index_dir)
    else:
        print(f"server: gunicorn {' '.join(model.arguments())}, access log on, rate limits off")
        main_table(args, index_dir, model)
    print(f"finished {time.strftime('%H:%M:%S')}; {uptime()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
