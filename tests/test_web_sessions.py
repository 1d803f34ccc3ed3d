"""Sessions end on the server: a copied cookie is worthless after logout, a new password or a disabled account.
Failed logins slow down only the address that fails, and the counts survive a restart."""

from __future__ import annotations

import pytest

from core.store import Store
from tests.fixtures.web import PASSWORDS, add_users, csrf, login, make_alert, post
from web import create_app

COOKIE = "sauti_session"


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def copy_of(app, client):
    """Another browser holding a copy of this one's cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def replay_fails(thief, fresh_db, alert_id: int, token: str) -> None:
    response = thief.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    before = len(fresh_db.notes_for(alert_id))
    response = thief.post(f"/alerts/{alert_id}/notes", data={"text": "from the thief", "csrf_token": token})
    assert response.status_code in (302, 400) and not (response.location or "").startswith("/alerts")
    response = thief.post(f"/alerts/{alert_id}/notes", data={"text": "x"},
                          headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert response.status_code in (400, 401)
    assert len(fresh_db.notes_for(alert_id)) == before


def test_a_copied_cookie_works_until_logout_and_never_after(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    token = csrf(client)
    thief = copy_of(app, client)
    assert thief.get("/").status_code == 200  # a cookie is a key: that is why it must end
    assert fresh_db.console_sessions_of("vera") == 1
    post(client, "/logout")
    assert fresh_db.console_sessions_of("vera") == 0
    replay_fails(thief, fresh_db, alert["id"], token)


@pytest.mark.parametrize("how", ["disabled", "admin_reset", "own_change"])
def test_disabling_or_a_new_password_ends_the_sessions(app, client, fresh_db, config, how):
    alert = make_alert(fresh_db, config)
    login(client, "vera")
    token = csrf(client)
    thief = copy_of(app, client)
    admin = app.test_client()
    login(admin, "ada")
    if how == "disabled":
        post(admin, "/admin/users/vera/disabled", {"disabled": "1", "confirm": "1"})
    elif how == "admin_reset":
        post(admin, "/admin/users/vera/password", {"confirm": "1"})
    else:
        response = post(client, "/password", {"current": PASSWORDS["vera"], "new": "another-password",
                                              "confirm": "another-password"})
        assert response.status_code == 302
        assert client.get("/").status_code == 200  # the browser that changed it goes on, with a new session
        assert csrf(client) != token
    replay_fails(thief, fresh_db, alert["id"], token)
    assert admin.get("/admin/users").status_code == 200  # others' sessions go on


def test_the_cli_ending_sessions_reaches_the_console(app, client, fresh_db, runner):
    login(client, "vera")
    assert runner.invoke("user", "disable", "vera").exit_code == 0
    assert client.get("/").status_code == 302


def test_the_database_holds_no_usable_cookie(app, client, fresh_db):
    from flask.sessions import SecureCookieSessionInterface

    login(client)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    token = serializer.loads(client.get_cookie(COOKIE).value)["sid"]
    rows = list(fresh_db.db.query("SELECT * FROM console_sessions"))
    assert len(rows) == 1 and token not in str(rows)


def test_a_stranger_guessing_slows_down_only_themselves(app, fresh_db, caplog):
    attacker = client_at(app, "198.51.100.7")
    admin = client_at(app, "10.0.0.2")
    for _ in range(12):  # past the free failures: a wait, then more waits
        assert login(attacker, "ada", "guess").status_code in (401, 429)
    assert login(attacker, "ada", PASSWORDS["ada"]).status_code == 429  # even the right one, from there
    assert login(admin, "ada").status_code == 302  # the admin at her own desk gets in
    for name in ("u1", "u2", "u3", "u4", "u5", "u6"):  # many accounts from one address block nobody else
        login(attacker, name, "x")
    colleague = client_at(app, "198.51.100.7")  # same office, same address
    assert login(colleague, "sam").status_code == 302
    lockouts = [e for e in fresh_db.audit_entries("login") if e["action"] == "lockout"]
    assert lockouts and lockouts[0]["after"]["username"] == "ada"
    assert lockouts[0]["after"]["address"] == "198.51.100.7"
    assert "failed login for 'ada' from 198.51.100.7; it waits 30 s" in caplog.text  # for intrusion detection
    admin_page = admin.get("/admin/audit?entity=login").text
    assert "connexion bloquée" in admin_page


def test_the_wait_doubles_and_survives_a_restart(config, fresh_db):
    app = create_app({"SAUTI_CONFIG": config, "TESTING": True})
    add_users(fresh_db)
    attacker = client_at(app, "198.51.100.7")
    for _ in range(5):
        login(attacker, "vera", "guess")
    first = fresh_db.login_blocked_for("198.51.100.7", "vera")
    assert 25 < first <= 30
    fresh_db.conn.execute("UPDATE login_failures SET blocked_until = NULL")  # the wait is over
    login(attacker, "vera", "guess")
    assert 55 < fresh_db.login_blocked_for("198.51.100.7", "vera") <= 60
    restarted = client_at(create_app({"SAUTI_CONFIG": config, "TESTING": True}), "198.51.100.7")
    assert login(restarted, "vera").status_code == 429
    with Store.open(config.db_path) as store:
        assert store.login_blocked_for("198.51.100.7", "vera") > 0


def test_a_success_clears_the_count(client, fresh_db):
    for _ in range(4):
        login(client, "vera", "wrong")
    assert login(client, "vera").status_code == 302
    post(client, "/logout")
    for _ in range(4):
        assert login(client, "vera", "wrong").status_code == 401  # four free failures again
    assert login(client, "vera").status_code == 302
