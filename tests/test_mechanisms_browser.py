"""Chromium drives the survey editor, the survey results and the complaints queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import directory, surveys
from core.complaints import ComplaintSeal
from core.directory import NumberSeal
from tests.fixtures.core import wait_for
from tests.fixtures.web import PASSWORDS, _hash, browser_login, write_tone

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_an_admin_writes_a_survey_and_reads_its_results(live_server, browser, fresh_db, config):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    browser_login(page, live_server, "ada")
    page.click("a[href='/surveys']")
    page.fill("#survey-create input[name=name]", "Perception Beni")
    page.click("#survey-create button")
    page.wait_for_url("**/edit")
    for n, keys in enumerate((2, 3, 2), start=1):
        page.fill("#new-question input[name=answers]", str(keys))
        for lang in surveys.LANGUAGES:
            page.fill(f"#new-question input[name=words_{lang}]", f"Swali {n} ({lang})")
        page.click("#new-question button")
        page.wait_for_selector(f"section.survey-question[data-position='{n}']")
    assert page.locator("ul.problems").count() == 0
    page.click("#survey-active button")
    page.wait_for_selector(".flash.success")
    page.screenshot(path=str(ARTIFACTS / "survey-editor.png"), full_page=True)
    survey = fresh_db.active_survey()
    assert survey["name"] == "Perception Beni" and survey["questions"] == 3
    fresh_db.import_directory(directory.read_csv("kind,name,localities,language,order,number\n"
                                                 "focal_point,Relais Beni,4021,sw,1,0970000111\n"),
                              NumberSeal.from_config(config).seal, "ada")
    page.fill("#survey-call input[name=localities]", "4021")
    page.click("#survey-call button")
    page.wait_for_selector("#run-progress")
    assert page.locator("[data-figure=pending]").inner_text() == "1"
    assert "Relais Beni" in page.locator("#deliveries").inner_text() and "0970000" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "survey-run.png"), full_page=True)

    questions = fresh_db.survey_questions(survey["id"])
    for answer, complete in ((1, 1), (2, 0)):
        response_id = fresh_db.start_survey_response(survey["id"], "4021", "2026-11-26")
        fresh_db.record_survey_answer(response_id, questions[0]["id"], answer)
        if complete:
            fresh_db.finish_survey_response(response_id)
    page.goto(f"{live_server}/surveys/{survey['id']}/results")
    page.select_option("select[name=period]", "month")
    page.click("form.filters button")
    group = page.locator("section.survey-group[data-period='2026-11']")
    assert "2 réponse(s), dont 1 incomplète(s)" in group.inner_text()
    widths = [float(w) for w in group.locator("svg rect.share").evaluate_all("rs => rs.map(r => r.getAttribute('width'))")]
    assert widths[0] == widths[1] > 0, "half and half"
    page.screenshot(path=str(ARTIFACTS / "survey-results.png"), full_page=True)


def test_the_complaints_role_listens_to_a_complaint_and_sees_the_access(live_server, browser, fresh_db, config):
    fresh_db.add_user("cora", _hash(PASSWORDS["vera"]), "verifier", actor="test")
    fresh_db.set_complaints_role("cora", True, "test")
    wav = write_tone(config.data_dir / "scratch.wav", seconds=4.0)
    (config.data_dir / "scratch.wav").unlink()
    sealed = config.data_dir / "complaints" / "c.sealed"
    sealed.parent.mkdir(parents=True, exist_ok=True)
    sealed.write_bytes(ComplaintSeal.from_config(config).seal(wav, "27182818"))
    complaint = fresh_db.file_complaint("27182818", "sw", "complaints/c.sealed", 4.0)

    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    browser_login(page, live_server, "ada")
    assert page.locator("a[href='/complaints']").count() == 0, "an admin without the role has no entry"
    assert page.goto(f"{live_server}/complaints").status == 403
    page.context.clear_cookies()

    browser_login(page, live_server, "cora", PASSWORDS["vera"])
    page.click("a[href='/complaints']")
    page.click("text=27182818")
    page.wait_for_url(f"{live_server}/complaints/{complaint['id']}")
    page.evaluate("document.getElementById('complaint-audio').play()")
    page.wait_for_function("() => document.getElementById('complaint-audio').currentTime > 0.5", timeout=15000)
    wait_for(lambda: "listen" in {e["action"] for e in fresh_db.complaint_audit(complaint["id"])}, 10, "the listening")
    page.select_option("#complaint-form select[name=status]", "in_progress")
    page.click("#complaint-form button")
    page.wait_for_selector(".flash.success")
    audit = page.locator("table.complaint-audit").inner_text()
    assert "a écouté" in audit and "cora" in audit
    page.screenshot(path=str(ARTIFACTS / "complaints.png"), full_page=True)
