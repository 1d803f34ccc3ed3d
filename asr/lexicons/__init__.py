"""Keyword lexicons shipped with Sauti (plain text; see asr/lexicon.py). A package only so they install."""
