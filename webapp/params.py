"""Reading request parameters: one function serves the pages and their JSON twins."""
from __future__ import annotations

from collections.abc import Mapping

from webapp.search import MAX_QUERY_CHARS, BadRequest, SearchRequest


def search_request(args: Mapping[str, str], default_limit: int = 10) -> SearchRequest:
    """A SearchRequest from query-string arguments; malformed numbers and over-long questions
    are a BadRequest."""
    return SearchRequest(
        text=_query_text(args),
        page=_whole_number(args, "page", 1),
        limit=_whole_number(args, "limit", default_limit),
        topic=args.get("topic", "").strip(),
    )


def _query_text(args: Mapping[str, str]) -> str:
    text = args.get("q", "")
    length = len(" ".join(text.split()))  # spacing does not count, as in the search itself
    if length > MAX_QUERY_CHARS:
        raise BadRequest(f"The question is too long: at most {MAX_QUERY_CHARS:,} characters can be "
                         f"searched, this one has {length:,}. Please shorten it.")
    return text


def _whole_number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:20]!r}") from None
