"""Voice alerts and escalations by SMS in a real browser, through the real Kannel with fakesmsc
as the operator: a supervisor types a written alert (the form counts its SMS parts as it is
typed), sends it, and watches the page refresh until every SMS is delivered; an escalated
alert's page shows the SMS steps once a responder confirms by reply."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from core import directory, gazetteer, sms_texts
from core.directory import NumberSeal
from core.model import Status
from core.store import Store
from tests.fixtures.core import wait_for
from tests.fixtures.kannel import SHORT_CODE, Operator, gateway, receiver
from tests.fixtures.web import browser_login, make_alert

pytestmark = [pytest.mark.browser, pytest.mark.kannel]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DIRECTORY = ("kind,name,localities,language,order,channel,number\n"
             "focal_point,Relais Beni,1101,sw,1,sms,+243970000301\n"
             "focal_point,Relais Mbau,1101,fr,1,both,+243970000302\n"
             "focal_point,Relais Voix,1101,fr,1,voice,+243970000303\n"
             "responder,Base Beni,1101,fr,1,sms,+243970000304\n")


@pytest.fixture
def config(tmp_path):
    """The console's data directory is the gateway's: the page, Kannel and the receiver share it."""
    with gateway(tmp_path / "data", {"sms": {"sender": SHORT_CODE}}) as config:
        with Store.open(config.db_path) as store:
            store.import_localities(gazetteer.starter(), actor="test")
            store.import_directory(directory.read_csv(DIRECTORY), NumberSeal.from_config(config).seal, "test")
        yield config


@pytest.fixture
def operator(config, tmp_path):
    operator = Operator(config, tmp_path)
    try:
        with receiver(config):
            operator.send("+243970000399", "Habari")   # fakesmsc connected, to take what the line sends
            yield operator
    finally:
        operator.stop()


def shown(page, selector: str) -> int:
    """How many the page shows now; 0 while it is reloading itself."""
    try:
        return page.locator(selector).count()
    except PlaywrightError:
        return 0


def test_a_written_alert_and_an_escalation_by_sms_in_the_console(live_server, browser, operator, config):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "sam")
    page.goto(f"{live_server}/broadcasts")
    page.fill("input[name=localities]", "1101")
    page.fill("textarea[name=sms_sw]", "Tahadhari: watu wenye silaha karibu na Beni. " * 3)
    assert page.inner_text("#parts-sw") == "1 SMS par destinataire"
    page.fill("textarea[name=sms_sw]", "Tahadhari: watu wenye silaha karibu na Beni. " * 4)   # 180 characters
    assert page.inner_text("#parts-sw") == "2 SMS par destinataire"
    page.fill("textarea[name=sms_fr]", "Alerte : hommes armés près de Beni ; évitez la route ✋")   # not GSM: UCS-2
    assert page.inner_text("#parts-fr") == "1 SMS par destinataire"
    page.fill("textarea[name=sms_fr]",
              "Alerte : hommes armés près de Beni ; évitez la route de Mbau ce soir. Restez chez vous ✋")
    assert page.inner_text("#parts-fr") == "2 SMS par destinataire"
    assert page.inner_text("#parts-ln") == ""
    page.click("#broadcast-form button.primary")
    page.wait_for_url(f"{live_server}/broadcasts/*")
    assert page.locator("meta[http-equiv=refresh]").count() == 1   # SMS pending: the page refreshes itself
    # No recording: every focal point is texted, whatever their channel.
    wait_for(lambda: shown(page, "#deliveries td[data-sms-state=delivered]") == 3, 30,
             "the page, refreshing itself, to show every SMS delivered")
    page.reload()
    assert page.locator("meta[http-equiv=refresh]").count() == 0   # nothing pending: no more refreshing
    counts = page.inner_text("#delivery-counts")
    assert "remis 3" in counts and "SMS seulement 3" in counts, counts
    rows = {r.locator("td").first.inner_text(): r.locator("td").last.inner_text()
            for r in page.locator("#deliveries tbody tr").all()}
    assert rows == {"Relais Beni": "remis", "Relais Mbau": "remis", "Relais Voix": "remis"}, rows
    # Each is a concatenated SMS of the parts the form said: fakesmsc prints every part.
    parts = Counter(to for _, to, _ in operator.received())
    assert (parts["+243970000301"], parts["+243970000302"], parts["+243970000303"]) == (2, 2, 2), parts
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-broadcast-sms.png"), full_page=True)

    with Store.open(config.db_path) as store:
        alert = make_alert(store, config, locality="1101", write_audio=False)
        store.set_status(alert["id"], Status.VERIFIED, "vera")
        store.set_status(alert["id"], Status.ESCALATED, "sam")
        # The dialler's step (dialler/responders.py tick), here without Asterisk: text the responders.
        store.queue_escalations(sms_texts.EscalationTexts(sms_texts.load_texts(), "fr", config.site.timezone, 300))
    wait_for(lambda: any(alert["reference"] in text for _, to, text in operator.received() if to == "+243970000304"),
             30, "the escalation SMS")
    operator.send("+243970000304", f"1 {alert['reference']}")
    page.goto(f"{live_server}/alerts/{alert['id']}")
    wait_for(lambda: (page.reload(), page.locator("ol.responder-sms li[data-kind=confirmation]").count() == 1)[1],
             30, "the confirmation on the alert's page")
    response = page.inner_text("#response")
    for words in ("SMS envoyé aux intervenants", "SMS remis", "Confirmé par SMS", "Base Beni: alerte par SMS"):
        assert words in response, words
    assert "alerte envoyée par SMS à un intervenant" in page.inner_text(".history")
    page.screenshot(path=str(ARTIFACTS / "console-escalation-sms.png"), full_page=True)
    assert "970000" not in page.content()
    assert not errors, errors
