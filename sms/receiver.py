"""The SMS receiver: an HTTP server on loopback that smsbox calls, with the shared secret
(`secrets.sms_password(config, "receiver")`) in each URL.

    POST /kannel/inbound   an inbound SMS (sms/inbound.py): filed as an alert, then receipted
    GET  /kannel/dlr       a delivery report for a message the line sent (sms/outbound.py)

A request without the secret gets 403 and changes nothing. smsbox retries a request that
fails, so an error filing a message answers 500 (logged) and the message comes again.

Every SMS the line sends (receipts, verifiers' questions, acknowledgements, responders'
escalations) is queued in the store first, then handed to smsbox by one outbox thread, in
order, so smsbox never waits on itself and a message queued by the console, the dialler or
before a restart still goes. Each thread
has its own Store.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core import secrets, sms_links, sms_texts
from core.config import Config
from core.contacts import ContactCipher, ContactError
from core.directory import NumberSeal
from core.lexicon import Lexicons
from core import identity
from core.model import FLAG_SMS_BINARY, FLAG_SMS_EMPTY, FLAG_SMS_FLOOD, Source
from core.store import Store

from . import commands, inbound, outbound

log = logging.getLogger("sauti.sms")

OUTBOX_POLL_SECONDS = 1.0     # how soon a question typed in the console goes out
OUTBOX_BATCH = 50
ACKNOWLEDGEMENT_POLL_SECONDS = 5.0
MAX_BODY = 64 * 1024       # a 10,000-character UCS-2 message is 20 kB
NO_RECEIPT_FLAGS = {FLAG_SMS_EMPTY, FLAG_SMS_BINARY, FLAG_SMS_FLOOD}
# bearerbox hands on the parts of an incomplete long SMS one after another in one pass
# (bb_smscconn.c, clear_old_concat_parts): parts of one message within this are one alert.
PART_GRACE_SECONDS = 2.0


class Parts:
    """Gathers the parts of one incomplete long SMS into one alert. The first part's request
    files them all after PART_GRACE_SECONDS; every part's request answers smsbox only once
    the alert is filed (or failed, and smsbox sends the parts again)."""

    def __init__(self, file):
        self._file = file
        self._lock = threading.Lock()
        self._groups: dict = {}

    def take(self, message: inbound.Inbound) -> dict:
        key = (message.sender, message.to, message.smsc, message.part[0], message.part[1])
        with self._lock:
            group = self._groups.get(key)
            first = group is None
            if first:
                group = self._groups[key] = {"parts": [], "done": threading.Event(), "alert": None}
            group["parts"].append(message)
        if first:
            time.sleep(PART_GRACE_SECONDS)
            with self._lock:
                del self._groups[key]
            try:
                group["alert"] = self._file(inbound.join_parts(group["parts"]))
            finally:
                group["done"].set()
        elif not group["done"].wait(PART_GRACE_SECONDS + 30):
            raise TimeoutError("the first part's request did not file the message")
        if group["alert"] is None:
            raise RuntimeError("the message these parts belong to was not filed")
        return group["alert"]


class Receiver:
    """What every request needs, read once: configuration, keys, lexicons, texts."""

    def __init__(self, config: Config):
        self.config = config
        self.secret = secrets.sms_password(config, "receiver")
        self.cipher = ContactCipher.from_config(config)
        self.seal = NumberSeal.from_config(config)
        self.pseudonym_key = secrets.pseudonym_key(config)
        self.lexicons = Lexicons(config.data_dir / "lexicons")
        self.texts = sms_texts.load_texts()
        self.outbox_waiting = threading.Event()   # set when a message is queued: hand it on now
        self.gateway_down = False
        self.limited = False
        self._local = threading.local()
        self.parts = Parts(self._file)

    def store(self) -> Store:
        if not hasattr(self._local, "store"):
            self._local.store = Store.open(self.config.db_path, migrate=False,
                                           reference_digits=self.config.ivr.reference_digits)
        return self._local.store

    def authorised(self, query: dict) -> bool:
        given = query.get("secret", [""])[0]
        return hmac.compare_digest(given.encode(), self.secret.encode())

    def take(self, message: inbound.Inbound) -> dict:
        return self.parts.take(message) if message.part else self._file(message)

    def _file(self, message: inbound.Inbound) -> dict:
        request = commands.kind(message.text, self.config) if message.text else None
        if request is not None:
            self.handle_request(request, message)
            return {}
        store = self.store()
        responder = self.directory_entry_of(message.sender, "responder")
        if responder is not None:   # a responder answering an escalation: not an alert
            confirms, reference = commands.confirmation(message.text)
            taken = store.take_responder_sms(responder, message.text, reference, confirms, line=message.to or None,
                                             smsc=message.smsc or None)
            log.info("SMS from responder %d: %s", responder.id,
                     f"confirms alert {taken['reference']}" if taken["confirmed"] else
                     f"kept on alert {taken['reference']}" if taken["alert_id"] else "kept, no escalation texted them")
            return {}
        focal_point = self.directory_entry_of(message.sender, "focal_point")
        broadcast = (store.broadcast_awaiting_sms_reply(focal_point.id, self.config.sms.reply_hours)
                     if focal_point else None)
        alert = inbound.file(store, self.config, self.cipher, self.pseudonym_key, self.lexicons, message)
        if alert.get("threaded"):   # a reply to a question: it joins that alert, with no receipt
            return alert
        if broadcast is not None:   # a focal point's reply to a voice alert by SMS
            store.link_sms_reply(broadcast["id"], alert["id"])
            log.info("alert %s: a reply to voice alert %d", alert["reference"], broadcast["broadcast_id"])
        pseudonym = alert["caller_pseudonym"]
        if pseudonym and not (set(alert["flags"]) & NO_RECEIPT_FLAGS):
            if store.sms_stopped(pseudonym):
                log.info("no receipt for alert %s: its sender sent STOP", alert["reference"])
            else:
                text = sms_texts.words(self.texts, sms_texts.RECEIPT, alert["language"],
                                       self.config.ivr.default_language, reference=alert["reference"])
                store.queue_sms(alert["id"], "receipt", text)
                self.outbox_waiting.set()
        return alert

    def handle_request(self, request: str, message: inbound.Inbound) -> None:
        """STOP / START, audited; a "please call me" queues a call-back as a beep does (same limits)."""
        store = self.store()
        number = identity.normalise_number(message.sender)
        pseudonym = identity.pseudonym(self.pseudonym_key, number)
        if pseudonym is None:
            log.warning("an SMS %s without a sender number: ignored", request)
            return
        if request in (commands.STOP, commands.START):
            changed = store.set_sms_stopped(pseudonym, request == commands.STOP)
            log.info("SMS %s from a sender%s", request.upper(), "" if changed else " (no change)")
            return
        policy = self.config.dialler
        with store.transaction():
            call_id = store.create_call(Source.SMS, caller_pseudonym=pseudonym)
            store.end_call(call_id)
            _, outcome = store.request_callback(
                call_id, pseudonym, self.cipher.seal(number, pseudonym), delay_seconds=policy.callback_delay_seconds,
                keep_hours=policy.contact_keep_hours, per_caller_limit=policy.per_caller_limit,
                window_hours=policy.per_caller_window_hours)
        log.info("please-call-me SMS (call %d): call-back %s", call_id, outcome)

    def pseudonymise_directory(self) -> None:
        """Give each directory entry the pseudonym of its number (new entries, changed numbers)."""
        store = self.store()
        found = {}
        for entry in store.directory_to_pseudonymise():
            try:
                found[entry["id"]] = identity.pseudonym(self.pseudonym_key, self.seal.open(*entry["sealed"]))
            except ContactError:
                log.warning("directory entry %d: the number does not open with this installation's key", entry["id"])
        if found:
            store.set_directory_pseudonyms(found)

    def directory_entry_of(self, sender: str, kind: str):
        """The responder or focal point whose number sent this, or None."""
        pseudonym = identity.pseudonym(self.pseudonym_key, identity.normalise_number(sender))
        if pseudonym is None:
            return None
        self.pseudonymise_directory()
        return self.store().directory_entry_by_pseudonym(pseudonym, kind=kind)

    def number_of(self, message: dict) -> str | None:
        """The number an outgoing SMS goes to: a directory entry's, or the sender's while kept."""
        store = self.store()
        if message["entry_id"]:
            sealed = store.sealed_number(message["entry_id"])
            return identity.normalise_number(self.seal.open(*sealed)) if sealed else None
        sealed = store.sms_contact(message["pseudonym"])
        return identity.normalise_number(self.cipher.open(sealed, message["pseudonym"])) if sealed else None

    def hand_on(self, message: dict) -> bool | None:
        """Give one queued SMS to smsbox, or record why it cannot go (True). False: the gateway
        is down or the hourly limit reached, and the message stays queued (it goes later, once).
        None: its recipient is past their own hourly limit; theirs wait, the others go."""
        store = self.store()
        if store.sms_handed_since(3600) >= self.config.sms.out_per_hour:
            if not self.limited:
                log.warning("[sms] out_per_hour reached: outgoing SMS wait in the outbox")
            self.limited = True
            return False
        self.limited = False
        if store.sms_handed_since(3600, message) >= self.config.sms.out_per_recipient_per_hour:
            return None
        pseudonym = message["pseudonym"]
        if pseudonym and store.sms_stopped(pseudonym):
            store.sms_handed(message["id"], "failed", "the sender sent STOP")
            return True
        try:
            number = self.number_of(message)
            if number is None:
                store.sms_handed(message["id"], "failed", "the directory entry was removed" if message["entry_id"]
                                 else "the sender's number is no longer kept")
                return True
            line = message["line"] or (store.latest_sms_line() if message["entry_id"] else None)
            if not (line or self.config.sms.sender):
                store.sms_handed(message["id"], "failed", "no sender number: set [sms] sender (the line's short code)")
                return True
            outbound.send(self.config, number, message["text"], message["id"], sender=line or "",
                          smsc=message["smsc"] or "")
        except outbound.GatewayDown as exc:
            if not self.gateway_down:
                log.warning("SMS gateway down (%s): outgoing SMS wait in the outbox", exc)
            self.gateway_down = True
            return False
        except (outbound.SendError, ContactError) as exc:
            log.error("SMS %d (%s) not sent: %s", message["id"], message["kind"], exc)
            store.sms_handed(message["id"], "failed", str(exc))
            return True
        if self.gateway_down:
            log.info("SMS gateway back: the outbox is being sent")
        self.gateway_down = False
        store.sms_handed(message["id"])
        return True

    def queue_acknowledgements(self) -> int:
        """Tell each sender whose SMS alert has been handled, and each caller who chose to hear
        back by SMS, once."""
        store = self.store()
        due = store.sms_acknowledgements_due(self.config.sms.contact_keep_hours)
        for alert in due:
            store.queue_sms(alert["id"], "acknowledgement", self.acknowledgement_text(alert))
        requested = store.sms_acknowledgement_requests_due()
        for request in requested:
            store.queue_requested_sms_acknowledgement(request, self.acknowledgement_text(request))
        return len(due) + len(requested)

    def acknowledgement_text(self, alert: dict) -> str:
        return sms_texts.words(self.texts, sms_texts.ACKNOWLEDGEMENT, alert["language"],
                               self.config.ivr.default_language, reference=alert["reference"])

    def outbox_loop(self, stopping: threading.Event) -> None:
        last_acknowledgements = 0.0
        while not stopping.is_set():
            self.outbox_waiting.wait(OUTBOX_POLL_SECONDS)
            self.outbox_waiting.clear()
            try:
                if time.monotonic() - last_acknowledgements >= ACKNOWLEDGEMENT_POLL_SECONDS:
                    last_acknowledgements = time.monotonic()
                    self.queue_acknowledgements()
                    failed = self.store().fail_undelivered_sms(self.config.sms.delivery_timeout_minutes)
                    if failed:
                        log.warning("%d SMS not delivered within [sms] delivery_timeout_minutes: failed", failed)
                self.pseudonymise_directory()   # so STOP from a responder's number holds for their SMS
                batch = self.store().sms_outbox(OUTBOX_BATCH)
                done = 0
                for message in batch:
                    if stopping.is_set():
                        return
                    outcome = self.hand_on(message)
                    if outcome is False:
                        break   # the gateway is down or the hour is full: try again on the next pass
                    done += outcome is True
                else:
                    if len(batch) == OUTBOX_BATCH and done:
                        self.outbox_waiting.set()   # more are waiting: no pause before the next batch
            except Exception:   # the store or smsbox failed this pass: the messages wait for the next
                log.exception("the SMS outbox could not hand messages on")
                stopping.wait(OUTBOX_POLL_SECONDS)

    def delivery_report(self, query: dict) -> int:
        try:
            message_id = int(query["id"][0])
            status = int(query["status"][0])
            state = outbound.dlr_state(status, query.get("text", [""])[0])
        except (KeyError, ValueError, IndexError):
            log.warning("delivery report without a message id or status: ignored")
            return 400
        detail = query.get("text", [""])[0][:200] or None
        if not self.store().record_delivery_report(message_id, status, state, detail):
            log.warning("delivery report for unknown message %s: ignored", message_id)
            return 404
        return 200


def handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        server_version = "sauti-sms"

        def log_message(self, format, *args):   # the URL holds the secret: no access log
            pass

        def _answer(self, code: int) -> None:
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _query(self, path: str) -> dict | None:
            url = urllib.parse.urlsplit(self.path)
            if url.path != path:
                self._answer(404)
                return None
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if not receiver.authorised(query):
                log.warning("request to %s without the shared secret: refused", path)
                self._answer(403)
                return None
            return query

        def do_POST(self):
            if self._query(sms_links.RECEIVER_INBOUND) is None:
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                log.warning("inbound SMS of %d bytes refused (over %d)", length, MAX_BODY)
                self._answer(413)
                return
            body = self.rfile.read(length)
            try:
                receiver.take(inbound.parse(self.headers, body))
            except Exception:
                log.exception("inbound SMS not filed (smsbox will send it again)")
                self._answer(500)
                return
            self._answer(200)

        def do_GET(self):
            query = self._query(sms_links.RECEIVER_DLR)
            if query is not None:
                self._answer(receiver.delivery_report(query))

    return Handler


def serve(config: Config, stopping: threading.Event, ready=None) -> None:
    """Run the receiver until `stopping` is set."""
    receiver = Receiver(config)
    server = ThreadingHTTPServer((config.sms.bind, config.sms.receiver_port), handler(receiver))
    server.daemon_threads = True
    sender = threading.Thread(target=receiver.outbox_loop, args=(stopping,), name="outbox", daemon=True)
    sender.start()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True)
    serving.start()
    log.info("SMS receiver listening on %s:%d", config.sms.bind, config.sms.receiver_port)
    if ready is not None:
        ready.set()
    stopping.wait()
    server.shutdown()
    server.server_close()
    sender.join(timeout=5)
