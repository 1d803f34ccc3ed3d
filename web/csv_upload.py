"""CSV files admins upload (the gazetteer, the directory): their own size limit, read as UTF-8.

A gazetteer for a whole province is larger than the app-wide 256 KiB request limit, so
these two forms get MAX_CSV_BYTES (shown on the form), as prompt uploads get theirs.
"""

from __future__ import annotations

from flask import request

MAX_CSV_BYTES = 2 * 1024 * 1024
FORM_BYTES = 64 * 1024  # the rest of the form: its token, the replace box, field names
# An import that removes rows asks first; its confirmation carries the file as this form field.
CARRIED_CSV = "csv_text"
ENDPOINTS = ("gazetteer.import_csv", "directory.import_csv")


class CsvRefused(Exception):
    """Why an uploaded CSV cannot be read: a catalogue key (csv.no_file, csv.not_utf8, csv.too_big)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def allow_csv_upload() -> None:
    """Registered before any hook reads the form."""
    if request.endpoint in ENDPOINTS:
        request.max_content_length = MAX_CSV_BYTES + FORM_BYTES


def uploaded_csv(field: str = "file") -> str:
    """The uploaded file's text; CsvRefused if none was chosen, it is too big or it is not UTF-8."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise CsvRefused("csv.no_file")
    with upload.stream:  # a large upload is spooled to a temporary file: closed here, not at collection
        data = upload.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise CsvRefused("csv.too_big")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CsvRefused("csv.not_utf8") from None


def carried_csv() -> str:
    """The file's text as the confirmation page carried it (a textarea: its line breaks come back as CRLF)."""
    text = request.form.get(CARRIED_CSV, "").replace("\r\n", "\n")
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        raise CsvRefused("csv.too_big")
    if not text.strip():
        raise CsvRefused("csv.no_file")
    return text


def limit_mb() -> int:
    return MAX_CSV_BYTES // (1024 * 1024)
