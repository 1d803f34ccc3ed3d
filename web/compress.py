"""gzip for text responses: pages, JSON and the queue's poll, for verifiers on slow links.

A page of the queue is tens of kilobytes of HTML that gzip shrinks five- to tenfold.
Only when the browser asks for it (Accept-Encoding), only for text, and only above
a small size, where the header and CPU cost less than the bytes saved. Files sent
as they are (audio, static files with a year's cache) are left alone.
"""

from __future__ import annotations

import gzip

from flask import request

MIN_BYTES = 500
LEVEL = 6  # most of the gain of 9 for a fraction of the CPU
TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


def accepts_gzip() -> bool:
    return any(coding.lower() == "gzip" and quality > 0 for coding, quality in request.accept_encodings)


def compress(response):
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
        or "Content-Encoding" in response.headers
        or not response.mimetype.startswith(TEXT_TYPES)
        or not accepts_gzip()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_compression(app) -> None:
    app.after_request(compress)
