"""Sauti's shared core: configuration, the alert model, identity, the store (all SQL),
audio (`core.audio`: what counts as speech, every recording format, pydub) and the
voice prompts (`core.prompts`: catalogue, files, synthesis, installing a recording).

Services (`ivr`, `asr`, `web`) and tools (`pbx`, `phone`) build on this package;
it imports none of them.
"""
