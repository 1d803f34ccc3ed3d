"""Each field's own limit, shown in its form; a refusal in the user's language keeps what was typed.
And pages and the queue's poll travel gzipped, for verifiers on slow links."""

from __future__ import annotations

import gzip

from tests.fixtures.web import login, make_alert, post
from web.inputs import FIELD_LIMITS


def test_a_too_long_correction_is_refused_in_french_and_kept(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    page = client.get(f"/alerts/{alert['id']}").text
    assert f'maxlength="{FIELD_LIMITS["transcript"]}"' in page and "20000 caractères au plus" in page
    typed = "Watu wenye silaha " * 1200  # 21 600 characters
    response = post(client, f"/alerts/{alert['id']}/transcript", {"text": typed})
    assert response.status_code == 400
    assert "Texte trop long" in response.text and "20000 au plus" in response.text
    assert typed.strip() in response.text  # in the textarea, ready to shorten
    assert len(fresh_db.transcripts_for(alert["id"])) == 1
    response = post(client, f"/alerts/{alert['id']}/transcript", {"text": typed}, json=True)
    assert response.status_code == 400 and response.json["error"].startswith("Texte trop long")


def test_notes_and_localities_have_their_own_limits(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    note = "n" * (FIELD_LIMITS["note"] + 1)
    response = post(client, f"/alerts/{alert['id']}/notes", {"text": note})
    assert response.status_code == 400 and note in response.text and fresh_db.notes_for(alert["id"]) == []
    locality = "L" * (FIELD_LIMITS["locality"] + 1)
    response = post(client, f"/alerts/{alert['id']}/details", {"locality": locality})
    assert response.status_code == 400 and f'value="{locality}"' in response.text
    assert fresh_db.get_alert(alert["id"])["locality"] == "Djugu"  # not silently cut, not changed
    exact = "L" * FIELD_LIMITS["locality"]
    assert post(client, f"/alerts/{alert['id']}/details", {"locality": exact}).status_code == 302
    assert fresh_db.get_alert(alert["id"])["locality"] == exact


def test_a_too_long_username_keeps_what_the_admin_typed(client, fresh_db):
    login(client, "ada")
    assert "2 à 40 lettres" in client.get("/admin/users").text
    response = post(client, "/admin/users", {"username": "u" * 41, "role": "verifier"})
    assert response.status_code == 400 and "Texte trop long" in response.text and "u" * 41 in response.text


def test_english_users_get_english_refusals(client, fresh_db, config):
    alert = make_alert(fresh_db, config)
    login(client)
    post(client, "/language", {"lang": "en"})
    response = post(client, f"/alerts/{alert['id']}/notes", {"text": "n" * 5000})
    assert "Text too long: 5000 characters where 4000 at most are allowed" in response.text


def test_pages_and_the_poll_are_gzipped_when_asked(client, fresh_db, config):
    for n in range(30):
        make_alert(fresh_db, config, text=f"watu wenye bunduki wamechoma nyumba {n}", write_audio=n == 0)
    login(client)
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers  # not asked for
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data).decode() == plain.text
    assert len(zipped.data) * 4 < len(plain.data)
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    # The queue's poll of its own page (new alerts without reloading) is that same page; the
    # count it polls is a few bytes and goes as it is.
    stats = client.get("/queue/stats", headers={"Accept-Encoding": "gzip", "Accept": "application/json"})
    assert "Content-Encoding" not in stats.headers and stats.json["waiting"] == 30
    page = client.get("/alerts/1", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"watu" in gzip.decompress(page.data)
    with client.get("/alerts/1/audio/1", headers={"Accept-Encoding": "gzip"}) as audio:
        assert audio.status_code == 200 and "Content-Encoding" not in audio.headers  # audio is compressed already


def test_refusing_gzip_is_respected(client, fresh_db, config):
    login(client)
    response = client.get("/", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
