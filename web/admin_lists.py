"""What the admins' list pages share (gazetteer, directory, committees): the page, deleting a row
after asking, CSV in and out, and a refused row in words.

Each area keeps its own blueprint, template and save rules; these add its `index` and
`delete` routes and, for lists kept as CSV, its `import_csv` and `export_csv` routes,
under the blueprint's own endpoint names (`url_for("gazetteer.index")`...) and
catalogue keys (`<area>.imported`, `<area>.delete`, `<area>.reason.<reason>`).

The save routes stay in each area: they look alike (form → core's check → store →
flash), but what they do is each area's own: the directory seals a number under its
key and never sends a typed one back, the gazetteer checks coordinates, a committee
hashes its PIN and refuses a PIN another committee holds.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, request, url_for

from core.csv_tables import RowError

from .confirm import CONFIRM_FIELD, ask, confirmed
from .csv_upload import CARRIED_CSV, CsvRefused, carried_csv, limit_mb, uploaded_csv
from .i18n import translate as _
from .security import role_required


def add_index(bp: Blueprint, page: Callable) -> None:
    """GET "" (admin): the list and its forms."""
    def index():
        return page()

    bp.add_url_rule("", "index", role_required("admin")(index))


def add_delete_route(bp: Blueprint, page: Callable, key: str, *, find: Callable, delete: Callable[[object], bool],
                     question: Callable, unknown: Callable[[object], str], deleted: Callable,
                     refuse: Callable = lambda found: None) -> None:
    """GET|POST /<key>/delete (admin): `find(key)` the row, None if there is none (404, `unknown(key)`);
    `refuse(found)` a reason it cannot go (409), else None; then ask (web.confirm) with
    `question(found)`, and only the confirmation's POST runs `delete(key)` (the store audits it)
    and says `deleted(found)`."""
    def delete_row(**path):
        (value,) = path.values()
        found = find(value)
        if found is None:
            return page(404, error=unknown(value))
        reason = refuse(found)
        if reason:
            return page(409, error=reason)
        if not confirmed():
            return ask(question(found), _(f"{bp.name}.delete"), url_for(f"{bp.name}.index"))
        if not delete(value):
            return page(404, error=unknown(value))   # gone while the question was open
        flash(deleted(found), "success")
        return redirect(url_for(f"{bp.name}.index"))

    bp.add_url_rule(f"/<{key}>/delete", "delete", role_required("admin")(delete_row), methods=("GET", "POST"))


def refusal(area: str, exc: RowError) -> str:
    """Why core refused a row or a form, in the user's language (core's message is English, for the
    CLI and the log): `<area>.reason.<reason>`, with its CSV line (`<area>.at_line`)."""
    detail = _(f"{area}.reason.{exc.reason}", **exc.params)
    return _(f"{area}.at_line", line=exc.line, detail=detail) if exc.line else detail


def add_csv_routes(bp: Blueprint, page: Callable, *, filename: str, export: Callable[[], str],
                   import_text: Callable[[str], dict], invalid: Callable[[ValueError], str],
                   takes_away: Callable[[str], str | None] = lambda text: None) -> None:
    """POST /import: `import_text(text)` parses and stores a whole file, returning the summary
    `<area>.imported` shows; a ValueError refuses the file, `invalid(exc)` says why. When
    `takes_away(text)` says what the import would remove (None: nothing), it asks first
    (web.confirm), the file carried in the confirmation's form (CARRIED_CSV).
    GET /<filename>: the list as `export()` writes it."""
    def import_csv():
        try:
            text = carried_csv() if CARRIED_CSV in request.form else uploaded_csv()
            question = None if confirmed() else takes_away(text)
            if question:
                fields = {key: value for key, value in request.form.items()
                          if key not in ("csrf_token", CONFIRM_FIELD, CARRIED_CSV)}
                return ask(question, _(f"{bp.name}.import"), url_for(f"{bp.name}.index"), fields,
                           texts={CARRIED_CSV: text})
            summary = import_text(text)
        except CsvRefused as refused:
            return page(413 if refused.key == "csv.too_big" else 400, error=_(refused.key, mb=limit_mb()))
        except ValueError as exc:
            return page(400, error=invalid(exc))
        flash(_(f"{bp.name}.imported", **summary), "success")
        return redirect(url_for(f"{bp.name}.index"))

    def export_csv():
        return Response(export(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={filename}"})

    bp.add_url_rule("/import", "import_csv", role_required("admin")(import_csv), methods=("POST",))
    bp.add_url_rule(f"/{filename}", "export_csv", role_required("admin")(export_csv))
