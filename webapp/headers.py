"""Security headers on every response: a strict Content-Security-Policy and its companions.

The service's own pages load only their own scripts and style sheet, so the policy allows
nothing inline. The copied site under /pages/ is someone else's HTML with inline styles,
inline scripts and a tracker: it gets a policy with no scripts at all (default-src 'none') and
inline styles only. Not a CSP sandbox: that would also stop the browser's own tools (and the
accessibility checks) from reading the page.
"""
from __future__ import annotations

from flask import Flask, Response, request

SITE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
PAGE_COPY_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # queries in URLs never leave the site in a Referer
    "X-Frame-Options": "DENY",
}


def add_security_headers(response: Response) -> Response:
    """Set the headers (keeping any a view chose itself)."""
    policy = PAGE_COPY_POLICY if request.path.startswith("/pages/") else SITE_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def register(app: Flask) -> None:
    """Add the headers to every response the app sends, errors included."""
    app.after_request(add_security_headers)
