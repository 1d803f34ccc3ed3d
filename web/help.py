"""The console's help: the verifiers' and supervisors' guide, rendered from the installation's
own copy (web/guide/guide.<lang>.md, French first), its pictures included, in the user's
console language, since installations are offline and a guide on a website would not reach
them. Every page of the console links to its section (`section_for`).

    GET /help/                the guide in the console language
    GET /help/images/<name>   its pictures (written by tests/test_guide_screenshots.py)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import markdown
from flask import Blueprint, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from .i18n import current_language

GUIDE_DIR = Path(__file__).resolve().parent / "guide"
IMAGES_DIR = GUIDE_DIR / "images"
# A section starts with `<a id="NAME"></a>` before its heading, the same names in both
# languages, so a page links to its section whichever language the user reads.
SECTION = re.compile(r'<a id="([a-z-]+)"></a>')

bp = Blueprint("help", __name__)

# The guide's section for each page: by endpoint where a blueprint serves several kinds of page,
# else by blueprint.
SECTION_OF_ENDPOINT = {
    "responses.report": "reports",
    "responses.report_csv": "reports",
    "admin.audit": "audit",
}
SECTION_OF_BLUEPRINT = {
    "queue": "queue",
    "alerts": "alert",
    "claims": "alert",
    "live": "live",
    "incidents": "incidents",
    "spotting": "examples",
    "waveform": "alert",
    "exports": "exports",
    "sharing": "exports",
    "broadcasts": "broadcasts",
    "responses": "responses",
    "complaints": "complaints",
    "surveys": "surveys",
    "committees": "administration",
    "admin": "administration",
    "prompts": "administration",
    "gazetteer": "administration",
    "directory": "administration",
    "duty": "administration",
    "auth": "start",
    "help": "start",
}


def section_for(endpoint: str | None) -> str:
    if not endpoint:
        return "start"
    return SECTION_OF_ENDPOINT.get(endpoint) or SECTION_OF_BLUEPRINT.get(endpoint.split(".")[0], "start")


def guide_path(lang: str) -> Path:
    return GUIDE_DIR / f"guide.{lang}.md"


@functools.cache
def rendered(lang: str) -> Markup:
    """The guide as HTML (the guide is the installation's own file, not user input)."""
    return Markup(markdown.markdown(guide_path(lang).read_text(encoding="utf-8"), extensions=["tables"]))


def sections(lang: str) -> list[str]:
    return SECTION.findall(guide_path(lang).read_text(encoding="utf-8"))


def help_url() -> str:
    return url_for("help.index", _anchor=section_for(request.endpoint))


@bp.route("/help/")
def index():
    return render_template("help.html", guide=rendered(current_language()))


@bp.route("/help/images/<name>")
def image(name: str):
    # Screenshots of test data, the same for every user: cached, unlike the console's pages.
    response = send_from_directory(IMAGES_DIR, name, max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
