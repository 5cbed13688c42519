"""One error shape: JSON {"error": {"status", "message"}} under /api/, one HTML page elsewhere."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from webapp.search import BadRequest, SearchUnavailable

log = logging.getLogger(__name__)
# gunicorn.conf.py lets request lines up to 8,190 bytes through (gunicorn's own limit, answered
# with its HTML page); the app refuses URLs over this length itself, in the one error shape.
MAX_URL_LENGTH = 8000


def error_response(status: int, message: str):
    """The response for an error, shaped for the API or for people by the request path."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": {"status": status, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Attach the error handlers to the app."""

    @app.before_request
    def refuse_long_urls():
        """An over-long address: 414 in the one shape, not the server's own page."""
        if len(request.full_path) > MAX_URL_LENGTH:
            return error_response(414, f"That address is too long (over {MAX_URL_LENGTH} characters): "
                                       "use fewer words.")
        return None

    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        """A parameter out of range: 400 with what was wrong."""
        return error_response(400, str(exc))

    @app.errorhandler(SearchUnavailable)
    def unavailable(exc: SearchUnavailable):
        """No usable index: 503 telling the operator what to run."""
        log.error("search unavailable: %s", exc)
        return error_response(503, f"Search is not available: {exc}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """404s and other HTTP errors, in the one shape."""
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        """A bug: logged in full, a plain 500 for the user."""
        log.exception("unexpected error on %s", request.path)
        return error_response(500, "Something went wrong on our side. Please try again.")
