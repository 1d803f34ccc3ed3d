"""The transcription worker: every stored recording becomes a transcript with risk keywords.

    engine.py     Vosk models (one per language, loaded once per process), decoding
    lexicon.py    keyword lexicons (lexicons/*.txt) and the priority score
    pipeline.py   one alert's recordings -> Transcription (shared by worker and CLI)
    worker.py     claims "transcribe" jobs, runs the pipeline, stores results
    install.py, config_file.py   `sauti models add`

Reading the recordings (every Asterisk format, resampling) and finding their speech
(Silero VAD) are in core.audio, shared with the IVR, the prompts and the console.
Imports only `core`; the CLI (`sauti worker`, `sauti models`, `sauti transcribe`) wires it.
"""
