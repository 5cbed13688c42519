"""The local copy of the charity's site under /pages/: its own assets, without outside trackers.

The copied pages refer to the site's assets as /static/..., which in this app is the search
service's own folder; they are rewritten to /pages/static/..., served from the corpus's static
folder. Scripts loaded from other hosts (analytics) and inline tracking snippets are removed, so
opening a result never reports the visit to a third party. Works on bytes, so a page in any
ASCII-compatible encoding keeps its own encoding.
"""
from __future__ import annotations

import re

ASSET_PREFIX = b"/pages/static/"
# src/href/srcset/url() references to the site's root-relative /static/ folder.
_SITE_ASSET = re.compile(
    rb"""(?P<lead>(?:\b(?:src|href|srcset|content)\s*=\s*["']?|url\(\s*["']?))/static/""", re.I)
_SCRIPT = re.compile(rb"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S)
_OUTSIDE_SRC = re.compile(rb"""\bsrc\s*=\s*["']?(?:https?:)?//""", re.I)
_DATA_TYPE = re.compile(rb"""\btype\s*=\s*["']?application/(?:ld\+)?json""", re.I)
# Inline snippets that only feed an analytics queue (dataLayer, gtag, _paq, ga).
_TRACKING = re.compile(rb"dataLayer|gtag\(|_paq|\bga\(|analytics", re.I)


def rewrite_page(html: bytes) -> bytes:
    """A copied page with its assets under /pages/static/ and no outside or tracking scripts."""
    return _SITE_ASSET.sub(lambda m: m.group("lead") + ASSET_PREFIX, _SCRIPT.sub(_keep_script, html))


def _keep_script(match: re.Match[bytes]) -> bytes:
    attrs, body = match.group("attrs"), match.group("body")
    if _DATA_TYPE.search(attrs):
        return match.group(0)  # JSON-LD and other data blocks are not code
    if _OUTSIDE_SRC.search(attrs) or (body.strip() and _TRACKING.search(body)):
        return b""
    return match.group(0)
