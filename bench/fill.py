"""Fill a Sauti database with years of alerts, fast: rows written with executemany straight
into the store's own tables, after the store's own migrations (so triggers, indexes and
constraints are the real ones, and the transcripts' full-text index fills as it does live).

    .venv/bin/python bench/fill.py DB --alerts 1000000

A million alerts take a few minutes (the store's API, one transaction an alert, would take
hours). What an alert leaves is what the line leaves: its call, recording, two jobs, an ASR
transcript with words to search, keywords and a priority, the audit of its filing and of
its decision (first listen, status), tags, and for some a verifier's correction, a note, a
duplicate link, an incident, responses, a call-back, a committee report, an SMS. Beside
them: committees, the directory, surveys and their answers, calls in progress. Alerts are
spread over the last `--days` days, oldest first, in the proportions below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.directory import Entry  # noqa: E402
from core.identity import damm_check_digit, reference_digits  # noqa: E402
from core.model import CATEGORIES  # noqa: E402
from core.store import CLOSED_STATUSES, Store  # noqa: E402
from core.store._time import as_text  # noqa: E402

VOCABULARY = (
    "watu wenye bunduki wamechoma nyumba kijiji soko barabara asubuhi usiku jana leo kesho wanajeshi "
    "waasi wamewateka wanawake watoto ng'ombe shamba mpaka mto mlima kanisa shule hospitali wamekimbia "
    "hofu risasi moto mapanga vitisho ardhi mifugo bei chakula maji "
    "les miliciens ont brûlé le marché village hommes armés enlevé femmes enfants vaches champ conflit "
    "déplacés fuite tirs nuit matin route école église menaces attaque pillage "
    "bato ya mandoki batumbaki ndako zando mboka basoda bana basi ngombe elanga"
).split()
LOCALITIES = [f"Loc-{i:02d}" for i in range(60)] + ["Djugu", "Bunia", "Fataki", "Mahagi", "Irumu", "Beni"]
TERMS = {"bunduki": "armed_movement", "wamechoma": "burning_looting", "wamewateka": "abduction",
         "enlevé": "abduction", "brûlé": "burning_looting", "tirs": "attack", "déplacés": "displacement",
         "vitisho": "threats_hate", "ardhi": "land_livestock", "mandoki": "armed_movement"}
LANGUAGES = ("sw", "sw", "sw", "fr", "ln")
DECIDED = ("verified", "verified", "unverified", "false", "duplicate", "escalated")
CLOSED = {status.value for status in CLOSED_STATUSES}
VERIFIERS = [f"verifier{i}" for i in range(12)]
COMMITTEES = 30
DIRECTORY = 400
SURVEY_QUESTIONS = 3
BATCH = 10_000

# Shares of alerts (or of calls) that leave each kind of row.
RADIO = 0.2            # calls from a radio station's patch (several reports a session)
COMMITTEE_CALL = 0.02  # calls from a Local Protection Committee
WAITING_RECENT = 0.6   # of the alerts of the last WAITING_WINDOW, still waiting
WAITING_WINDOW = dt.timedelta(days=3)
WAITING_OLD = 0.002    # older alerts nobody decided
TAGGED = 0.4
CORRECTED = 0.05
NOTED = 0.03
RESPONDED = 0.6        # of escalated alerts
UNREACHED = 0.05       # of the newest escalated alerts: every responder call ended unconfirmed
CALLED_BACK = 0.05
SMS = 0.03
IN_INCIDENT = 0.02
SURVEY_PER_ALERT = 0.05


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


COLUMNS = {
    "calls": ("id", "channel", "uniqueid", "source", "station", "caller_pseudonym", "started_at", "ended_at",
              "committee_id"),
    "alerts": ("id", "reference", "call_id", "segment", "language", "locality", "status", "priority", "keywords",
               "transcript_state", "duplicate_of", "created_at", "updated_at", "purged_at"),
    "recordings": ("alert_id", "path", "format", "duration", "sample_rate", "bytes", "sha256", "created_at"),
    "jobs": ("kind", "alert_id", "status", "attempts", "worker", "created_at", "updated_at"),
    "transcripts": ("id", "alert_id", "text", "words", "model", "language", "confidence", "origin", "author",
                    "created_at"),
    "tags": ("alert_id", "tag", "author", "created_at"),
    "audit_log": ("actor", "action", "entity", "entity_id", "before", "after", "at"),
    "notes": ("alert_id", "author", "text", "created_at"),
    "responses": ("alert_id", "action", "outcome", "note", "recorded_by", "source", "acted_at", "created_at"),
    "callbacks": ("kind", "caller_pseudonym", "alert_id", "language", "state", "attempts", "created_at",
                  "updated_at"),
    "sms_messages": ("direction", "alert_id", "pseudonym", "kind", "language", "text", "parts", "state",
                     "created_at", "updated_at"),
    "survey_responses": ("id", "survey_id", "locality", "day", "complete", "channel"),
    "survey_answers": ("response_id", "question_id", "answer"),
    "responder_calls": ("alert_id", "name", "position", "state", "result", "created_at", "updated_at"),
    "incidents": ("id", "created_by", "created_at", "updated_at"),
    "incident_alerts": ("alert_id", "incident_id"),
}


class Filler:
    def __init__(self, store: Store, rng: random.Random, days: int, total: int, retention_days: int):
        self.store, self.rng = store, rng
        self.end = _now()
        # What the daily purge already took: closed alerts a day past their retention (the last
        # day is left for the benchmark's own purge). 0 keeps everything.
        self.purged_before = self.end - dt.timedelta(days=retention_days + 1) if retention_days > 0 else None
        self.start = self.end - dt.timedelta(days=days)
        self.total = total
        self.references = store.alert_references()
        self.last = {table: store.bulk_last_id(table)
                     for table in ("alerts", "calls", "transcripts", "survey_responses", "incidents")}
        self.first = self.last["alerts"] + 1
        self.committee_ids = self._committees()
        self.survey_id, self.questions = self._survey()
        self._directory()

    def _next(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]

    # -- what an installation sets up once --------------------------------------------

    def _committees(self) -> list[int]:
        have = [c["id"] for c in self.store.committees() if c["name"].startswith("CLP ")]
        if have:
            return have
        return [self.store.save_committee(f"CLP {i:02d}", LOCALITIES[i % len(LOCALITIES)], f"bench-pin-{i}", "bench")
                for i in range(COMMITTEES)]

    def _survey(self) -> tuple[int, list[int]]:
        found = next((s for s in self.store.surveys() if s["name"] == "bench-perception"), None)
        survey_id = found["id"] if found else self.store.create_survey("bench-perception", "bench")
        for position in range(len(self.store.survey_questions(survey_id)) + 1, SURVEY_QUESTIONS + 1):
            self.store.save_survey_question(survey_id, position, 3, {}, "bench")
        return survey_id, [q["id"] for q in self.store.survey_questions(survey_id)]

    def _directory(self) -> None:
        if self.store.directory():
            return
        rng = self.rng
        entries = []
        for i in range(DIRECTORY):
            kind = "responder" if i % 4 == 0 else "focal_point"
            number = f"+24381{rng.randrange(10**7):07d}"
            entries.append(Entry(kind, f"Bench {kind} {i:03d}", tuple(rng.sample(LOCALITIES, rng.randint(1, 3))),
                                 rng.choice(("fr", "sw", "ln")), i % 5 + 1, number=number, number_tail=number[-2:]))
        # Sealed with bytes nobody can open: the bench never dials, and a real key is not needed to list them.
        self.store.import_directory(entries, lambda number, seal_id: rng.randbytes(48), "bench")

    # -- alerts ------------------------------------------------------------------------

    def _reference(self) -> str:
        digits = reference_digits(self.last["alerts"])
        while True:
            body = str(self.rng.randrange(10**digits)).zfill(digits)
            reference = body + damm_check_digit(body)
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _moment(self, n: int) -> dt.datetime:
        """The n-th alert of this fill (0-based) is received at its share of the span."""
        share = (n + self.rng.random()) / self.total
        return self.start + (self.end - self.start) * share

    def batch(self, first: int, count: int) -> None:
        rng = self.rng
        rows = {table: [] for table in COLUMNS}
        call_alerts = 0
        for n in range(first, first + count):
            alert_id = self._next("alerts")
            received = self._moment(n)
            at = as_text(received)
            if call_alerts == 0:   # a new call: a radio session files several reports
                call_id = self._next("calls")
                radio = rng.random() < RADIO
                call_alerts = rng.randint(1, 4) if radio else 1
                committee = rng.choice(self.committee_ids) if not radio and rng.random() < COMMITTEE_CALL else None
                pseudonym = None if radio else f"C-{rng.randrange(200_000):08d}"
                rows["calls"].append((call_id, f"PJSIP/bench-{call_id}", f"bench.{call_id}",
                                      "radio" if radio else "phone", "bunia-fm" if radio else None, pseudonym,
                                      at, as_text(received + dt.timedelta(seconds=90)), committee))
                segment = 0
            call_alerts -= 1
            segment += 1
            language = rng.choice(LANGUAGES)
            locality = rng.choice(LOCALITIES) if rng.random() < 0.9 else None
            words = [{"word": rng.choice(VOCABULARY), "start": round(i * 0.4, 2), "end": round(i * 0.4 + 0.35, 2),
                      "conf": round(rng.uniform(0.3, 1.0), 2)} for i in range(rng.randint(10, 40))]
            text = " ".join(w["word"] for w in words)
            keywords = [{"term": w["word"], "category": TERMS[w["word"]], "start": w["start"]}
                        for w in words if w["word"] in TERMS]
            priority = round(len(keywords) + rng.random(), 3)
            newest = self.end - received < WAITING_WINDOW
            waiting = rng.random() < (WAITING_RECENT if newest else WAITING_OLD)
            status = "new" if waiting else rng.choice(DECIDED)
            duplicate_of = None
            if status == "duplicate":
                if alert_id > self.first:
                    duplicate_of = rng.randint(max(self.first, alert_id - 50), alert_id - 1)
                else:
                    status = "verified"
            decided = received + dt.timedelta(minutes=rng.randint(5, 600))
            updated = at if waiting else as_text(decided)
            purged = (self.purged_before is not None and status in CLOSED and decided < self.purged_before)
            purged_at = as_text(decided + (self.end - self.purged_before)) if purged else None
            reference = self._reference()
            rows["alerts"].append((alert_id, reference, call_id, segment, language, locality, status, priority,
                                   json.dumps(keywords, ensure_ascii=False), "done", duplicate_of, at,
                                   purged_at or updated, purged_at))
            rows["jobs"] += [("transcribe", alert_id, "done", 1, "bench", at, at),
                             ("spot", alert_id, "done", 1, "bench", at, at)]
            if purged:   # what the purge leaves: the alert, its history, no voice, no words, no caller
                rows["audit_log"].append(("retention", "purge", "alert", alert_id, None,
                                          json.dumps({"recordings": 1, "transcripts": 1}), purged_at))
                if pseudonym and call_alerts == 0:
                    rows["calls"][-1] = rows["calls"][-1][:5] + (None,) + rows["calls"][-1][6:]
            else:
                rows["recordings"].append((alert_id, f"recordings/bench-{alert_id}.wav", "wav", 30.0, 8000, 480044,
                                           f"{alert_id:064x}", at))
                rows["transcripts"].append((self._next("transcripts"), alert_id, text,
                                            json.dumps(words, ensure_ascii=False), "bench", language, 0.8, "asr",
                                            None, at))
            rows["audit_log"].append(("ivr", "create", "alert", alert_id, None,
                                      json.dumps({"reference": reference, "status": "new"}), at))
            if not waiting:
                verifier = rng.choice(VERIFIERS)
                listened = as_text(received + dt.timedelta(minutes=rng.randint(1, 5)))
                rows["audit_log"].append((verifier, "listen", "alert", alert_id, None, None, listened))
                after = {"status": status, **({"duplicate_of": duplicate_of} if duplicate_of else {})}
                rows["audit_log"].append((verifier, "status", "alert", alert_id, json.dumps({"status": "new"}),
                                          json.dumps(after), updated))
                if rng.random() < CORRECTED and not purged:
                    rows["transcripts"].append((self._next("transcripts"), alert_id, text + " " + rng.choice(VOCABULARY),
                                                "[]", None, language, None, "verifier", verifier, updated))
                if rng.random() < NOTED:
                    rows["notes"].append((alert_id, verifier, "Confirmé par le point focal.", updated))
                if status == "escalated":
                    # Responders called in turn; a few recent escalations reached nobody (yet).
                    unreached = newest and rng.random() < UNREACHED
                    for position in range(1, rng.randint(1, 3) + 1):
                        last = position == 3 or (not unreached and rng.random() < 0.7)
                        state = "confirmed" if last and not unreached else "not_confirmed"
                        rows["responder_calls"].append((alert_id, f"Bench responder {position}", position, state,
                                                        state, updated, updated))
                        if last:
                            break
                    if unreached:
                        rows["audit_log"].append(("dialler", "responders_unreached", "alert", alert_id, None,
                                                  json.dumps({"reason": "no_answer"}), updated))
                if status == "escalated" and rng.random() < RESPONDED:
                    acted = as_text(decided + dt.timedelta(hours=rng.randint(1, 48)))
                    rows["responses"].append((alert_id, "patrol sent", rng.choice(("resolved", "ongoing", "referred")),
                                              None, verifier, "console", acted, acted))
            if rng.random() < TAGGED:
                rows["tags"].append((alert_id, rng.choice(list(CATEGORIES)), rng.choice(VERIFIERS), updated))
            if pseudonym and rng.random() < CALLED_BACK:
                rows["callbacks"].append(("callback", pseudonym, alert_id, language, "answered", 1, at, at))
            if pseudonym and rng.random() < SMS:
                rows["sms_messages"].append(("out", alert_id, pseudonym, "receipt", language,
                                             f"Alerte {reference} reçue.", 1, "delivered", at, at))
            if rng.random() < SURVEY_PER_ALERT:
                response_id = self._next("survey_responses")
                rows["survey_responses"].append((response_id, self.survey_id, locality, at[:10], 1, "inbound"))
                rows["survey_answers"] += [(response_id, q, rng.randint(1, 3)) for q in self.questions]
        self._incidents(rows)
        rows["audit_log"].sort(key=lambda row: row[6])
        with self.store.transaction():
            for table, columns in COLUMNS.items():
                self.store.bulk_insert(table, columns, rows[table])

    def _incidents(self, rows: dict) -> None:
        """A few incidents a batch: verified alerts of one locality received close together."""
        by_locality: dict[str, list[tuple]] = {}
        for alert in rows["alerts"]:
            if alert[5] and alert[6] in ("verified", "escalated"):
                by_locality.setdefault(alert[5], []).append(alert)
        wanted = int(len(rows["alerts"]) * IN_INCIDENT / 3)
        for _ in range(wanted):
            members = by_locality[self.rng.choice(sorted(by_locality))]
            group, members[:] = members[:self.rng.randint(2, 4)], members[4:]
            if len(group) < 2:
                continue
            incident_id, at = self._next("incidents"), group[-1][12]
            rows["incidents"].append((incident_id, self.rng.choice(VERIFIERS), at, at))
            rows["incident_alerts"] += [(alert[0], incident_id) for alert in group]

    def live_calls(self, count: int = 6) -> None:
        self.store.clear_live_calls()
        for i in range(count):
            self.store.live_call_started(f"bench-live-{i}")
            self.store.live_call_update(f"bench-live-{i}", source="phone", step="record")


def fill(db_path: Path | str, alerts: int, seed: int = 7, days: int = 730, progress=print,
         retention_days: int = 90) -> int:
    """Add alerts until the database holds `alerts`, spread over the last `days` days, the
    closed ones older than `retention_days` already purged as the daily purge would have;
    returns how many were added."""
    with Store.open(db_path) as store:
        have = store.count_alerts()
        wanted = alerts - have
        if wanted <= 0:
            return 0
        filler = Filler(store, random.Random(seed + have), days, wanted, retention_days)
        started = time.perf_counter()
        for first in range(0, wanted, BATCH):
            filler.batch(first, min(BATCH, wanted - first))
            done = min(wanted, first + BATCH)
            if progress and (done % 100_000 == 0 or done == wanted):
                elapsed = time.perf_counter() - started
                progress(f"  {have + done} alerts, {elapsed:.0f} s ({done / elapsed:.0f} alerts/s)")
        filler.live_calls()
        store.checkpoint()
    return wanted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="The database file (created and migrated if new).")
    parser.add_argument("--alerts", type=int, default=100_000, help="Total alerts the database should hold.")
    parser.add_argument("--days", type=int, default=730, help="Days the new alerts are spread over, up to now.")
    parser.add_argument("--retention-days", type=int, default=90,
                        help="Closed alerts older than this come already purged (0: none). Default: 90, as [retention] days.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    added = fill(args.db, args.alerts, args.seed, args.days, progress=lambda line: print(line, file=sys.stderr),
                 retention_days=args.retention_days)
    print(f"added {added} alerts in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
