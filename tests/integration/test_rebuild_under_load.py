"""Rebuilds while people search: the real gunicorn on loopback, bounded load, no failed request."""
import threading
import time

import pytest
from searchload import site, start_clients
from sitegen import write_corpus

from bench.server import gunicorn
from indexer.build import build_index

pytestmark = pytest.mark.slow
CLIENTS = 4


def test_searches_during_rebuilds_all_succeed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", site(0))
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    env = {"SEARCH_RATE_LIMIT": ""}  # the load comes from one address on purpose
    with gunicorn(tmp_path / "index", corpus, env=env) as base:
        stop, outcomes = threading.Event(), []
        clients = start_clients(base, CLIENTS, stop, outcomes)
        try:
            for version in range(1, 6):  # five rebuilds while the clients search
                write_corpus(corpus, site(version))
                report = build_index(corpus, tmp_path / "index", workers=1, semantic=False)
                assert report.published
                time.sleep(0.3)  # let requests land on the new generation
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
    failed = [code for code in outcomes if code != 200]
    print(f"{len(outcomes)} requests during 5 rebuilds, {len(failed)} failed")
    assert len(outcomes) >= 20 and failed == [], (len(outcomes), failed[:10])
