"""The radio line: a station's HF traffic, voice only, one alert per report.

DTMF does not survive HF, so nothing here waits for a key: one long recording,
ended by silence, the time limit or hanging up, split afterwards at long pauses
into one alert per report, all linked to the same call and radio station, in
the station's language ([ivr] radio_languages; the ASR may still identify it).

A station is a radio patch unless [ivr] radio_relays names it: the HF traffic
flows into the call from the moment it is answered, so the patch is recorded
from answer (listen.record_patch) and nothing is spoken over the air; a patch
ends by hanging up, so that is no partial report. A relay station has an
operator who hears instructions and a beep, then speaks the reports.
"""

from __future__ import annotations

import asyncio
import logging

from core.dialplan import VAR_STATION
from core.durable import sync
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source

from .. import audio
from ..agi import Call, HangupError
from ..line import Line
from .common import play, play_beep, read_digits
from .listen import record_patch

log = logging.getLogger(__name__)


async def radio(call: Call, line: Line) -> None:
    config = line.config.ivr
    station = await call.get_variable(VAR_STATION) or None
    language = config.radio_languages.get(station or "", config.default_language)
    call_id = await line.db(
        lambda s: s.create_call(Source.RADIO, channel=call.channel, uniqueid=call.uniqueid, station=station)
    )
    try:
        if station in config.radio_relays:
            await relay(call, line, call_id, language)
        else:
            take = await record_patch(call, line, line.new_recording())
            await file_reports(call, line, call_id, take.path, language, partial=False)
    finally:
        await line.db(lambda s: s.end_call(call_id))


async def relay(call: Call, line: Line, call_id: int, language: str) -> None:
    """An operator: instructions and a beep, the reports, then every reference read back."""
    config = line.config.ivr
    await play(call, line, "radio_instructions", language)
    await play_beep(call, line)
    path = line.new_recording()
    result = await call.record_file(
        str(path),
        "wav",
        escape_digits="",
        timeout_ms=config.radio_max_record_seconds * 1000,
        beep=False,
        silence_seconds=config.radio_silence_seconds,
    )
    alerts = await file_reports(call, line, call_id, path.with_suffix(".wav"), language, partial=result.hung_up)
    if result.hung_up:
        raise HangupError(f"{call.channel}: radio session ended by hang-up")
    await play(call, line, "radio_recorded", language)
    for alert_row in alerts:
        await play(call, line, "reference_is", language)
        await read_digits(call, line, alert_row["reference"], language)
    await play(call, line, "goodbye", language)


async def file_reports(call: Call, line: Line, call_id: int, session_wav, language: str,
                       partial: bool) -> list[dict]:
    """One alert per report, each with its own file and its offset in the session."""
    # Cutting a long session is slow: off the event loop, so other calls are not held up.
    reports = await asyncio.to_thread(cut_reports, session_wav, line.config, partial)
    alerts = []
    for facts, segment, flags in reports:
        alerts.append(await line.db(
            lambda s, facts=facts, segment=segment, flags=flags:
                s.file_alert(call_id, facts, segment=segment, language=language, flags=flags)))
    if alerts:
        log.info("%s: radio session filed as %d report(s): %s", call.channel, len(alerts),
                 ", ".join(a["reference"] for a in alerts))
    return alerts


def cut_reports(session_wav, config, partial: bool) -> list[tuple]:
    """The session's reports as (facts, segment number, flags), each in a file of its own."""
    if not session_wav.exists():
        return []
    samples, rate = audio.read_wav(session_wav)
    if len(samples) < rate * audio.MIN_SPEECH_SECONDS:
        session_wav.unlink()
        return []
    segments = audio.split_at_pauses(samples, rate, config.ivr.radio_split_pause_seconds)
    if not segments:
        # Nothing that sounds like speech: keep the whole session for a person to judge.
        flags = [FLAG_SILENT] + ([FLAG_PARTIAL] if partial else [])
        return [(audio.facts(session_wav, config.data_dir), None, flags)]
    reports = []
    for number, segment in enumerate(segments, start=1):
        part = session_wav.with_name(f"{session_wav.stem}-{number:02d}.wav")
        audio.write_wav(part, samples[int(segment.start * rate) : int(segment.end * rate)], rate)
        flags = [FLAG_PARTIAL] if partial and number == len(segments) else []
        reports.append((audio.facts(part, config.data_dir, offset_seconds=segment.start), number, flags))
    # Every speech frame is in a segment file; the session file would only duplicate them.
    session_wav.unlink()
    # Its removal on disk too: brought back by a power cut, it would be filed again as a leftover.
    sync(session_wav.parent)
    return reports
