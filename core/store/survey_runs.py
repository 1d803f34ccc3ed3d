"""Survey runs: a perception survey put to focal points by calls the dialler places.

A run is a broadcast that carries a survey (broadcasts.py): one delivery per focal point,
with the same retries, outcomes and concurrency limit as voice alerts. Stopping a run
ends its waiting calls; calls in progress finish.
"""

from __future__ import annotations

import json

from ._time import utcnow
from .audit import Audit
from .broadcasts import STOPPED, WAITING, Broadcasts
from .surveys import Surveys


class SurveyRuns(Surveys, Broadcasts, Audit):
    def create_survey_run(self, survey_id: int, localities: list[str], actor: str) -> int:
        """Call the focal points of `localities` (all of the directory's when empty) with the survey, audited."""
        recipients = self.focal_points_for(localities) if localities else self.directory("focal_point")
        return self._send("", survey_id, list(localities), recipients, actor)

    def survey_runs(self, survey_id: int | None = None, limit: int = 50) -> list[dict]:
        """Runs, newest first, each with its deliveries (names and outcomes, never numbers)."""
        where, params = ("= ?", [survey_id]) if survey_id else ("IS NOT NULL", [])
        rows = list(self.db.query(
            "SELECT b.id, b.survey_id, b.localities, b.created_by, b.created_at, b.stopped_at, s.name AS survey"
            f" FROM broadcasts b JOIN surveys s ON s.id = b.survey_id WHERE b.survey_id {where}"
            " ORDER BY b.id DESC LIMIT ?", [*params, limit]))
        for row in rows:
            row["localities"] = json.loads(row["localities"])
            row["deliveries"] = self.deliveries(row["id"])
        return rows

    def survey_run(self, run_id: int) -> dict | None:
        row = self.conn.execute("SELECT survey_id FROM broadcasts WHERE id = ?", (run_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return next((r for r in self.survey_runs(row[0], limit=-1) if r["id"] == run_id), None)

    def stop_survey_run(self, run_id: int, actor: str) -> int:
        """End the run's waiting calls (stopped); returns how many. Calls in progress go on."""
        with self.transaction():
            now = utcnow()
            stopped = self.conn.execute(
                "UPDATE broadcast_deliveries SET state = ?, updated_at = ? WHERE broadcast_id = ? AND state = ?",
                (STOPPED, now, run_id, WAITING)).rowcount
            self.conn.execute("UPDATE broadcasts SET stopped_at = coalesce(stopped_at, ?) WHERE id = ?", (now, run_id))
            self.audit(actor, "stop", "survey_run", run_id, None, {"stopped_calls": stopped})
            return stopped
