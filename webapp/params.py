"""Reading request parameters: one function serves the pages and their JSON twins."""
from __future__ import annotations

import re
from collections.abc import Mapping

from webapp.search import BadRequest, SearchRequest

# NUL and other control characters: never meant, never searched, never stored in the insights.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_request(args: Mapping[str, str], default_limit: int = 10) -> SearchRequest:
    """A SearchRequest from query-string arguments; malformed numbers are a BadRequest."""
    return SearchRequest(
        text=_CONTROL.sub(" ", args.get("q", "")),
        page=_whole_number(args, "page", 1),
        limit=_whole_number(args, "limit", default_limit),
        topic=args.get("topic", "").strip(),
    )


def _whole_number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:20]!r}") from None
