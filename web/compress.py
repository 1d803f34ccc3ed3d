"""gzip for text responses: pages, JSON and the queue's poll, for verifiers on slow links.

A page of the queue is tens of kilobytes of HTML that gzip shrinks five- to tenfold.
Only when the browser asks for it (Accept-Encoding), only for text, and only above
a small size, where the header and CPU cost less than the bytes saved. Static
scripts and styles (the waveform's library is most of the alert page) are compressed
once per file version and kept; audio and other files sent as they are are left alone.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from flask import current_app, request

MIN_BYTES = 500
LEVEL = 6  # most of the gain of 9 for a fraction of the CPU
TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


def accepts_gzip() -> bool:
    return any(coding.lower() == "gzip" and quality > 0 for coding, quality in request.accept_encodings)


@functools.lru_cache(maxsize=64)
def _gzipped_file(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)  # once per version: the best level


def _compress_static(response):
    path = Path(current_app.static_folder, request.view_args["filename"])
    if response.status_code != 200 or not path.is_file() or not response.mimetype.startswith(TEXT_TYPES):
        return response
    data = _gzipped_file(path, path.stat().st_mtime_ns)
    response.close()  # the file send_file opened
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Encoding"] = "gzip"
    return response


def compress(response):
    response.vary.add("Accept-Encoding")
    if request.endpoint == "static" and accepts_gzip() and "Content-Encoding" not in response.headers:
        return _compress_static(response)
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
