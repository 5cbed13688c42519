"""Property-based tests of the search endpoints' parameters: whatever a visitor or a program
sends, the answer is never a 500, and every API error has the one JSON shape."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.search import MAX_QUERY_CHARS

ENDPOINTS = ["/api/search", "/api/ask", "/api/suggest", "/search", "/ask"]
# A bounded number of examples keeps the suite fast; each run draws new ones.
EXAMPLES = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

texts = st.text(max_size=60)
numbers = st.one_of(st.integers(-10**6, 10**6).map(str), st.text(max_size=12),
                    st.sampled_from(["", " 2 ", "1e3", "²", "٣", "0x10", "9" * 4301, "-0", "+3"]))
queries = st.one_of(texts, st.sampled_from(
    ["NET", "*", "tummy AND", '"', "a" * 999, "OR NOT", "(((", "é" * 50, "a\x00b", "\u202e"]))
params = st.fixed_dictionaries({}, optional={
    "q": queries, "page": numbers, "limit": numbers, "topic": texts, "partial": st.sampled_from(["1", ""]),
})


def assert_sound(response, url: str) -> None:
    """Never a server error; a client error under /api/ has exactly the one error shape."""
    assert response.status_code < 500, (url, response.status_code)
    if url.startswith("/api/") and response.status_code >= 400:
        body = response.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
        assert body["error"]["status"] == response.status_code and body["error"]["message"]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("url", ENDPOINTS)
@EXAMPLES
@given(args=params)
def test_any_parameters_get_an_answer_never_a_server_error(client, url, args):
    assert_sound(client.get(url, query_string=args), url)


@pytest.mark.parametrize("url", ENDPOINTS[:2] + ENDPOINTS[3:])
def test_an_over_long_question_is_refused_with_a_clear_message(client, url):
    response = client.get(url, query_string={"q": "tummy pain " * (MAX_QUERY_CHARS // 5)})  # twice the limit
    assert response.status_code == 400
    assert "too long" in response.get_data(as_text=True)
    assert_sound(response, url)


def test_a_question_at_the_limit_is_searched(client):
    response = client.get("/api/search", query_string={"q": ("tummy " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]})
    assert response.status_code == 200 and response.get_json()["total"] > 0
