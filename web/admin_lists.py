"""What the admins' list pages share (gazetteer, directory, committees): the page, CSV in and out.

Each area keeps its own blueprint, template and save/delete rules; these add its
`index` route and, for lists kept as CSV, its `import_csv` and `export_csv` routes,
under the blueprint's own endpoint names (`url_for("gazetteer.index")`...) and
catalogue keys (`<area>.imported`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, url_for

from .csv_upload import CsvRefused, limit_mb, uploaded_csv
from .i18n import translate as _
from .security import role_required


def add_index(bp: Blueprint, page: Callable) -> None:
    """GET "" (admin): the list and its forms."""
    def index():
        return page()

    bp.add_url_rule("", "index", role_required("admin")(index))


def add_csv_routes(bp: Blueprint, page: Callable, *, filename: str, export: Callable[[], str],
                   import_text: Callable[[str], dict], invalid: Callable[[ValueError], str]) -> None:
    """POST /import: `import_text(text)` parses and stores a whole file, returning the summary
    `<area>.imported` shows; a ValueError refuses the file, `invalid(exc)` says why.
    GET /<filename>: the list as `export()` writes it."""
    def import_csv():
        try:
            summary = import_text(uploaded_csv())
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
