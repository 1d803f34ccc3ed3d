"""Keyword spotting by example in a real Chromium: the alert page's waveform (wavesurfer.js,
served by the console) with its voiced regions, a verifier dragging a span on it to mark an
example, and the whole loop: a new alert saying that term, filed through the IVR's spool
(the failure path's import) and scanned by the worker's keyword pass, shows its provisional
priority and 'sounds like' before any transcript exists, and the verifier confirms it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from asr.worker import Worker
from core import secrets
from core.audio.wav import write_wav
from core.dialplan import SPOOL_FAILED
from core.model import Status
from core.store import Store
from core.store.jobs import SPOT
from ivr.spool import import_failed_calls
from tests.fixtures.core import wait_for
from tests.fixtures.web import browser_login, make_alert
from tests.spotting_voices import Voice, to_int16, utterance

pytestmark = pytest.mark.browser


def _spoken_alert(store, config, segments, voice, pseudonym):
    audio, spans = utterance(segments, voice, snr_db=25)
    alert = make_alert(store, config, text=None, pseudonym=pseudonym, seconds=len(audio) / 8000)
    write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
    return alert, spans, len(audio) / 8000


def keyword_pass(config, alert_id: int) -> dict:
    """Run the real worker until it is idle; what the store held of the alert the moment its
    keyword pass (the spot job) ended: transcripts, priority and hits."""
    spotted = {}

    def on_outcome(outcome):
        if outcome.alert_id == alert_id:
            with Store.open(config.db_path, migrate=False) as store:
                kind = store.conn.execute("SELECT kind FROM jobs WHERE id = ?", (outcome.job_id,)).fetchone()[0]
                if kind == SPOT:
                    spotted.update(transcripts=store.transcripts_for(alert_id),
                                   priority=store.get_alert(alert_id)["priority"], hits=store.hits_for(alert_id))

    Worker(config, threads=1, on_outcome=on_outcome).run(threading.Event(), until_idle=True)
    assert spotted, "the worker ran no keyword pass for the alert"
    return spotted


def _open(browser, live_server, alert_id, **context):
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR", **context).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "vera")
    page.goto(f"{live_server}/alerts/{alert_id}")
    return page, errors


def _drag(page, start: float, end: float, duration: float) -> None:
    """Drag across the waveform from start to end seconds, as a mouse does."""
    box = page.locator(".waveform .wave").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start / duration, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (start + (end - start) * step / 10) / duration, y)
    page.mouse.up()


def test_a_verifier_drags_a_term_on_the_waveform_and_the_next_alert_saying_it_is_spotted(
        live_server, browser, config, fresh_db):
    source, spans, duration = _spoken_alert(fresh_db, config, ["habari za asubuhi", "bunduki", "zilionekana kijijini"],
                                            Voice("sw+m3"), "C-SOURCE")
    fresh_db.set_status(source["id"], Status.VERIFIED, actor="vera")
    _, start, end = spans[1]
    page, errors = _open(browser, live_server, source["id"])

    waveform = page.locator(".waveform.ready")
    waveform.wait_for(timeout=15000)
    assert page.locator(".waveform [part~='region']").count() >= 2   # speech before, of and after the term
    assert int(waveform.get_attribute("data-voiced")) >= 2
    # Drawn from the server's peaks: the audio itself was not fetched, so no listen counts yet.
    assert not any(e["action"] == "listen" for e in fresh_db.audit_entries("alert", source["id"]))
    # The player's own controls still hold: the speed buttons and the - key set the <audio>'s rate.
    page.click(".speeds [data-speed='1.5']")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.5
    page.keyboard.press("-")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.25

    _drag(page, start - 0.05, end + 0.05, duration)
    form_start = float(page.input_value("#example-start"))
    form_end = float(page.input_value("#example-end"))
    assert abs(form_start - (start - 0.05)) < 0.15 and abs(form_end - (end + 0.05)) < 0.15, (form_start, form_end)
    assert page.locator("details.mark-example[open]").count() == 1
    page.fill("#example-term", "bunduki")
    page.select_option("#example-category", "armed_movement")
    page.click("#example-form button.primary")
    page.wait_for_load_state()
    [example] = fresh_db.examples_of_alert(source["id"])
    assert example["term"] == "bunduki" and example["created_by"] == "vera"
    assert abs(example["start"] - form_start) < 0.01 and abs(example["end"] - form_end) < 0.01
    assert any(e["action"] == "example" and e["actor"] == "vera" for e in fresh_db.audit_entries("alert", source["id"]))

    # A new call says the term in another voice; its recording is filed as the IVR's failure path files one.
    audio, said = utterance(["watu wenye", "bunduki", "walikuja jana usiku"], Voice("sw+m3", speed=175), snr_db=20,
                            seed=4)
    folder = config.spool_dir / SPOOL_FAILED
    folder.mkdir(parents=True, exist_ok=True)
    write_wav(folder / "1700000100.1.wav", to_int16(audio), 8000)
    (folder / "1700000100.1.meta").write_text(
        "source=phone\ncaller=+243812340029\nchannel=PJSIP/x-1\nstarted=1700000100\nlanguage=sw\nended=1700000110\n")
    with Store.open(config.db_path, migrate=False) as ivr_store:
        [new] = import_failed_calls(config, ivr_store, secrets.pseudonym_key(config))

    spotted = keyword_pass(config, new["id"])
    assert spotted["transcripts"] == []   # the keyword pass ran before any decode
    assert fresh_db.transcripts_for(new["id"]) == []
    assert fresh_db.get_alert(new["id"])["priority"] == 6.0   # armed_movement's weight

    page.goto(f"{live_server}/alerts/{new['id']}")
    [(_, said_start, _)] = [s for s in said if s[0] == "bunduki"]
    line = page.locator(".hit").first.inner_text()
    at = f"{int(said_start) // 60}:{int(said_start) % 60:02d}"
    assert f"ressemble à bunduki à {at}, exemple de l'alerte {source['reference']}" in line, line
    assert page.locator(".prio").first.inner_text() == "6"
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("y")
    wait_for(lambda: fresh_db.hits_for(new["id"])[0]["decision"] == "confirmed", 10, "the hit confirmed")
    assert fresh_db.hits_for(new["id"])[0]["decided_by"] == "vera"
    assert errors == []


def test_without_javascript_the_span_is_typed_and_the_page_still_works(live_server, browser, config, fresh_db):
    source, spans, _ = _spoken_alert(fresh_db, config, ["watu wenye", "bunduki", "walikuja"], Voice("sw+f2"), "C-A")
    fresh_db.set_status(source["id"], Status.VERIFIED, actor="vera")
    _, start, end = spans[1]
    page, _ = _open(browser, live_server, source["id"], java_script_enabled=False)
    assert not page.locator(".waveform").first.is_visible()   # hidden: nothing drawn without a script
    assert page.locator("#player").is_visible()
    page.click("details.mark-example summary")
    page.fill("#example-start", f"{start:.2f}")
    page.fill("#example-end", f"{end:.2f}")
    page.fill("#example-term", "bunduki")
    page.click("#example-form button.primary")
    page.wait_for_load_state()
    [example] = fresh_db.examples_of_alert(source["id"])
    assert example["term"] == "bunduki" and abs(example["start"] - start) < 0.01
    np.testing.assert_allclose([example["end"]], [end], atol=0.01)
