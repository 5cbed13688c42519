"""Editors' sign-in: the editors' pages and API are closed to anyone not signed in."""
import re

import pytest
from conftest import EDITOR, PASSWORD, sign_in

from webapp import create_app


@pytest.mark.parametrize("path", ["/editors/", "/editors/duplicates", "/editors/insights?days=7",
                                  "/editors/duplicates.csv", "/editors/similar?key=x"])
def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/editors/login?next=")
    assert "Sign in for editors" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/editors/duplicates", "/api/editors/insights?days=7",
                                  "/api/editors/similar?key=x", "/api/editors/pair?a=x&b=y"])
def test_anonymous_api_calls_get_401_in_the_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401
    assert "Sign in" in response.get_json()["error"]["message"]


def test_wrong_password_or_name_is_refused(client):
    assert sign_in(client, password="not the password").status_code == 401
    assert sign_in(client, name="nobody").status_code == 401
    assert client.get("/api/editors/duplicates").status_code == 401


def test_signing_in_opens_the_editors_pages_and_signing_out_closes_them(client):
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/editors/"
    assert client.get("/api/editors/duplicates").status_code == 200
    page = client.get("/editors/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/editors/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/editors/duplicates").status_code == 401


def test_forms_without_the_csrf_token_are_refused(client):
    client.get("/editors/login")
    response = client.post("/editors/login", data={"name": EDITOR, "password": PASSWORD})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    forged = client.post("/editors/login", data={"name": EDITOR, "password": PASSWORD, "csrf_token": "guess"})
    assert forged.status_code == 400
    assert client.get("/api/editors/duplicates").status_code == 401


def test_sign_in_never_redirects_to_another_site(client):
    form = client.get("/editors/login?next=https://evil.example/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/search"):
        response = client.post("/editors/login", data={"name": EDITOR, "password": PASSWORD,
                                                        "csrf_token": token, "next": target})
        assert response.headers["Location"] == "/editors/", target
        client.get("/editors/login")  # signing in starts a new session: fetch its token
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/editors/login").get_data(as_text=True)).group(1)


def test_a_removed_editor_is_signed_out_at_once(app):
    app.extensions["editors"].add("temporary", "a long enough password")
    client = app.test_client()
    assert sign_in(client, "temporary", "a long enough password").status_code == 302
    assert client.get("/api/editors/duplicates").status_code == 200
    app.extensions["editors"].remove("temporary")
    assert client.get("/api/editors/duplicates").status_code == 401


def test_session_cookie_is_http_only_same_site_and_secure_by_default(site, tmp_path):
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]), "SEARCH_INSIGHTS_DB": "",
                      "SEARCH_EDITORS_DB": str(tmp_path / "editors.sqlite3")})
    cookie = app.test_client().get("/editors/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_the_public_pages_show_no_editors_links(client):
    for path in ("/", "/search?q=flushing", "/ask?q=flushing"):
        assert "/editors/" not in client.get(path).get_data(as_text=True), path


def test_operator_manages_accounts_from_the_command_line(site, tmp_path):
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(site["index"]), "SEARCH_INSIGHTS_DB": "",
                      "SEARCH_EDITORS_DB": str(tmp_path / "editors.sqlite3")})
    runner = app.test_cli_runner()
    typed = "a good long password\n" * 2  # the password and its confirmation
    result = runner.invoke(args=["editors", "add", "sam"], input=typed)
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["editors", "add", "kim"], input="short\nshort\n").exit_code != 0
    assert runner.invoke(args=["editors", "list"]).output.split() == ["sam"]
    assert app.extensions["editors"].check("sam", "a good long password")
    stored = (tmp_path / "editors.sqlite3").read_bytes()
    assert b"a good long password" not in stored
    assert runner.invoke(args=["editors", "remove", "sam"]).exit_code == 0
    assert runner.invoke(args=["editors", "list"]).output.split() == []


def test_password_guessing_is_slowed_down(app):
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert [sign_in(guesser, password=f"guess {i}").status_code for i in range(10)] == [401] * 10
    blocked = sign_in(guesser)  # even the right password waits now
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.78"
    assert sign_in(other).status_code == 302
