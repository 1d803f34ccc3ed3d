"""Sauti's shared core: configuration, the alert model, identity and the store.

Services (`ivr`, `asr`, `web`) and tools (`pbx`, `phone`) build on this package;
it imports none of them.
"""
