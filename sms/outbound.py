"""SMS the line sends back, through smsbox's sendsms interface, each with a delivery-report
URL, so its state follows the operator's reports (queued, sent, delivered, failed, expired).

Kannel's delivery report bits: 1 delivered to the phone, 2 failed at the phone, 4 queued
at the operator, 8 accepted by the operator, 16 rejected by the operator. A report whose
text says EXPIRED (an SMPP receipt's `stat:EXPIRED`) means the phone never came back
within the message's validity.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request

from core import secrets, sms_links, sms_texts
from core.config import Config

log = logging.getLogger("sauti.sms")

DLR_MASK = 31               # every report: delivered, failed, queued, accepted, rejected
DLR_STATES = {1: "delivered", 2: "failed", 4: "queued", 8: "sent", 16: "failed"}
SENDSMS_TIMEOUT = 10.0


class SendError(Exception):
    """smsbox refused the message or could not be reached; the text says which."""


class GatewayDown(SendError):
    """smsbox could not be reached: the message waits in Sauti's outbox for the gateway."""


def dlr_state(status: int, text: str) -> str:
    if "EXPIRED" in text.upper():
        return "expired"
    for bit in (1, 2, 16, 8, 4):   # a report with several bits: the most final one
        if status & bit:
            return DLR_STATES[bit]
    raise ValueError(f"unknown delivery report status {status}")


def dlr_url(config: Config, message_id: int) -> str:
    """Kannel fills %d (the status bits) and %A (the report's text) when it calls back."""
    return f"{sms_links.receiver_url(config, sms_links.RECEIVER_DLR)}&id={message_id}&status=%d&text=%A"


def send(config: Config, number: str, text: str, message_id: int, sender: str = "", smsc: str = "") -> None:
    """Hand one SMS to smsbox; raises SendError if it is refused, GatewayDown if smsbox is not there."""
    params = {
        "username": sms_links.SENDSMS_USER,
        "password": secrets.sms_password(config, "sendsms"),
        "to": number,
        "text": text,
        "charset": "UTF-8",
        "dlr-mask": str(DLR_MASK),
        "dlr-url": dlr_url(config, message_id),
    }
    if not sms_texts.is_gsm(text):
        params["coding"] = "2"
    if config.sms.sender or sender:
        params["from"] = config.sms.sender or sender
    if smsc:
        params["smsc"] = smsc
    url = sms_links.sendsms_url(config) + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=SENDSMS_TIMEOUT) as answer:
            reply = answer.read().decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        raise SendError(f"smsbox refused it: {exc.code} {exc.read().decode('utf-8', 'replace').strip()}") from None
    except OSError as exc:
        raise GatewayDown(f"smsbox unreachable: {exc}") from None
    if not reply.startswith(("0:", "3:")):   # accepted, or queued for later delivery
        raise SendError(f"smsbox refused it: {reply}")
