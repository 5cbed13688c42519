"""The production server (gunicorn, as `make run` runs it) on a free loopback port, for benches and tests."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from webapp.search import SHARED_CACHE_FILE


@dataclass(frozen=True)
class WorkerModel:
    """How gunicorn runs the app: how many worker processes, of which class, with how many
    threads each, and whether the app is loaded once in the master before the workers fork."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    preload: bool = False

    def arguments(self) -> list[str]:
        """gunicorn's command-line options for this model."""
        arguments = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            arguments += ["--threads", str(self.threads)]
        return arguments + (["--preload"] if self.preload else [])

    def label(self) -> str:
        """A short name for tables, e.g. '2 gthread x4 preload'."""
        threads = f" x{self.threads}" if self.worker_class == "gthread" else ""
        return f"{self.workers} {self.worker_class}{threads}{' preload' if self.preload else ''}"


@dataclass
class Server:
    """A running gunicorn: its base URL and master process."""

    base: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        """Process ids of the master's children (the workers), from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # the command may hold spaces and brackets: the parent id follows the last ')'
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)


@contextmanager
def serve(index_dir: Path, corpus_dir: Path, insights_db: str = "", seconds: float = 30,
          env: dict[str, str] | None = None, model: WorkerModel = WorkerModel(),
          access_log: bool = False) -> Iterator[Server]:
    """Serve the app over an index until the block ends; yields the Server once /healthz
    answers. A server that dies or does not answer in time raises with its log's tail.
    `access_log` writes gunicorn's access log as `make run` does (to a discarded stdout), so a
    benchmark pays for it too."""
    forget_results(index_dir)
    port = _free_port()
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CORPUS_DIR": str(corpus_dir),
           "SEARCH_INSIGHTS_DB": insights_db, **(env or {})}
    command = [sys.executable, "-m", "gunicorn", *model.arguments(), "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "-"] if access_log else []
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen([*command, "webapp:create_app()"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        server = Server(f"http://127.0.0.1:{port}", proc)
        try:
            _wait_until_up(server.base + "/healthz", proc, log, seconds)
            yield server
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def forget_results(index_dir: Path) -> None:
    """Delete the index's shared result cache: every benchmark server starts with none, or a
    second run would find the first one's searches already answered."""
    for suffix in ("", "-wal", "-shm"):
        (Path(index_dir) / f"{SHARED_CACHE_FILE}{suffix}").unlink(missing_ok=True)


@contextmanager
def gunicorn(index_dir: Path, corpus_dir: Path, insights_db: str = "",
             seconds: float = 30, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app (2 sync workers) over an index until the block ends; yields the base URL."""
    with serve(index_dir, corpus_dir, insights_db, seconds, env) as server:
        yield server.base


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory in MB: RSS, and from smaps_rollup its proportional share
    (PSS: pages shared with other processes counted in part), its private pages, and of those
    the written ones (Private_Dirty: not index files read through the page cache)."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kb = {name: int(value) for name, value in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024,
            "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
            "private_dirty": kb["Private_Dirty"] / 1024}


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
