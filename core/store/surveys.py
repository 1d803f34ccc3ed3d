"""Perception surveys' definitions, and their answers kept with a locality and a day only."""

from __future__ import annotations

import json

from ._time import utcnow
from .audit import Audit


class AnsweredQuestion(ValueError):
    """A question with answers keeps its number of keys: fewer would drop answers from the
    results, more would count them against keys nobody was offered."""

    def __init__(self, position: int, answers: int):
        super().__init__(f"question {position} has answers: it keeps its {answers} keys")
        self.position, self.answers = position, answers


class Surveys(Audit):
    def surveys(self) -> list[dict]:
        return list(self.db.query(
            "SELECT s.*, (SELECT count(*) FROM survey_questions q WHERE q.survey_id = s.id) AS questions,"
            " (SELECT count(*) FROM survey_responses r WHERE r.survey_id = s.id) AS responses"
            " FROM surveys s ORDER BY s.id DESC"))

    def survey(self, survey_id: int) -> dict | None:
        return next((s for s in self.surveys() if s["id"] == survey_id), None)

    def survey_questions(self, survey_id: int) -> list[dict]:
        rows = self.db.query("SELECT * FROM survey_questions WHERE survey_id = ? ORDER BY position", [survey_id])
        return [{**row, "words": json.loads(row["words"])} for row in rows]

    def create_survey(self, name: str, actor: str) -> int:
        with self.transaction():
            now = utcnow()
            cursor = self.conn.execute("INSERT INTO surveys (name, created_at, updated_at) VALUES (?, ?, ?)",
                                       (name, now, now))
            self.audit(actor, "create", "survey", cursor.lastrowid, None, {"name": name})
            return cursor.lastrowid

    def save_survey_question(self, survey_id: int, position: int, answers: int, words: dict, actor: str) -> int:
        """Add the question at `position` or change it; returns its id. Raises AnsweredQuestion
        when a question with answers would change its number of keys."""
        with self.transaction():
            row = self.conn.execute("SELECT id, answers FROM survey_questions WHERE survey_id = ? AND position = ?",
                                    (survey_id, position)).fetchone()
            if row is not None and row[1] != answers and self.conn.execute(
                    "SELECT 1 FROM survey_answers WHERE question_id = ? LIMIT 1", (row[0],)).fetchone():
                raise AnsweredQuestion(position, row[1])
            if row is None:
                question_id = self.conn.execute(
                    "INSERT INTO survey_questions (survey_id, position, answers, words) VALUES (?, ?, ?, ?)",
                    (survey_id, position, answers, json.dumps(words, ensure_ascii=False))).lastrowid
            else:
                question_id = row[0]
                self.conn.execute("UPDATE survey_questions SET answers = ?, words = ? WHERE id = ?",
                                  (answers, json.dumps(words, ensure_ascii=False), question_id))
            self.conn.execute("UPDATE surveys SET updated_at = ? WHERE id = ?", (utcnow(), survey_id))
            self.audit(actor, "update", "survey", survey_id, None, {"question": position, "answers": answers})
            return question_id

    def set_survey_active(self, survey_id: int, active: bool, actor: str) -> None:
        """One survey runs on the line at a time: starting one stops the others."""
        with self.transaction():
            if active:
                self.conn.execute("UPDATE surveys SET active = 0")
            self.conn.execute("UPDATE surveys SET active = ?, updated_at = ? WHERE id = ?",
                              (int(active), utcnow(), survey_id))
            self.audit(actor, "status", "survey", survey_id, None, {"active": int(active)})

    def active_survey(self) -> dict | None:
        row = self.conn.execute("SELECT id FROM surveys WHERE active = 1").fetchone()
        return self.survey(row[0]) if row else None

    def start_survey_response(self, survey_id: int, locality: str | None, day: str, channel: str = "inbound") -> int:
        """A response from the survey line (inbound) or a run's call (outbound): never who answered."""
        return self.conn.execute("INSERT INTO survey_responses (survey_id, locality, day, channel) VALUES (?, ?, ?, ?)",
                                 (survey_id, locality, day, channel)).lastrowid

    def record_survey_answer(self, response_id: int, question_id: int, answer: int) -> None:
        self.conn.execute("INSERT OR REPLACE INTO survey_answers (response_id, question_id, answer) VALUES (?, ?, ?)",
                          (response_id, question_id, answer))

    def finish_survey_response(self, response_id: int) -> None:
        self.conn.execute("UPDATE survey_responses SET complete = 1 WHERE id = ?", (response_id,))

    def survey_answers(self, survey_id: int) -> tuple[list[dict], list[dict]]:
        """(responses, answers) for core.surveys.aggregate."""
        responses = list(self.db.query(
            "SELECT id, locality, day, complete, channel FROM survey_responses WHERE survey_id = ? ORDER BY id",
            [survey_id]))
        answers = list(self.db.query(
            "SELECT a.response_id, q.position, q.answers, a.answer FROM survey_answers a"
            " JOIN survey_questions q ON q.id = a.question_id JOIN survey_responses r ON r.id = a.response_id"
            " WHERE r.survey_id = ? AND a.answer BETWEEN 1 AND q.answers", [survey_id]))
        return responses, answers
