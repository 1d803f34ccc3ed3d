"""The responders' side of the console in Chromium: the directory, an escalation and its calls, the response
form and the response-times report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.core import wait_for
from tests.fixtures.web import PASSWORDS, make_alert

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CSV = ("kind,name,localities,language,order,number\n"
       "responder,Base Oicha,1103,sw,2,0970000222\n"
       "focal_point,Relais Eringeti,1103,sw,1,0970000333\n")


def log_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")


def test_directory_escalation_response_and_report(live_server, browser, fresh_db, config, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    alert = make_alert(fresh_db, config, priority=7, locality="1103")
    fresh_db.set_status(alert["id"], "verified", "vera")
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # An admin enters a responder by hand and the rest from a CSV file; numbers never come back.
    log_in(page, live_server, "ada")
    page.click("nav >> text=Annuaire")
    page.select_option("#directory-form select[name=kind]", "responder")
    page.fill("#directory-form input[name=name]", "Base Beni")
    page.fill("#directory-form input[name=localities]", "1101 1103")
    page.fill("#directory-form input[name=number]", "+243 970 000 111")
    page.click("#directory-form button.primary")
    page.wait_for_selector("text=Base Beni enregistré.")
    source = tmp_path / "directory.csv"
    source.write_text(CSV)
    page.set_input_files("input[type=file][name=file]", str(source))
    page.click("text=Importer")
    page.wait_for_selector("text=Relais Eringeti")
    table = page.inner_text("table.directory")
    assert "**11" in table and "**22" in table and "970" not in page.content()
    assert [e.name for e in fresh_db.responders_for("1103")] == ["Base Beni", "Base Oicha"]
    page.screenshot(path=str(ARTIFACTS / "console-directory.png"), full_page=True)
    page.click("text=Déconnexion")

    # A supervisor escalates; the dialler's calls (played here by the store, as the dialler records them)
    # show on the alert, and the banner once nobody confirmed.
    log_in(page, live_server, "sam")
    page.goto(f"{live_server}/alerts/{alert['id']}")
    page.click("button.d-escalated")
    wait_for(lambda: fresh_db.get_alert(alert["id"])["status"] == "escalated", message="the escalation")
    assert fresh_db.queue_escalations() == [alert["id"]]
    for result in ("no_answer", "busy"):
        (call,) = fresh_db.claim_responder_calls()
        fresh_db.responder_call_result(call["id"], result)
    page.goto(f"{live_server}/alerts/{alert['id']}")
    calls = page.inner_text("ol.responder-calls")
    assert "Base Beni: pas de réponse" in calls and "Base Oicha: occupé" in calls
    assert alert["reference"] in page.inner_text("#unreached-alarm")

    # The response form records what was done.
    page.fill("#response-form input[name=action]", "Patrouille FARDC envoyée")
    page.select_option("#response-form select[name=outcome]", "ongoing")
    page.fill("#response-form textarea[name=text]", "arrivée prévue à 15 h")
    page.click("#response-form button")
    page.wait_for_selector("text=Réponse enregistrée.")
    (response,) = fresh_db.responses_for(alert["id"])
    assert (response["action"], response["outcome"], response["recorded_by"]) == (
        "Patrouille FARDC envoyée", "ongoing", "sam")
    assert "Patrouille FARDC envoyée" in page.inner_text("#response")
    page.screenshot(path=str(ARTIFACTS / "console-response.png"), full_page=True)

    # The report: charts drawn on the server, grouping links, the CSV.
    page.click("nav >> text=Délais")
    page.wait_for_selector("svg.chart")
    page.click("#report-groupings >> text=localité")
    page.wait_for_url(f"{live_server}/reports/response-times?by=locality")
    assert "1103" in page.inner_text("#report-figures")
    assert page.locator("svg.chart rect.median").count() >= 1
    with page.expect_download() as download:
        page.click("text=Télécharger les chiffres en CSV")
    assert "grouping,group,interval" in Path(download.value.path()).read_text()
    page.screenshot(path=str(ARTIFACTS / "console-report.png"), full_page=True)
    assert errors == []
