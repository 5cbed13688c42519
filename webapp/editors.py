"""Editors' tools under /editors/: duplicate groups, pair view, similar passages, search insights,
the acronyms learned from the site.
Each page has its JSON twin under /api/editors/. (The content review report is in review.py.)"""
from __future__ import annotations

import difflib
import html
import json
from dataclasses import asdict, replace
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup

from indexer.duplicates import DuplicateGroup, DuplicateReport, format_csv, jaccard, shingles
from indexer.store import DUPLICATES_FILE
from webapp.api import curator, insights, service, site_hosts
from webapp.links import is_safe_url
from webapp.params import whole_number
from webapp.proposals import failed_queries, propose_all
from webapp.search import BadRequest, page_title

bp = Blueprint("editors", __name__)
PERIODS = (7, 30)
SIMILAR_CANDIDATES = 30


def duplicate_report() -> DuplicateReport:
    """The duplicate report stored with the live index generation (cached per generation)."""
    path = service().generation_path() / DUPLICATES_FILE
    cache = current_app.extensions.setdefault("duplicates_cache", {})
    if path not in cache:
        if not path.exists():
            abort(503, description="This index has no duplicate report: rebuild it with "
                                   "`python -m indexer build CORPUS --index DIR --full`.")
        cache.clear()
        cache[path] = DuplicateReport.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    return cache[path]


# Pairs of pages sharing passages shown on the page; the CSV has them all.
SHARED_PAGES_SHOWN = 50


def filtered_report(report: DuplicateReport, topic: str, kind: str) -> DuplicateReport:
    """The report with only the groups that have a member in `topic` (all if empty) and are of
    `kind` (all if empty). The build lists the site-wide blocks (indexer.duplicates.is_site_wide)
    after the copies to review, each part largest first; filtering keeps that order."""
    groups = [g for g in report.groups
              if (not topic or any(m.topic == topic for m in g.members)) and (not kind or g.kind == kind)]
    return replace(report, groups=groups)


def duplicates_data(topic: str, kind: str) -> dict:
    """The duplicate report as JSON: groups (site-wide ones flagged), near-identical pages, and
    the pairs of pages that share duplicated passages."""
    report = filtered_report(duplicate_report(), topic, kind)
    return {**report.to_dict(), "topic": topic, "kind": kind,
            "shared_pages": [vars(pair).copy() for pair in report.shared_pages()]}


def wordings(group: DuplicateGroup) -> int:
    """How many different texts a group holds (members not identical to an earlier one)."""
    return 1 if group.kind == "exact" else sum(1 for m in group.members if not m.identical_to)


@bp.get("/editors/")
def overview():
    """Start page for editors."""
    report = duplicate_report()
    return render_template("editors/overview.html", report=report)


@bp.get("/editors/duplicates")
def duplicates():
    """Duplicate groups to review, largest first, then the site-wide blocks once each; filters."""
    report, topic, kind = duplicate_report(), request.args.get("topic", ""), request.args.get("kind", "")
    topics = sorted({m.topic for g in report.groups for m in g.members})
    shown = filtered_report(report, topic, kind)
    return render_template("editors/duplicates.html", report=shown, topics=topics, topic=topic, kind=kind,
                           groups=[g for g in shown.groups if not g.site_wide],
                           blocks=[g for g in shown.groups if g.site_wide], wordings=wordings,
                           shared=shown.shared_pages(), shared_shown=SHARED_PAGES_SHOWN)


@bp.get("/api/editors/duplicates")
def duplicates_json():
    """JSON twin of /editors/duplicates."""
    return jsonify(duplicates_data(request.args.get("topic", ""), request.args.get("kind", "")))


@bp.get("/editors/duplicates.csv")
def duplicates_csv():
    """The duplicate groups, and the pairs of pages sharing passages, as a CSV download."""
    report = filtered_report(duplicate_report(), request.args.get("topic", ""), request.args.get("kind", ""))
    return Response(format_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=duplicates.csv"})


def pair_data(key_a: str, key_b: str) -> dict:
    """Two sections side by side with the words that differ marked, and their similarity."""
    a, b = service().section(key_a), service().section(key_b)
    if a is None or b is None:
        abort(404, description="One of those sections is not in the index.")
    marked_a, marked_b = word_diff(a["body"], b["body"])
    return {"a": _section_summary(a), "b": _section_summary(b),
            "similarity": round(jaccard(shingles(a["body"]), shingles(b["body"])), 3),
            "a_html": str(marked_a), "b_html": str(marked_b)}


@bp.get("/editors/pair")
def pair():
    """Side-by-side view of two passages."""
    return render_template("editors/pair.html", pair=pair_data(request.args.get("a", ""),
                                                               request.args.get("b", "")))


@bp.get("/api/editors/pair")
def pair_json():
    """JSON twin of /editors/pair."""
    return jsonify(pair_data(request.args.get("a", ""), request.args.get("b", "")))


def similar_data(key: str, limit: int = 10) -> dict:
    """The sections closest to one section: candidates by shared terms, ranked by real overlap."""
    target = service().section(key)
    if target is None:
        abort(404, description="That section is not in the index.")
    own = shingles(target["body"])
    found = []
    for fields in service().more_like(key, SIMILAR_CANDIDATES):
        similarity = jaccard(own, shingles(fields["body"]))
        found.append({**_section_summary(fields), "similarity": round(similarity, 3)})
    found.sort(key=lambda f: -f["similarity"])
    return {"section": _section_summary(target), "similar": found[:limit]}


@bp.get("/editors/similar")
def similar():
    """"Similar passages" for any section."""
    return render_template("editors/similar.html", data=similar_data(request.args.get("key", "")))


@bp.get("/api/editors/similar")
def similar_json():
    """JSON twin of /editors/similar."""
    return jsonify(similar_data(request.args.get("key", "")))


def insights_data(days: int) -> dict:
    """Top, empty and never-opened queries for the last `days` days, with proposed fixes."""
    if days not in PERIODS:
        raise BadRequest(f"days must be one of {', '.join(map(str, PERIODS))}")
    log = insights()
    if log is None:
        abort(404, description="Search insights are switched off (SEARCH_INSIGHTS_DB is empty).")
    data = {"days": days, **{name: [asdict(row) for row in rows] for name, rows in log.report(days).items()}}
    curator().refresh(service())  # proposals see the synonyms editors added, even before a search
    data["proposals"] = propose_all(service(), failed_queries(data))  # what would have answered each
    return data


@bp.get("/editors/insights")
def insights_page():
    """What visitors search for, what finds nothing, what is never opened."""
    data = insights_data(_days())
    return render_template("editors/insights.html", data=data, periods=PERIODS)


@bp.get("/api/editors/insights")
def insights_json():
    """JSON twin of /editors/insights."""
    return jsonify(insights_data(_days()))


def acronyms_data() -> dict:
    """The acronyms the site's pages define ("normal pressure hydrocephalus (NPH)"), learned at
    each build, and how searches use each."""
    return {"acronyms": service().site_acronyms()}


@bp.get("/editors/acronyms")
def acronyms_page():
    """The acronyms learned from the site, most-defined first, with their long forms."""
    data = acronyms_data()
    data["acronyms"].sort(key=lambda item: (-item["pages"], item["acronym"]))
    return render_template("editors/acronyms.html", data=data)


@bp.get("/api/editors/acronyms")
def acronyms_json():
    """JSON twin of /editors/acronyms."""
    return jsonify(acronyms_data())


def _days() -> int:
    return whole_number(request.args, "days", PERIODS[0])


def _section_summary(fields: dict) -> dict:
    return {"key": fields["key"], "path": fields["path"], "anchor": fields["anchor"],
            "heading": fields["display_heading"], "page_title": page_title(fields),
            "topic": fields["topic"],
            "url": fields["url"] if is_safe_url(fields["url"], site_hosts()) else f"/pages/{fields['path']}"}


def word_diff(a: str, b: str) -> tuple[Markup, Markup]:
    """Both texts escaped, with the words only one of them has wrapped in <del>/<ins>."""
    words_a, words_b = a.split(), b.split()
    out_a, out_b = [], []
    matcher = difflib.SequenceMatcher(a=words_a, b=words_b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        chunk_a = html.escape(" ".join(words_a[a1:a2]))
        chunk_b = html.escape(" ".join(words_b[b1:b2]))
        if op == "equal":
            out_a.append(chunk_a)
            out_b.append(chunk_b)
            continue
        if chunk_a:
            out_a.append(f"<del>{chunk_a}</del>")
        if chunk_b:
            out_b.append(f"<ins>{chunk_b}</ins>")
    return Markup(" ".join(out_a)), Markup(" ".join(out_b))
