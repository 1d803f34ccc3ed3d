"""Chromium: an admin gives a verifier their areas on the accounts page; the verifier's queue
opens on them, and the Areas filter shows every locality. A spoken note from the verifier
line plays on the alert's page. An admin keeps a rota and duty numbers."""

from __future__ import annotations

import pytest

from tests.fixtures.web import browser_login, make_alert
from tests.test_admin_lists_browser import WIDEST

pytestmark = pytest.mark.browser

TOO_WIDE = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def test_areas_set_on_the_accounts_page_make_the_verifiers_queue(live_server, browser, fresh_db, config):
    fresh_db.add_locality("4021", "Kalunguta", "Beni")
    fresh_db.add_locality("5001", "Bunia", "Irumu")
    refs = {locality: make_alert(fresh_db, config, locality=locality, write_audio=False)["reference"]
            for locality in ("4021", "5001", None)}
    admin = browser.new_page(viewport={"width": 1024, "height": 700}, locale="fr-FR")
    browser_login(admin, live_server, "ada")
    admin.goto(live_server + "/admin/users")
    row = admin.locator("tr", has_text="vera")
    row.get_by_label("Zones couvertes vera").fill("Goma")
    row.get_by_role("button", name="Enregistrer").click()
    assert "Ni un code de localité ni un territoire du répertoire : Goma" in admin.locator("[role=alert]").inner_text()
    row = admin.locator("tr", has_text="vera")
    row.get_by_label("Zones couvertes vera").fill("beni")
    row.get_by_role("button", name="Enregistrer").click()
    admin.wait_for_url(live_server + "/admin/users")
    assert "Zones de vera enregistrées." in admin.locator("body").inner_text()
    assert admin.locator("tr", has_text="vera").get_by_label("Zones couvertes vera").input_value() == "Beni"
    assert [e["actor"] for e in fresh_db.audit_entries("user") if e["action"] == "areas"] == ["ada"]
    assert not admin.evaluate(TOO_WIDE), ("the accounts page, with its areas and PIN columns, fits a laptop",
                                          admin.evaluate(WIDEST))

    page = browser.new_page(viewport={"width": 1024, "height": 700}, locale="fr-FR")
    browser_login(page, live_server, "vera")
    queue = page.locator("#queue")
    assert page.get_by_label("Zones").input_value() == "mine"
    assert refs["4021"] in queue.inner_text() and refs[None] in queue.inner_text()
    assert refs["5001"] not in queue.inner_text()
    page.get_by_label("Zones").select_option(label="Toutes les zones")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/?*areas=all*")
    assert all(ref in page.locator("#queue").inner_text() for ref in refs.values())


def test_a_spoken_note_plays_on_the_alerts_page(live_server, browser, fresh_db, config):
    """A note recorded on the verifier line: its audio in the notes list, played by Chromium."""
    from tests.fixtures.web import write_tone

    alert = make_alert(fresh_db, config, locality="4021")
    write_tone(config.data_dir / "notes" / "note.wav", seconds=3.0)
    fresh_db.claim_alert(alert["id"], "vera", 15, channel="phone")
    fresh_db.add_note(alert["id"], "vera", "", recording_path="notes/note.wav", channel="phone")
    page = browser.new_page(viewport={"width": 1024, "height": 700}, locale="fr-FR")
    browser_login(page, live_server, "sam")
    page.goto(f"{live_server}/alerts/{alert['id']}")
    player = page.get_by_label("Note vocale")
    assert player.count() == 1
    player.evaluate("audio => audio.play()")
    page.wait_for_function("() => document.querySelector('audio.note-audio').currentTime > 0.5", timeout=15000)
    assert 2.9 < player.evaluate("audio => audio.duration") < 3.1
    assert "vera · par téléphone" in page.locator("section.history").inner_text()
    assert "Note vocale" in page.locator("#notes").inner_text(), "said in the reader's language"


def test_an_admin_keeps_a_rota_and_duty_numbers(live_server, browser, fresh_db, config):
    fresh_db.add_locality("4021", "Kalunguta", "Beni")
    page = browser.new_page(viewport={"width": 1024, "height": 700}, locale="fr-FR")
    browser_login(page, live_server, "ada")
    page.get_by_role("link", name="Permanence").click()
    page.wait_for_url(live_server + "/admin/duty/")
    page.get_by_label("Numéro de permanence vera").fill("+243 970 000 123")
    page.locator("tr", has_text="vera").get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(live_server + "/admin/duty/")
    assert page.get_by_label("Numéro de permanence vera").input_value() == "**23"
    form = page.locator("#rota-form")
    form.get_by_label("Zones couvertes").fill("Beni")
    form.get_by_label("Comptes, dans l'ordre d'appel").fill("vera, sam")
    form.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(live_server + "/admin/duty/")
    row = page.locator("table.duty-rotas tr", has_text="Beni").inner_text()
    assert "1. vera (**23) sans code 520 : ne peut pas être joint · 2. sam sans numéro : pas appelé" in row, \
        "each account says what a duty call would lack"
    assert "+243" not in page.content()
    assert not page.evaluate(TOO_WIDE)
    assert [r["accounts"][0]["username"] for r in fresh_db.duty_rotas()] == ["vera"]
