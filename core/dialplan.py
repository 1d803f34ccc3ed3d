"""Names shared by the dialplan templates (`dialplans/`), the IVR and the tests.

The dialplan reaches Python through `AGI(agi://HOST:PORT/<FLOW>)`; a flow that
finishes sets `SAUTI_RESULT=ok`. Anything else (IVR unreachable, flow crashed)
sends the call to `agi_fail`, which still records the caller into the spool.
"""

# Numbers dialled on the line.
EXTEN_ALERT = "100"        # toll-free alert line
EXTEN_RADIO = "200"        # radio relay line (voice only)
EXTEN_BEEP = "300"         # missed-call "beep" line: not answered, caller is called back
EXTEN_PROMPTS = "400"      # prompt recording, protected by the [prompts] pin
EXTEN_RESPONSE = "500"     # responders: key an alert's reference, then say what was done
EXTEN_COMPLAINTS = "600"   # confidential complaints: file one, or hear the answer to one
EXTEN_COMMITTEE = "700"    # Local Protection Committees: the PIN, then the meeting's items
EXTEN_SURVEY = "800"       # the perception survey an admin started, answered with keys
EXTEN_BROADCAST_RECORD = "510"  # supervisors: record a voice alert for communities, protected by [broadcasts] pin
EXTEN_VERIFIER = "520"     # verifiers: the account's phone PIN, then the alerts of their areas, decided with keys
EXTEN_ECHO_TEST = "901"    # plays a prompt, records the caller: proves audio both ways

# Dialplan contexts.
CONTEXT_PHONES = "sauti-phones"   # trunk and local phones enter here
CONTEXT_RADIO = "sauti-radio"     # radio station endpoints enter here
CONTEXT_AGI_FAIL = "agi_fail"     # failure path: apology, then record into the spool
CONTEXT_CALLBACK = "sauti-callback"  # where an answered call-back goes (the dialler originates into it)
CONTEXT_ACKNOWLEDGEMENT = "sauti-acknowledgement"  # where an answered acknowledgement goes
CONTEXT_RESPONDER = "sauti-responder"  # where an answered call to a responder goes
CONTEXT_BROADCAST = "sauti-broadcast"  # where an answered broadcast call to a focal point goes
CONTEXT_VERIFIER_DUTY = "sauti-verifier-duty"  # where an answered call to a verifier on duty goes
EXTEN_CALLBACK = "s"              # the extension the dialler originates into, in all of them

# FastAGI flow names (the path of the agi:// URL).
FLOW_ALERT = "alert"
FLOW_RADIO = "radio"
FLOW_BEEP = "beep"
FLOW_PROMPT_RECORD = "prompt_record"
FLOW_CALLBACK = "callback"
FLOW_ACKNOWLEDGEMENT = "acknowledgement"
FLOW_RESPONDER = "responder"
FLOW_RESPONSE = "response"
FLOW_COMPLAINT = "complaint"
FLOW_COMMITTEE = "committee"
FLOW_BROADCAST = "broadcast"
FLOW_SURVEY = "survey"
FLOW_BROADCAST_RECORD = "broadcast_record"
FLOW_VERIFIER = "verifier"
FLOW_VERIFIER_DUTY = "verifier_duty"
# No call's flow: `sauti ready`, and each inbound line before it answers, ask the IVR for it
# to see that a call would be served (ivr/flows/ready.py).
FLOW_READY = "ready"

# Channel variables.
VAR_RESULT = "SAUTI_RESULT"       # set to RESULT_OK by a flow that finished
RESULT_OK = "ok"
VAR_SOURCE = "SAUTI_SOURCE"       # phone | radio | callback (set by the dialplan)
VAR_STATION = "SAUTI_STATION"     # radio station identity (set on the radio endpoint)
VAR_LANGUAGE = "SAUTI_LANGUAGE"   # language chosen so far, so agi_fail can keep it
VAR_CALLBACK = "SAUTI_CALLBACK"   # the call-back's id, set by the dialler on the call it places
VAR_COMPLAINT = "SAUTI_COMPLAINT"  # set once a call reaches the complaints: never the failure path's recording
VAR_RESPONDER_CALL = "SAUTI_RESPONDER_CALL"  # the responder call's id, on a call to a responder
VAR_DELIVERY = "SAUTI_DELIVERY"   # the broadcast delivery's id, on a call to a focal point
VAR_DUTY_CALL = "SAUTI_DUTY_CALL"  # the duty call's id, on a call to a verifier on duty

# Where the failure path records: <data>/spool/failed/<UNIQUEID>.wav plus
# <UNIQUEID>.meta (key=value lines: source, station, caller, channel, language,
# started; `ended=<epoch>` is appended when the call is over).
SPOOL_FAILED = "failed"
# Where the beep line notes a beep the IVR could not take: <data>/spool/beeps/<UNIQUEID>.meta
# (caller, channel, started); the IVR queues its call-back and deletes the file.
SPOOL_BEEPS = "beeps"
END_DETECTOR_SUFFIX = ".end"  # <UNIQUEID>.end.wav: the failure path's Record() that only detects the end
# The language menu's listening windows (RECORD FILE, <data>/spool/menu-windows/): the
# caller's voice, deleted as soon as the IVR has looked for speech in it.
SPOOL_MENU_WINDOWS = "menu-windows"
# Continuous voice that counts as a caller's first word (WaitForNoise), in the IVR and the failure path.
FIRST_WORD_NOISE_MS = 250

# Local SIP endpoints.
TEST_PHONE_PREFIX = "test-phone-"  # test-phone-1 .. test-phone-N
RADIO_PREFIX = "radio-"            # radio-<station>


# Trunks added with `sauti trunk` (pbx/trunks.py): <data>/trunks/<name>.pjsip.conf and
# <name>.extensions.conf. The dialler dials out only when there is a trunk to dial through.
TRUNKS_DIR = "trunks"
TRUNK_PJSIP_SUFFIX = ".pjsip.conf"


def trunk_names(data_dir) -> list[str]:
    from pathlib import Path

    folder = Path(data_dir) / TRUNKS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(TRUNK_PJSIP_SUFFIX)] for p in folder.glob(f"*{TRUNK_PJSIP_SUFFIX}"))
