"""A recording drawn as a waveform on the alert page: its peaks and voiced regions as JSON.

    GET /alerts/<id>/waveform/<recording_id>   {duration, peaks: [0..1, ...], voiced: [[start, end], ...]}

The browser never downloads the audio to draw it: the peaks come from the server (a few
kilobytes for a minute), so a page on a slow link shows the waveform at once and the
audio is fetched only when the verifier plays it, which is also when a listen counts.
Voiced regions are core.audio.speech's, the detector the IVR uses.
"""

from __future__ import annotations

import logging

import numpy as np
from flask import Blueprint, current_app, jsonify

from core.audio import formats, speech

from . import audio
from .claims import load_alert
from .context import get_store
from .i18n import translate as _
from .templating import refused

log = logging.getLogger(__name__)

bp = Blueprint("waveform", __name__)

PEAKS_PER_SECOND = 25    # finer than a pixel of the page's waveform for recordings over 40 s
MAX_PEAKS = 3000         # a long radio session is drawn coarser, not heavier
VOICE_PAUSE_SECONDS = 0.2   # pauses shorter than this stay inside one voiced region


def peaks(samples: np.ndarray, rate: int) -> list[float]:
    """The loudest sample of each bucket, 0..1 of the recording's own loudest (as drawn)."""
    if len(samples) == 0:
        return []
    count = int(min(MAX_PEAKS, max(1, round(len(samples) / rate * PEAKS_PER_SECOND))))
    magnitude = np.abs(samples.astype(np.int32))
    edges = np.linspace(0, len(magnitude), count + 1).astype(int)
    loudest = np.maximum.reduceat(magnitude, edges[:-1])
    top = max(1, int(loudest.max()))
    return [round(float(v), 3) for v in loudest / top]


def voiced(samples: np.ndarray, rate: int) -> list[list[float]]:
    return [[s.start, s.end] for s in speech.split_at_pauses(samples, rate, VOICE_PAUSE_SECONDS, margin=0.0)]


def describe(recording_path) -> dict:
    loaded = formats.load(recording_path)
    return {"duration": round(loaded.seconds, 3), "peaks": peaks(loaded.samples, loaded.rate),
            "voiced": voiced(loaded.samples, loaded.rate)}


@bp.route("/alerts/<id:alert_id>/waveform/<id:recording_id>")
def show(alert_id: int, recording_id: int):
    load_alert(alert_id)
    recording = get_store().get_recording(recording_id)
    if recording is None or recording["alert_id"] != alert_id:
        raise refused(404, _("error.404"))
    try:
        drawn = describe(audio.source_path(current_app.config["SAUTI_CONFIG"].data_dir, recording))
    except (audio.RecordingMissing, formats.AudioError) as exc:
        log.error("alert %s: no waveform: %s", alert_id, exc)
        raise refused(404, _("alert.recording_missing")) from None
    response = jsonify(drawn)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
