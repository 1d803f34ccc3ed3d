"""An SMS alert in a real browser, through the real Kannel with fakesmsc as the operator:
the alert in the queue, its page with the text, a follow-up question typed by the verifier
going out to the sender, and the sender's reply arriving in the same thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import gazetteer
from core.store import Store
from tests.fixtures.core import wait_for
from tests.fixtures.kannel import SHORT_CODE, Operator, gateway, receiver
from tests.fixtures.web import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.kannel]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NUMBER = "+243812340051"


@pytest.fixture
def config(tmp_path):
    """The console's data directory is the gateway's: the page, Kannel and the receiver share it."""
    with gateway(tmp_path / "data") as config:
        with Store.open(config.db_path) as store:
            store.import_localities(gazetteer.starter(), actor="test")
        yield config


@pytest.fixture
def operator(config, tmp_path):
    operator = Operator(config, tmp_path)
    try:
        with receiver(config):
            yield operator
    finally:
        operator.stop()


def test_a_verifier_asks_an_sms_sender_and_reads_the_reply(live_server, browser, operator, config):
    operator.send(NUMBER, "Watu wenye silaha wameingia usiku, wameteka watoto")

    def the_alert():
        with Store.open(config.db_path, migrate=False) as store:
            rows = store._rows("SELECT id, reference FROM alerts")
            return rows and rows[0]
    alert = wait_for(the_alert, 30, "the SMS alert")
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "vera")
    row = page.locator(f"tr:has-text('{alert['reference']}')")
    assert "SMS" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(f"{live_server}/alerts/{alert['id']}")
    assert "wameteka watoto" in page.inner_text("section.transcript")
    thread = page.locator("#sms-thread")
    wait_for(lambda: (page.reload(), "accusé de réception" in thread.inner_text())[1], 30, "the receipt in the thread")
    page.fill("#question-text", "Kijiji gani? Lini?")
    page.click("#question-form button")
    page.wait_for_selector("#sms-thread li[data-kind=question]")
    sent = wait_for(lambda: next((m for m in operator.received() if "Kijiji gani? Lini?" in m[2]), None), 30,
                    "the question at the operator")
    assert sent[:2] == (SHORT_CODE, NUMBER) and alert["reference"] in sent[2]
    operator.send(NUMBER, "Eringeti, jana usiku")
    wait_for(lambda: (page.reload(), page.locator("#sms-thread li[data-kind=reply]").count() == 1)[1], 30,
             "the reply in the thread")
    assert "Eringeti, jana usiku" in thread.inner_text()
    assert "1103" in page.inner_text("dl.facts")   # the reply named the village the alert lacked
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-sms-thread.png"), full_page=True)
    assert NUMBER[-9:] not in page.content()
    with Store.open(config.db_path, migrate=False) as store:
        assert store._value("SELECT count(*) FROM alerts") == 1
    assert not errors, errors
