"""Reading request parameters: one function serves the pages and their JSON twins."""
from __future__ import annotations

import re
from collections.abc import Mapping

from webapp.search import MAX_QUERY_CHARS, BadRequest, SearchRequest

# NUL and other control characters: never meant, never searched, never stored in the insights.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_request(args: Mapping[str, str], default_limit: int = 10) -> SearchRequest:
    """A SearchRequest from query-string arguments; malformed numbers and over-long questions
    are a BadRequest."""
    return SearchRequest(
        text=_CONTROL.sub(" ", _query_text(args)),
        page=whole_number(args, "page", 1),
        limit=whole_number(args, "limit", default_limit),
        topic=args.get("topic", "").strip(),
    )


def _query_text(args: Mapping[str, str]) -> str:
    text = args.get("q", "")
    length = len(" ".join(text.split()))  # spacing does not count, as in the search itself
    if length > MAX_QUERY_CHARS:
        raise BadRequest(f"The question is too long: at most {MAX_QUERY_CHARS:,} characters can be "
                         f"searched, this one has {length:,}. Please shorten it.")
    return text


# ASCII digits only, and few of them: int() also reads "²"-like digits from other scripts (or
# fails on them with a ValueError elsewhere) and spends quadratic time on thousands of digits.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")


def whole_number(args: Mapping[str, str], name: str, default: int) -> int:
    """The named parameter as an int (`default` when absent); anything else is a BadRequest."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise BadRequest(f"{name} must be a whole number, not {raw[:20]!r}")
    return int(raw)
