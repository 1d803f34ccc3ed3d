"""Incidents verifiers confirmed, the alerts grouping looks at, and when each locality last reported."""

from __future__ import annotations

from ..model import Status
from ._rows import decode, split_tags
from ._time import utcnow
from .audit import Audit

# Decided as not an event of their own: never grouped, never counted as a report.
NOT_REPORTS = (Status.FALSE.value, Status.DUPLICATE.value)

_ALERT_ROWS = (
    "SELECT alerts.id, alerts.reference, alerts.status, alerts.locality, alerts.keywords, alerts.created_at,"
    " alerts.priority, calls.source, calls.station, calls.caller_pseudonym, calls.committee_id,"
    " (SELECT group_concat(tag, ' ') FROM tags WHERE tags.alert_id = alerts.id) AS tags"
    " FROM alerts LEFT JOIN calls ON calls.id = alerts.call_id"
)


class Incidents(Audit):
    def grouping_candidates(self, since: str, limit: int = 5000) -> list[dict]:
        """Alerts received since `since` that are in no incident and not false or duplicates, oldest
        first; the newest `limit` of them when there are more (a whole mission files about 10,000
        a week: the oldest would leave out the alerts a verifier is looking at)."""
        rows = self.db.query(
            _ALERT_ROWS + " WHERE alerts.created_at >= ? AND +alerts.status NOT IN (?, ?)"
            " AND alerts.id NOT IN (SELECT alert_id FROM incident_alerts) ORDER BY alerts.created_at DESC LIMIT ?",
            [since, *NOT_REPORTS, limit],
        )
        return [_decode(row) for row in rows][::-1]

    def incident_alerts(self, incident_id: int) -> list[dict]:
        rows = self.db.query(
            _ALERT_ROWS + " WHERE alerts.id IN (SELECT alert_id FROM incident_alerts WHERE incident_id = ?)"
            " ORDER BY alerts.created_at", [incident_id])
        return [_decode(row) for row in rows]

    def incidents(self, limit: int = 100) -> list[dict]:
        """The newest incidents, each with its alerts."""
        rows = list(self.db.query("SELECT * FROM incidents ORDER BY updated_at DESC, id DESC LIMIT ?", [limit]))
        members: dict[int, list[dict]] = {row["id"]: [] for row in rows}
        if members:   # the alerts of all of them in one query, not one query an incident
            found = self.db.query(
                _ALERT_ROWS.replace(" FROM alerts ", ", incident_alerts.incident_id AS incident FROM alerts ", 1)
                + " JOIN incident_alerts ON incident_alerts.alert_id = alerts.id"
                f" WHERE incident_alerts.incident_id IN ({', '.join('?' * len(members))}) ORDER BY alerts.created_at",
                list(members))
            for row in found:
                members[row.pop("incident")].append(_decode(row))
        for row in rows:
            row["alerts"] = members[row["id"]]
        return rows

    def incident_of(self, alert_id: int) -> int | None:
        row = self.conn.execute("SELECT incident_id FROM incident_alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return row[0] if row else None

    def create_incident(self, alert_ids, actor: str) -> int:
        """Confirm alerts as one incident (audited); each must exist and be in no other incident."""
        ids = sorted(set(alert_ids))
        if len(ids) < 2:
            raise ValueError("an incident groups at least two alerts")
        with self.transaction():
            for alert_id in ids:
                if self.conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone() is None:
                    raise KeyError(alert_id)
                if self.incident_of(alert_id) is not None:
                    raise ValueError(f"alert {alert_id} is already in incident {self.incident_of(alert_id)}")
            now = utcnow()
            incident_id = self.conn.execute(
                "INSERT INTO incidents (created_by, created_at, updated_at) VALUES (?, ?, ?)", (actor, now, now)
            ).lastrowid
            self._attach(incident_id, ids)
            self.audit(actor, "create", "incident", incident_id, None, {"alerts": ids})
        return incident_id

    def split_incident(self, incident_id: int, alert_ids, actor: str) -> int | None:
        """Take alerts out of an incident: two or more become a new incident, one goes back
        to the ungrouped alerts. An incident left with one alert is dissolved. Audited;
        returns the new incident's id, if any."""
        with self.transaction():
            members = {a["id"] for a in self.incident_alerts(incident_id)}
            if not members:
                raise KeyError(incident_id)
            moving = sorted(set(alert_ids) & members)
            if not moving:
                raise ValueError("choose alerts of this incident to split off")
            self.conn.execute(
                f"DELETE FROM incident_alerts WHERE alert_id IN ({', '.join('?' * len(moving))})", moving
            )
            new_id = None
            now = utcnow()
            if len(moving) > 1:
                new_id = self.conn.execute(
                    "INSERT INTO incidents (created_by, created_at, updated_at) VALUES (?, ?, ?)", (actor, now, now)
                ).lastrowid
                self._attach(new_id, moving)
            staying = sorted(members - set(moving))
            if len(staying) < 2:
                self.conn.execute("DELETE FROM incident_alerts WHERE incident_id = ?", (incident_id,))
                self.conn.execute("DELETE FROM incidents WHERE id = ?", (incident_id,))
            else:
                self.conn.execute("UPDATE incidents SET updated_at = ? WHERE id = ?", (now, incident_id))
            self.audit(actor, "split", "incident", incident_id, {"alerts": sorted(members)},
                       {"alerts": staying if len(staying) > 1 else [], "split_off": moving, "new_incident": new_id})
        return new_id

    def _attach(self, incident_id: int, alert_ids: list[int]) -> None:
        self.conn.executemany(
            "INSERT INTO incident_alerts (alert_id, incident_id) VALUES (?, ?)", [(a, incident_id) for a in alert_ids]
        )

    def last_report_by_locality(self) -> dict[str, str]:
        """Each locality's newest alert time (false alerts and duplicates left out).

        A GROUP BY would read every alert ever filed. Instead the locality index
        (alerts_locality_time) is skipped through one locality at a time, and each is read
        back from its newest alert to its first that counts as a report: a few steps a locality."""
        return {row[0]: row[1] for row in self.conn.execute(
            "WITH RECURSIVE places(code) AS ("
            " SELECT min(locality) FROM alerts WHERE locality > ''"
            " UNION ALL SELECT (SELECT min(locality) FROM alerts WHERE locality > places.code) FROM places"
            " WHERE places.code IS NOT NULL)"
            " SELECT code, (SELECT max(created_at) FROM alerts WHERE locality = places.code AND status NOT IN (?, ?))"
            " AS latest FROM places WHERE code IS NOT NULL AND latest IS NOT NULL", NOT_REPORTS)}


def _decode(row: dict) -> dict:
    return split_tags(decode(row, "keywords"))
