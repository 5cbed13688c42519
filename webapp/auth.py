"""Editors' accounts and sign-in: /editors/* and /api/editors/* are for signed-in editors only.

Accounts live in a small SQLite file (SEARCH_EDITORS_DB) with passwords hashed by Werkzeug
(scrypt); the operator manages them with `flask --app webapp editors add|list|remove`.
Sessions are Flask's signed cookie; every form that changes state carries a per-session token.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.ratelimit import TokenBuckets, client_key, refusal

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
MIN_PASSWORD_LENGTH = 12
PROTECTED_PREFIXES = ("/editors/", "/api/editors/")
OPEN_ENDPOINTS = {"auth.login", "auth.login_form", "auth.logout"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Failed sign-ins per client: 10 at once, then one every 30 seconds (password guessing).
FAILED_SIGN_IN_BURST, FAILED_SIGN_IN_RATE = 10, 1 / 30
# Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class EditorAccounts:
    """Editors' names and password hashes in one SQLite file."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)

    def _connect(self) -> sqlite3.Connection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.db_path, timeout=10)
        db.execute("CREATE TABLE IF NOT EXISTS editors (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
                   "created REAL NOT NULL)")
        return db

    def add(self, name: str, password: str) -> None:
        """Create an editor, or set a new password for an existing one."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO editors VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                       "password_hash = excluded.password_hash",
                       (name, generate_password_hash(password), time.time()))

    def remove(self, name: str) -> bool:
        """Delete an editor; True if there was one of that name."""
        with closing(self._connect()) as db, db:
            return db.execute("DELETE FROM editors WHERE name = ?", (name,)).rowcount > 0

    def names(self) -> list[str]:
        """Every editor's name, sorted."""
        with closing(self._connect()) as db:
            return [row[0] for row in db.execute("SELECT name FROM editors ORDER BY name")]

    def exists(self, name: str) -> bool:
        """Whether the account still exists (a removed editor's session stops working)."""
        with closing(self._connect()) as db:
            return db.execute("SELECT 1 FROM editors WHERE name = ?", (name,)).fetchone() is not None

    def check(self, name: str, password: str) -> bool:
        """Whether the name and password match an account."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT password_hash FROM editors WHERE name = ?", (name,)).fetchone()
        matches = check_password_hash(row[0] if row else _DUMMY_HASH, password)
        return row is not None and matches


def accounts() -> EditorAccounts:
    """The app's editor accounts."""
    return current_app.extensions["editors"]


def csrf_token() -> str:
    """This session's token for forms that change state (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def signed_in_editor() -> str | None:
    """The signed-in editor's name, or None."""
    name = session.get("editor")
    return name if isinstance(name, str) and accounts().exists(name) else None


@bp.get("/editors/login")
def login_form():
    """The sign-in form."""
    return render_template("login.html", next=_safe_next(request.args.get("next", "")), failed=False)


@bp.post("/editors/login")
def login():
    """Check the name and password; on success start a fresh session and go on."""
    name, password = request.form.get("name", "").strip(), request.form.get("password", "")
    target = _safe_next(request.form.get("next", ""))
    failures: TokenBuckets = current_app.extensions["failed_sign_ins"]
    client = client_key(current_app.extensions["trusted_proxies"])
    if wait := failures.wait(client):
        return refusal(429, "Too many failed sign-ins from your address: wait and try again.", wait)
    if not name or not accounts().check(name, password):
        failures.take(client)
        log.info("editors: failed sign-in")  # no name or address: the log is not a user list
        return render_template("login.html", next=target, failed=True), 401
    session.clear()  # a new session, so a token planted before sign-in is worthless
    session.permanent = True
    session["editor"] = name
    return redirect(target)


@bp.post("/editors/logout")
def logout():
    """End the session."""
    session.clear()
    return redirect(url_for("views.home"))


def _safe_next(target: str) -> str:
    """Where to go after signing in: only a path on the editors' pages, never another site."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not target.startswith("/editors/"):
        return url_for("editors.overview")
    return target


def _guard():
    """Check the CSRF token on every state-changing request; sign-in for the editors' pages."""
    if request.method not in SAFE_METHODS:
        # forms send the token as a field; programs calling /api/editors/ send it as a header
        sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(400, description="This form has expired or did not come from this site. "
                                   "Reload the page and try again.")
    if not request.path.startswith(PROTECTED_PREFIXES) or request.endpoint in OPEN_ENDPOINTS:
        return None
    if signed_in_editor() is not None:
        return None
    if request.path.startswith("/api/"):
        abort(401, description="Sign in as an editor at /editors/login first.")
    return redirect(url_for("auth.login_form", next=request.full_path.rstrip("?")))


def configure(app: Flask) -> None:
    """Secret key, cookie settings, accounts, the guard and the `editors` command."""
    app.secret_key = _secret_key(app)
    app.config.update(SESSION_COOKIE_NAME="lantern_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=bool(app.config["SEARCH_SECURE_COOKIES"]),
                      PERMANENT_SESSION_LIFETIME=app.config["SEARCH_SESSION_HOURS"] * 3600)
    app.extensions["editors"] = EditorAccounts(app.config["SEARCH_EDITORS_DB"])
    app.extensions["failed_sign_ins"] = TokenBuckets(FAILED_SIGN_IN_RATE, FAILED_SIGN_IN_BURST)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["signed_in_editor"] = signed_in_editor
    app.before_request(_guard)
    app.register_blueprint(bp)
    app.cli.add_command(editors_command)


def _secret_key(app: Flask) -> str:
    """SEARCH_SECRET_KEY, else a key kept in the instance folder (made once, with a warning)."""
    if app.config.get("SEARCH_SECRET_KEY"):
        return str(app.config["SEARCH_SECRET_KEY"])
    if app.testing:
        return secrets.token_hex(32)  # tests never write into the instance folder
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        draft.chmod(0o600)
        try:
            path.hardlink_to(draft)  # atomic: fails if another worker got there first
            log.warning("SEARCH_SECRET_KEY is not set: made a session key in %s", path)
        except FileExistsError:
            pass  # another worker made it first: everyone uses that one
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


@click.group("editors", cls=AppGroup)
def editors_command() -> None:
    """Manage the editors' accounts (for /editors/)."""


@editors_command.command("add")
@click.argument("name")
@click.password_option(help="prompted for when left out")
def add_editor(name: str, password: str) -> None:
    """Add an editor, or set a new password for one."""
    try:
        accounts().add(name.strip(), password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"editor {name.strip()!r} can now sign in at /editors/login")


@editors_command.command("list")
def list_editors() -> None:
    """Print every editor's name."""
    for name in accounts().names():
        click.echo(name)


@editors_command.command("remove")
@click.argument("name")
def remove_editor(name: str) -> None:
    """Remove an editor (their session stops working at once)."""
    if not accounts().remove(name):
        raise click.ClickException(f"no editor called {name!r}")
    click.echo(f"editor {name!r} removed")

