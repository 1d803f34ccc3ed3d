"""The worker scans every new alert for every example of its language before the full
decode: with no speech model at all, a new call saying a marked term gets the term's
category weight as provisional priority, and its hit names the example's alert."""

from __future__ import annotations

import threading

from asr.worker import Worker
from core import keyword_examples
from core.audio.wav import write_wav
from core.model import Status
from core.store.jobs import SPOT
from tests.fixtures.web import make_alert
from tests.spotting_voices import Voice, to_int16, utterance


def _alert_saying(store, config, segments, voice, pseudonym, seed=0):
    audio, spans = utterance(segments, voice, snr_db=20, seed=seed)
    alert = make_alert(store, config, text=None, pseudonym=pseudonym, seconds=len(audio) / 8000)
    write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
    return alert, spans


def test_a_marked_term_gives_the_next_alert_its_provisional_priority_before_any_transcript(config, fresh_db):
    source, spans = _alert_saying(fresh_db, config, ["habari za asubuhi", "bunduki", "zilionekana"],
                                  Voice("sw+m3"), "C-SOURCE")
    fresh_db.set_status(source["id"], Status.VERIFIED, actor="vera")
    _, start, end = spans[1]
    example = keyword_examples.mark(config, fresh_db, source["id"], fresh_db.recordings_for(source["id"])[0]["id"],
                                    "bunduki", "armed_movement", start, end, "vera")
    saying, said = _alert_saying(fresh_db, config, ["watu wenye", "bunduki", "walikuja jana usiku"],
                                 Voice("sw+m3", speed=175), "C-NEW", seed=4)
    quiet, _ = _alert_saying(fresh_db, config, ["mvua kubwa imenyesha leo na barabara imeharibika"],
                             Voice("sw+m3", speed=175), "C-RAIN", seed=5)

    seen = {}

    def on_outcome(outcome):
        if outcome.alert_id in (saying["id"], quiet["id"]) and fresh_db.get_alert(outcome.alert_id):
            # The keyword pass ran first: no transcript yet for this alert.
            job = fresh_db.conn.execute("SELECT kind FROM jobs WHERE id = ?", (outcome.job_id,)).fetchone()[0]
            if job == SPOT:
                seen[outcome.alert_id] = (outcome.state, fresh_db.transcripts_for(outcome.alert_id))

    worker = Worker(config, threads=1, on_outcome=on_outcome)
    assert worker.models.languages == []   # no speech model: spotting by example still runs
    worker.run(threading.Event(), until_idle=True)

    assert seen[saying["id"]] == ("spotted", [])
    after = fresh_db.get_alert(saying["id"])
    assert after["priority"] == 6.0   # armed_movement's weight (core/lexicons/weights.txt)
    [hit] = fresh_db.hits_for(saying["id"])
    [(_, said_start, _)] = [s for s in said if s[0] == "bunduki"]
    assert hit["term"] == "bunduki" and hit["example_id"] == example and hit["example_alert_id"] == source["id"]
    assert abs(hit["start"] - said_start) < 0.2 and hit["decision"] is None
    assert fresh_db.hits_for(quiet["id"]) == [] and fresh_db.get_alert(quiet["id"])["priority"] == 0
