"""Accounts, sessions, CSRF, rate limits, headers and languages in the console."""

from __future__ import annotations

import time

import pytest

from core.store import Store
from tests.fixtures.core import make_data_dir
from tests.fixtures.web import PASSWORDS, add_users, csrf, login, make_alert, post
from web import create_app
from web.i18n import catalogs


def test_pages_need_login(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    for url in ("/", f"/alerts/{alert['id']}", "/admin/audit", "/admin/users", "/password"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/login")
    assert client.get("/queue/stats", headers={"Accept": "application/json"}).status_code == 401
    assert client.get(f"/alerts/{alert['id']}/audio/1").status_code == 302
    with client.get("/static/console.css") as response:
        assert response.status_code == 200  # assets are public


def test_login_and_logout(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Connexion" in response.text
    response = login(client, "vera")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_local_paths(client):
    token = csrf(client)
    for target, expected in (("/admin/audit", "/admin/audit"), ("https://evil.example/", "/"), ("//evil.example", "/")):
        client.post("/logout", data={"csrf_token": csrf(client)})
        response = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"],
                                               "csrf_token": csrf(client), "next": target})
        assert response.location == expected, target
    assert token


def test_wrong_password_and_unknown_user(client):
    assert login(client, "vera", "nope").status_code == 401
    assert login(client, "nobody", "nope").status_code == 401
    assert client.get("/").status_code == 302


def test_login_is_rate_limited(client):
    for _ in range(4):
        assert login(client, "vera", "wrong").status_code == 401
    assert login(client, "vera", "wrong").status_code == 401  # the fifth failure starts a wait
    response = login(client, "vera")  # even the right password waits now, from this address
    assert response.status_code == 429
    assert "échecs depuis cette adresse pour ce compte" in response.text
    assert login(client, "sam").status_code == 302  # other accounts are not locked out


def test_disabled_account_cannot_log_in_and_loses_its_session(client, fresh_db):
    assert login(client, "vera").status_code == 302
    fresh_db.update_user("vera", "test", disabled=1)
    assert client.get("/").status_code == 302
    assert login(client, "vera").status_code == 401


@pytest.mark.parametrize("url", ["/login", "/logout", "/language", "/alerts/1/decision", "/alerts/1/tags",
                                 "/alerts/1/claim", "/alerts/1/notes", "/admin/users"])
def test_post_without_csrf_is_400(client, fresh_db, config, url):
    make_alert(fresh_db, config)
    login(client, "ada")
    response = client.post(url, data={"username": "vera", "password": "x", "status": "verified", "text": "x"})
    assert response.status_code == 400
    response = client.post(url, data={"csrf_token": "forged", "status": "verified"})
    assert response.status_code == 400
    assert fresh_db.get_alert(1)["status"] == "new"


def test_csrf_header_is_accepted(client, fresh_db, config):
    make_alert(fresh_db, config)
    login(client)
    response = client.post("/alerts/1/notes", data={"text": "hello"},
                           headers={"X-CSRF-Token": csrf(client), "Accept": "application/json"})
    assert response.status_code == 200


def test_cookie_flags(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie


def test_secure_cookies_when_configured(tmp_path):
    config = make_data_dir(tmp_path / "tls", {"web": {"secure_cookies": True}})
    app = create_app({"SAUTI_CONFIG": config, "TESTING": True})
    with Store.open(config.db_path) as fresh_db:
        add_users(fresh_db)
    client = app.test_client()
    assert "Secure" in login(client).headers["Set-Cookie"]


def test_session_expires(client, fresh_db):
    login(client)
    assert client.get("/").status_code == 200
    fresh_db.conn.execute("UPDATE console_sessions SET expires_at = '2000-01-01T00:00:00.000+00:00'")
    response = client.get("/")
    assert response.status_code == 302
    response = client.get(response.location)
    assert "Votre session a expiré" in response.text


def test_password_change_ends_other_sessions(app, client):
    other = app.test_client()
    login(client)
    login(other)
    response = post(client, "/password", {"current": PASSWORDS["vera"], "new": "new-password-1",
                                          "confirm": "new-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302    # the other one ends
    assert login(other, "vera", "new-password-1").status_code == 302


def test_password_change_errors(client):
    login(client)
    assert post(client, "/password", {"current": "bad", "new": "x" * 9, "confirm": "x" * 9}).status_code == 400
    assert post(client, "/password", {"current": PASSWORDS["vera"], "new": "short", "confirm": "short"}).status_code == 400
    assert post(client, "/password", {"current": PASSWORDS["vera"], "new": "x" * 9, "confirm": "y" * 9}).status_code == 400


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_french_by_default_english_on_request(client):
    assert "Se connecter" in client.get("/login").text
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    response = post(client, "/language", {"lang": "en", "next": "/login"})
    assert response.location == "/login"
    assert "Username" in client.get("/login").text
    login(client)
    assert "Queue" in client.get("/").text


def test_catalogs_have_the_same_keys():
    fr, en = catalogs()["fr"], catalogs()["en"]
    assert set(fr) == set(en)
    assert all(fr.values()) and all(en.values())
    assert all(text.count("{") == en[key].count("{") for key, text in fr.items())


def test_no_asset_from_elsewhere(client, fresh_db, config):
    make_alert(fresh_db, config)
    login(client, "ada")
    for url in ("/login", "/", "/alerts/1", "/admin/audit", "/admin/users"):
        text = client.get(url).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, url


def test_changes_need_login_even_with_a_csrf_token(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    for url, data in (("decision", {"status": "verified"}), ("tags", {"tag": "attack"}), ("notes", {"text": "x"}),
                      ("claim", {}), ("transcript", {"text": "x"})):
        response = post(client, f"/alerts/{alert['id']}/{url}", data)
        assert response.status_code == 302 and response.location == "/login", url
        assert post(client, f"/alerts/{alert['id']}/{url}", data, json=True).status_code == 401
    assert fresh_db.get_alert(alert["id"])["status"] == "new"
    assert [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])] == ["create"]


def test_every_message_used_is_translated():
    import re
    from pathlib import Path

    from core import model, prompts
    from core.accounts import ROLES
    from core.model import Source, Status
    from core.store.audit import ACTIONS, ENTITIES
    from web.i18n import JS_KEYS, SHORTCUTS

    root = Path(__file__).resolve().parent.parent / "web"
    used = set(JS_KEYS) | {label for _, label in SHORTCUTS}
    for path in [*root.glob("templates/*.html"), *root.glob("*.py")]:
        used |= set(re.findall(r"""\b_\(\s*['"]([a-z_]+\.[a-z_0-9]+)['"]""", path.read_text()))
    used |= {f"status.{s.value}" for s in Status} | {f"source.{s.value}" for s in Source}
    used |= {f"role.{r}" for r in ROLES} | {f"action.{a}" for a in ACTIONS} | {f"entity.{e}" for e in ENTITIES}
    used |= {f"flag.{value}" for name, value in vars(model).items() if name.startswith("FLAG_")}
    used |= {f"prompt_source.{source}" for source in (prompts.HUMAN, prompts.SYNTHESISED, prompts.PLACEHOLDER,
                                                      prompts.GENERATED, prompts.UNLISTED, prompts.MISSING)}
    missing = used - set(catalogs()["fr"])
    assert not missing
    assert len(used) > 100


def test_static_files_are_versioned_and_cached(client):
    import re

    page = client.get("/login").text
    css = re.search(r'href="(/static/console\.css\?v=[0-9a-f]{10})"', page).group(1)
    assert re.search(r'src="/static/console\.js\?v=[0-9a-f]{10}"', page)
    with client.get(css) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
