"""Migrations that keep each console page costing what its own content costs, however many
years of alerts the database holds (bench/console.py measures them; tests/test_page_costs.py
keeps them so).

Numbered in the same sequence as schema.py, which merges every list in number order.
"""

from __future__ import annotations

SCALE_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0065_alerts_received",
        """
        -- Alerts by time received: exports and the CAP feed (since a day), the response-times
        -- report (its weeks), incident suggestions (the last days) and the queue's date filters
        -- read a range of it instead of every alert.
        CREATE INDEX alerts_received ON alerts(created_at);
        """,
    ),
    (
        "0066_calls_committee",
        """
        -- The calls committees made: each committee's count of reports on the committees page.
        CREATE INDEX calls_committee ON calls(committee_id) WHERE committee_id IS NOT NULL;
        """,
    ),
    (
        "0067_audit_unreached",
        """
        -- The moments an escalation's responders were all called and none confirmed (or there
        -- were none): where the unreached escalations every supervisor's page shows are found.
        CREATE INDEX audit_unreached ON audit_log(entity_id) WHERE action = 'responders_unreached';
        """,
    ),
    (
        "0068_survey_responses_survey",
        """
        -- A survey's responses: its count on the surveys page, its results.
        CREATE INDEX survey_responses_survey ON survey_responses(survey_id, id);
        """,
    ),
    (
        "0069_incidents_updated",
        """
        -- The newest incidents first, for the incidents page, without sorting them all.
        CREATE INDEX incidents_updated ON incidents(updated_at DESC, id DESC);
        """,
    ),
    (
        "0071_audit_escalations",
        """
        -- Escalations (a status change to escalated), by time: the dialler queues the responders
        -- of the recent ones each second without reading every escalated alert. (0070 is taken.)
        CREATE INDEX audit_escalations ON audit_log(at)
            WHERE action = 'status' AND json_extract(after, '$.status') = 'escalated';
        """,
    ),
]
