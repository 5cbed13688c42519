"""One client cannot starve the rest: a token bucket per client on the search endpoints, and a
cap on how many expensive requests one worker runs at once.

Both live in the worker's memory (no shared store to run): with N gunicorn workers a client
gets up to N times the configured rate, which is still far below what would starve others.
"""
from __future__ import annotations

import math
import threading
import time

from flask import Flask, Response, g, make_response, request

from webapp.errors import error_response

RATE_LIMITED = {"views.search", "views.ask", "api.search", "api.ask", "api.suggest", "auth.login"}
EXPENSIVE = {"views.search", "views.ask", "api.search", "api.ask"}
IN_FLIGHT_WAIT_SECONDS = 0.5  # a short wait smooths a blip; a long queue only hides overload
MAX_CLIENTS = 10_000          # buckets kept in memory; idle full ones are dropped first


class TokenBuckets:
    """`rate` requests a second per client, with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: float, max_clients: int = MAX_CLIENTS) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds until the client has a token (0 if it has one now), spending nothing."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, when = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        if tokens >= 1:
            return 0.0
        return (1 - tokens) / self.rate if self.rate > 0 else math.inf

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token: 0 if the request may go ahead, else the seconds until it could."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, when = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate if self.rate > 0 else math.inf
            if client not in self._buckets and len(self._buckets) >= self.max_clients:
                self._forget_idle(now)
            self._buckets[client] = (tokens - 1, now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose buckets have refilled (they are as if never seen); if none have,
        drop the oldest half, so memory stays bounded under a flood of addresses."""
        full = [c for c, (tokens, when) in self._buckets.items()
                if tokens + (now - when) * self.rate >= self.burst]
        if not full:
            full = sorted(self._buckets, key=lambda c: self._buckets[c][1])[:len(self._buckets) // 2]
        for client in full:
            del self._buckets[client]


def parse_rate(setting: str | None) -> tuple[float, float] | None:
    """SEARCH_RATE_LIMIT "RATE,BURST" (requests a second, largest burst) -> numbers; empty,
    "0" or "off" switch limiting off."""
    text = str(setting or "").strip().lower()
    if text in ("", "0", "off", "false", "none"):
        return None
    rate, _, burst = text.partition(",")
    rate_value = float(rate)
    burst_value = float(burst) if burst.strip() else max(1.0, rate_value * 10)
    if rate_value < 0 or burst_value < 1:
        raise ValueError(f"SEARCH_RATE_LIMIT must be 'RATE,BURST' with BURST >= 1, not {setting!r}")
    return rate_value, burst_value


def client_key(trusted_proxies: frozenset[str]) -> str:
    """Who is asking: the peer address, or, behind a trusted proxy, the last address in
    X-Forwarded-For that is not one of our proxies (earlier entries can be forged)."""
    peer = request.remote_addr or "unknown"
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop
    return peer


def refusal(status: int, message: str, retry_after: float) -> Response:
    """An error response in the one shape with a Retry-After header."""
    response = make_response(error_response(status, message))
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def register(app: Flask) -> None:
    """Attach the limits to the app, configured by SEARCH_RATE_LIMIT, SEARCH_MAX_IN_FLIGHT and
    SEARCH_TRUSTED_PROXIES."""
    rate = parse_rate(app.config["SEARCH_RATE_LIMIT"])
    buckets = TokenBuckets(*rate) if rate else None
    in_flight = threading.BoundedSemaphore(int(app.config["SEARCH_MAX_IN_FLIGHT"]))
    proxies = frozenset(p.strip() for p in str(app.config["SEARCH_TRUSTED_PROXIES"] or "").split(",")
                        if p.strip())
    app.extensions["in_flight"] = in_flight
    app.extensions["trusted_proxies"] = proxies

    @app.before_request
    def limit():
        if buckets is not None and request.endpoint in RATE_LIMITED:
            wait = buckets.take(client_key(proxies))
            if wait:
                return refusal(429, "Too many requests from your address: please wait a moment "
                                     "and try again.", wait)
        if request.endpoint in EXPENSIVE:
            if not in_flight.acquire(timeout=IN_FLIGHT_WAIT_SECONDS):
                return refusal(503, "Search is busy right now: please try again in a moment.", 1)
            g.holds_search_slot = True
        return None

    @app.teardown_request
    def release(_exc):
        if g.pop("holds_search_slot", False):
            in_flight.release()
