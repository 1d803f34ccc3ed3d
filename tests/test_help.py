"""The console's help: the guide in the user's language, behind the login, and a section of
it for every page of the console."""

from __future__ import annotations

from web.help import SECTION_OF_BLUEPRINT, SECTION_OF_ENDPOINT, guide_path, section_for, sections
from tests.fixtures.web import login, post


def test_both_guides_have_the_same_sections_in_the_same_order():
    assert sections("fr") == sections("en")
    assert len(sections("fr")) == len(set(sections("fr"))) >= 15


def test_every_page_of_the_console_has_its_section(app):
    known = set(sections("fr"))
    assert set(SECTION_OF_BLUEPRINT.values()) | set(SECTION_OF_ENDPOINT.values()) <= known
    pages = [rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"]
    unmapped = [e for e in pages if e.split(".")[0] not in SECTION_OF_BLUEPRINT and e not in SECTION_OF_ENDPOINT]
    assert not unmapped, unmapped
    assert section_for("responses.report") == "reports" and section_for("alerts.show") == "alert"


def test_help_is_in_the_console_language_and_behind_the_login(client):
    assert client.get("/help/").status_code == 302
    login(client, "vera")
    page = client.get("/help/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Écouter et corriger une alerte" in page and '<a id="alert"></a>' in page
    assert 'href="/help/#start"' in page   # the help page's own link, to the guide's start
    post(client, "/language", {"lang": "en"})
    page = client.get("/help/").get_data(as_text=True)
    assert "Listening to and correcting an alert" in page
    queue = client.get("/").get_data(as_text=True)
    assert 'href="/help/#queue"' in queue


def test_the_pictures_are_served_and_nothing_else(client):
    login(client, "vera")
    picture = client.get("/help/images/queue.fr.jpg")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert "max-age" in picture.headers["Cache-Control"]
    picture.close()   # a file response holds the file open until closed
    assert client.get("/help/images/..%2Fguide.fr.md").status_code == 404
    assert client.get("/help/images/../../__init__.py").status_code == 404
    assert guide_path("fr").exists() and guide_path("en").exists()

