"""Every audit entry the code can write reads in words, in French and in English: its action, its
entity, each field's name and each coded value (sources, states, results, roles, flags...).

The actions come from the code itself: an AST scan finds every `….audit(actor, ACTION, ENTITY, …)`
call, so an action added later without its words fails here. The entries are written by the
real store calls (the dialler's, the IVR's, the console's), so their fields are the real ones.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
from pathlib import Path

import pytest

from core import clock, directory
from core.directory import NumberSeal
from core.model import Status
from core.store.audit import ACTIONS, ENTITIES
from core.store.broadcasts import ANSWERS, COMPLETE, HUNG_UP_EARLY, INCOMPLETE, LISTENED, RETRIED
from core.store.callbacks import CallbackKind, CallbackState
from tests.fixtures.web import login, make_alert, post
from web import history

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("core", "web", "ivr", "asr", "dialler", "sauti", "pbx", "phone")

# What an action written as an expression can be, by the expression's source text.
EXPRESSIONS = {
    # core/store/callbacks.py: a call-back is created queued, an acknowledgement waiting; then
    # _set_callback_state audits each later state (dialling is the claim's, not audited).
    'f"{kind}_{state}"': {f"{CallbackKind.CALLBACK}_{CallbackState.QUEUED}",
                          f"{CallbackKind.ACKNOWLEDGEMENT}_{CallbackState.WAITING}"},
    'f"callback_{state}"': {f"callback_{state}" for state in CallbackState
                            if state not in (CallbackState.WAITING, CallbackState.DIALLING)},
    # core/store/broadcasts.py: the dialler's originate results (dialler/ami.py OriginateResult), then the line's.
    'f"delivery_{result}"': {f"delivery_{result}" for result in (*RETRIED, "answered")},
    'f"delivery_{state}"': {f"delivery_{state}" for state in (LISTENED, HUNG_UP_EARLY, COMPLETE, INCOMPLETE)},
    'f"delivery_{answer}"': {f"delivery_{answer}" for answer in ANSWERS},
    "action": {"claim", "takeover"},                          # core/store/claims.py
    '"sms_" + kind': {"sms_receipt", "sms_question", "sms_acknowledgement",   # core/store/sms.py's outbox
                        "sms_escalation"},
}


def audit_calls():
    """(file, action expression, entity expression) of every audit call in the product's code."""
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "audit"
                        and len(node.args) >= 3):
                    yield path.relative_to(ROOT), node.args[1], node.args[2]


def written_actions() -> dict[str, set[str]]:
    """Every action the code can write → the entities it is written on (None: computed)."""
    found: dict[str, set[str]] = {}
    for path, action, entity in audit_calls():
        for name in values_of(action, path):
            found.setdefault(name, set()).update(values_of(entity, path) if isinstance(entity, ast.Constant) else {None})
    return found


def values_of(node, path) -> set[str]:
    """The strings an expression can be: a literal, either side of `a if c else b`, or EXPRESSIONS."""
    if isinstance(node, ast.Constant):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return values_of(node.body, path) | values_of(node.orelse, path)
    source = ast.unparse(node).replace("'", '"')
    assert source in EXPRESSIONS, f"{path}: audit action {source}: list what it can be in EXPRESSIONS"
    return EXPRESSIONS[source]


def test_the_scan_finds_the_audit_calls():
    found = written_actions()
    assert {"create", "status", "response", "lockout", "callback_queued", "delivery_busy", "takeover"} <= set(found)
    assert len(found) > 40


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_action_and_entity_the_code_writes_has_its_words(app, lang):
    from web.i18n import catalogs

    catalog = catalogs()[lang]
    missing = sorted(f"action.{a}" for a in written_actions() if f"action.{a}" not in catalog)
    missing += sorted({f"entity.{e}" for entities in written_actions().values() for e in entities
                       if e is not None and f"entity.{e}" not in catalog})
    assert not missing, ("each action and entity the code writes needs its words in web/translations", missing)


# -- every entry, written by the real calls ------------------------------------------------------

LATE_TAKE = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(days=6)   # sealed after a failure
DIRECTORY = ("kind,name,localities,language,order,number\n"
             "focal_point,Relais A,1103,sw,1,0970000111\n"
             "focal_point,Relais B,1103,fr,2,0970000222\n"
             "focal_point,Relais C,1103,fr,3,0970000333\n"
             "focal_point,Relais D,1103,ln,4,0970000777\n"
             "responder,Base Beni,1103,fr,1,0970000444\n"
             "responder,Base Oicha,1103,fr,2,0970000555\n")


def write_every_entry(store, config, client) -> None:
    """Each action at least once, through the calls that write it in production."""
    from core.contacts import ContactCipher
    from core.gazetteer import Locality
    from core.prompts.install import Installed

    cipher = ContactCipher.from_config(config)
    seal = NumberSeal.from_config(config).seal
    # The console, as an admin: accounts, lists, decisions, a response, sharing, an export.
    login(client, "ada")
    post(client, "/admin/users", {"username": "nadia", "role": "verifier"})
    post(client, "/admin/users/nadia/role", {"role": "supervisor"})
    post(client, "/admin/users/nadia/disabled", {"disabled": "1", "confirm": "1"})
    post(client, "/admin/users/nadia/password", {"confirm": "1"})
    post(client, "/admin/users/nadia/complaints", {"complaints": "1"})
    store.save_locality(Locality("1103", "Oicha", "Beni", "Nord-Kivu", 0.7, 29.5), "ada")
    store.save_locality(Locality("1103", "Oicha", "Beni", "Nord-Kivu", 0.71, 29.52), "ada")
    store.save_locality(Locality("4021", "Kalunguta", None, None, None, None), "ada")
    post(client, "/admin/users/nadia/areas", {"areas": "4021, Beni"})
    store.delete_locality("4021", "ada")
    store.import_localities([Locality("1101", "Beni", None, None, None, None)], "ada")
    store.import_directory(directory.read_csv(DIRECTORY), seal, "ada")
    entry = directory.make_entry({"kind": "responder", "name": "Base Mavivi", "localities": "1103",
                                  "language": "fr", "order": "3", "number": "+243970000666"})
    entry_id = store.save_directory_entry(entry, seal, "ada")
    store.save_directory_entry(directory.make_entry({"kind": "responder", "name": "Base Mavivi", "localities": "1101",
                                                     "language": "sw", "order": "4", "number": ""}), seal, "ada")
    store.delete_directory_entry(entry_id, "ada")
    committee_id = store.save_committee("CLP Oicha", "1103", "a" * 64, "ada")
    store.save_committee("CLP Oicha", "1101", "b" * 64, "ada")
    store.save_committee("CLP Mbau", "1101", "c" * 64, "ada")
    store.delete_committee(committee_id + 1, "ada")
    store.committee_pin_refused(3)
    # core/store/committee_pins.py: wrong PINs lock a caller, then the line; the line refuses; an admin unlocks.
    from core.store.committee_pins import PinLimits

    now, limits = dt.datetime.now(dt.timezone.utc), PinLimits(2, 60, 3, 60, 30)
    for caller in ("C-GUESS", "C-GUESS", "C-OTHER"):
        store.committee_wrong_pin(caller, now, limits)
    store.committee_locked_out("line")
    store.unlock_committee_line("ada", now)
    store.committee_pin_refused(3, "verifier")   # the verifier line counts its PINs apart
    survey_id = store.create_survey("Sécurité", "ada")
    store.save_survey_question(survey_id, 1, 3, {"sw": "Je?", "ln": "Boni?", "fr": "Comment?"}, "ada")
    store.set_survey_active(survey_id, True, "ada")
    for failure in range(6):
        store.login_failed("127.0.0.1", "vera", free=5, base_seconds=30, cap_seconds=900)

    alert = make_alert(store, config, locality="1101")
    other = make_alert(store, config, locality="1103")
    store.record_listen(alert["id"], "vera")
    store.claim_alert(alert["id"], "vera", 10)
    store.take_over_claim(alert["id"], "sam", 10)
    store.release_alert(alert["id"], "sam")
    store.set_phone_pin("vera", "d" * 64, "ada")
    store.claim_alert(other["id"], "vera", 10, channel="phone")   # the verifier line (ivr/flows/verifier.py)
    store.add_note(other["id"], "vera", "", recording_path="notes/n.wav", channel="phone")   # spoken: no text
    store.release_alert(other["id"], "vera", channel="phone")
    # core/store/duty.py: the verifiers on duty for an urgent alert, one not answering, one reached.
    store.set_duty_number("sam", "+243970000066", seal, "66", "ada")
    store.set_duty_number("vera", "+243970000077", seal, "77", "ada")
    store.set_duty_rota("locality", "1103", ["sam", "vera"], "ada")
    urgent = make_alert(store, config, locality="1103", priority=9)
    store.queue_duty_calls(8)
    for result in ("no_answer", "answered"):
        (call,) = store.claim_duty_calls()
        store.duty_call_result(call["id"], result)
    store.end_duty_call(call["id"], True)
    store.set_duty_rota("locality", "1101", ["vera"], "ada")
    store.set_duty_number("vera", None, seal, None, "ada")
    make_alert(store, config, locality="1101", priority=9)
    store.queue_duty_calls(8)   # nobody callable: unreached at once
    store.set_status(urgent["id"], "verified", "vera")
    store.set_tags(alert["id"], ["armed_movement", "burning_looting"], "vera")
    store.add_note(alert["id"], "vera", "Deux sources confirment.")
    store.add_transcript(alert["id"], "watu wenye bunduki", model=None, author="vera", language="sw")
    store.update_alert(alert["id"], "vera", locality="1103", language="fr")
    store.set_flags(alert["id"], "asr", add=("partial", "silent"))
    store.set_status(other["id"], Status.DUPLICATE, "vera", duplicate_of=alert["id"])
    store.reopen(other["id"], "sam")
    store.set_status(alert["id"], Status.VERIFIED, "vera")
    store.record_response(alert["id"], "Patrouille envoyée", "ongoing", None, "sam")
    store.record_response(alert["id"], "spoken report", "spoken", None, "phone:C-X", source="phone")
    store.set_shareable(alert["id"], True, "ada")
    store.set_status(alert["id"], Status.ESCALATED, "sam")
    assert client.get("/exports/hxl?recordings=1").status_code == 200
    incident_id = store.create_incident([alert["id"], other["id"], make_alert(store, config)["id"]], "vera")
    store.split_incident(incident_id, [other["id"]], "vera")

    # The dialler and the line: responders, a voice alert, call-backs and an acknowledgement.
    store.queue_escalations()
    first = store.claim_responder_calls()[0]
    store.responder_call_result(first["id"], "no_answer")
    second = store.claim_responder_calls()[0]
    store.responder_call_result(second["id"], "answered")
    store.end_responder_call(second["id"], confirmed=True)
    lonely = make_alert(store, config, locality="9999")
    store.set_status(lonely["id"], Status.VERIFIED, "vera")
    store.set_status(lonely["id"], Status.ESCALATED, "sam")
    store.queue_escalations()

    store.create_broadcast("broadcasts/m.wav", ["1103"], "sam")
    deliveries = {d["name"]: d for d in store.claim_due_deliveries(4)}
    retried = deliveries["Relais A"]
    for result in ("busy", "no_answer", "congestion", "failed"):
        store.delivery_result(retried["id"], result, max_attempts=4, retry_seconds=0)
        store.claim_due_deliveries(4)   # the retry, due at once
    for name, to_the_end, answer in (("Relais B", True, "replied"), ("Relais C", True, "confirmed"),
                                     ("Relais D", False, None)):
        store.delivery_result(deliveries[name]["id"], "answered", 1, 0)
        store.delivery_heard(deliveries[name]["id"], to_the_end)
        if answer == "replied":
            reply = make_alert(store, config, locality="1103", source="broadcast")
            store.delivery_answer(deliveries[name]["id"], answer, reply["id"])
        elif answer:
            store.delivery_answer(deliveries[name]["id"], answer)
    # A survey put to the focal points by phone: one answers it all, one hangs up, the rest are stopped.
    run_id = store.create_survey_run(survey_id, ["1103"], "ada")
    for delivery, state in zip(store.claim_due_deliveries(2), (COMPLETE, INCOMPLETE)):
        store.delivery_result(delivery["id"], "answered", 1, 0)
        store.delivery_finished(delivery["id"], state)
    assert store.stop_survey_run(run_id, "ada") == 2
    # ivr/flows/broadcast_record.py
    store.audit("phone:C-X", "record", "broadcast_message", None, None, {"path": "broadcasts/2.wav", "seconds": 12.3})

    caller = "C-CALLER"
    beep_call = store.create_call("beep", caller_pseudonym=caller)
    callback_id, _ = store.request_callback(beep_call, caller, cipher.seal("+243812345678", caller), delay_seconds=0,
                                            keep_hours=72, per_caller_limit=1, window_hours=1)
    (due,) = store.claim_due_callbacks(1)
    store.finish_attempt(callback_id, due["attempt_id"], "answered", max_attempts=2, retry_seconds=0)
    store.request_callback(beep_call, caller, cipher.seal("+243812345678", caller), delay_seconds=0,
                           keep_hours=72, per_caller_limit=1, window_hours=1)   # one a window: refused
    back = make_alert(store, config, source="callback", pseudonym=caller)
    store.conn.execute("UPDATE calls SET uniqueid = '17.5' WHERE id = ?", (back["call_id"],))
    store.request_acknowledgement(back["id"], caller, None, keep_hours=72)
    store.link_callback_call(callback_id, "17.5")
    store.set_status(back["id"], Status.VERIFIED, "vera")
    store.set_status(back["id"], Status.ESCALATED, "sam")
    store.release_acknowledgements()
    (ack,) = store.claim_due_callbacks(1)
    store.finish_attempt(ack["id"], ack["attempt_id"], "busy", max_attempts=3, retry_seconds=0)
    (ack,) = store.claim_due_callbacks(1)
    store.finish_attempt(ack["id"], ack["attempt_id"], "no_answer", max_attempts=3, retry_seconds=0)
    (ack,) = store.claim_due_callbacks(1)
    store.finish_attempt(ack["id"], ack["attempt_id"], "answered", max_attempts=3, retry_seconds=0)
    store.acknowledgement_delivered(ack["id"], "17.9")
    other_caller = "C-OTHER"
    given_up, _ = store.request_callback(store.create_call("beep", caller_pseudonym=other_caller), other_caller,
                                         cipher.seal("+243811", other_caller), delay_seconds=0, keep_hours=72,
                                         per_caller_limit=1, window_hours=1)
    (due,) = store.claim_due_callbacks(1)
    store.finish_attempt(given_up, due["attempt_id"], "failed", max_attempts=1, retry_seconds=0)
    late = "C-LATE"
    store.request_callback(store.create_call("beep", caller_pseudonym=late), late, cipher.seal("+243899", late),
                           delay_seconds=3600, keep_hours=0, per_caller_limit=1, window_hours=1)
    store.purge_contacts()
    installed = Installed(Path("prompts/sw/nothing_heard.wav"), Path("prompts/sw/backup/nothing_heard.wav"), None,
                          "sw", "nothing_heard", 12)
    store.audit("phone:C-X", "record", "prompt", installed.number, None, installed.audit_details())
    store.audit("phone:C-X", "record", "survey", survey_id, None, {"question": 1, "lang": "ln"})  # web/surveys.py
    store.add_transcript(lonely["id"], "watu wenye bunduki", language="sw", origin="verifier", author="vera")
    store.set_complaints_role("ada", True, "test")
    complaint = store.file_complaint("31415926", "fr", None, None)
    store.file_complaint("27182818", "sw", None, None, began=LATE_TAKE)
    store.update_complaint(complaint["id"], "ada", status="in_progress")
    # Keyword spotting by example (core/store/spotting.py): mark, decide a hit, remove.
    verified = make_alert(store, config, pseudonym="C-EXAMPLE")
    store.set_status(verified["id"], "verified", actor="vera")
    example = store.add_example(verified["id"], store.recordings_for(verified["id"])[0]["id"], "bunduki",
                                "armed_movement", 1.0, 1.8, "examples/x.wav", "vera")
    store.replace_hits(lonely["id"], "sw", [{"example_id": example, "term": "bunduki", "category": "armed_movement",
                                             "start": 1, "end": 2, "distance": 0.3, "threshold": 0.43}])
    store.decide_hit(store.hits_for(lonely["id"])[0]["id"], "confirmed", "vera")
    store.remove_example(example, "vera")
    # Said by phone on the prompt line (ivr/flows/example_record.py): no alert, then removed in the console.
    said = store.add_phone_example("sw", "bunduki", "armed_movement", "examples/phone-sw-x.wav", 0.7, 1.4,
                                   "phone:C-TRUSTED")
    store.remove_example(said, "vera")
    # SMS (sms/receiver.py): a receipt on an alert and one with no alert, its delivery state, STOP then START.
    # A question, its reply threaded in, the acknowledgement once handled.
    texted = store.file_sms_alert(pseudonym="C-SMSAUDIT", sealed=None, keep_hours=1, text="Watu wenye silaha",
                                  language="sw", language_inferred=False, locality=None, keywords=[], priority=0)
    receipt = store.queue_sms(texted["id"], "receipt", "Asante")
    store.set_sms_state(receipt, "delivered")
    store.add_unsent_sms(None, "C-SMSAUDIT", "receipt", "sw", "Asante", "the sender's number is no longer kept")
    question = store.queue_sms(texted["id"], "question", "Kijiji gani?", actor="vera")
    store.file_sms_reply(store.get_sms(question), "Oicha", keywords=[], priority=0, locality="1102", sealed=None,
                         keep_hours=1)
    store.queue_sms(texted["id"], "acknowledgement", "Asante")
    store.set_sms_stopped("C-SMSAUDIT", True)
    store.set_sms_stopped("C-SMSAUDIT", False)
    # Escalation by SMS first (core/store/responders.py, responder_sms.py): a responder texted, a reply kept,
    # one that confirms; a second escalation nobody confirms, so the calls begin; an SMS from a responder
    # nobody texted.
    from core.sms_texts import EscalationTexts, load_texts

    texting = EscalationTexts(load_texts(), "fr", config.site.timezone, 60)
    for name, locality in (("Base SMS", "1102"), ("Base Loin", "2101")):
        store.save_directory_entry(directory.make_entry({"kind": "responder", "name": name, "localities": locality,
                                                         "channel": "both", "number": "+243970000888"}), seal, "ada")
    base_sms, base_far = (next(e for e in store.directory() if e.name == name) for name in ("Base SMS", "Base Loin"))
    for _ in range(2):
        by_sms = make_alert(store, config, locality="1102")
        store.set_status(by_sms["id"], Status.VERIFIED, "vera")
        store.set_status(by_sms["id"], Status.ESCALATED, "sam")
    store.queue_escalations(texting)
    store.take_responder_sms(base_sms, "Nani?", None, False)
    store.take_responder_sms(base_sms, "1", by_sms["reference"], True)
    store.conn.execute("UPDATE responder_calls SET call_after = '2000-01-01T00:00:00+00:00' WHERE state = 'waiting'")
    store.claim_responder_calls()
    store.take_responder_sms(base_far, "Habari?", None, False)
    # Retention last: it empties the closed alerts.
    store.purge_closed("9999-12-31T00:00:00+00:00", lambda recordings: None)



@pytest.fixture
def every_entry(app, client, fresh_db, config) -> list[dict]:
    write_every_entry(fresh_db, config, client)
    return fresh_db.audit_entries(limit=100_000)


def test_the_list_of_actions_is_what_the_code_writes(every_entry):
    """core/store/audit.py's ACTIONS (the console's filter) is exactly what the code can write,
    and the entries above write each of them, on each entity."""
    found = written_actions()
    assert set(found) == set(ACTIONS), (
        "a new action goes into core/store/audit.py ACTIONS, with action.<name> in web/translations/{fr,en}.json "
        "and a call that writes it in write_every_entry above", "written, not listed:", set(found) - set(ACTIONS),
        "listed, never written:", set(ACTIONS) - set(found))
    assert {e["action"] for e in every_entry} == set(ACTIONS)
    assert {e["entity"] for e in every_entry} == set(ENTITIES)
    assert {entity for entities in found.values() for entity in entities} - {None} <= set(ENTITIES)


def payload_items(entry):
    for side in (entry["before"], entry["after"]):
        if isinstance(side, dict):
            yield from side.items()


def is_number(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(is_number(item) for item in value)
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def test_every_field_is_a_code_words_or_a_number(every_entry):
    """A field history.py does not know how to say would be shown as the code wrote it (numbers and
    yes/no say themselves)."""
    known = set(history.CODED) | history.LANGUAGE_FIELDS | history.YES_NO | history.SECRETS | history.TIMES | \
        history.AS_TYPED
    said_elsewhere = ("status", "reopen", "tags", "note", "transcript", "takeover", "claim", "release")
    unknown = {(e["action"], key, str(value)) for e in every_entry for key, value in payload_items(e)
               if key not in known and not is_number(value) and not isinstance(value, bool) and e["action"] not in said_elsewhere
               and not e["action"].startswith(("callback_", "acknowledgement_"))}
    assert not unknown, unknown


def raw_codes(entries) -> set[str]:
    """What must not be read on a page as it is stored: actions, entities, field names, coded values,
    and the names the services act under (a person's username is shown as it is)."""
    codes = set(ACTIONS) | set(ENTITIES) | set(history.SYSTEM_ACTORS)
    codes |= {e["actor"] for e in entries if e["actor"].startswith(history.PHONE_ACTOR)}
    for entry in entries:
        for key, value in payload_items(entry):
            codes.add(key)
            if key not in history.AS_TYPED:   # a value nobody typed is a code, or a number
                codes |= {v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, str)}
    return codes


def cells(page: str, table_class: str) -> list[str]:
    """The text of every cell of a table (whose class starts with `table_class`)."""
    body = page.split(f'class="{table_class}')[1].split("</table>")[0]
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]


def leaks(texts, codes: set[str], lang: str) -> set[str]:
    from web.i18n import catalogs

    words = set(catalogs()[lang].values())
    pieces = {piece.strip() for text in texts for piece in re.split(r"→|;|·|,| : |: ", text)}
    return {piece for piece in pieces if piece in codes and piece not in words}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_stored_code_reaches_the_audit_pages(client, fresh_db, config, every_entry, lang):
    codes = raw_codes(every_entry)
    assert {"console", "phone", "no_answer", "no_responder", "busy", "replied", "hxl", "split_off",
            "delivery_hung_up_early", "broadcast_message", "ln", "retention"} <= codes, "the check sees them"
    post(client, "/language", {"lang": lang})
    texts, url = [], "/admin/audit"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        texts += cells(page.text, "audit")
        after = re.search(r'class="pager"><a class="button" href="([^"]+)"', page.text)
        url = html.unescape(after.group(1)) if after else None
    assert len(texts) == 5 * len(every_entry), "every entry, on one page or the next"
    for alert_id in {e["entity_id"] for e in every_entry if e["entity"] == "alert"}:
        texts += cells(client.get(f"/alerts/{alert_id}").text.split('class="history"')[1], "audit")
    complaint_texts = cells(client.get("/complaints").text, "audit wide complaint-audit")
    assert {"fr": "en cours", "en": "in progress"}[lang] in complaint_texts, "a complaint's status, in words"
    when = clock.display(LATE_TAKE.isoformat(), config.site.timezone, lang)
    assert re.fullmatch(r"\d+ \w+\.? (\d{4} )?\d\d:\d\d UTC[+-]\d+", when), when
    assert {"fr": f"enregistrée le {when}, déposée plus tard",
            "en": f"recorded {when}, filed later"}[lang] in complaint_texts, "a late take, in local time"
    texts += complaint_texts
    found = leaks(texts, codes | {"in_progress", "view_queue", "status_message"}, lang)
    assert not found, [t for t in texts if any(code in t for code in found)][:5]
    said = " ".join(texts)
    expected = {"fr": ("source : saisie dans la console", "issue : pas de réponse", "désormais : échec",
                       "raison : aucun intervenant ne couvre cette localité", "format : CSV avec balises HXL",
                       "en cours : oui", "langue : Lingala", "alerte vocale : raccroché avant la fin",
                       "code PIN : modifié", "nom : CLP Mbau"),
                "en": ("source: typed in the console", "result: no answer", "now: failed",
                       "reason: no responder covers this locality", "format: CSV with HXL hashtags",
                       "running: yes", "language: Lingala", "voice alert: hung up early",
                       "PIN: changed", "name: CLP Mbau")}[lang]
    for words in expected:
        assert words in said, words


def test_an_account_cannot_take_a_name_the_audit_gives_a_service(client, fresh_db, runner):
    login(client, "ada")
    refused = post(client, "/admin/users", {"username": "dialler", "role": "admin"})
    assert refused.status_code == 400 and "« dialler » est le nom d&#39;une partie de la ligne" in refused.text
    result = runner.invoke("user", "add", "ivr", "--role", "admin", input="pass-word-1\npass-word-1\n")
    assert result.exit_code != 0 and "names a part of the line" in result.output
    assert fresh_db.get_user("dialler") is None and fresh_db.get_user("ivr") is None
