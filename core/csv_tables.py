"""CSV tables that people export, edit in a spreadsheet and import back (the gazetteer,
the directory): one way to read them (a byte-order mark tolerated, the header
required, one bad or repeated row refusing the whole file) and one way to write them.

A control character (NUL, escape...) refuses the file too: invisible in a spreadsheet and on
the console's pages, it would make two names that look the same differ, and a NUL cuts a
name short where C code reads it (Asterisk, the log).

Every CSV Sauti writes goes through `CsvWriter` (or `write_table`): a text cell that a
spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return)
gets a leading single quote, OWASP's advice against CSV injection; numbers, and text
that reads as a plain number (a latitude of -1.68), stay as they are. `read_table`
takes that one quote off again, so an export imported back is identical."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
# Tabs and line breaks are kept for the parsers, which fold them into spaces (a quoted cell may hold them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class RowError(ValueError):
    """A row or form that cannot be taken; the message names the row and the field.

    `reason` and `params` say the same for a translation (the console's
    <table>.reason.<reason>); `line` is the CSV line, None for a form.
    """

    def __init__(self, message: str, reason: str, line: int | None = None, **params):
        super().__init__(f"line {line}: {message}" if line else message)
        self.reason, self.line, self.params = reason, line, params


def read_table(text: str, required: Sequence[str], make: Callable[[dict, int], Item], key: Callable[[Item], object],
               missing_columns: Callable[[list[str]], Exception],
               repeated: Callable[[Item, int], Exception], error: type[RowError] = RowError) -> list[Item]:
    """`make(row, line)` for every row; raises `missing_columns(names)` or `repeated(item, line)`,
    and `error` (reason `control`) for a control character in any cell.

    `line` is the row's line in the file (the header is line 1), for messages people can find.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = sorted(set(required) - set(reader.fieldnames or ()))
    if missing:
        raise missing_columns(missing)
    items, seen = [], set()
    for line, row in enumerate(reader, start=2):
        row = {column: _imported(value) for column, value in row.items()}
        refuse_control_characters(row, line, error)
        item = make(row, line)
        if key(item) in seen:
            raise repeated(item, line)
        seen.add(key(item))
        items.append(item)
    return items


def refuse_control_characters(row: dict, line: int, error: type[RowError]) -> None:
    for column, value in row.items():
        for cell in value if isinstance(value, list) else [value]:   # cells beyond the header: a list
            found = CONTROL.search(cell or "")
            if found:
                char = f"U+{ord(found.group()):04X}"
                raise error(f"{column or 'a cell beyond the header'} holds a control character ({char})", "control",
                            line, column=column or "", char=char)


def write_table(columns: Sequence[str], rows: Iterable[dict]) -> str:
    """A header and one line per row (dicts keyed by column; other keys ignored), "\\n" line ends."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return out.getvalue()


class CsvWriter:
    """csv.writer with "\\n" line ends whose text cells cannot start a spreadsheet formula."""

    def __init__(self, out):
        self._out, self._row = out, io.StringIO()
        # With "\n" as its line end, csv.writer leaves a lone carriage return in a cell unquoted, and
        # the row breaks in two wherever it is read; with "\r\n" it quotes it, and each row ends in "\n".
        self._writer = csv.writer(self._row, lineterminator="\r\n")

    def writerow(self, row: Iterable) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow([exported_cell(cell) for cell in row])
        self._out.write(self._row.getvalue()[:-2] + "\n")

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def exported_cell(value):
    """The cell as written: a quote before text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and _formula_like(value) else value


def _imported(value):
    """The cell as it was before `exported_cell` (cells beyond the header come as a list)."""
    if isinstance(value, list):
        return [_imported(cell) for cell in value]
    if isinstance(value, str) and value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


def _formula_like(text: str) -> bool:
    # Quotes already in front count as part of the text, so that "'=x" exports as "''=x" and
    # comes back whole: the import removes exactly one quote.
    return text.lstrip("'")[:1] in FORMULA_START and not NUMBER.match(text)
