"""The JSON API: the twin of every page."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from webapp.insights import Insights
from webapp.params import search_request
from webapp.search import SearchResponse, SearchService

bp = Blueprint("api", __name__, url_prefix="/api")
ASK_ALTERNATIVES = 5


def service() -> SearchService:
    """The app's search service."""
    return current_app.extensions["search"]


def insights() -> Insights | None:
    """The app's search log, or None when it is switched off."""
    return current_app.extensions["insights"]


def log_search(response: SearchResponse, source: str) -> SearchResponse:
    """Record a finished search for the editors' insights (queued, never blocks)."""
    log = insights()
    if log is not None and response.query and response.page == 1:
        log.record_search(response.query, response.total, source)
    return response


@bp.get("/search")
def search():
    """Ranked, grouped results: the twin of /search."""
    return jsonify(log_search(service().search(search_request(request.args)), "api").to_dict())


@bp.get("/ask")
def ask():
    """The best passage in full plus alternatives: the twin of /ask."""
    req = search_request(request.args, default_limit=1 + ASK_ALTERNATIVES)
    response = service().search(req, full_passages=True, group_pages=False)
    return jsonify(log_search(response, "api-ask").to_dict())


@bp.get("/suggest")
def suggest():
    """Titles and headings matching what has been typed so far."""
    return jsonify({"query": request.args.get("q", ""),
                    "suggestions": service().suggest(request.args.get("q", ""))})


@bp.get("/topics")
def topics():
    """Every topic in the index."""
    return jsonify({"topics": service().topics()})
