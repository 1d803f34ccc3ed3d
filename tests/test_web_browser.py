"""The triage loop in a real browser, with the keyboard only: log in, listen, correct, tag, verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.core import wait_for
from tests.fixtures.web import PASSWORDS, make_alert

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_keyboard_triage_loop(live_server, browser, fresh_db, config):
    alert = make_alert(fresh_db, config, priority=9, seconds=6,
                       text="watu wenye bunduki wamechoma nyumba", locality="Djugu")
    following = make_alert(fresh_db, config, priority=4, text="Les miliciens ont brûlé le marché de Fataki",
                           language="fr", locality="Fataki", keywords=[{"term": "brûlé", "category": "burning_looting"}])
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", "vera")
    page.fill("input[name=password]", PASSWORDS["vera"])
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"))

    # The first row is selected; Enter opens it.
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/alerts/{alert['id']}")

    # Space plays the recording: currentTime must advance.
    page.keyboard.press(" ")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5", timeout=15000)
    assert not page.evaluate("document.getElementById('player').paused")
    page.keyboard.press("+")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.25
    page.keyboard.press(" ")
    assert page.evaluate("document.getElementById('player').paused")

    # e edits the transcript; Ctrl+Enter saves it.
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "transcript-text"
    page.keyboard.press("Control+a")
    page.keyboard.type("watu wenye bunduki wamechoma nyumba tatu")
    page.keyboard.press("Control+Enter")
    wait_for(lambda: fresh_db.latest_transcript(alert["id"])["origin"] == "verifier", message="the correction")
    assert fresh_db.latest_transcript(alert["id"])["text"] == "watu wenye bunduki wamechoma nyumba tatu"
    assert fresh_db.transcripts_for(alert["id"])[0]["text"] == "watu wenye bunduki wamechoma nyumba"
    page.keyboard.press("Escape")

    # Digits toggle indicators (1 = attack, 5 = armed group movement).
    page.keyboard.press("1")
    wait_for(lambda: fresh_db.tags_for(alert["id"]) == ["attack"], message="tag 1")
    page.keyboard.press("5")
    wait_for(lambda: fresh_db.tags_for(alert["id"]) == ["armed_movement", "attack"], message="tag 5")

    # ? shows the help overlay; Escape closes it.
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.screenshot(path=str(ARTIFACTS / "console-help.png"))
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")
    page.screenshot(path=str(ARTIFACTS / "console-alert.png"), full_page=True)

    # v verifies and moves on to the next waiting alert.
    page.keyboard.press("v")
    page.wait_for_url(f"{live_server}/alerts/{following['id']}")
    assert fresh_db.get_alert(alert["id"])["status"] == "verified"
    assert page.is_visible("text=Vérifiée.")
    actions = [e["action"] for e in fresh_db.audit_entries("alert", alert["id"])]
    assert actions[:4] == ["status", "tags", "tags", "transcript"]

    # f rejects the next one; the queue is then empty.
    page.keyboard.press("f")
    page.wait_for_url(live_server + "/")
    assert fresh_db.get_alert(following["id"])["status"] == "false"
    assert page.inner_text("#waiting") == "0"
    assert errors == []


def test_supervisor_merges_and_escalates_by_keyboard(live_server, browser, fresh_db, config):
    original = make_alert(fresh_db, config, priority=2, locality="Bunia")
    duplicate = make_alert(fresh_db, config, priority=8, locality="Bunia")
    urgent = make_alert(fresh_db, config, priority=5, text="<img src=x onerror=alert(1)> wanajeshi", words=[],
                        locality="Irumu")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORDS["sam"])
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")

    # j moves the selection down, k back up, o opens.
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("o")
    page.wait_for_url(f"{live_server}/alerts/{duplicate['id']}")

    # d focuses the "duplicate of" field; typing the reference and Enter merges.
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "duplicate-of"
    page.keyboard.type(original["reference"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/alerts/{urgent['id']}")
    assert fresh_db.get_alert(duplicate["id"])["duplicate_of"] == original["id"]

    # The untrusted transcript is shown as text, never run; s escalates.
    assert page.locator("#words").inner_text().startswith("<img")
    page.keyboard.press("s")
    page.wait_for_url(f"{live_server}/alerts/{original['id']}")
    assert fresh_db.get_alert(urgent["id"])["status"] == "escalated"
    assert duplicate["reference"] in page.inner_text("#duplicates")  # merged duplicates are listed
    page.screenshot(path=str(ARTIFACTS / "console-supervisor.png"), full_page=True)
    assert dialogs == []


def test_new_alerts_appear_without_reloading(live_server, browser, fresh_db, config):
    make_alert(fresh_db, config, priority=2)
    page = browser.new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "vera")
    page.fill("input[name=password]", PASSWORDS["vera"])
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    assert page.locator("#queue tbody tr").count() == 1
    page.evaluate("window.sautiMarker = 1")  # survives only if the page is not reloaded
    urgent = make_alert(fresh_db, config, priority=9, text="<b>nouvelle</b> alerte")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # poll now, not in 15 s
    page.wait_for_selector(f"text={urgent['reference']}")
    assert page.locator("#queue tbody tr").count() == 2
    assert page.inner_text("#waiting") == "2"
    assert page.evaluate("window.sautiMarker") == 1
    assert page.locator("#queue tbody b").count() == 0  # escaped, not rendered as HTML


def test_long_unbroken_strings_wrap_and_pages_arrive_gzipped(live_server, browser, fresh_db, config):
    """A 200-character locality and a transcript without a space must not widen the queue
    past a laptop's screen; and waitress passes the console's gzip on to the browser."""
    alert = make_alert(fresh_db, config, locality="K" * 200, text="x" * 600, words=[])
    for n in range(10):
        make_alert(fresh_db, config, text=f"watu wenye bunduki wamechoma nyumba {n}", write_audio=False)
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "vera")
    page.fill("input[name=password]", PASSWORDS["vera"])
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    too_wide = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    assert not page.evaluate(too_wide), "the queue scrolls sideways"
    response = page.goto(f"{live_server}/alerts/{alert['id']}")
    assert response.headers.get("content-encoding") == "gzip"
    assert not page.evaluate(too_wide), "the alert page scrolls sideways"
