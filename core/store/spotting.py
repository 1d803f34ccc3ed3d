"""Keyword spotting by example: examples marked by verifiers, hits in new alerts, decisions.

An example comes from a verified alert only and goes with it at retention. A hit is
where a new alert sounded like an example; a verifier confirms or rejects it. Each
term's threshold, per language, is the one that best separated confirmed from
rejected hits over its last `decisions` decisions (best_threshold).
"""

from __future__ import annotations

from ..model import Status
from ._time import utcnow
from .audit import Audit

DECISIONS = ("confirmed", "rejected")
MIN_DECISIONS = 4   # fewer than this, or only one kind: the default threshold stands


class ExampleError(ValueError):
    """An example that cannot be marked (alert not verified, span outside the recording...)."""


def best_threshold(decisions: list[tuple[float, str]], default: float) -> float:
    """The distance threshold that gets most of (distance, decision) pairs right: a hit at
    or under it is confirmed, over it rejected. Ties go to the widest gap's middle; too
    few decisions, or only one kind, keep `default`."""
    kinds = {d for _, d in decisions}
    if len(decisions) < MIN_DECISIONS or kinds != set(DECISIONS):
        return default
    points = sorted(decisions)
    distances = [d for d, _ in points]
    # Candidates: below everything, between each neighbouring pair, above everything.
    candidates = [distances[0] - 1e-3] + [(a + b) / 2 for a, b in zip(distances, distances[1:]) if b > a] \
        + [distances[-1] + 1e-3]
    confirmed_total = sum(1 for _, d in points if d == "confirmed")

    def right(t: float) -> tuple[int, float]:
        confirmed_under = sum(1 for dist, d in points if d == "confirmed" and dist <= t)
        rejected_under = sum(1 for dist, d in points if d == "rejected" and dist <= t)
        rejected_over = len(points) - confirmed_total - rejected_under
        return confirmed_under + rejected_over, -abs(t - default)   # then the closest to the default

    return round(max(candidates, key=right), 4)


class Spotting(Audit):
    # -- examples ----------------------------------------------------------

    def add_example(self, alert_id: int, recording_id: int, term: str, category: str, start: float, end: float,
                    path: str, actor: str) -> int:
        """Store an example the caller of this method has already cut to `path`; audited."""
        alert = self._row("SELECT id, status, language FROM alerts WHERE id = ?", [alert_id])
        if alert is None or alert["status"] != Status.VERIFIED.value:
            raise ExampleError("an example comes from a verified alert only")
        if not alert["language"]:
            raise ExampleError("the alert has no language")
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO keyword_examples (alert_id, recording_id, language, term, category, path, start, end,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert_id, recording_id, alert["language"], term, category, path, start, end, actor, utcnow()))
            example_id = cursor.lastrowid
            self.audit(actor, "example", "alert", alert_id, None,
                       {"example_id": example_id, "term": term, "start": start, "end": end})
        return example_id

    def add_phone_example(self, language: str, term: str, category: str, path: str, start: float, end: float,
                          actor: str) -> int:
        """An example said by phone: its span in the take at `path`, no alert (a consenting voice); audited."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO keyword_examples (alert_id, recording_id, language, term, category, path, start, end,"
                " created_by, created_at) VALUES (NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                (language, term, category, path, start, end, actor, utcnow()))
            example_id = cursor.lastrowid
            self.audit(actor, "example", "example", example_id, None, {"term": term, "lang": language})
        return example_id

    def examples_with_path(self, path: str) -> list[dict]:
        return self._rows("SELECT * FROM keyword_examples WHERE path = ?", [path])

    def get_example(self, example_id: int) -> dict | None:
        return self._row("SELECT * FROM keyword_examples WHERE id = ?", [example_id])

    def examples_for_language(self, language: str) -> list[dict]:
        """Every example of a language, with its recording's path (None: a clip of its own)."""
        return self._rows(
            "SELECT e.*, r.path AS recording_path FROM keyword_examples e"
            " LEFT JOIN recordings r ON r.id = e.recording_id WHERE e.language = ? ORDER BY e.id", [language])

    def examples_of_alert(self, alert_id: int) -> list[dict]:
        return self._rows("SELECT * FROM keyword_examples WHERE alert_id = ? ORDER BY start", [alert_id])

    def remove_example(self, example_id: int, actor: str) -> dict | None:
        """Delete an example's row (its hits keep their alert and decision); returns the row,
        whose clip the caller deletes."""
        with self.transaction():
            row = self.get_example(example_id)
            if row is None:
                return None
            self.conn.execute("DELETE FROM keyword_examples WHERE id = ?", (example_id,))
            if row["alert_id"] is not None:
                self.audit(actor, "remove_example", "alert", row["alert_id"],
                           {"example_id": example_id, "term": row["term"]}, None)
            else:   # said by phone: no alert
                self.audit(actor, "remove_example", "example", example_id, {"term": row["term"]}, None)
        return row

    def example_terms(self) -> list[dict]:
        """Per language and term: examples, speakers (distinct caller pseudonyms behind them),
        hits, confirmations and rejections."""
        return self._rows(
            "SELECT t.language, t.term, t.category,"
            " (SELECT count(*) FROM keyword_examples e WHERE e.language = t.language AND e.term = t.term) AS examples,"
            " (SELECT count(DISTINCT c.caller_pseudonym) FROM keyword_examples e JOIN alerts a ON a.id = e.alert_id"
            "   JOIN calls c ON c.id = a.call_id WHERE e.language = t.language AND e.term = t.term) AS speakers,"
            " (SELECT count(*) FROM keyword_hits h WHERE h.language = t.language AND h.term = t.term) AS hits,"
            " (SELECT count(*) FROM keyword_hits h WHERE h.language = t.language AND h.term = t.term"
            "   AND h.decision = 'confirmed') AS confirmed,"
            " (SELECT count(*) FROM keyword_hits h WHERE h.language = t.language AND h.term = t.term"
            "   AND h.decision = 'rejected') AS rejected"
            " FROM (SELECT language, term, max(category) AS category FROM keyword_examples GROUP BY language, term"
            "       UNION SELECT language, term, max(category) FROM keyword_hits GROUP BY language, term) t"
            " GROUP BY t.language, t.term ORDER BY t.language, t.term")

    def examples_of_term(self, language: str, term: str) -> list[dict]:
        return self._rows(
            "SELECT e.*, a.reference FROM keyword_examples e LEFT JOIN alerts a ON a.id = e.alert_id"
            " WHERE e.language = ? AND e.term = ? ORDER BY e.id", [language, term])

    # -- hits --------------------------------------------------------------

    def replace_hits(self, alert_id: int, language: str, hits: list[dict]) -> None:
        """The spotter's hits for an alert (each {example_id, term, category, start, end,
        distance, threshold}); a rescan replaces undecided hits and keeps decided ones."""
        now = utcnow()
        with self.transaction():
            self.conn.execute("DELETE FROM keyword_hits WHERE alert_id = ? AND decision IS NULL", (alert_id,))
            for hit in hits:
                self.conn.execute(
                    "INSERT INTO keyword_hits (alert_id, example_id, example_alert_id, language, term, category,"
                    " start, end, distance, threshold, created_at)"
                    " VALUES (?, ?, (SELECT alert_id FROM keyword_examples WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?)",
                    (alert_id, hit["example_id"], hit["example_id"], language, hit["term"], hit["category"],
                     hit["start"], hit["end"], hit["distance"], hit["threshold"], now))

    def hits_for(self, alert_id: int) -> list[dict]:
        return self._rows(
            "SELECT h.*, e.path AS example_path, ea.reference AS example_reference FROM keyword_hits h"
            " LEFT JOIN keyword_examples e ON e.id = h.example_id LEFT JOIN alerts ea ON ea.id = h.example_alert_id"
            " WHERE h.alert_id = ? ORDER BY h.start", [alert_id])

    def get_hit(self, hit_id: int) -> dict | None:
        return self._row("SELECT * FROM keyword_hits WHERE id = ?", [hit_id])

    def decide_hit(self, hit_id: int, decision: str, actor: str) -> dict:
        """A verifier confirms or rejects a hit; audited on the hit's alert."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        with self.transaction():
            hit = self.get_hit(hit_id)
            if hit is None:
                raise KeyError(hit_id)
            if hit["decision"] == decision:
                return hit
            self.conn.execute("UPDATE keyword_hits SET decision = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                              (decision, actor, utcnow(), hit_id))
            self.audit(actor, "hit", "alert", hit["alert_id"],
                       {"hit_id": hit_id, "term": hit["term"], "decision": hit["decision"]},
                       {"hit_id": hit_id, "term": hit["term"], "decision": decision})
        return self.get_hit(hit_id)

    def term_thresholds(self, language: str, default: float, last: int) -> dict[str, float]:
        """Each term's threshold in a language, from its last `last` decisions."""
        thresholds = {}
        terms = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT term FROM keyword_hits WHERE language = ? AND decision IS NOT NULL", (language,))]
        for term in terms:
            rows = self.conn.execute(
                "SELECT distance, decision FROM keyword_hits WHERE language = ? AND term = ? AND decision IS NOT NULL"
                " ORDER BY decided_at DESC, id DESC LIMIT ?", (language, term, last)).fetchall()
            thresholds[term] = best_threshold([(r[0], r[1]) for r in rows], default)
        return thresholds

    # -- retention ---------------------------------------------------------

    def example_clips_of(self, alert_ids: list[int]) -> list[dict]:
        marks = ", ".join("?" for _ in alert_ids)
        return self._rows(f"SELECT id AS example_id, alert_id, path FROM keyword_examples WHERE alert_id IN ({marks})",
                          alert_ids)

    def _purge_examples(self, alert_ids: list[int]) -> int:
        marks = ", ".join("?" for _ in alert_ids)
        return self.conn.execute(f"DELETE FROM keyword_examples WHERE alert_id IN ({marks})", alert_ids).rowcount
