"""Rate limits: one client cannot starve the rest."""
import pytest

from webapp import create_app
from webapp.ratelimit import TokenBuckets, parse_rate


@pytest.fixture
def limited(site):
    """An app allowing each client a burst of 3 requests and almost no refill."""
    return create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]),
                       "SEARCH_CORPUS_DIR": str(site["corpus"]), "SEARCH_INSIGHTS_DB": "",
                       "SEARCH_RATE_LIMIT": "0.01,3", "SEARCH_MAX_IN_FLIGHT": 1})


def test_a_burst_from_one_client_gets_429_with_retry_after(limited):
    client = limited.test_client()
    assert [client.get("/api/search?q=flushing").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/search?q=flushing")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["status"] == 429
    html = client.get("/search?q=flushing")
    assert html.status_code == 429 and "Too many requests" in html.get_data(as_text=True)
    for path in ("/ask?q=x", "/api/ask?q=x", "/api/suggest?q=fl"):
        assert client.get(path).status_code == 429, path
    assert client.get("/healthz").status_code == 200  # only the search endpoints are limited
    with client.get("/pages/net/carcinoid.html") as page:
        assert page.status_code == 200


def test_other_clients_are_not_affected(limited):
    greedy = limited.test_client()
    for _ in range(5):
        greedy.get("/api/search?q=flushing", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    other = limited.test_client().get("/api/search?q=flushing", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200


def test_forwarded_for_is_believed_only_from_trusted_proxies(site):
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]), "SEARCH_INSIGHTS_DB": "",
                      "SEARCH_RATE_LIMIT": "0.01,1", "SEARCH_TRUSTED_PROXIES": "10.0.0.1"})
    client = app.test_client()

    def status(peer, forwarded):
        return client.get("/api/suggest?q=fl", environ_base={"REMOTE_ADDR": peer},
                          headers={"X-Forwarded-For": forwarded}).status_code
    assert status("10.0.0.1", "192.0.2.1") == 200
    assert status("10.0.0.1", "192.0.2.2") == 200   # another visitor behind the same proxy
    assert status("10.0.0.1", "192.0.2.1") == 429
    assert status("192.0.2.50", "192.0.2.99") == 200  # not a proxy: its header is ignored...
    assert status("192.0.2.50", "192.0.2.98") == 429  # ...so changing it does not help


def test_too_many_searches_at_once_get_a_quick_503(limited):
    slots = limited.extensions["in_flight"]
    assert slots.acquire(timeout=1)  # another request is running in this worker
    try:
        busy = limited.test_client().get("/api/search?q=flushing")
    finally:
        slots.release()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert limited.test_client().get("/api/search?q=flushing").status_code == 200  # the slot came back


def test_token_bucket_refills_at_the_configured_rate():
    buckets = TokenBuckets(rate=20, burst=200)
    assert all(buckets.take("a", now=0.0) == 0 for _ in range(200))
    assert buckets.take("a", now=0.0) == pytest.approx(0.05)
    assert buckets.take("a", now=0.05) == 0  # one token back after 1/20 s
    assert buckets.take("b", now=0.05) == 0


def test_bucket_memory_stays_bounded():
    buckets = TokenBuckets(rate=1, burst=2, max_clients=100)
    for i in range(1000):
        buckets.take(f"client-{i}", now=float(i) / 1000)
    assert len(buckets._buckets) <= 100


@pytest.mark.parametrize("setting, parsed", [("20,200", (20.0, 200.0)), ("5", (5.0, 50.0)), ("", None),
                                             ("off", None), (False, None)])
def test_rate_setting(setting, parsed):
    assert parse_rate(setting) == parsed
