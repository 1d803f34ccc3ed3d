"""Keyword lexicons shipped with Sauti (plain text; see core/lexicon.py). A package only so they install."""
