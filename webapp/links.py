"""Which links the site may render or redirect to: http(s) on the site's own hosts, or a local path.

A page's canonical URL comes from its HTML, which the search does not control: a `javascript:`
or foreign URL there must never become a live link. Everything unsafe falls back to the page's
local copy under /pages/.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from webapp.search import SearchResponse, section_url

SAFE_SCHEMES = ("http", "https")
# Browsers strip or reinterpret these inside a URL: "java\tscript:", "/\\evil.example".
# (`\s` is every character str.isspace() accepts.)
_STRIPPED_BY_BROWSERS = re.compile(r"[\s\x00-\x1f\\]")


def site_hosts(setting: str | Iterable[str] | None) -> frozenset[str]:
    """The allowed host names from SEARCH_SITE_HOSTS (a comma-separated string or a list)."""
    if not setting:
        return frozenset()
    names = setting.split(",") if isinstance(setting, str) else setting
    return frozenset(name.strip().lower().rstrip(".") for name in names if name.strip())


@lru_cache(maxsize=16384)  # a site has a few thousand page URLs, each checked on every search shown
def is_safe_url(url: str, hosts: frozenset[str]) -> bool:
    """True for http(s) URLs on one of `hosts` and for paths on this site ("/a/b"); else False."""
    if not url or _STRIPPED_BY_BROWSERS.search(url):
        return False
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        return False
    del port  # read only to reject malformed ports
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//")
    if parts.scheme.lower() not in SAFE_SCHEMES or parts.username or parts.password:
        return False
    return (hostname or "").rstrip(".") in hosts


def page_link(path: str, anchor: str, url: str, hosts: frozenset[str], local: bool) -> str:
    """Where a section links: its local copy when asked for or when its own URL is unsafe."""
    if local or not is_safe_url(url, hosts):
        return section_url(f"/pages/{path}", anchor)
    return section_url(url, anchor)


def safe_suggestions(suggestions: list[dict], hosts: frozenset[str]) -> list[dict]:
    """As-you-type suggestions with every unsafe URL replaced by the local copy."""
    return [{**s, "url": page_link(s["path"], s["anchor"], s["url"], hosts, local=False)}
            if not is_safe_url(s["url"], hosts) else s for s in suggestions]


def safe_response(response: SearchResponse, hosts: frozenset[str]) -> SearchResponse:
    """The response with every unsafe page URL replaced by the page's local copy (a changed
    copy: responses are shared by the result cache)."""
    urls = [url for hit in response.results for url in (hit.url, *(more.url for more in hit.more_sections))]
    if all(is_safe_url(url, hosts) for url in urls):
        return response
    response = response.copy()
    for hit in response.results:
        if not is_safe_url(hit.url, hosts):
            hit.url = f"/pages/{hit.path}"
        for more in hit.more_sections:
            if not is_safe_url(more.url, hosts):
                more.url = section_url(f"/pages/{hit.path}", more.anchor)
    return response
