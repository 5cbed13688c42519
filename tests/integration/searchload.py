"""Load for tests against real servers: a small site that each build changes, and clients that
search a server in a loop while something else happens (a rebuild, a publish)."""
from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request

from sitegen import page_html

QUERIES = ("flushing", "what is a NET", "carcinoid syndrome diarrhoea", "octreotide", "tummy pain")


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


def start_clients(base: str, count: int, stop: threading.Event,
                  outcomes: list[int]) -> list[threading.Thread]:
    """`count` clients searching `base` until `stop` is set, all recording into `outcomes`."""
    clients = [threading.Thread(target=search_until, args=(base, stop, outcomes)) for _ in range(count)]
    for client in clients:
        client.start()
    return clients
