"""Claims: taken on purpose, visible, never a trap: tags do not claim, supervisors take over, release tells the truth."""

from __future__ import annotations

from tests.fixtures.web import login, make_alert, post


def test_a_tag_key_does_not_claim_the_alert(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "vera")
    assert post(client, f"/alerts/{alert['id']}/tags", {"tag": "attack"}, json=True).status_code == 200
    assert post(client, f"/alerts/{alert['id']}/notes", {"text": "rappeler"}, json=True).status_code == 200
    assert fresh_db.get_alert(alert["id"])["claimed_by"] is None
    other = app.test_client()
    login(other, "sam")
    assert post(other, f"/alerts/{alert['id']}/decision", {"status": "escalated"}).status_code == 302
    assert fresh_db.get_alert(alert["id"])["status"] == "escalated"


def test_a_verifier_s_tag_on_an_escalated_alert_does_not_block_the_supervisor(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.set_status(alert["id"], "escalated", actor="sam")
    login(client, "vera")
    assert post(client, f"/alerts/{alert['id']}/tags", {"tag": "abduction"}, json=True).status_code == 200
    supervisor = app.test_client()
    login(supervisor, "sam")
    response = post(supervisor, f"/alerts/{alert['id']}/decision", {"status": "verified"})
    assert response.status_code == 302
    assert fresh_db.get_alert(alert["id"])["status"] == "verified"


def test_the_409_page_names_the_holder(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "vera")
    post(client, f"/alerts/{alert['id']}/claim")
    other = app.test_client()
    login(other, "ada")  # an admin ranks as a supervisor
    response = post(other, f"/alerts/{alert['id']}/transcript", {"text": "autre chose"})
    assert response.status_code == 409
    assert "prise en charge par vera" in response.text and "reprendre" in response.text
    response = post(other, f"/alerts/{alert['id']}/tags", {"tag": "attack"}, json=True)
    assert response.status_code == 409 and "vera" in response.json["error"]
    verifier = app.test_client()
    fresh_db.add_user("val", fresh_db.get_user("vera")["password_hash"], "verifier")
    login(verifier, "val", "vera-password")
    response = post(verifier, f"/alerts/{alert['id']}/claim", json=True)
    assert response.status_code == 409 and response.json["error"] == "Cette alerte est prise en charge par vera."


def test_a_supervisor_takes_over_a_claim_and_it_is_audited(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "vera")
    post(client, f"/alerts/{alert['id']}/claim")
    assert post(client, f"/alerts/{alert['id']}/takeover").status_code == 403  # verifiers may not
    supervisor = app.test_client()
    login(supervisor, "sam")
    page = supervisor.get(f"/alerts/{alert['id']}").text
    assert 'id="takeover-form"' in page
    response = post(supervisor, f"/alerts/{alert['id']}/takeover", json=True)
    assert response.status_code == 200 and response.json["message"] == "Prise en charge reprise à vera."
    assert fresh_db.get_alert(alert["id"])["claimed_by"] == "sam"
    entry = fresh_db.audit_entries("alert", alert["id"])[0]
    assert (entry["actor"], entry["action"], entry["before"], entry["after"]) == (
        "sam", "takeover", {"claimed_by": "vera"}, {"claimed_by": "sam"})
    # The verifier now sees who holds it, and cannot release or change it.
    response = post(client, f"/alerts/{alert['id']}/release")
    assert response.status_code == 409 and "prise en charge par sam, pas par vous" in response.text
    assert post(client, f"/alerts/{alert['id']}/decision", {"status": "verified"}).status_code == 409
    assert "reprise de la prise en charge" in supervisor.get("/admin/audit").text


def test_release_tells_the_truth(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "vera")
    response = post(client, f"/alerts/{alert['id']}/release", json=True)
    assert response.json == {"ok": True, "released": False,
                             "message": "Cette alerte n'était prise en charge par personne : rien à libérer."}
    post(client, f"/alerts/{alert['id']}/claim")
    response = post(client, f"/alerts/{alert['id']}/release", json=True)
    assert response.json["released"] is True and response.json["message"] == "Alerte libérée."
    assert fresh_db.get_alert(alert["id"])["claimed_by"] is None
