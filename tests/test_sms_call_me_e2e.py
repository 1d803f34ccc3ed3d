"""A "please call me" SMS answered end to end: fakesmsc sends it through the real Kannel, the
receiver queues a call-back with the sender's sealed number, the dialler opens the number
and dials it through the trunk, and a pjsua2 phone answers and records an alert.

The operator's network behind the trunk is played by a registered test phone: the dialler's
[dialler] trunk_channel sends `PJSIP/{number}@<that phone>`, so Asterisk dials the SMS
sender's own number (the INVITE's user part) to the phone's contact, as it dials a trunk.
"""

from __future__ import annotations

import contextlib

import pytest

import phone
import smsgw
from core import identity, secrets
from core.model import Source
from core.store import Store
from core.store.callbacks import CallbackKind, CallbackState
from tests.fixtures.asterisk import AsteriskLine, free_ports, rms, wait_for
from tests.fixtures.ivr import IvrProcess
from tests.fixtures.kannel import Operator, receiver, require_kannel, sms_settings
from tests.test_dialler_callbacks import DiallerProcess, registered
from tests.test_ivr_e2e import last_alert_id, newest_alerts, speech

pytestmark = [pytest.mark.asterisk, pytest.mark.kannel]

ANSWERING_PHONE = "test-phone-19"
SENDER = "0812340061"           # as the operator sends it; keyed and dialled as +243812340061
DIALLED = "+243812340061"


@pytest.fixture(scope="module")
def sms_and_voice_line(tmp_path_factory, asterisk_prompts):
    """(line, operator, dialler): Asterisk, the IVR, the gateway, the receiver and the dialler
    on one data directory of their own."""
    require_kannel()
    folder = tmp_path_factory.mktemp("call-me")
    overrides = free_ports((5460, 5438, 4973, 20000)) | sms_settings()
    # A trunk address makes outside numbers diallable; the calls go where trunk_channel says.
    overrides["asterisk"]["trunk_ip"] = "127.0.0.5"
    overrides["dialler"] = {"trunk_channel": f"PJSIP/{{number}}@{ANSWERING_PHONE}"}
    with AsteriskLine.started(folder / "data", asterisk_prompts, overrides) as line:
        ivr = IvrProcess(line.config)
        ivr.start()
        smsgw.start(line.config)
        operator = Operator(line.config, folder)
        with contextlib.ExitStack() as stack:
            stack.callback(ivr.stop)
            stack.callback(smsgw.stop, line.config)
            stack.callback(operator.stop)
            stack.enter_context(receiver(line.config))
            dialler = DiallerProcess(line.config)
            stack.callback(dialler.stop)
            yield line, operator, dialler


def test_a_please_call_me_sms_is_called_back_and_the_phone_records_an_alert(sms_and_voice_line, tmp_path):
    line, operator, dialler = sms_and_voice_line
    config = line.config
    before = last_alert_id(config)
    script = f"wait silence; dtmf 3; wait beep; play {speech(tmp_path, 'fr', 4.0)}; dtmf #; wait 1; hangup"
    waiting = phone.start_answering(config, ANSWERING_PHONE, script=script, record=tmp_path / "heard.wav",
                                    wait_timeout=120)
    try:
        wait_for(lambda: registered(line, ANSWERING_PHONE), 15, f"{ANSWERING_PHONE} to register")
        operator.send(SENDER, "Please call me. Thank you")
        answered = waiting.result(timeout=180)
    finally:
        waiting.kill()
    assert answered.answered and not answered.premature_hangup, (answered.events, dialler.log()[-2000:])
    (alert,) = wait_for(lambda: newest_alerts(config, before), 20, "the call-back's alert")
    pseudonym = identity.pseudonym(secrets.pseudonym_key(config), DIALLED)
    assert alert["source"] == Source.CALLBACK and alert["language"] == "fr"
    assert alert["caller_pseudonym"] == pseudonym     # the same pseudonym the SMS sender has
    assert rms(config.data_dir / alert["recordings"][0]["path"]) > 0.02

    def answered_callback():
        with Store.open(config.db_path, migrate=False) as store:
            found = store.callbacks_for_caller(pseudonym)
            return found if found and found[0]["state"] == CallbackState.ANSWERED else None
    (callback,) = wait_for(answered_callback, 20, "the call-back to be answered")
    with Store.open(config.db_path, migrate=False) as store:
        request = store.get_call(callback["beep_call_id"])
    assert callback["kind"] == CallbackKind.CALLBACK
    assert request["source"] == Source.SMS and request["caller_pseudonym"] == pseudonym
    # Asterisk dialled the sender's number, in its one normalised form; the dialler never logged it.
    assert any(f"to <sip:{DIALLED}@" in text or f"to sip:{DIALLED}@" in text for _, text in answered.events), \
        answered.events
    assert DIALLED.lstrip("+") not in dialler.log()
