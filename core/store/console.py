"""Queries for the verification console (queue, filters, search). Filled in by the console work."""


class ConsoleMixin:
    pass
