"""The verifier on duty: rotas, the calls an urgent alert queues, their outcomes, the line's duty
flow, the console's rota page, banner and the alert page; and the filing-to-decision step."""

from __future__ import annotations

import asyncio

import pytest

from core.committees import VERIFIER_PINS, PinHasher
from core.directory import NumberSeal
from core.dialplan import VAR_DUTY_CALL
from core.model import Status
from ivr.flows.verifier import verifier_duty
from tests.fixtures.ivr import FakeCall
from tests.fixtures.web import login, make_alert, post

PRIORITY = 7.0


@pytest.fixture
def rota(fresh_db, config, app):
    """Beni's rota: vera then sam, each with a duty number and a phone PIN; Irumu has none."""
    fresh_db.add_locality("4021", "Kalunguta", "Beni")
    fresh_db.add_locality("5001", "Bunia", "Irumu")
    seal = NumberSeal.from_config(config).seal
    hasher = PinHasher.from_config(config, VERIFIER_PINS)
    for username, number, pin in (("vera", "+243970000011", "640001"), ("sam", "+243970000022", "640002")):
        fresh_db.set_duty_number(username, number, seal, number[-2:], "ada")
        fresh_db.set_phone_pin(username, hasher.hash(pin), "ada")
    fresh_db.set_duty_rota("territory", "Beni", ["vera", "sam"], "ada")
    return fresh_db


def urgent(store, config, locality="4021", priority=9.0) -> int:
    return make_alert(store, config, locality=locality, priority=priority)["id"]


def states(store, alert_id) -> list[tuple]:
    return [(c["username"], c["state"]) for c in store.duty_calls_for(alert_id)]


def test_an_urgent_alert_calls_the_rota_in_turn_until_one_is_reached(rota, config):
    alert_id = urgent(rota, config)
    calm = urgent(rota, config, priority=3.0)
    elsewhere = urgent(rota, config, locality="5001")
    assert rota.queue_duty_calls(PRIORITY) == [alert_id]
    assert rota.queue_duty_calls(PRIORITY) == [], "queued once"
    assert states(rota, calm) == [] and states(rota, elsewhere) == []
    (first,) = rota.claim_duty_calls()
    assert first["name"] == "vera" and first["sealed"] is not None
    assert NumberSeal.from_config(config).open(*first["sealed"]) == "+243970000011"
    assert rota.claim_duty_calls() == [], "one call at a time"
    assert rota.duty_call_result(first["id"], "no_answer") == "no_answer"
    (second,) = rota.claim_duty_calls()
    assert second["name"] == "sam"
    assert rota.duty_call_result(second["id"], "answered") == "answered"
    assert rota.end_duty_call(second["id"], True) == "reached"
    assert states(rota, alert_id) == [("vera", "no_answer"), ("sam", "reached")]
    actions = [(e["action"], (e["after"] or {}).get("result")) for e in reversed(rota.audit_entries("alert", alert_id))]
    assert [a for a in actions if a[0].startswith("duty")] == [
        ("duty_queued", None), ("duty_call", "no_answer"), ("duty_answered", None), ("duty_reached", "reached")]
    assert rota.unreached_duty() == []


def test_nobody_reached_tells_the_supervisors_and_a_decision_stops_the_calls(rota, config, client):
    alert_id = urgent(rota, config)
    other = urgent(rota, config)
    rota.queue_duty_calls(PRIORITY)
    for call in rota.claim_duty_calls():
        rota.duty_call_result(call["id"], "answered")
        rota.end_duty_call(call["id"], False)   # answered, hung up before the PIN
    rota.set_status(other, Status.FALSE, "sam")   # decided in the console meanwhile
    for call in rota.claim_duty_calls():
        rota.duty_call_result(call["id"], "busy")
    assert states(rota, alert_id) == [("vera", "not_reached"), ("sam", "busy")]
    assert states(rota, other) == [("vera", "not_reached"), ("sam", "skipped")]
    assert [a["id"] for a in rota.unreached_duty()] == [alert_id]
    login(client, "sam")
    page = client.get("/").get_data(as_text=True)
    assert 'id="duty-alarm"' in page and rota.get_alert(alert_id)["reference"] in page.split('id="duty-alarm"')[1]
    alert_page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "vera: a répondu sans taper son code" in alert_page and "sam: occupé" in alert_page
    login(client, "vera")
    assert 'id="duty-alarm"' not in client.get("/").get_data(as_text=True), "supervisors only"


def test_a_rota_without_a_callable_account_is_unreached_at_once(rota, config):
    rota.set_duty_number("vera", None, None, None, "ada")
    rota.set_duty_rota("locality", "5001", ["vera"], "ada")
    alert_id = urgent(rota, config, locality="5001")
    rota.queue_duty_calls(PRIORITY)
    assert states(rota, alert_id) == [("-", "no_verifier")]
    assert [a["id"] for a in rota.unreached_duty()] == [alert_id]


def test_the_locality_rota_comes_before_the_territorys(rota, config):
    rota.set_duty_rota("locality", "4021", ["sam"], "ada")
    alert_id = urgent(rota, config)
    rota.queue_duty_calls(PRIORITY)
    assert states(rota, alert_id) == [("sam", "waiting"), ("vera", "waiting")]


def duty_call(line, call_id: int, pins, keys) -> FakeCall:
    call = FakeCall(keys={"language_menu": ["3"], "getdata:verifier_pin": list(pins), "verifier_keys": list(keys)},
                    variables={VAR_DUTY_CALL: str(call_id)})
    asyncio.run(verifier_duty(call, line))
    return call


def test_the_duty_call_asks_the_accounts_pin_and_opens_on_the_alert(rota, config, line):
    low = urgent(rota, config, priority=8.0)
    alert_id = urgent(rota, config, priority=7.5)   # lower than `low`: the queue would offer it second
    rota.queue_duty_calls(PRIORITY)
    calls = {c["alert_id"]: c for c in rota.claim_duty_calls()}
    for call in calls.values():
        rota.duty_call_result(call["id"], "answered")
    # Someone else's PIN on vera's phone opens nothing.
    said = duty_call(line, calls[low]["id"], ["640002", "111111", "222222"], []).prompts_in("fr")
    assert said[:3] == ["verifier_duty", "verifier_pin", "committee_pin_wrong"]
    assert states(rota, low)[0] == ("vera", "not_reached")
    call = duty_call(line, calls[alert_id]["id"], ["640001"], ["1", "#"])
    said = call.prompts_in("fr")
    assert "verifier_waiting" not in said, "no count: the call opens on its alert"
    assert rota.get_alert(alert_id)["status"] == Status.VERIFIED.value
    assert rota.get_alert(low)["status"] == Status.NEW.value and rota.get_alert(low)["claimed_by"] is None
    assert states(rota, alert_id) == [("vera", "reached"), ("sam", "skipped")]
    assert [e["channel"] for e in rota.audit_entries("alert", alert_id) if e["action"] == "status"] == ["phone"]


def test_admins_keep_rotas_and_duty_numbers_in_the_console(rota, config, client):
    login(client, "ada")
    page = client.get("/admin/duty/").get_data(as_text=True)
    assert "1. vera (**11) · 2. sam (**22)" in page and "+243970000011" not in page
    assert "sans code 520" not in page, "both have a phone PIN"
    assert post(client, "/admin/duty/", {"area": "4021", "accounts": "sam, vera"}).status_code == 302
    assert [r["accounts"][0]["username"] for r in rota.duty_rotas() if r["area"] == "4021"] == ["sam"]
    assert post(client, "/admin/duty/", {"area": "Goma", "accounts": "sam"}).status_code == 400
    assert post(client, "/admin/duty/", {"area": "4021", "accounts": "nobody"}).status_code == 400
    assert post(client, "/admin/duty/", {"area": "4021", "accounts": ""}).status_code == 302
    assert [r["area"] for r in rota.duty_rotas()] == ["Beni"]
    rota.set_phone_pin("sam", None, "ada")
    assert '2. sam (**22) <span class="error">sans code 520' in client.get("/admin/duty/").get_data(as_text=True)
    assert post(client, "/admin/duty/number/sam", {"number": "12"}).status_code == 400
    assert post(client, "/admin/duty/number/sam", {"number": "**22"}).status_code == 302
    assert rota.duty_numbers()["sam"] == "22", "the masked number sent back changes nothing"
    assert post(client, "/admin/duty/number/sam", {"number": "+243 970 000 099"}).status_code == 302
    assert rota.duty_numbers()["sam"] == "99"
    assert post(client, "/admin/duty/number/sam", {"number": ""}).status_code == 302
    assert "sam" not in rota.duty_numbers()
    audit = [e for e in rota.audit_entries("user") if e["after"] and "number" in e["after"]]
    assert "+243" not in str(audit)
    login(client, "sam")
    assert client.get("/admin/duty/").status_code == 403


def test_the_cli_keeps_rotas_and_duty_numbers(rota, runner):
    result = runner.invoke("duty", "set", "4021", "sam", "vera")
    assert result.exit_code == 0, result.output
    result = runner.invoke("duty", "number", "sam", input="+243 970 000 055\n")
    assert result.exit_code == 0 and "970" not in result.output, result.output
    listed = runner.invoke("duty", "list").output.splitlines()
    assert "locality\t4021\tsam (**55), vera (**11)" in listed and "territory\tBeni\tvera (**11), sam (**55)" in listed
    assert runner.invoke("duty", "set", "Goma", "sam").exit_code == 1
    assert runner.invoke("duty", "set", "4021", "nobody").exit_code == 1
    assert runner.invoke("duty", "number", "sam", input="12\n").exit_code == 1
    assert runner.invoke("duty", "number", "sam", "--clear").exit_code == 0
    assert "sam" not in rota.duty_numbers()
    assert runner.invoke("duty", "set", "4021").exit_code == 0
    assert [r["area"] for r in rota.duty_rotas()] == ["Beni"]
