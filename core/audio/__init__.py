"""Audio, for every service: one definition of speech, one way to read and write it.

    speech.py        what counts as speech: MIN_SPEECH_SECONDS, `Speech` (its `silent` is the
                     one check every service asks), the level-based detector the IVR runs
                     during a call, and splitting a radio session at its pauses
    vad.py           the Silero detector the ASR runs before decoding; it returns the same
                     `Speech`, judged by the same minimum
    wav.py           16-bit PCM WAV files as numpy samples (what Asterisk records and plays)
    formats.py       every format Asterisk records, as int16 mono samples; resampling
    browser.py       any recording as a file a browser plays (MP3, or WAV without an encoder)
    pydub_import.py  pydub and audioop, imported once without their deprecation warning

Importing this package loads nothing heavy: pydub, soxr and Silero are loaded by the
module that needs them, when it is used.
"""
