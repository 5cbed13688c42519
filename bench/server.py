"""The production server (gunicorn, 2 workers) on a free loopback port, for benchmarks and tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def gunicorn(index_dir: Path, corpus_dir: Path, insights_db: str = "",
             seconds: float = 30, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app over an index until the block ends; yields the base URL once /healthz
    answers. A server that dies or does not answer in time raises with its log's tail."""
    port = _free_port()
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CORPUS_DIR": str(corpus_dir),
           "SEARCH_INSIGHTS_DB": insights_db, **(env or {})}
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                                 f"127.0.0.1:{port}", "webapp:create_app()"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base + "/healthz", proc, log, seconds)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("gunicorn did not start: " + log.read().decode()[-2000:]) from None
            time.sleep(0.2)
