"""The Flask search service: create_app() is the application factory."""
from __future__ import annotations

import gc
import logging
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from threadpoolctl import threadpool_limits

from indexer.analysis import load_synonyms
from webapp.cache import RenderedPages
from webapp.curation import CurationStore
from webapp.curator import Curator
from webapp.insights import Insights
from webapp.links import site_hosts
from webapp.search import SearchService

log = logging.getLogger(__name__)

GC_YOUNG = 20_000  # allocations between two young garbage collections (Python's default: 700)

DEFAULTS: dict[str, Any] = {
    "SEARCH_INDEX_DIR": "var/index",
    "SEARCH_CORPUS_DIR": "corpus",
    "SEARCH_SYNONYMS": None,          # default: <corpus>/synonyms.txt
    "SEARCH_LOCAL_LINKS": True,       # link results to /pages/... (the local demo copy)
    "SEARCH_SITE_HOSTS": "www.lanterncancercare.org.uk",  # the only hosts results may link to
    "SEARCH_SITE_NAME": "Lantern Cancer Care",
    "SEARCH_PUBLIC_URL": "",          # e.g. https://search.example.org: absolute links in opensearch.xml
    "SEARCH_INSIGHTS_DB": "var/insights.sqlite3",  # empty to keep no search log at all
    "SEARCH_INSIGHTS_DAYS": 90,       # searches older than this are deleted automatically
    "SEARCH_EDITORS_DB": "var/editors.sqlite3",    # editors' accounts (`flask --app webapp editors add`),
                                                   # best bets, added synonyms and their audit trail
    "SEARCH_SECRET_KEY": None,        # signs session cookies; default: made once in instance/secret_key
    "SEARCH_SECURE_COOKIES": True,    # cookies only over HTTPS; `make run` (plain HTTP) turns it off
    "SEARCH_SESSION_HOURS": 12,       # how long an editor stays signed in
    "SEARCH_RATE_LIMIT": "20,200",    # per client and worker: requests a second, burst; "" = off
    "SEARCH_MAX_IN_FLIGHT": 4,        # searches one worker runs at once; more get a quick 503
    "SEARCH_TRUSTED_PROXIES": "",     # proxy addresses whose X-Forwarded-For is believed
    "SEARCH_OPEN_INDEX_AT_START": True,  # false when gunicorn loads the app before forking workers
    "SEARCH_REVIEW_TODAY": "",        # the content review report's "today" (e.g. 2026-11-30); "" = the date
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then SEARCH_* environment, then `config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_environment())
    if config:
        app.config.update(config)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _tune_for_serving()
    corpus = Path(app.config["SEARCH_CORPUS_DIR"])
    synonyms_path = app.config["SEARCH_SYNONYMS"] or corpus / "synonyms.txt"
    app.extensions["search"] = SearchService(app.config["SEARCH_INDEX_DIR"], load_synonyms(synonyms_path))
    # best bets and synonyms added by editors, kept beside their accounts
    app.extensions["curator"] = Curator(CurationStore(app.config["SEARCH_EDITORS_DB"]), synonyms_path)
    if app.config["SEARCH_OPEN_INDEX_AT_START"]:
        app.extensions["search"].warm_up()
    else:  # loaded by gunicorn before it forks the workers (gunicorn.conf.py): they open the index
        app.extensions["search"].load_shared()
    app.extensions["site_hosts"] = site_hosts(app.config["SEARCH_SITE_HOSTS"])
    app.extensions["rendered"] = RenderedPages()
    app.extensions["insights"] = _insights(app.config["SEARCH_INSIGHTS_DB"],
                                           float(app.config["SEARCH_INSIGHTS_DAYS"]))
    from webapp import api, auth, curate_views, editors, errors, headers, ratelimit, review, views

    auth.configure(app)
    ratelimit.register(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(editors.bp)
    review.register(app)
    app.register_blueprint(curate_views.bp)
    app.register_blueprint(api.bp)
    errors.register(app)
    headers.register(app)
    return app


def _tune_for_serving() -> None:
    """Process settings for a search server (see also index.settle_memory)."""
    # One BLAS thread: a search's matrix products are small, and each worker process already has
    # a core of its own. OpenBLAS's threads, on a busy machine, made the meaning shortlist's one
    # product (80,000 x 64) 8 ms instead of 1.4 ms.
    threadpool_limits(1, user_api="blas")
    # A search makes a few thousand short-lived containers: a young collection every 700 of them
    # (Python's default) ran several times a search; GC_YOUNG cuts that to one in many searches.
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def _insights(db: str, retention_days: float) -> Insights | None:
    """The search log, or None if switched off or unusable: search must work without it."""
    if not db:
        return None
    try:
        return Insights(db, retention_days)
    except (sqlite3.Error, OSError):
        log.exception("search insights are off: cannot use %s", db)
        return None


def _environment() -> dict[str, Any]:
    """SEARCH_* variables, with true/false read as booleans."""
    values: dict[str, Any] = {}
    for key, raw in os.environ.items():
        if key.startswith("SEARCH_"):
            lowered = raw.strip().lower()
            values[key] = {"true": True, "1": True, "false": False, "0": False}.get(lowered, raw)
    return values
