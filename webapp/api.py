"""The JSON API: the twin of every page."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from webapp.curator import Curator
from webapp.insights import Insights
from webapp.links import safe_response, safe_suggestions
from webapp.params import search_request
from webapp.search import SearchRequest, SearchResponse, SearchService

bp = Blueprint("api", __name__, url_prefix="/api")
ASK_ALTERNATIVES = 5


def service() -> SearchService:
    """The app's search service."""
    return current_app.extensions["search"]


def insights() -> Insights | None:
    """The app's search log, or None when it is switched off."""
    return current_app.extensions["insights"]


def site_hosts() -> frozenset[str]:
    """The hosts result links may point to (SEARCH_SITE_HOSTS)."""
    return current_app.extensions["site_hosts"]


def curator() -> Curator:
    """The editors' best bets and synonyms, applied to every search."""
    return current_app.extensions["curator"]


def run_search(req: SearchRequest, **options) -> SearchResponse:
    """Search with the editors' curation, every page URL in the response checked against the site's hosts."""
    return safe_response(curator().search(service(), req, **options), site_hosts())


def log_search(response: SearchResponse, source: str) -> SearchResponse:
    """Record a finished search for the editors' insights (queued, never blocks)."""
    log = insights()
    if log is not None and response.query and response.page == 1:
        log.record_search(response.query, response.matched_pages, source)
    return response


def as_json(response: SearchResponse):
    """The JSON reply of a search, encoded once per cached response (as jsonify would)."""
    return current_app.response_class(response.json(current_app.json.dumps) + "\n",
                                      mimetype=current_app.json.mimetype)


@bp.get("/search")
def search():
    """Ranked, grouped results: the twin of /search."""
    return as_json(log_search(run_search(search_request(request.args)), "api"))


@bp.get("/ask")
def ask():
    """The best passage in full plus alternatives: the twin of /ask."""
    req = search_request(request.args, default_limit=1 + ASK_ALTERNATIVES)
    response = run_search(req, full_passages=True, group_pages=False)
    return as_json(log_search(response, "api-ask"))


@bp.get("/suggest")
def suggest():
    """Titles and headings matching what has been typed so far."""
    return jsonify({"query": request.args.get("q", ""),
                    "suggestions": safe_suggestions(service().suggest(request.args.get("q", "")),
                                                    site_hosts())})


@bp.get("/topics")
def topics():
    """Every topic in the index."""
    return jsonify({"topics": service().topics()})
