"""One error shape: JSON {"error": {"status", "message"}} under /api/, one HTML page elsewhere."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from webapp.search import BadRequest, SearchUnavailable

log = logging.getLogger(__name__)


def error_response(status: int, message: str):
    """The response for an error, shaped for the API or for people by the request path."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": {"status": status, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Attach the error handlers to the app."""

    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest):
        return error_response(400, str(exc))

    @app.errorhandler(SearchUnavailable)
    def unavailable(exc: SearchUnavailable):
        log.error("search unavailable: %s", exc)
        return error_response(503, f"Search is not available: {exc}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return error_response(500, "Something went wrong on our side. Please try again.")
