"""Scale-out: two separate servers (two gunicorns, as on two web nodes) serve one index directory
while a build publishes a new generation; no request fails and both move to the new content."""
import json
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack, closing

import pytest
from searchload import site, start_clients
from sitegen import page_html, write_corpus

from bench.server import WorkerModel, serve
from indexer.build import build_index

pytestmark = pytest.mark.slow
CLIENTS_PER_SERVER = 2
NEW_WORD = "marigold"  # on no page until the edit below


def get_json(base: str, path: str) -> dict:
    """GET a JSON path of a server (any error status raises)."""
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.load(response)


def pages_found(base: str, text: str) -> list[str]:
    """Paths of the pages a server finds for a search."""
    found = get_json(base, "/api/search?" + urllib.parse.urlencode({"q": text}))
    return [result["path"] for result in found["results"]]


def wait_for_new_content(bases: list[str], seconds: float = 10) -> dict[str, list[str]]:
    """Each server's pages for NEW_WORD, polled until every server finds the edited page."""
    deadline = time.monotonic() + seconds
    while True:
        found = {base: pages_found(base, NEW_WORD) for base in bases}
        if all("net/page3.html" in pages for pages in found.values()) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_two_servers_serve_one_index_through_a_publish(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", site(0))
    index, insights = tmp_path / "index", tmp_path / "insights.sqlite3"
    build_index(corpus, index, workers=1, semantic=False)
    env = {"SEARCH_RATE_LIMIT": ""}  # the load comes from one address on purpose
    with ExitStack() as servers:
        # one server as `make run` starts it (the app preloaded before the fork), one without
        # the preloaded one keeps search insights: its worker must write them, not its master
        models = ((WorkerModel(1, preload=True), str(insights)), (WorkerModel(1), ""))
        bases = [servers.enter_context(serve(index, corpus, db, env=env, model=model)).base
                 for model, db in models]
        assert [pages_found(base, NEW_WORD) for base in bases] == [[], []]
        before = {get_json(base, "/healthz")["generation"] for base in bases}
        stop, outcomes = threading.Event(), {base: [] for base in bases}
        clients = [client for base in bases
                   for client in start_clients(base, CLIENTS_PER_SERVER, stop, outcomes[base])]
        try:
            time.sleep(0.5)  # both servers busy before the build starts
            edited = page_html("Page 3", {"Marigold": f"A {NEW_WORD} cream soothes skin after radiotherapy."},
                               topic="Neuroendocrine cancer")
            write_corpus(corpus, {"net/page3.html": edited})
            report = build_index(corpus, index, workers=1, semantic=False)
            assert report.published
            found = wait_for_new_content(bases)
            time.sleep(0.5)  # and a little load on the new generation
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
        after = {get_json(base, "/healthz")["generation"] for base in bases}
    assert all("net/page3.html" in pages for pages in found.values()), found
    assert len(after) == 1 and after != before, (before, after)  # one new generation, served by both
    with closing(sqlite3.connect(insights)) as db:  # the servers have stopped: all is written
        assert db.execute("SELECT COUNT(*) FROM searches").fetchone()[0] > 0
    for base, codes in outcomes.items():
        failed = [code for code in codes if code != 200]
        print(f"{base}: {len(codes)} requests through the publish, {len(failed)} failed")
        assert len(codes) >= 10 and failed == [], (base, len(codes), failed[:10])
