"""The alert model: the vocabulary every service shares."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    PHONE = "phone"          # toll-free line
    RADIO = "radio"          # HF radio relayed by an operator through a radio patch
    CALLBACK = "callback"    # the line called a "beeper" back
    FAILOVER = "failover"    # recorded by the dialplan's failure path while the IVR was down
    BEEP = "beep"            # a missed call on the beep line: the caller expects a call back
    COMMITTEE = "committee"  # a Local Protection Committee's focal point, after its PIN (core/committees.py)
    BROADCAST = "broadcast"  # a focal point's spoken reply to a voice alert the line sent
    SMS = "sms"              # a text message through the SMS gateway (sms/, smsgw/)


class Status(StrEnum):
    NEW = "new"
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    FALSE = "false"
    DUPLICATE = "duplicate"
    ESCALATED = "escalated"



class TranscriptState(StrEnum):
    PENDING = "pending"      # job queued or running
    DONE = "done"
    NO_MODEL = "no_model"    # no model for the language: listen to the recording
    FAILED = "failed"        # parked after repeated failures; error kept on the alert


# The atrocity-risk indicator taxonomy shared by tags and keyword lexicons.
CATEGORIES = {
    "attack": {"en": "Attack / killing", "fr": "Attaque / meurtre"},
    "abduction": {"en": "Abduction", "fr": "Enlèvement"},
    "sexual_violence": {"en": "Sexual violence", "fr": "Violences sexuelles"},
    "burning_looting": {"en": "Burning / looting", "fr": "Incendie / pillage"},
    "armed_movement": {"en": "Armed group movement", "fr": "Mouvement de groupe armé"},
    "displacement": {"en": "Displacement", "fr": "Déplacement"},
    "threats_hate": {"en": "Threats / hate speech", "fr": "Menaces / discours de haine"},
    "land_livestock": {"en": "Land or livestock dispute", "fr": "Conflit foncier ou de bétail"},
    "other": {"en": "Other", "fr": "Autre"},
}

# The languages callers speak (alerts and prompts), not the console's own.
ALERT_LANGUAGES = {"sw": "Kiswahili", "ln": "Lingala", "fr": "Français"}

# Flags an alert can carry, shown to verifiers.
FLAG_SILENT = "silent"             # no speech detected in the recording
FLAG_PARTIAL = "partial"           # caller hung up before finishing
FLAG_LANGUAGE_INFERRED = "language_inferred"
FLAG_FAILOVER = "failover"         # recorded by the failure path while the IVR was down
FLAG_SMS_EMPTY = "sms_empty"       # an SMS with no words: empty, spaces or punctuation only
FLAG_SMS_BINARY = "sms_binary"     # an 8-bit (binary) SMS: no text to read
FLAG_SMS_BAD_TEXT = "sms_bad_text"  # text that did not decode in its character set (kept with replacements)
FLAG_SMS_TOO_LONG = "sms_too_long"  # longer than the receiver keeps: the rest was cut
FLAG_SMS_INCOMPLETE = "sms_incomplete"  # a long SMS missing a part, filed after the wait with what came
FLAG_SMS_FLOOD = "sms_flood"       # over the per-sender or global limit: filed, no receipt sent
