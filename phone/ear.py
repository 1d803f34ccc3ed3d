"""The phone's ear: what the line is doing now, from the audio it sends (for `wait beep`, `wait silence`).

A person waits for the beep before speaking and for the line to stop talking
before keying; so does the test phone, instead of counting seconds computed
from today's prompt lengths. Every 20 ms frame the line sends is classed as
quiet, voice or tone. A beep is a steady pure tone (the line's 1 kHz beep,
Asterisk's 700 Hz one) lasting at least BEEP_MIN_SECONDS; it is heard when it
ends, because that is when the line starts recording.
"""

from __future__ import annotations

import threading
import time

import numpy as np

FRAME_SECONDS = 0.02
QUIET_RMS = 0.003          # about -50 dBFS: the line carries nothing (digital silence is 0)
TONE_RMS = 0.01
TONE_SHARE = 0.8           # share of a frame's energy within +-1 bin of its peak for a pure tone
BEEP_MIN_SECONDS = 0.08
QUIET_SECONDS = 0.8        # the line has stopped talking (longer than the pauses inside a prompt)


def classify(samples: np.ndarray) -> tuple[str, int]:
    """("quiet" | "voice" | "tone", peak bin) for one frame of int16 samples."""
    x = samples.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x**2))) if len(x) else 0.0
    if rms < QUIET_RMS:
        return "quiet", -1
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), 512)) ** 2
    peak = int(np.argmax(spectrum))
    share = spectrum[max(0, peak - 2): peak + 3].sum() / max(spectrum.sum(), 1e-12)
    return ("tone" if rms >= TONE_RMS and share >= TONE_SHARE else "voice"), peak


class Ear:
    """Frames in (from the media thread), questions out (from the script's thread)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._tone_since: float | None = None
        self._tone_bin = -1
        self.beeps_ended: list[float] = []     # when each beep ended
        self.last_sound: float | None = None   # when the line last sent voice or tone
        self.quiet_since: float | None = None

    def hear(self, samples: np.ndarray) -> None:
        kind, peak = classify(samples)
        now = self._clock()
        with self._lock:
            steady = kind == "tone" and self._tone_since is not None and abs(peak - self._tone_bin) <= 1
            if kind == "tone" and not steady:
                self._tone_since, self._tone_bin = now, peak
            elif kind != "tone" and self._tone_since is not None:
                if now - self._tone_since >= BEEP_MIN_SECONDS:
                    self.beeps_ended.append(now)
                self._tone_since = None
            if kind == "quiet":
                if self.quiet_since is None:
                    self.quiet_since = now
            else:
                self.last_sound, self.quiet_since = now, None

    def beep_after(self, moment: float) -> float | None:
        """When the first beep that ended after `moment` ended, or None."""
        with self._lock:
            return next((t for t in self.beeps_ended if t > moment), None)

    def silent_after_talk(self, moment: float) -> bool:
        """The line talked after `moment` and has been quiet for QUIET_SECONDS since."""
        with self._lock:
            return (self.last_sound is not None and self.last_sound > moment and self.quiet_since is not None
                    and self._clock() - self.quiet_since >= QUIET_SECONDS)
