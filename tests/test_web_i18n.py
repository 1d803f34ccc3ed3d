"""No English inside the French console: reasons, history and errors all come from the catalogue."""

from __future__ import annotations

from core.model import TranscriptState
from tests.fixtures.web import login, make_alert, post


def test_no_model_reason_is_said_in_french(client, fresh_db, config):
    alert = make_alert(fresh_db, config, text=None, language="ln")
    reason = "no speech model for language 'ln': listen to the recording"
    fresh_db.set_transcript_state(alert["id"], TranscriptState.NO_MODEL, reason)
    login(client)
    page = client.get(f"/alerts/{alert['id']}").text
    assert "Pas de modèle pour cette langue" in page
    assert "no speech model" not in page and "listen to the recording" not in page


def test_a_failure_s_detail_is_marked_for_the_administrator(client, fresh_db, config):
    alert = make_alert(fresh_db, config, text=None)
    fresh_db.set_transcript_state(alert["id"], TranscriptState.FAILED, "RuntimeError: decoder crashed")
    login(client)
    page = client.get(f"/alerts/{alert['id']}").text
    assert "La transcription a échoué." in page and "Détail technique" in page


def test_history_names_fields_and_values_in_french(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    post(client, f"/alerts/{alert['id']}/details", {"language": "fr", "locality": "Fataki"})
    page = client.get(f"/alerts/{alert['id']}").text
    assert "langue : Kiswahili → Français" in page and "localité : Djugu → Fataki" in page
    assert "language:" not in page and "locality:" not in page
    admin = app.test_client()
    login(admin, "ada")
    post(admin, "/admin/users/vera/role", {"role": "supervisor"})
    post(admin, "/admin/users/sam/disabled", {"disabled": "1", "confirm": "1"})
    post(admin, "/admin/users/sam/password", {"confirm": "1"})
    audit = admin.get("/admin/audit").text
    assert "rôle : vérificateur → superviseur" in audit
    assert "désactivé : non → oui" in audit and "mot de passe : modifié" in audit
    assert "password_hash" not in audit and "&lt;changed&gt;" not in audit
    post(admin, "/language", {"lang": "en"})
    audit = admin.get("/admin/audit").text
    assert "role: verifier → supervisor" in audit and "password: changed" in audit
