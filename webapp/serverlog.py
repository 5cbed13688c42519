"""gunicorn's logger without client addresses or query strings (queries can hold personal details).

gunicorn writes the client's address into its error log ("Invalid request from ip=...") and the
full request URI when a request fails; both are scrubbed here. The access log never gets the
address, the query string, the referrer or forwarding headers, whatever format is configured.
Used through `logger_class` in gunicorn.conf.py, which gunicorn reads from the working folder.
"""
from __future__ import annotations

import logging
import re

from gunicorn import glogging

_IPV4 = re.compile(r"(?<![\w.])(?!127\.0\.0\.1\b|0\.0\.0\.0\b)\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.I)
_CLIENT_FIELD = re.compile(r"\b(ip|addr|peer|client)=\S+?(?=:?(?:\s|$))", re.I)
_QUERY = re.compile(r"\?[^\s'\"]*")
_PRIVATE_HEADERS = {"x-forwarded-for", "x-real-ip", "forwarded", "referer", "cookie", "authorization"}


def scrub(message: str) -> str:
    """The message without client addresses or query strings."""
    message = _CLIENT_FIELD.sub(r"\1=[address]", message)
    message = _IPV4.sub("[address]", message)
    message = _IPV6.sub("[address]", message)
    return _QUERY.sub("?[query]", message)


class ScrubFilter(logging.Filter):
    """Rewrites every record of gunicorn's error log through scrub()."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


class PrivateLogger(glogging.Logger):
    """gunicorn's Logger, keeping no client addresses in the error or access log."""

    def setup(self, cfg) -> None:
        """gunicorn's setup, plus the scrubbing filter (once, even across reloads)."""
        super().setup(cfg)
        if not any(isinstance(f, ScrubFilter) for f in self.error_log.filters):
            self.error_log.addFilter(ScrubFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        """Access-log fields with the address, query, referrer and forwarding headers blanked."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms.update({"h": "-", "q": "-", "f": "-",
                      "r": f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} "
                           f"{environ.get('SERVER_PROTOCOL')}"})
        for key in [k for k in atoms if k.endswith("}e")
                    or (k.endswith("}i") and k[1:-2] in _PRIVATE_HEADERS)]:
            del atoms[key]
        return atoms
