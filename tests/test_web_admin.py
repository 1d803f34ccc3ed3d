"""The audit log for supervisors, account management for admins."""

from __future__ import annotations

import re

from tests.fixtures.web import login, make_alert, post, post_file


def test_audit_log_is_for_supervisors(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.set_status(alert["id"], "verified", actor="vera")
    login(client, "vera")
    assert client.get("/admin/audit").status_code == 403
    post(client, "/logout")
    login(client, "sam")
    text = client.get("/admin/audit").text
    assert "Nouvelle → Vérifiée" in text and "vera" in text
    assert "vera" in client.get("/admin/audit?actor=vera").text
    assert "Nouvelle → Vérifiée" not in client.get("/admin/audit?action=create").text


def test_users_page_is_for_admins(client):
    for name in ("vera", "sam"):
        login(client, name)
        assert client.get("/admin/users").status_code == 403
        assert post(client, "/admin/users", {"username": "x1", "role": "admin"}).status_code == 403
        post(client, "/logout")


def test_admin_adds_a_user_who_can_log_in(app, client, fresh_db):
    login(client, "ada")
    response = post(client, "/admin/users", {"username": "nadia", "role": "verifier"})
    assert response.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', response.text).group(1)
    assert fresh_db.get_user("nadia")["role"] == "verifier"
    assert password not in str(fresh_db.get_user("nadia"))
    with client.session_transaction() as session:
        assert password not in str(dict(session))
    other = app.test_client()
    assert login(other, "nadia", password).status_code == 302
    assert post(client, "/admin/users", {"username": "nadia", "role": "verifier"}).status_code == 409
    assert post(client, "/admin/users", {"username": "<x>", "role": "verifier"}).status_code == 400
    assert post(client, "/admin/users", {"username": "okname", "role": "king"}).status_code == 400


def test_admin_disables_resets_and_changes_roles(app, client, fresh_db):
    vera = app.test_client()
    login(vera, "vera")
    login(client, "ada")
    post(client, "/admin/users/vera/role", {"role": "supervisor"})
    assert fresh_db.get_user("vera")["role"] == "supervisor"
    post(client, "/admin/users/vera/disabled", {"disabled": "1", "confirm": "1"})
    assert fresh_db.get_user("vera")["disabled"] == 1
    assert vera.get("/").status_code == 302
    post(client, "/admin/users/vera/disabled", {"disabled": "0"})
    response = post(client, "/admin/users/vera/password", {"confirm": "1"})
    password = re.search(r'id="new-password">([^<]+)<', response.text).group(1)
    assert login(vera, "vera", password).status_code == 302
    assert post(client, "/admin/users/ada/disabled", {"disabled": "1", "confirm": "1"}).status_code == 400
    assert post(client, "/admin/users/ghost/role", {"role": "admin"}).status_code == 404
    actions = [(e["action"], e["actor"]) for e in fresh_db.audit_entries("user")]
    assert ("update", "ada") in actions


def test_the_audit_of_this_session_s_areas_reads_in_french(client, fresh_db, config):
    """Localities, the directory, committees, incidents, surveys, responses, sharing, the complaints role:
    field names, outcomes and lists in words, no "#None" for a whole list."""
    first, second = make_alert(fresh_db, config), make_alert(fresh_db, config)
    login(client, "ada")
    post(client, "/admin/localities", {"code": "4021", "name": "Kalunguta", "latitude": "0.25", "longitude": "29.3"})
    post_file(client, "/admin/localities/import", b"code,name\n1,Beni\n")
    post(client, "/admin/directory", {"kind": "responder", "name": "Base", "localities": "1 4021", "language": "fr",
                                      "order": "1", "number": "+243970000111"})
    post(client, "/incidents", {"alerts": [str(first["id"]), str(second["id"])]})
    post(client, f"/alerts/{first['id']}/shareable", {"shareable": "1"})
    post(client, f"/alerts/{first['id']}/responses", {"action": "patrouille", "outcome": "resolved", "text": ""})
    post(client, "/admin/users/vera/complaints", {"complaints": "1"})
    text = client.get("/admin/audit").text
    for words in ("code : 4021; nom : Kalunguta; territoire : —", "ajoutées : 1; modifiées : 0; retirées : 0",
                  "type : Intervenant; nom : Base; localités : 1, 4021", "numéro : **11", "alertes : 1, 2",
                  "partageable : non → oui", "résultat : résolu", "rôle plaintes : non → oui"):
        assert words in text, words
    assert "#None" not in text and "[" not in text.split("<tbody>")[1].split("</tbody>")[0]
    for action, label in (("response", "réponse enregistrée"), ("share", "partage au corpus")):
        assert f'<option value="{action}">{label}</option>' in text   # the filter offers this session's actions
        assert label in client.get("/admin/audit", query_string={"action": action}).text
