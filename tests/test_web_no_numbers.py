"""No console page and no export shows a caller's number, whatever the callers did.

Callers with known numbers go through the real flows (alert, beep, call-back,
acknowledgement) against the fake AGI session; then every page the console can
show, to every role, and the CSV export are searched for any form of those numbers.
"""

from __future__ import annotations

import re

import pytest

from core.dialplan import VAR_CALLBACK, VAR_SOURCE
from core.model import Status
from ivr.flows.alert import alert
from ivr.flows.beep import beep
from ivr.flows.callback import callback
from tests.fixtures.web import login, post
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


def test_no_page_and_no_export_shows_a_number(busy_line, app, client, runner):
    alert_ids = [row[0] for row in busy_line.db.run(lambda s: s.conn.execute("SELECT id FROM alerts").fetchall())]
    assert len(alert_ids) == len(NUMBERS) + 1
    busy_line.db.run(lambda s: s.set_complaints_role("ada", True, "test"))
    busy_line.db.run(lambda s: s.file_complaint("27182818", "fr", None, None))
    busy_line.db.run(lambda s: s.create_survey("Sécurité", "test"))
    login(client, "ada")
    entry = {"kind": "responder", "name": "Police Beni", "localities": "1", "language": "fr", "order": "1",
             "number": RESPONDER}
    assert post(client, "/admin/directory", entry).status_code == 302
    # Number 1 of each list, so their delete confirmations (directory entry 1 is the responder) are searched too.
    assert post(client, "/admin/localities", {"code": "1", "name": "Beni"}).status_code == 302
    assert post(client, "/admin/committees", {"name": "CLP Beni", "locality": "1", "pin": "2468"}).status_code == 302
    busy_line.db.run(lambda s: s.create_broadcast("broadcasts/1.wav", ["1"], "sam"))  # a delivery to the responder
    pages = {}
    for user in ("vera", "sam", "ada"):
        client.get("/logout")
        login(client, user)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if not rule.arguments:
                urls = [rule.rule]
            elif rule.arguments == {"alert_id"}:
                urls = [rule.rule.replace("<id:alert_id>", str(i)) for i in alert_ids]
            elif rule.arguments == {"username"}:   # an account's confirmation pages (disable, new password)
                urls = [re.sub(r"<[^>]+>", "vera", rule.rule)]
            elif rule.arguments == {"kind"}:  # the exports, with and without recordings
                urls = [rule.rule.replace("<kind>", k) + q for k in ("cap", "hxl", "geojson") for q in ("", "?recordings=1")]
            elif len(rule.arguments) == 1 and not rule.rule.endswith((".wav", "/audio")):
                # a complaint, a survey, a broadcast…: the first one
                urls = [re.sub(r"<[^>]+>", "1", rule.rule)]
            else:
                continue  # audio and prompt files: binary, and named by ids only
            for url in urls:
                response = client.get(url)
                assert response.status_code in (200, 302, 401, 403), (url, response.status_code)
                pages[f"{user} {url}"] = response.get_data(as_text=True)
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
    for where, text in pages.items():
        for number in [*NUMBERS, RESPONDER]:
            for form in forms_of(number):
                assert not re.search(rf"(?<!\d){re.escape(form)}(?!\d)", text), (where, form)
