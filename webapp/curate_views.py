"""Editors' curation pages under /editors/ and their JSON twins under /api/editors/: best bets,
synonyms added on top of the synonym file (with its export), the audit trail, and proposed fixes
for failed searches. Signing in and CSRF checks happen in auth.py, before any of these run."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.api import curator, service
from webapp.auth import csrf_token, signed_in_editor
from webapp.curation import BestBetDraft, CurationError, CurationStore, synonym_rule
from webapp.editors import PERIODS, insights_data
from webapp.errors import error_response
from webapp.params import whole_number
from webapp.search import page_title

bp = Blueprint("curation", __name__)
AUDIT_SHOWN = 30


def store() -> CurationStore:
    """Where best bets, editors' synonyms and the audit trail are kept."""
    return curator().store


@bp.app_template_filter("when")
def when(timestamp: float) -> str:
    """A stored time as editors read it."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%d %b %Y %H:%M UTC")


# -- best bets: checking and saving, shared by the forms and the JSON API ------------------

def draft_from(data: dict) -> BestBetDraft:
    """A checked best bet from form fields (one query or section per line) or JSON (lists)."""
    sections = [_section_key(text) for text in _lines(data.get("sections"))]
    draft = BestBetDraft.parse(_lines(data.get("queries")), sections, str(data.get("starts") or ""),
                               str(data.get("ends") or ""), str(data.get("note") or ""))
    missing = [key for key in draft.sections if service().section(key) is None]
    if missing:
        raise CurationError(f"not in the index: {', '.join(missing)} (give sections as path#anchor)")
    return draft


def _lines(value) -> list[str]:
    """A form's text area (one entry per line) or a JSON list or string, as a list of strings."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value or "").splitlines()


def _section_key(text: str) -> str:
    """path#anchor, also when pasted as a local link (/pages/path#anchor)."""
    text = text.strip()
    return text.removeprefix("/pages/").lstrip("/")


def section_labels(keys) -> dict[str, str]:
    """path#anchor -> "Page title: heading" for the sections still in the index."""
    labels = {}
    for key in keys:
        fields = service().section(key)
        if fields is not None:
            labels[key] = f"{page_title(fields)}: {fields['display_heading']}"
    return labels


def best_bets_page(error: str = "", form: dict | None = None, status: int = 200):
    """The list of best bets with the form to add one, and the latest changes."""
    bets = store().best_bets()
    return render_template("editors/best_bets.html", bets=bets, today=date.today(), error=error,
                           form=form or {"queries": request.args.get("q", "")},
                           labels=section_labels({k for b in bets for k in b.sections}),
                           audit=store().audit(AUDIT_SHOWN), retry=request.args.get("retry", "")), status


@bp.get("/editors/best-bets")
def best_bets():
    """Best bets: listed, with the form to add one."""
    return best_bets_page()


@bp.post("/editors/best-bets")
def add_best_bet():
    """Add a best bet from the form, then show the list (with a link to try the query)."""
    try:
        draft = draft_from(request.form)
    except CurationError as exc:
        return best_bets_page(str(exc), request.form, 400)
    store().add_best_bet(draft, signed_in_editor())
    return redirect(url_for("curation.best_bets", retry=draft.queries[0]))


@bp.get("/editors/best-bets/<int:bet_id>")
def edit_best_bet_form(bet_id: int):
    """The form to change one best bet."""
    bet = store().best_bet(bet_id) or abort(404, description="There is no such best bet.")
    form = {"queries": "\n".join(bet.queries), "sections": "\n".join(bet.sections),
            "starts": bet.starts or "", "ends": bet.ends or "", "note": bet.note}
    return render_template("editors/best_bet_edit.html", bet=bet, form=form, error="")


@bp.post("/editors/best-bets/<int:bet_id>")
def edit_best_bet(bet_id: int):
    """Save a changed best bet."""
    bet = store().best_bet(bet_id) or abort(404, description="There is no such best bet.")
    try:
        draft = draft_from(request.form)
    except CurationError as exc:
        return render_template("editors/best_bet_edit.html", bet=bet, form=request.form, error=str(exc)), 400
    store().edit_best_bet(bet_id, draft, signed_in_editor())
    return redirect(url_for("curation.best_bets", retry=draft.queries[0]))


@bp.post("/editors/best-bets/<int:bet_id>/delete")
def remove_best_bet(bet_id: int):
    """Remove a best bet."""
    if not store().remove_best_bet(bet_id, signed_in_editor()):
        abort(404, description="There is no such best bet.")
    return redirect(url_for("curation.best_bets"))


@bp.get("/api/editors/best-bets")
def best_bets_json():
    """JSON twin of /editors/best-bets."""
    return jsonify({"best_bets": [bet.to_dict() for bet in store().best_bets()]})


@bp.post("/api/editors/best-bets")
def add_best_bet_json():
    """Add a best bet from JSON {queries, sections, starts, ends, note}; 201 with it."""
    bet = store().add_best_bet(_json_draft(), signed_in_editor())
    return jsonify(bet.to_dict()), 201


@bp.get("/api/editors/best-bets/<int:bet_id>")
def best_bet_json(bet_id: int):
    """One best bet."""
    bet = store().best_bet(bet_id) or abort(404, description="There is no such best bet.")
    return jsonify(bet.to_dict())


@bp.put("/api/editors/best-bets/<int:bet_id>")
def edit_best_bet_json(bet_id: int):
    """Replace a best bet's queries, sections, dates and note."""
    bet = store().edit_best_bet(bet_id, _json_draft(), signed_in_editor())
    return jsonify((bet or abort(404, description="There is no such best bet.")).to_dict())


@bp.delete("/api/editors/best-bets/<int:bet_id>")
def remove_best_bet_json(bet_id: int):
    """Remove a best bet; 204."""
    if not store().remove_best_bet(bet_id, signed_in_editor()):
        abort(404, description="There is no such best bet.")
    return "", 204


def _json_draft() -> BestBetDraft:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CurationError("send a JSON object: {\"queries\": [...], \"sections\": [\"path#anchor\"]}")
    return draft_from(body)


# -- synonyms -----------------------------------------------------------------------------

def rule_from(data: dict) -> str:
    """A checked Solr rule from {rule} or {words, target, direction: one-way | two-way}."""
    if data.get("rule"):
        return synonym_rule(str(data["rule"]))
    return synonym_rule(str(data.get("words") or ""), str(data.get("target") or ""),
                        two_way=data.get("direction") == "two-way")


def synonyms_data() -> dict:
    """The file's rules and the editors' additions."""
    rules = [line for line in curator().file_rules() if line.split("#", 1)[0].strip()]
    name = curator().synonyms_file.name if curator().synonyms_file else ""  # not the server's folders
    return {"file": name, "file_rules": rules,
            "editor_rules": [rule.to_dict() for rule in store().synonyms()]}


def synonyms_page(error: str = "", form: dict | None = None, status: int = 200):
    """The editors' synonyms with the form to add one."""
    return render_template("editors/synonyms.html", data=synonyms_data(), error=error, form=form or {},
                           retry=request.args.get("retry", "")), status


@bp.get("/editors/synonyms")
def synonyms():
    """Synonyms added by editors, on top of the synonym file."""
    return synonyms_page()


@bp.post("/editors/synonyms")
def add_synonym():
    """Add a synonym; the next search uses it."""
    try:
        rule = rule_from(request.form)
    except CurationError as exc:
        return synonyms_page(str(exc), request.form, 400)
    store().add_synonym(rule, signed_in_editor())
    return redirect(url_for("curation.synonyms", retry=request.form.get("retry", "") or None))


@bp.post("/editors/synonyms/<int:rule_id>/delete")
def remove_synonym(rule_id: int):
    """Remove an editor's synonym."""
    if not store().remove_synonym(rule_id, signed_in_editor()):
        abort(404, description="There is no such synonym.")
    return redirect(url_for("curation.synonyms"))


@bp.get("/editors/synonyms.txt")
def synonyms_export():
    """The synonym file with the editors' rules added: download it to replace the file."""
    return Response(curator().export(), mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=synonyms.txt"})


@bp.get("/api/editors/synonyms")
def synonyms_json():
    """JSON twin of /editors/synonyms."""
    return jsonify(synonyms_data())


@bp.post("/api/editors/synonyms")
def add_synonym_json():
    """Add a synonym from JSON {rule} or {words, target, direction}; 201 with it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CurationError("send a JSON object: {\"rule\": \"a => b\"}")
    return jsonify(store().add_synonym(rule_from(body), signed_in_editor()).to_dict()), 201


@bp.delete("/api/editors/synonyms/<int:rule_id>")
def remove_synonym_json(rule_id: int):
    """Remove an editor's synonym; 204."""
    if not store().remove_synonym(rule_id, signed_in_editor()):
        abort(404, description="There is no such synonym.")
    return "", 204


# -- audit trail, proposals, session ---------------------------------------------------------

@bp.get("/api/editors/audit")
def audit_json():
    """Who changed which best bet or synonym, and when: newest first."""
    return jsonify({"changes": [entry.to_dict() for entry in store().audit(limit=500)]})


@bp.get("/api/editors/proposals")
def proposals_json():
    """Proposed fixes for the searches that failed in the last 7 or 30 days (as on /editors/insights)."""
    data = insights_data(whole_number(request.args, "days", PERIODS[0]))
    return jsonify({"days": data["days"], "proposals": list(data["proposals"].values())})


@bp.get("/api/editors/session")
def session_json():
    """The signed-in editor and the token to send as X-CSRF-Token with changes."""
    return jsonify({"editor": signed_in_editor(), "csrf_token": csrf_token()})


@bp.app_errorhandler(CurationError)
def unusable_input(exc: CurationError):
    """An editor's input that cannot be stored: 400 saying what to change."""
    return error_response(400, str(exc))
