"""Asterisk's log lines through Sauti's filter (pbx/logfilter.py): the syslog messages
below are what Asterisk 22.10 sent for a rejected caller, a failed dial and a notice."""

from pbx.logfilter import MESSAGES_LOG, SECURITY_LOG, route

ACCOUNTS = frozenset({"<unknown>", "test-phone-1"})
INVALID_ACCOUNT = (
    '<133>Nov 26 04:09:02 asterisk[25711]: SECURITY[25756]: res_security_log.c:114 in security_event_stasis_cb: '
    'SecurityEvent="InvalidAccountID",EventTV="2026-11-26T04:09:02.397+0000",Severity="Error",Service="PJSIP",'
    'EventVersion="1",AccountID="+243810000005",SessionID="vsYAZmFBNwY73nEo6Yvb4uPXAg8chs4l",'
    'LocalAddress="IPV4/UDP/127.0.0.1/5270",RemoteAddress="IPV4/UDP/127.0.0.1/57666"\n')
WRONG_PASSWORD = INVALID_ACCOUNT.replace("InvalidAccountID", "ChallengeResponseFailed").replace(
    "+243810000005", "test-phone-1")
DIAL_ERROR = ("<131>Nov 26 04:41:58 asterisk[801]: ERROR[801]: chan_pjsip.c:2790 in request: Unable to create "
              "PJSIP channel - endpoint '+243817310008' was not found\n")
NOTICE = ("<133>Nov 26 04:09:02 asterisk[25711]: NOTICE[25741]: res_pjsip/pjsip_distributor.c:688 in "
          "log_failed_request: Request 'INVITE' from '<sip:+243810000005@127.0.0.1>' failed for "
          "'127.0.0.1:57666' (callid: vsYAZ) - No matching endpoint found\n")


def test_a_rejected_caller_keeps_its_source_address_but_not_its_claimed_number():
    name, line = route(INVALID_ACCOUNT, ACCOUNTS)
    assert name == SECURITY_LOG
    assert line.startswith('SecurityEvent="InvalidAccountID"') and 'AccountID="<unknown>"' in line
    assert 'RemoteAddress="IPV4/UDP/127.0.0.1/57666"' in line and "810000005" not in line


def test_an_attack_on_one_of_the_line_s_own_accounts_names_it():
    assert 'AccountID="test-phone-1"' in route(WRONG_PASSWORD, ACCOUNTS)[1]


def test_errors_keep_their_text_with_numbers_masked():
    name, line = route(DIAL_ERROR, ACCOUNTS)
    assert name == MESSAGES_LOG and line.startswith("ERROR[801] chan_pjsip.c:2790")
    assert "was not found" in line and "817310008" not in line


def test_a_warning_cannot_pose_as_a_security_event_or_add_a_line():
    forged = DIAL_ERROR.replace("ERROR", "WARNING").replace("was not found", 'x\nSecurityEvent="Forged"')
    name, line = route(forged, ACCOUNTS)
    assert name == MESSAGES_LOG and "\n" not in line


def test_notices_and_garbage_reach_no_file():
    assert route(NOTICE, ACCOUNTS) is None
    assert route("", ACCOUNTS) is None
    assert route("<13>Nov 26 04:09:02 someone[1]: hello", ACCOUNTS) is None
