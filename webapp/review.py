"""Content review for editors: pages whose "next review due" date has passed or is near, the
most-opened first, so the pages visitors read most are reviewed first. /editors/review, its CSV
and its JSON twin under /api/editors/review (behind the editors' sign-in, like every /editors/ page).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from indexer.spreadsheet import csv_text
from webapp.api import insights, service, site_hosts
from webapp.insights import PageOpens
from webapp.links import is_safe_url
from webapp.params import whole_number
from webapp.search import BadRequest

bp = Blueprint("review", __name__)
WINDOWS = (30, 90)  # "due in the next N days": the report's two horizons
CSV_COLUMNS = ("band", "path", "title", "topic", "last_reviewed", "next_review_due", "due_by", "days",
               "opened_from_search", "different_searches", "url")
MEASURE = ("Opened from search: how many times visitors opened one of the page's sections from the "
           "search results or the helpline answers, in the last {days} days (the insights kept).")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class ReviewPage:
    """What the report needs of one page (every section of a page carries the same page fields)."""

    path: str
    title: str
    topic: str
    url: str
    last_reviewed: str | None
    next_review_due: str | None


def due_window(value: str | None) -> tuple[date, date] | None:
    """The first and last day a stated review date covers, or None when missing or unreadable.

    The parser stores "14 March 2028" as 2028-03-14 and "March 2028" as 2028-03. A page due "in
    March" is due from the 1st (so it shows as due soon then) and is not late until March ends."""
    text = (value or "").strip()
    try:
        if m := _ISO_DAY.fullmatch(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return day, day
        if m := _ISO_MONTH.fullmatch(text):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:  # 2028-13, 2028-02-30
        return None
    return None


def pages_for_review(searcher: Searcher) -> list[ReviewPage]:
    """One record per page, read from one stored section of each (not every section: at 10,000
    pages that is 80,000 stored documents)."""
    pages = []
    for term in searcher.lexicon("path"):
        path = term.decode("utf-8")
        docnum = searcher.document_number(path=path)  # None when a later build deleted the page
        if docnum is None:
            continue
        fields = searcher.stored_fields(docnum)
        page = fields["page"]
        pages.append(ReviewPage(path=path, title=page["h1"] or page["title"], topic=page["topic"],
                                url=fields["url"], last_reviewed=page.get("last_reviewed"),
                                next_review_due=page.get("next_review_due")))
    return pages


def live_pages() -> list[ReviewPage]:
    """The live generation's pages, read once per generation and worker (about 0.2 s per 1,000
    pages) with a searcher of its own, so the worker's searches need not wait for it."""
    index = service().index
    with index.lock:
        generation = index.current().generation
    cached = current_app.extensions.get("review_pages")
    if cached is None or cached[0] != generation.name:
        with whoosh_index.open_dir(str(generation.path)).searcher() as searcher:
            cached = (generation.name, pages_for_review(searcher))
        current_app.extensions["review_pages"] = cached  # two requests at once may both read: harmless
    return cached[1]


def review_today() -> date:
    """The day the report counts from: SEARCH_REVIEW_TODAY when set (tests, planning ahead), else
    the server's date. The one place the report asks what day it is."""
    configured = current_app.config.get("SEARCH_REVIEW_TODAY")
    return date.fromisoformat(str(configured)) if configured else date.today()


def review_report(pages: list[ReviewPage], opens: dict[str, PageOpens] | None, today: date,
                  within: int, topic: str = "") -> dict:
    """Pages overdue and due within `within` days (30 or 90), the most-opened first within each
    band, and the pages without a readable due date; `opens` None when insights are off."""
    if within not in WINDOWS:
        raise BadRequest(f"within must be one of {', '.join(map(str, WINDOWS))}")
    bands: dict[str, list[dict]] = {name: [] for name, _ in _bands(within)}
    undated, later = [], 0
    for page in pages:
        if topic and page.topic != topic:
            continue
        window = due_window(page.next_review_due)
        band = _band(window, today, within)
        if band == "later":
            later += 1
        elif band is None:
            undated.append(_row(page, window, opens, today))
        else:
            bands[band].append(_row(page, window, opens, today))
    return {"today": today.isoformat(), "within": within, "topic": topic,
            "topics": sorted({p.topic for p in pages}),
            "bands": [{"band": name, "label": label, "pages": _most_opened_first(bands[name])}
                      for name, label in _bands(within)],
            "no_review_date": _most_opened_first(undated), "later": later}


def _bands(within: int) -> list[tuple[str, str]]:
    bands = [("overdue", "Overdue"), ("due-30", "Due in the next 30 days")]
    return [*bands, ("due-90", "Due in 31 to 90 days")] if within == 90 else bands


def _band(window: tuple[date, date] | None, today: date, within: int) -> str | None:
    """Which band a due date falls in: None without a date, "later" beyond the horizon."""
    if window is None:
        return None
    first, last = window
    if last < today:
        return "overdue"
    if first <= today + timedelta(days=WINDOWS[0]):
        return "due-30"
    return "due-90" if first <= today + timedelta(days=within) else "later"


def _row(page: ReviewPage, window: tuple[date, date] | None, opens: dict[str, PageOpens] | None,
         today: date) -> dict:
    seen = (opens or {}).get(page.path, PageOpens(0, 0))
    return {"path": page.path, "title": page.title, "topic": page.topic, "url": page.url,
            "last_reviewed": page.last_reviewed, "next_review_due": page.next_review_due,
            "due_by": window[1].isoformat() if window else None,
            "days": _days_to_due(window, today) if window else None,
            "opened_from_search": None if opens is None else seen.opens,
            "different_searches": None if opens is None else seen.searches}


def _days_to_due(window: tuple[date, date], today: date) -> int:
    """Days until the review is due (0 inside a due month), negative once it is late."""
    first, last = window
    if today < first:
        return (first - today).days
    return 0 if today <= last else -(today - last).days


def _most_opened_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (-(r["opened_from_search"] or 0), r["due_by"] or "", r["path"]))


def review_data(today: date) -> dict:
    """The report for this request's `within` and `topic`, with the measure named."""
    within = whole_number(request.args, "within", WINDOWS[0])
    log = insights()
    opens = log.opens_by_page(log.retention_days) if log is not None else None
    data = review_report(live_pages(), opens, today, within, request.args.get("topic", "").strip())
    data["opens_days"] = log.retention_days if log is not None else None
    data["measure"] = MEASURE.format(days=f"{log.retention_days:g}") if log is not None else (
        "Search insights are switched off (SEARCH_INSIGHTS_DB is empty): no counts of use.")
    for row in _all_rows(data):
        row["url"] = row["url"] if is_safe_url(row["url"], site_hosts()) else f"/pages/{row['path']}"
    return data


def _all_rows(data: dict) -> list[dict]:
    return [row for band in data["bands"] for row in band["pages"]] + data["no_review_date"]


@bp.get("/editors/review")
def review_page():
    """Pages due for review, by band, most-opened first; topic and horizon selectors."""
    return render_template("editors/review.html", data=review_data(review_today()), windows=WINDOWS)


@bp.get("/api/editors/review")
def review_json():
    """JSON twin of /editors/review."""
    return jsonify(review_data(review_today()))


@bp.get("/editors/review.csv")
def review_csv():
    """The review report as a CSV download: a row per page, with its band."""
    data = review_data(review_today())
    labelled = [(band["label"], row) for band in data["bands"] for row in band["pages"]]
    labelled += [("No review date", row) for row in data["no_review_date"]]
    rows = ([label, *(row[column] for column in CSV_COLUMNS[1:])] for label, row in labelled)
    return Response(csv_text(CSV_COLUMNS, rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=content-review.csv"})


def register(app: Flask) -> None:
    """Check SEARCH_REVIEW_TODAY once at start (a typo must not become a 500 on every visit),
    then add the report's pages."""
    configured = app.config.get("SEARCH_REVIEW_TODAY")
    if configured:
        try:
            date.fromisoformat(str(configured))
        except ValueError:
            raise ValueError(f"SEARCH_REVIEW_TODAY must be a date like 2026-11-30, "
                             f"not {configured!r}") from None
    app.register_blueprint(bp)
