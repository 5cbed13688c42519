"""Helpers for calling the JSON API from tests."""


def api(client, **params) -> dict:
    """GET /api/search and return its JSON (asserting success)."""
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def keys(data: dict) -> list[str]:
    """path#anchor of each result, in order."""
    return [f"{r['path']}#{r['anchor']}" for r in data["results"]]
