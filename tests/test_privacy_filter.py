"""Asterisk's log lines through Sauti's filter (pbx/logfilter.py). The stream below is what
Asterisk 22.10 wrote to its file channel for a rejected caller, a failed dial and a notice,
in the rendered dateformat (its last word the tag)."""

from pathlib import Path

from pbx.logfilter import MESSAGES_LOG, SECURITY_LOG, Messages, date_format, make_fifo, read_tag, route

TAG = "c293ae90a31af23d"
ACCOUNTS = frozenset({"<unknown>", "test-phone-1"})
HEADER = (f"[2026-11-26 07:17:16.510+0000 {TAG}] Asterisk 22.10.1+dfsg+~cs6.17.60671434-1 built by nobody @ "
          "buildd.debian.org on a unknown running Linux on 2026-07-20 21:35:32 UTC\n")
INVALID_ACCOUNT = (
    f'[2026-11-26 07:17:16.696+0000 {TAG}] SECURITY[19897] res_security_log.c: SecurityEvent="InvalidAccountID",'
    'EventTV="2026-11-26T07:17:16.696+0000",Severity="Error",Service="PJSIP",EventVersion="1",'
    'AccountID="+243810000779",SessionID="ZQACFVnNoRbj7lEJD0J5tG1Lh3ajC4sZ",'
    'LocalAddress="IPV4/UDP/127.0.0.1/5260",RemoteAddress="IPV4/UDP/127.0.0.1/45078"\n')
WRONG_PASSWORD = INVALID_ACCOUNT.replace("InvalidAccountID", "ChallengeResponseFailed").replace(
    "+243810000779", "test-phone-1")
DIAL_ERROR = (f"[2026-11-26 07:17:08.654+0000 {TAG}] ERROR[19882][C-0000000a] chan_pjsip.c: Unable to create "
              "PJSIP channel - endpoint '+243810000778' was not found\n")
NOTICE = (f"[2026-11-26 07:17:16.696+0000 {TAG}] NOTICE[19882] res_pjsip/pjsip_distributor.c: Request 'INVITE' "
          "from '\"+243810000779\" <sip:+243810000779@127.0.0.1>' failed for '127.0.0.1:45078' (callid: "
          "ZQACFVnNoRbj7lEJD0J5tG1Lh3ajC4sZ) - No matching endpoint found\n")


def filtered(stream: str, chunk: int | None = None) -> list[tuple[str, str]]:
    """What the filter writes for `stream`, read in pieces of `chunk` characters as a pipe may give them."""
    messages = Messages(TAG)
    size = chunk or len(stream) or 1
    whole = [m for start in range(0, len(stream), size) for m in messages.feed(stream[start:start + size])]
    whole += messages.flush()
    return [routed for routed in (route(date, body, ACCOUNTS) for date, body in whole) if routed]


def test_a_rejected_caller_keeps_its_source_address_but_not_its_claimed_number():
    ((name, line),) = filtered(HEADER + INVALID_ACCOUNT)
    assert name == SECURITY_LOG
    assert line.startswith('[2026-11-26 07:17:16.696+0000] SecurityEvent="InvalidAccountID"')
    assert 'AccountID="<unknown>"' in line and "810000779" not in line
    assert 'RemoteAddress="IPV4/UDP/127.0.0.1/45078"' in line


def test_an_attack_on_one_of_the_line_s_own_accounts_names_it():
    assert 'AccountID="test-phone-1"' in filtered(WRONG_PASSWORD)[0][1]


def test_errors_keep_their_text_and_call_id_with_numbers_masked():
    ((name, line),) = filtered(DIAL_ERROR)
    assert name == MESSAGES_LOG
    assert line.startswith("[2026-11-26 07:17:08.654+0000] ERROR[19882][C-0000000a] chan_pjsip.c: Unable to create")
    assert "was not found" in line and "810000778" not in line


def test_a_stream_cut_anywhere_gives_the_same_lines():
    stream = HEADER + NOTICE + INVALID_ACCOUNT + DIAL_ERROR + WRONG_PASSWORD
    expected = filtered(stream)
    assert [name for name, _ in expected] == [SECURITY_LOG, MESSAGES_LOG, SECURITY_LOG]
    for chunk in (1, 7, 100, 4096):
        assert filtered(stream, chunk) == expected


def test_a_message_over_several_lines_is_one_line_masked_as_a_whole():
    multi = DIAL_ERROR.replace("was not found", "was not found\ndialled from +243\n810000111")
    ((name, line),) = filtered(multi)
    assert name == MESSAGES_LOG and "\n" not in line and "dialled from" in line
    assert "810000111" not in line and "810000778" not in line


def test_text_inside_a_message_cannot_pose_as_a_message_without_the_tag():
    forged = DIAL_ERROR.replace("ERROR", "WARNING").replace(
        "was not found", "x\n[2026-11-26 07:17:08.654+0000 guessed] SECURITY[1] res_security_log.c: "
                         'SecurityEvent="Forged",RemoteAddress="IPV4/UDP/10.9.9.9/5060"')
    ((name, line),) = filtered(forged)
    assert name == MESSAGES_LOG and "\n" not in line and 'SecurityEvent="Forged"' in line


def test_a_message_is_whole_only_once_its_last_line_is():
    messages = Messages(TAG)
    assert messages.feed(DIAL_ERROR[:50]) == [] and messages.flush() == []
    assert messages.feed(DIAL_ERROR[50:]) == []
    (whole,) = messages.flush()
    assert route(*whole, ACCOUNTS)[0] == MESSAGES_LOG
    assert messages.flush() == []


def test_the_tail_of_a_message_whose_start_was_missed_is_dropped():
    # A new filter may start reading in the middle of a message (after the last one died).
    assert filtered(DIAL_ERROR[40:] + INVALID_ACCOUNT) == filtered(INVALID_ACCOUNT)


def test_notices_the_open_banner_and_garbage_reach_no_file():
    assert filtered(HEADER + NOTICE) == []
    assert filtered("") == []
    assert filtered("hello\n<13>Nov 26 04:09:02 someone[1]: hello\n") == []
    assert filtered(f"[2026-11-26 07:17:16.696+0000 {TAG}] DEBUG[1] x.c: +243810000779\n") == []


def test_the_tag_is_read_back_from_the_rendered_dateformat(tmp_path):
    conf = tmp_path / "logger.conf"
    conf.write_text(f"[general]\ndateformat = {date_format(TAG)}\nrotatestrategy = none\n")
    assert read_tag(conf) == TAG


def test_the_fifo_replaces_whatever_was_at_its_path(tmp_path):
    # A plain file there would be Asterisk's own, written unfiltered while the FIFO was missing.
    path = Path(tmp_path / "log.fifo")
    path.write_text("[...] SECURITY[1] x.c: AccountID=\"+243810000779\"\n")
    path.chmod(0o644)
    make_fifo(path)
    assert path.is_fifo() and oct(path.stat().st_mode & 0o777) == "0o600"
    make_fifo(path)  # an existing FIFO is kept
    assert path.is_fifo()
