"""Chromium: the pages added this session stay within a laptop's screen whatever people typed.

Names without a space (a pasted identifier, a locality typed without spaces) are the
longest each form accepts; the page must wrap them, not scroll sideways.
"""

from __future__ import annotations

import pytest

from core.directory import Entry, NumberSeal
from core.gazetteer import MAX_TEXT, Locality
from tests.fixtures.web import browser_login

pytestmark = pytest.mark.browser

PAGES = ["/admin/localities", "/admin/directory", "/admin/committees", "/complaints", "/surveys", "/broadcasts",
         "/incidents", "/reports/response-times", "/live/"]

# What sticks out, for the failure message: "NAV. 1073" says the menu did not wrap.
WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth).slice(0, 5)
    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_long_unbroken_names_wrap_on_every_new_page(live_server, browser, fresh_db, config):
    fresh_db.save_locality(Locality("1" * 6, "K" * MAX_TEXT, "T" * MAX_TEXT, "P" * MAX_TEXT, -1.5, 29.25), "test")
    fresh_db.save_committee("C" * 80, "L" * 40, "0" * 64, "test")
    entry = Entry("responder", "R" * 80, tuple(str(n) * 6 for n in range(1, 10)), number="+243970001234", number_tail="34")
    fresh_db.save_directory_entry(entry, NumberSeal.from_config(config).seal, "test")
    fresh_db.set_complaints_role("ada", True, "test")
    fresh_db.file_complaint("9" * 8, "fr", None, None)
    fresh_db.create_survey("S" * 80, "test")
    page = browser.new_page(viewport={"width": 1024, "height": 700}, locale="fr-FR")
    browser_login(page, live_server, "ada")
    too_wide = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    for path in PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        wide = page.evaluate(WIDEST)
        assert not page.evaluate(too_wide), f"{path} scrolls sideways: {wide}"


def test_a_delete_asks_first_even_without_javascript(live_server, browser, fresh_db, config):
    """The row's button opens a question; Cancel keeps the row, the confirmation deletes it (audited).
    JavaScript is off: the question is a page of its own, not a dialog."""
    fresh_db.save_locality(Locality("4021", "Kalunguta", None, None, None, None), "test")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 700}, locale="fr-FR")
    page = context.new_page()
    browser_login(page, live_server, "ada")
    page.goto(live_server + "/admin/localities")
    row = page.locator("table.localities tr", has_text="Kalunguta")
    row.get_by_role("link", name="Supprimer").click()
    page.wait_for_url(live_server + "/admin/localities/4021/delete")
    assert "Supprimer la localité 4021 (Kalunguta)" in page.locator("#confirm-question").inner_text()
    page.get_by_role("link", name="Annuler").click()
    page.wait_for_url(live_server + "/admin/localities")
    assert fresh_db.locality("4021") is not None and page.locator("table.localities", has_text="Kalunguta").count()
    row.get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Supprimer").click()
    page.wait_for_url(live_server + "/admin/localities")
    assert "Localité 4021 supprimée." in page.locator("body").inner_text()
    assert fresh_db.locality("4021") is None
    assert [(e["actor"], e["action"]) for e in fresh_db.audit_entries("locality", 4021)][0] == ("ada", "delete")
    # A replacing import names what it removes; the question's form carries the file back.
    fresh_db.save_locality(Locality("4022", "Mabalako", None, None, None, None), "test")
    page.goto(live_server + "/admin/localities")
    page.set_input_files("input[name=file]", {"name": "beni.csv", "mimeType": "text/csv",
                                               "buffer": "code,name\r\n1101,Beni\r\n".encode()})
    page.check("input[name=replace]")
    page.get_by_role("button", name="Importer").click()
    assert "retire 1 localité(s) absente(s) du fichier : 4022 Mabalako" in page.locator("#confirm-question").inner_text()
    assert fresh_db.locality("4022") is not None, "asking changed nothing"
    page.locator("#confirm-form").get_by_role("button", name="Importer").click()
    page.wait_for_url(live_server + "/admin/localities")
    assert [l.code for l in fresh_db.localities()] == ["1101"]
    # An account: disabling asks, enabling does not.
    page.goto(live_server + "/admin/users")
    page.locator("tr", has_text="vera").get_by_role("link", name="Désactiver").click()
    assert "Désactiver le compte « vera »" in page.locator("#confirm-question").inner_text()
    assert not fresh_db.get_user("vera")["disabled"], "asking changed nothing"
    page.get_by_role("button", name="Désactiver").click()
    page.wait_for_url(live_server + "/admin/users")
    assert fresh_db.get_user("vera")["disabled"]
    page.locator("tr", has_text="vera").get_by_role("button", name="Réactiver").click()
    page.wait_for_url(live_server + "/admin/users")
    assert not fresh_db.get_user("vera")["disabled"]
    context.close()
