"""The [sms] section of core/config.py: the Kannel gateway and the SMS receiver (smsgw/, sms/)."""

from __future__ import annotations

from dataclasses import dataclass

from .config_values import setting


@dataclass(frozen=True)
class SmsConfig:
    bind: str = setting("127.0.0.1", "Address Kannel's boxes (admin, smsbox link, sendsms) and Sauti's SMS receiver listen on.")
    admin_port: int = setting(13000, "Kannel bearerbox's admin and status HTTP port.")
    smsbox_port: int = setting(13001, "Port bearerbox offers its smsbox.")
    sendsms_port: int = setting(13013, "Kannel smsbox's sendsms HTTP port: Sauti sends receipts through it.")
    receiver_port: int = setting(13080, "Sauti's SMS receiver (`sauti sms receive`): smsbox posts each inbound SMS here.")
    test_smsc_port: int = setting(
        0, "A test SMS centre on loopback at this port, which Kannel's fakesmsc connects to as the operator "
        "(drills and the test suite); 0: none.")
    concatenation_wait_seconds: int = setting(
        300, "How long Kannel waits for the missing part of a long SMS before handing on the parts that came; "
        "Sauti files them as one alert, flagged incomplete.")
    sender: str = setting("", "The sender of outgoing SMS (the short code or the modem's number); empty: the operator's default.")
    per_sender_per_hour: int = setting(
        10, "SMS one sender can file in an hour with a receipt; past it each is still filed, flagged, with no receipt.")
    global_per_hour: int = setting(
        2000, "SMS all senders together can file in an hour with a receipt; past it likewise filed, flagged, "
        "no receipt (the line cannot be used to send SMS to someone).")
    stop_words: list = setting(
        ["stop", "acha", "simamisha", "tika", "kotika", "arret", "arreter", "stoppe"],
        "A message of one of these words alone (case and accents ignored) stops every SMS to its sender (audited).")
    start_words: list = setting(
        ["start", "anza", "banda", "reprendre"], "A message of one of these words alone lets SMS go to its sender again.")
    call_me_patterns: list = setting(
        ["please call me", "call me back", "nipigie", "bianga ngai", "benga ngai", "rappelle[rz]? ?moi",
         "appelle[rz]? ?moi"],
        "Regular expressions (on the text without case or accents) of a \"please call me\" SMS, which the networks "
        "send for free: it queues a call-back as a beep on extension 300 does, through the same limits.")
    contact_keep_hours: int = setting(
        72, "A sender's sealed number is kept this long after their last SMS, for receipts and replies, then deleted.")
    reply_hours: int = setting(
        24, "A sender's reply to a verifier's question within this many hours threads into the question's alert; "
        "a later reply is filed as a new alert that follows the old one.")
    responder_confirm_seconds: int = setting(
        300, "On escalation the responders who take SMS are texted first; with no reply of 1 within this many "
        "seconds the dialler calls the responders who take calls, in their order. 0: no SMS, calls at once.")
    delivery_timeout_minutes: int = setting(
        60, "An outgoing SMS with no delivery report saying delivered this many minutes after it was queued "
        "(the gateway down, the phone off) is marked failed and not sent any more; for a responder's, the calls "
        "begin at once.")
    out_per_hour: int = setting(
        3000, "SMS the line hands to the gateway in any hour, all recipients together; past it the rest wait "
        "in the outbox, in order (a broadcast to thousands goes out over hours rather than at once).")
    out_per_recipient_per_hour: int = setting(
        10, "SMS one recipient (a sender, a responder, a focal point) gets in any hour; past it theirs wait.")
    focal_point_hours: str = setting(
        "", "Hours, in [site] timezone, when SMS to focal points (voice alerts by SMS) go out (HH:MM-HH:MM; may "
        "wrap midnight): one sent outside them waits for the next start. Empty: any hour. Responders are texted "
        "at any hour.")
