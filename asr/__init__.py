"""The transcription worker: every stored recording becomes a transcript with risk keywords.

    audio.py      Asterisk's recording formats -> int16 mono PCM; band-limited resampling
    vad.py        Silero VAD: silent recordings, leading/trailing silence
    engine.py     Vosk models (one per language, loaded once per process), decoding
    lexicon.py    keyword lexicons (lexicons/*.txt) and the priority score
    pipeline.py   one alert's recordings -> Transcription (shared by worker and CLI)
    worker.py     claims "transcribe" jobs, runs the pipeline, stores results
    install.py, config_file.py   `sauti models add`

Imports only `core`; the CLI (`sauti worker`, `sauti models`, `sauti transcribe`) wires it.
"""
