"""The console's side of spotting by example: marking an example on a verified alert,
the 'sounds like' line with its decision, and the examples page."""

from __future__ import annotations

import html

from core.audio.wav import write_wav
from core.model import Status
from tests.fixtures.web import login, make_alert, post
from tests.spotting_voices import Voice, to_int16, utterance


def _spoken_alert(store, config, pseudonym):
    audio, spans = utterance(["watu wenye", "bunduki", "walikuja"], Voice("sw+m3"))
    alert = make_alert(store, config, pseudonym=pseudonym, seconds=len(audio) / 8000)
    write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
    return alert, spans[1]


def test_a_verifier_marks_an_example_and_decides_a_hit(config, fresh_db, client):
    login(client, "vera")
    source, (_, start, end) = _spoken_alert(fresh_db, config, "C-A")
    recording = fresh_db.recordings_for(source["id"])[0]["id"]
    form = {"recording_id": recording, "start": f"{start:.2f}", "end": f"{end:.2f}", "term": "bunduki",
            "category": "armed_movement"}
    refused = post(client, f"/alerts/{source['id']}/examples", form)
    assert refused.status_code == 422 and "verified" in refused.get_data(as_text=True)
    assert "example-form" not in client.get(f"/alerts/{source['id']}").get_data(as_text=True)

    fresh_db.set_status(source["id"], Status.VERIFIED, actor="vera")
    assert 'id="example-form"' in client.get(f"/alerts/{source['id']}").get_data(as_text=True)
    marked = post(client, f"/alerts/{source['id']}/examples", form, json=True)
    assert marked.status_code == 200, marked.get_data(as_text=True)
    example_id = marked.get_json()["example_id"]
    assert fresh_db.get_example(example_id)["created_by"] == "vera"
    assert post(client, f"/alerts/{source['id']}/examples", {**form, "start": "soon"}).status_code == 422

    new = make_alert(fresh_db, config, text=None, pseudonym="C-B")
    fresh_db.replace_hits(new["id"], "sw", [{"example_id": example_id, "term": "bunduki", "category": "armed_movement",
                                             "start": 7.2, "end": 7.9, "distance": 0.31, "threshold": 0.43}])
    page = html.unescape(client.get(f"/alerts/{new['id']}").get_data(as_text=True))   # vera reads French
    assert f"ressemble à bunduki à 0:07, exemple de l'alerte {source['reference']}" in page
    assert f'data-example="/examples/{example_id}.wav"' in page
    clip = client.get(f"/examples/{example_id}.wav")
    assert clip.status_code == 200 and clip.mimetype == "audio/wav" and clip.data[:4] == b"RIFF"
    clip.close()

    [hit] = fresh_db.hits_for(new["id"])
    assert post(client, f"/alerts/{new['id']}/hits/{hit['id']}", {"decision": "maybe"}).status_code == 400
    assert post(client, f"/alerts/{source['id']}/hits/{hit['id']}", {"decision": "confirmed"}).status_code == 404
    decided = post(client, f"/alerts/{new['id']}/hits/{hit['id']}", {"decision": "confirmed"}, json=True)
    assert decided.get_json()["decision"] == "confirmed"
    assert fresh_db.hits_for(new["id"])[0]["decided_by"] == "vera"
    assert any(e["action"] == "hit" and e["actor"] == "vera" for e in fresh_db.audit_entries("alert", new["id"]))

    listing = client.get("/examples").get_data(as_text=True)
    assert 'data-term="bunduki"' in listing and 'class="n-speakers">1' in listing and "(une seule voix)" in listing
    assert post(client, f"/examples/{example_id}/remove").status_code == 302
    assert fresh_db.get_example(example_id) is None
    assert 'data-example="' not in client.get("/examples").get_data(as_text=True)


def test_the_examples_page_needs_a_login(client):
    assert client.get("/examples").status_code == 302


def test_the_examples_page_numbers_the_terms_said_by_phone_and_a_phone_hit_says_so(config, fresh_db, client):
    from core import keyword_examples
    from core.lexicon import Lexicons

    login(client, "vera")
    page = html.unescape(client.get("/examples").get_data(as_text=True))
    numbered = keyword_examples.phone_terms(Lexicons(config.data_dir / "lexicons"), "sw")
    number = [t for t, _ in numbered].index("bunduki") + 1
    assert f"<b>{number}</b> bunduki" in page and "appelle le 400" in page
    assert all("*" not in t for t, _ in numbered)

    said = fresh_db.add_phone_example("sw", "bunduki", "armed_movement", "examples/phone-sw-x.wav", 0.7, 1.4,
                                      "phone:C-TRUSTED")
    new = make_alert(fresh_db, config, text=None, pseudonym="C-B")
    fresh_db.replace_hits(new["id"], "sw", [{"example_id": said, "term": "bunduki", "category": "armed_movement",
                                             "start": 3.1, "end": 3.8, "distance": 0.25, "threshold": 0.33}])
    shown = html.unescape(client.get(f"/alerts/{new['id']}").get_data(as_text=True))
    assert "ressemble à bunduki à 0:03, exemple dit par téléphone" in shown and "#None" not in shown


def test_the_examples_page_title_is_plain_text(config, fresh_db, client):
    login(client, "vera")
    page = client.get("/examples").get_data(as_text=True)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "<details" not in title and page.count('id="by-phone"') == 1
