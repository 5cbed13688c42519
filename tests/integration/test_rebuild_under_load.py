"""Rebuilds while people search: the real gunicorn on loopback, bounded load, no failed request."""
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sitegen import page_html, write_corpus

from bench.server import gunicorn
from indexer.build import build_index

pytestmark = pytest.mark.slow
QUERIES = ("flushing", "what is a NET", "carcinoid syndrome diarrhoea", "octreotide", "tummy pain")
CLIENTS = 4


def site(version: int) -> dict[str, str]:
    """Twelve pages; `version` changes the wording of some, so each build has work to publish."""
    return {f"net/page{i}.html": page_html(f"Page {i}", {
        "Flushing": f"Carcinoid syndrome causes flushing and diarrhoea (edition {version + i % 3}).",
        "Octreotide": "Octreotide is an injection that eases the symptoms of a NET.",
        "Tummy pain": f"Tummy pain can come from the bowel. Version {version if i % 4 == 0 else 0}.",
    }, topic="Neuroendocrine cancer") for i in range(12)}


def search_until(base: str, stop: threading.Event, outcomes: list[int]) -> None:
    """One client: searches one after another until told to stop; records each status code."""
    number = 0
    while not stop.is_set():
        query = urllib.parse.urlencode({"q": QUERIES[number % len(QUERIES)]})
        path = "/api/search" if number % 2 else "/api/ask"
        number += 1
        try:
            with urllib.request.urlopen(f"{base}{path}?{query}", timeout=30) as response:
                outcomes.append(response.status)
        except urllib.error.HTTPError as exc:
            outcomes.append(exc.code)
        except OSError:
            outcomes.append(0)  # no answer at all


def test_searches_during_rebuilds_all_succeed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", site(0))
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    env = {"SEARCH_RATE_LIMIT": ""}  # the load comes from one address on purpose
    with gunicorn(tmp_path / "index", corpus, env=env) as base:
        stop, outcomes = threading.Event(), []
        clients = [threading.Thread(target=search_until, args=(base, stop, outcomes)) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
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
