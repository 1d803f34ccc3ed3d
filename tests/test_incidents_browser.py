"""The Incidents and Localities pages in a real browser: a verifier confirms a suggested
incident with the mouse; screenshots for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import gazetteer
from core.model import Source
from tests.fixtures.core import wait_for
from tests.fixtures.web import browser_login, make_alert

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_a_verifier_confirms_a_suggested_incident(live_server, browser, fresh_db, config):
    fresh_db.import_localities(gazetteer.starter(), "cli")
    first = make_alert(fresh_db, config, locality="1104", pseudonym="C-AAAAAAAA")  # Mbau, ~10 km from Oicha
    second = make_alert(fresh_db, config, locality="1102", pseudonym="C-BBBBBBBB", source=Source.RADIO, station="okapi")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "vera")
    page.goto(live_server + "/incidents")
    assert page.locator("section.suggestion").count() == 1
    assert "2 source(s) indépendante(s)" in page.inner_text("section.suggestion")
    assert "1104 · Mbau" in page.inner_text("section.suggestion")
    page.screenshot(path=str(ARTIFACTS / "console-incidents.png"), full_page=True)
    page.click("section.suggestion button.primary")
    wait_for(lambda: fresh_db.incident_of(first["id"]) is not None, message="the incident to be confirmed")
    assert fresh_db.incident_of(second["id"]) == fresh_db.incident_of(first["id"])
    page.wait_for_selector("section.incident[data-sources='2']")
    assert not errors, errors

    admin = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-GB")
    browser_login(admin, live_server, "ada")
    admin.goto(live_server + "/admin/localities")
    assert admin.locator("table.localities tbody tr").count() == len(gazetteer.starter())
    admin.screenshot(path=str(ARTIFACTS / "console-localities.png"))
    width = admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, "the Localities page fits a laptop screen"
