"""No console page and no export shows a caller's number, whatever the callers did.

Callers with known numbers go through the real flows (alert, beep, call-back,
acknowledgement) against the fake AGI session; then every GET route of the console,
filled in with real ids from the seeded database (a survey run, a complaint, a spoken
response...), to every role (the complaints role too, and nobody logged in), and the CSV
export are searched for any form of those numbers. A route the test cannot fill in fails it.
"""

from __future__ import annotations

import re

import pytest

from core import api_tokens
from core.dialplan import VAR_CALLBACK, VAR_SOURCE
from core.model import Status
from ivr.flows.alert import alert
from ivr.flows.beep import beep
from ivr.flows.callback import callback
from tests.fixtures.web import PASSWORDS, _hash, login, post, write_tone
from tests.test_ivr_flows import speechlike

NUMBERS = ["+243812345678", "+243990000123", "+256772000555"]


def forms_of(number: str) -> list[str]:
    """The number as a page could spell it: in full, without +, without the country code."""
    digits = number.lstrip("+")
    return [number, digits, digits[3:], "0" + digits[3:]]


def env_of(number: str, n: int) -> dict:
    return {"agi_channel": f"PJSIP/trunk-0000000{n}", "agi_uniqueid": f"1700000000.{n}", "agi_callerid": number}


@pytest.fixture
def busy_line(run_flow, line):
    """Alerts, beeps, a call-back that recorded an alert, and an acknowledgement delivered."""
    for n, number in enumerate(NUMBERS):
        run_flow(alert, env=env_of(number, n), keys={"fr/language_menu": ["3"], "fr/callback_consent": ["1"]},
                 recordings=[speechlike(3.0)], variables={VAR_SOURCE: "phone"})
        run_flow(beep, env=env_of(number, 10 + n))
    line.db.run(lambda s: s.conn.execute("UPDATE callbacks SET next_at = ''"))  # due now, not in 20 s
    (due, *_) = line.db.run(lambda s: s.claim_due_callbacks(1))
    line.db.run(lambda s: s.finish_attempt(due["id"], due["attempt_id"], "answered", max_attempts=3, retry_seconds=0))
    run_flow(callback, env=env_of("100", 20), keys={"fr/language_menu": ["3"]}, recordings=[speechlike(3.0)],
             variables={VAR_SOURCE: "callback", VAR_CALLBACK: str(due["id"])})
    line.db.run(lambda s: s.set_status(1, Status.ESCALATED, actor="sam"))
    line.db.run(lambda s: s.release_acknowledgements())
    return line


RESPONDER = "+243970004321"  # a directory number: sealed, the page shows only its last two digits
FOCAL_POINT = "+243970008765"  # a focal point a survey run calls


def seeded_ids(line, config) -> dict[frozenset, list[dict]]:
    """For each set of URL arguments a console route takes, real values from the seeded database."""
    from core.complaints import ComplaintSeal
    from tests.fixtures.web import write_tone

    def rows(sql: str) -> list[tuple]:
        return line.db.run(lambda s: s.conn.execute(sql).fetchall())

    alert_ids = [a for (a,) in rows("SELECT id FROM alerts")]
    (alert_id, *_) = alert_ids
    spoken = config.data_dir / "responses" / "spoken-1.wav"
    write_tone(spoken, seconds=1.0)
    response_id = line.db.run(lambda s: s.record_response(alert_id, "patrol", "spoken", None, "responder",
                                                          source="phone", recording_path="responses/spoken-1.wav"))
    sealed = config.data_dir / "complaints" / "c1.sealed"
    sealed.parent.mkdir(parents=True, exist_ok=True)
    sealed.write_bytes(ComplaintSeal.from_config(config).seal(write_tone(config.data_dir / "c.wav"), "27182818"))
    (config.data_dir / "c.wav").unlink()
    line.db.run(lambda s: s.file_complaint("27182818", "fr", "complaints/c1.sealed", 4.0))
    write_tone(config.data_dir / "examples" / "e1.wav", seconds=0.8)   # a keyword example's clip
    rows(f"INSERT INTO keyword_examples (alert_id, language, term, category, path, start, end, created_by, created_at)"
         f" VALUES ({alert_id}, 'sw', 'bunduki', 'armed_movement', 'examples/e1.wav', 1, 1.8, 'vera', '2026-01-01')")
    one = {
        "alert_id": alert_ids,
        "example_id": [e for (e,) in rows("SELECT id FROM keyword_examples")],
        "username": ["vera"],  # an account's confirmation pages (disable, new password)
        "kind": ["cap", "hxl", "geojson"],  # the exports
        "code": [c for (c,) in rows("SELECT code FROM localities")],
        "entry_id": [e for (e,) in rows("SELECT id FROM directory_entries")],
        "complaint_id": [c for (c,) in rows("SELECT id FROM complaints")],
        "committee_id": [c for (c,) in rows("SELECT id FROM committees")],
        "broadcast_id": [b for (b,) in rows("SELECT id FROM broadcasts WHERE survey_id IS NULL")],
        "survey_id": [s for (s,) in rows("SELECT id FROM surveys")],
        "name": ["queue.fr.jpg"],   # the help's pictures
    }
    ids = {frozenset([name]): [{name: v} for v in values] for name, values in one.items()}
    ids[frozenset(["alert_id", "recording_id"])] = [
        {"alert_id": a, "recording_id": r}
        for a, r in rows("SELECT alert_id, id FROM recordings WHERE alert_id IS NOT NULL")]
    ids[frozenset(["alert_id", "response_id"])] = [{"alert_id": alert_id, "response_id": response_id}]
    write_tone(config.data_dir / "notes" / "n1.wav", seconds=1.0)   # a spoken note (the verifier line)
    note_id = line.db.run(lambda s: s.add_note(alert_id, "vera", "", recording_path="notes/n1.wav",
                                               channel="phone"))
    ids[frozenset(["alert_id", "note_id"])] = [{"alert_id": alert_id, "note_id": note_id}]
    ids[frozenset(["survey_id", "run_id"])] = [
        {"survey_id": s, "run_id": r}
        for r, s in rows("SELECT id, survey_id FROM broadcasts WHERE survey_id IS NOT NULL")]
    ids[frozenset(["lang", "prompt_id"])] = [{"lang": "fr", "prompt_id": "welcome"}]
    for name, values in ids.items():
        assert values, f"the seeded database has no {sorted(name)}"
    return ids


def test_no_page_and_no_export_shows_a_number(busy_line, app, client, runner, config):
    assert len(busy_line.db.run(lambda s: s.conn.execute("SELECT id FROM alerts").fetchall())) == len(NUMBERS) + 1
    busy_line.db.run(lambda s: s.set_complaints_role("ada", True, "test"))
    busy_line.db.run(lambda s: s.add_user("cora", _hash(PASSWORDS["vera"]), "verifier", actor="test"))
    busy_line.db.run(lambda s: s.set_complaints_role("cora", True, "test"))
    survey_id = busy_line.db.run(lambda s: s.create_survey("Sécurité", "test"))
    busy_line.db.run(lambda s: s.save_survey_question(survey_id, 1, 2, {"sw": "Salama?", "ln": "Kimia?",
                                                                           "fr": "En sécurité ?"}, "test"))
    login(client, "ada")
    for entry in ({"kind": "responder", "name": "Police Beni", "number": RESPONDER},
                  {"kind": "focal_point", "name": "Mama Beni", "number": FOCAL_POINT}):
        entry |= {"localities": "1", "language": "fr", "order": "1"}
        assert post(client, "/admin/directory", entry).status_code == 302
    # Number 1 of each list, so their delete confirmations (directory entry 1 is the responder) are searched too.
    assert post(client, "/admin/localities", {"code": "1", "name": "Beni"}).status_code == 302
    assert post(client, "/admin/committees", {"name": "CLP Beni", "locality": "1", "pin": "246800"}).status_code == 302
    busy_line.db.run(lambda s: s.create_broadcast("broadcasts/1.wav", ["1"], "sam"))  # a delivery to the responder
    write_tone(config.data_dir / "broadcasts" / "1.wav", seconds=1.0)
    busy_line.db.run(lambda s: s.create_survey_run(survey_id, ["1"], "ada"))  # a call to the focal point
    (response_id,) = [busy_line.db.run(lambda s: s.start_survey_response(survey_id, "1", "2026-01-01", "outbound"))]
    question = busy_line.db.run(lambda s: s.survey_questions(survey_id))[0]
    busy_line.db.run(lambda s: s.record_survey_answer(response_id, question["id"], 1))
    ids = seeded_ids(busy_line, config)
    urls = app.url_map.bind("localhost")
    pages, shown = {}, set()
    token = api_tokens.add(config, "feed-reader")  # the CAP feed is read with a token, not a session
    for user, password in ((None, None), ("vera", None), ("sam", None), ("ada", None), ("cora", PASSWORDS["vera"])):
        post(client, "/logout")
        if user:
            login(client, user, password)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            known = ids.get(frozenset(rule.arguments), [{}] if not rule.arguments else None)
            assert known is not None, f"{rule.rule}: a route this test cannot fill in: seed its ids in seeded_ids"
            for values in known:
                for query in ("", "?recordings=1") if rule.endpoint == "exports.download" else ("",):
                    url = urls.build(rule.endpoint, values) + query
                    response = client.get(url, headers={"X-Sauti-Token": token})
                    assert response.status_code in (200, 302, 401, 403), (user, url, response.status_code)
                    if response.status_code == 200:
                        shown.add(rule.endpoint)
                    pages[f"{user} {url}"] = response.get_data().decode(errors="replace")  # audio too
                    response.close()
    never = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"} - shown
    assert not never, f"pages no role was shown: {sorted(never)}"
    assert any("Rappels" in text or "Call-backs" in text for text in pages.values()), "call-backs are shown"
    assert any("rappel après un appel manqué" in text for text in pages.values()), "and in the alert's history"
    for number in NUMBERS:  # the callers are on the pages, under their pseudonyms
        assert any(busy_line.pseudonym(number) in text for text in pages.values()), number
    for command in (("alerts", "list", "--csv"), ("export", "cap"), ("export", "hxl"), ("export", "geojson")):
        exported = runner.invoke(*command)
        assert exported.exit_code == 0, exported.output
        pages["sauti " + " ".join(command)] = exported.output
    assert any("27182818" in text for text in pages.values()), "the complaints queue was searched"
    assert any("Police Beni" in text for text in pages.values()), "the directory was searched"
    assert any("Mama Beni" in text for url, text in pages.items() if "/runs/" in url), "the survey run was searched"
    for where, text in pages.items():
        for number in [*NUMBERS, RESPONDER, FOCAL_POINT]:
            for form in forms_of(number):
                assert not re.search(rf"(?<!\d){re.escape(form)}(?!\d)", text), (where, form)
