"""One alert: page content, audio, corrections, tags, notes, claims and decisions."""

from __future__ import annotations

from core.model import Source
from core.store import RecordingFacts
from tests.fixtures.web import login, make_alert, post


def test_alert_page_shows_what_a_verifier_needs(client, fresh_db, config):
    first = make_alert(fresh_db, config, pseudonym="C-REPEATER")
    make_alert(fresh_db, config, pseudonym="C-OTHER")
    alert = make_alert(fresh_db, config, pseudonym="C-REPEATER")
    login(client)
    text = client.get(f"/alerts/{alert['id']}").text
    assert alert["reference"] in text
    assert "C-REPEATER" in text and "1 alerte(s) antérieure(s)" in text
    assert "PJSIP/" not in text  # the channel (which can carry the number) is never shown
    assert 'class="w low" data-start="0.8"' in text  # "bunduki" at 0.42 confidence
    assert 'class="w" data-start="0.2"' in text
    assert "Mouvement de groupe armé" in text        # keyword category, in French
    assert "Téléphone" in text and "Djugu" in text and "Kiswahili" in text
    assert f'/alerts/{alert["id"]}/audio/' in text
    assert first["reference"] not in text


def test_alert_page_states_and_radio_segments(client, fresh_db, config):
    pending = make_alert(fresh_db, config, text=None)
    radio = make_alert(fresh_db, config, source=Source.RADIO, station="bunia-fm", pseudonym=None)
    fresh_db.set_transcript_state(pending["id"], "failed", "decoder <crashed>")
    login(client)
    text = client.get(f"/alerts/{pending['id']}").text
    assert "La transcription a échoué" in text and "decoder &lt;crashed&gt;" in text
    text = client.get(f"/alerts/{radio['id']}").text
    assert "bunia-fm" in text and "Radio" in text


def test_missing_alert_is_404(client):
    login(client)
    assert client.get("/alerts/999").status_code == 404


def test_audio_is_converted_cached_and_seekable(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    recording = fresh_db.recordings_for(alert["id"])[0]
    login(client)
    url = f"/alerts/{alert['id']}/audio/{recording['id']}"
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "audio/mpeg"
        body = response.data
    assert body[:3] == b"ID3" or body[0] == 0xFF
    cached = list((config.data_dir / "cache" / "audio").glob("*.mp3"))
    assert len(cached) == 1
    with client.get(url, headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 206 and len(response.data) == 100
    assert list((config.data_dir / "cache" / "audio").glob("*.mp3")) == cached


def test_audio_of_another_alert_or_missing_file_is_404(client, fresh_db, config):
    a = make_alert(fresh_db, config)
    b = make_alert(fresh_db, config, write_audio=False)
    login(client)
    assert client.get(f"/alerts/{b['id']}/audio/{fresh_db.recordings_for(a['id'])[0]['id']}").status_code == 404
    assert client.get(f"/alerts/{b['id']}/audio/{fresh_db.recordings_for(b['id'])[0]['id']}").status_code == 404


def test_audio_path_cannot_leave_the_data_dir(client, fresh_db, config):
    call = fresh_db.create_call(Source.PHONE)
    evil = fresh_db.file_alert(call, RecordingFacts("../../etc/passwd", "wav", 1, 8000, 1, "x"))
    login(client)
    rec = fresh_db.recordings_for(evil["id"])[0]
    assert client.get(f"/alerts/{evil['id']}/audio/{rec['id']}").status_code == 404


def test_transcript_correction_keeps_the_original(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    response = post(client, f"/alerts/{alert['id']}/transcript", {"text": "watu wenye bunduki wamechoma nyumba tatu"})
    assert response.status_code == 302
    versions = fresh_db.transcripts_for(alert["id"])
    assert [v["origin"] for v in versions] == ["asr", "verifier"]
    assert versions[0]["text"] == "watu wenye bunduki wamechoma nyumba"
    assert versions[1]["author"] == "vera"
    entry = fresh_db.audit_entries("alert", alert["id"])[0]
    assert entry["action"] == "transcript" and entry["actor"] == "vera"
    assert entry["before"] == {"text": "watu wenye bunduki wamechoma nyumba"}
    text = client.get(f"/alerts/{alert['id']}").text
    assert "Corrigée par vera" in text and "Transcription automatique d&#39;origine" in text
    # Saving the same text again changes nothing.
    response = post(client, f"/alerts/{alert['id']}/transcript", {"text": "watu wenye bunduki wamechoma nyumba tatu"},
                    json=True)
    assert response.json["ok"] and len(fresh_db.transcripts_for(alert["id"])) == 2


def test_tags_from_the_taxonomy_only(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    response = post(client, f"/alerts/{alert['id']}/tags", {"tag": ["attack", "displacement"]}, json=True)
    assert response.json == {"ok": True, "message": "Indicateurs enregistrés.", "tags": ["attack", "displacement"]}
    assert fresh_db.tags_for(alert["id"]) == ["attack", "displacement"]
    assert fresh_db.audit_entries("alert", alert["id"])[0]["action"] == "tags"
    assert post(client, f"/alerts/{alert['id']}/tags", {"tag": ["attack", "aliens"]}, json=True).status_code == 400
    assert fresh_db.tags_for(alert["id"]) == ["attack", "displacement"]
    post(client, f"/alerts/{alert['id']}/tags", {}, json=True)
    assert fresh_db.tags_for(alert["id"]) == []


def test_notes_are_escaped(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    assert post(client, f"/alerts/{alert['id']}/notes", {"text": "<script>alert(1)</script>"}).status_code == 302
    assert post(client, f"/alerts/{alert['id']}/notes", {"text": "   "}, json=True).status_code == 422
    assert [n["text"] for n in fresh_db.notes_for(alert["id"])] == ["<script>alert(1)</script>"]
    text = client.get(f"/alerts/{alert['id']}").text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text


def test_details_update_is_audited(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    post(client, f"/alerts/{alert['id']}/details", {"language": "fr", "locality": "Fataki"})
    alert = fresh_db.get_alert(alert["id"])
    assert (alert["language"], alert["locality"]) == ("fr", "Fataki")
    entry = fresh_db.audit_entries("alert", alert["id"])[0]
    assert entry["action"] == "update" and entry["after"] == {"language": "fr", "locality": "Fataki"}
    assert post(client, f"/alerts/{alert['id']}/details", {"language": "xx"}).status_code == 400


def test_claims_one_verifier_at_a_time(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    other = app.test_client()
    login(client, "vera")
    login(other, "sam")
    assert post(client, f"/alerts/{alert['id']}/claim", json=True).json["claimed_by"] == "vera"
    assert "Prise en charge par vera" in other.get(f"/alerts/{alert['id']}").text
    for url, data in (("claim", {}), ("tags", {"tag": "attack"}), ("decision", {"status": "verified"}),
                      ("transcript", {"text": "new"})):
        response = post(other, f"/alerts/{alert['id']}/{url}", data, json=True)
        assert response.status_code == 409, url
    assert fresh_db.get_alert(alert["id"])["status"] == "new"
    post(client, f"/alerts/{alert['id']}/release")
    assert post(other, f"/alerts/{alert['id']}/claim", json=True).status_code == 200
    actions = [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]
    assert actions[:3] == ["claim", "release", "claim"]


def test_expired_claim_can_be_taken(app, client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.claim_alert(alert["id"], "sam", minutes=-1)  # already expired
    login(client)
    assert post(client, f"/alerts/{alert['id']}/claim", json=True).status_code == 200
    assert fresh_db.get_alert(alert["id"])["claimed_by"] == "vera"


def test_verifier_decisions_go_to_the_next_alert(client, fresh_db, config):
    first = make_alert(fresh_db, config, priority=9)
    second = make_alert(fresh_db, config, priority=5)
    login(client)
    response = post(client, f"/alerts/{first['id']}/decision", {"status": "verified"})
    assert response.status_code == 302 and response.location == f"/alerts/{second['id']}"
    alert = fresh_db.get_alert(first["id"])
    assert alert["status"] == "verified" and alert["claimed_by"] is None
    entry = fresh_db.audit_entries("alert", first["id"])[0]
    assert (entry["actor"], entry["before"], entry["after"]) == ("vera", {"status": "new"}, {"status": "verified"})
    assert "Alerte " + first["reference"] + " : Vérifiée." in client.get(response.location).text
    response = post(client, f"/alerts/{second['id']}/decision", {"status": "false"})
    assert response.location == "/"  # the queue is empty


def test_verifier_cannot_escalate_or_merge(client, fresh_db, config):
    a = make_alert(fresh_db, config)
    b = make_alert(fresh_db, config)
    login(client)
    assert post(client, f"/alerts/{a['id']}/decision", {"status": "escalated"}).status_code == 403
    assert post(client, f"/alerts/{a['id']}/decision",
                {"status": "duplicate", "duplicate_of": b["reference"]}).status_code == 403
    assert post(client, f"/alerts/{a['id']}/decision", {"status": "new"}).status_code == 403
    assert post(client, f"/alerts/{a['id']}/decision", {"status": "bogus"}).status_code == 400
    assert fresh_db.get_alert(a["id"])["status"] == "new"
    text = client.get(f"/alerts/{a['id']}").text
    assert 'value="escalated"' not in text and 'value="duplicate"' not in text


def test_verifier_cannot_undo_a_supervisor_decision(app, client, fresh_db, config):
    a = make_alert(fresh_db, config)
    fresh_db.set_status(a["id"], "escalated", actor="sam")
    login(client)
    assert post(client, f"/alerts/{a['id']}/decision", {"status": "false"}).status_code == 403
    assert "seul un superviseur" in client.get(f"/alerts/{a['id']}").text


def test_supervisor_escalates_and_merges(client, fresh_db, config):
    original = make_alert(fresh_db, config)
    first_dup = make_alert(fresh_db, config)
    second_dup = make_alert(fresh_db, config)
    escalated = make_alert(fresh_db, config)
    login(client, "sam")
    assert post(client, f"/alerts/{escalated['id']}/decision", {"status": "escalated"}).status_code == 302
    assert fresh_db.get_alert(escalated["id"])["status"] == "escalated"
    post(client, f"/alerts/{first_dup['id']}/decision", {"status": "duplicate", "duplicate_of": original["reference"]})
    assert fresh_db.get_alert(first_dup["id"])["duplicate_of"] == original["id"]
    # A duplicate of a duplicate is merged into the original.
    post(client, f"/alerts/{second_dup['id']}/decision", {"status": "duplicate", "duplicate_of": first_dup["reference"]})
    assert fresh_db.get_alert(second_dup["id"])["duplicate_of"] == original["id"]
    entry = fresh_db.audit_entries("alert", second_dup["id"])[0]
    assert entry["after"] == {"status": "duplicate", "duplicate_of": original["id"]}
    text = client.get(f"/alerts/{original['id']}").text
    assert first_dup["reference"] in text and second_dup["reference"] in text
    assert original["reference"] in client.get(f"/alerts/{first_dup['id']}").text


def test_merge_needs_another_existing_alert(client, fresh_db, config):
    a = make_alert(fresh_db, config)
    login(client, "sam")
    for target in ("", "1234567", a["reference"], "nonsense"):
        response = post(client, f"/alerts/{a['id']}/decision", {"status": "duplicate", "duplicate_of": target},
                        json=True)
        assert response.status_code == 422, target
    assert fresh_db.get_alert(a["id"])["status"] == "new"


def test_history_shows_the_audit_log(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client, "sam")
    post(client, f"/alerts/{alert['id']}/tags", {"tag": "abduction"})
    post(client, f"/alerts/{alert['id']}/decision", {"status": "escalated"})
    text = client.get(f"/alerts/{alert['id']}").text
    assert "Historique" in text
    assert "Nouvelle → Escaladée" in text and "Enlèvement" in text and "prise en charge" in text


def test_history_shows_flag_changes_in_the_user_s_language(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    fresh_db.set_flags(alert["id"], "asr", add=["silent"])
    fresh_db.set_flags(alert["id"], "asr", add=["partial"], clear=["silent"])
    login(client)
    text = client.get(f"/alerts/{alert['id']}").text
    assert "signalements : Aucune parole détectée → Appel interrompu" in text
    assert "flags:" not in text and "['" not in text


def test_keyboard_help_lists_the_triage_loop(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    text = client.get(f"/alerts/{alert['id']}").text
    assert 'id="help"' in text
    for label in ("Alerte suivante", "Lecture / pause", "Cocher / décocher un indicateur", "Vérifiée", "Fausse (rejeter)"):
        assert label in text


def test_first_listen_is_audited_once_per_user(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    rec = fresh_db.recordings_for(alert["id"])[0]
    login(client)
    for headers in ({}, {"Range": "bytes=100-"}, {}):
        with client.get(f"/alerts/{alert['id']}/audio/{rec['id']}", headers=headers) as response:
            assert response.status_code in (200, 206)
    listens = [e for e in fresh_db.audit_entries("alert", alert["id"]) if e["action"] == "listen"]
    assert [(e["actor"], e["before"], e["after"]) for e in listens] == [("vera", None, None)]
    assert "écoute" in client.get(f"/alerts/{alert['id']}").text


def test_partial_asr_data_still_renders(client, fresh_db, config):
    alert = make_alert(fresh_db, config, words=[{"word": "watu"}, {"word": "<i>x</i>", "conf": None}],
                       keywords=[{"term": "bunduki"}, {"term": "x", "category": "unknown-category"}])
    login(client)
    assert client.get(f"/alerts/{alert['id']}").status_code == 200
    assert client.get("/").status_code == 200
    assert "&lt;i&gt;x&lt;/i&gt;" in client.get(f"/alerts/{alert['id']}").text


def test_a_decision_taken_meanwhile_is_not_overwritten(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    page = client.get(f"/alerts/{alert['id']}").text
    assert 'name="seen_status" value="new"' in page
    fresh_db.set_status(alert["id"], "false", actor="sam")  # another verifier, while the page was open
    response = post(client, f"/alerts/{alert['id']}/decision", {"status": "verified", "seen_status": "new"})
    assert response.status_code == 302 and response.location == f"/alerts/{alert['id']}"
    assert fresh_db.get_alert(alert["id"])["status"] == "false"
    assert "vient d&#39;être décidée" in client.get(response.location).text
    response = post(client, f"/alerts/{alert['id']}/decision", {"status": "verified", "seen_status": "false"})
    assert fresh_db.get_alert(alert["id"])["status"] == "verified"
