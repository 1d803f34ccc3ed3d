"""An admin's delete or disable asks first, without JavaScript: the row's button opens a page that
says what will change, and only its POST with `confirm=1` does it (audited as before).

A POST without the confirmation (a cached form, a crafted request) changes nothing: no row
goes, no audit entry is written, and the question is shown again.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import pytest

from core.identity import check_password
from tests.fixtures.web import PASSWORDS, login, post, post_file


@dataclass
class Change:
    """One change that asks first: where, what the question names, how to see it happened."""
    name: str
    url: Callable[[object], str]
    named: tuple[str, ...]                       # words the question shows (fr)
    done: Callable[[object], bool]
    entity: str                                  # the audit entry the change writes
    fields: dict | None = None                   # what the list's own form sends besides the token


def seed(store, client) -> None:
    assert post(client, "/admin/localities", {"code": "4021", "name": "Kalunguta"}).status_code == 302
    assert post(client, "/admin/committees", {"name": "CLP Beni", "locality": "4021", "pin": "246800"}).status_code == 302
    assert post(client, "/admin/directory", {"kind": "focal_point", "name": "Mama Furaha", "localities": "4021",
                                             "language": "fr", "number": "+243970000111"}).status_code == 302


CHANGES = [
    Change("locality", lambda s: "/admin/localities/4021/delete", ("4021", "Kalunguta"),
           lambda s: s.locality("4021") is None, "locality"),
    Change("committee", lambda s: f"/admin/committees/{s.committees()[0]['id']}/delete", ("CLP Beni", "4021"),
           lambda s: not s.committees(), "committee"),
    Change("directory", lambda s: f"/admin/directory/{s.directory()[0].id}/delete", ("Mama Furaha", "Point focal"),
           lambda s: not s.directory(), "directory"),
    Change("disable", lambda s: "/admin/users/vera/disabled", ("vera",),
           lambda s: bool(s.get_user("vera")["disabled"]), "user", {"disabled": "1"}),
    Change("password", lambda s: "/admin/users/vera/password", ("vera",),
           lambda s: not check_password(s.get_user("vera")["password_hash"], PASSWORDS["vera"]), "user"),
]


def audit_count(store) -> int:
    return len(store.audit_entries(limit=10_000))


@pytest.mark.parametrize("change", CHANGES, ids=[c.name for c in CHANGES])
def test_nothing_changes_until_the_confirmation_page_is_sent(client, fresh_db, change):
    login(client, "ada")
    seed(fresh_db, client)
    url, before = change.url(fresh_db), audit_count(fresh_db)
    asked = client.get(url)
    assert asked.status_code == 200
    question = asked.text.split('id="confirm-question">')[1].split("</p>")[0]
    assert all(word in question for word in change.named), question
    form = asked.text.split('id="confirm-form"')[1].split("</form>")[0]
    assert f'action="{url}"' in asked.text and 'name="confirm" value="1"' in form and 'name="csrf_token"' in form
    assert 'href="/admin/' in form, "a way back that changes nothing"
    # The list's own form, a stale or crafted POST, a confirm that is not "1": the question again, nothing done.
    for extra in ({}, {"confirm": "0"}, {"confirm": "yes"}, {"confirm": ""}):
        again = post(client, url, {**(change.fields or {}), **extra})
        assert again.status_code == 200 and 'id="confirm-form"' in again.text, extra
    assert not change.done(fresh_db) and audit_count(fresh_db) == before, "asking changes nothing"
    sent = post(client, url, {**(change.fields or {}), "confirm": "1"})
    assert sent.status_code in (200, 302)
    assert change.done(fresh_db)
    newest = fresh_db.audit_entries(limit=1)[0]
    assert (newest["actor"], newest["entity"]) == ("ada", change.entity)


def test_the_question_reads_in_english_and_cancel_goes_back(client, fresh_db):
    login(client, "ada")
    seed(fresh_db, client)
    post(client, "/language", {"lang": "en"})
    page = client.get("/admin/localities/4021/delete").text
    assert "Delete the locality 4021 (Kalunguta) from the list?" in page
    assert '<a class="button" href="/admin/localities" id="confirm-cancel">Cancel</a>' in page
    page = client.get("/admin/users/vera/disabled").text
    assert "Disable the account “vera”?" in page and '<button class="primary">Disable</button>' in page


def test_enabling_an_account_needs_no_confirmation(client, fresh_db):
    login(client, "ada")
    fresh_db.update_user("vera", "ada", disabled=1)
    assert post(client, "/admin/users/vera/disabled", {"disabled": "0"}).status_code == 302
    assert not fresh_db.get_user("vera")["disabled"]
    users = client.get("/admin/users").text
    assert '<a class="button" href="/admin/users/vera/disabled">Désactiver</a>' in users


def test_what_cannot_be_deleted_says_so_before_asking(client, fresh_db, config):
    login(client, "ada")
    for url in ("/admin/localities/9999/delete", "/admin/committees/99/delete", "/admin/directory/99/delete",
                "/admin/users/ghost/disabled", "/admin/users/ghost/password"):
        assert client.get(url).status_code == 404, url
        assert post(client, url, {"confirm": "1"}).status_code == 404, url
    assert client.get("/admin/users/ada/disabled").status_code == 400, "not oneself"
    seed(fresh_db, client)
    (committee,) = fresh_db.committees()
    fresh_db.link_committee(fresh_db.create_call("committee"), committee["id"])
    fresh_db.conn.execute("INSERT INTO alerts (reference, call_id, created_at, updated_at)"
                          " SELECT '7777777', id, 'now', 'now' FROM calls WHERE committee_id = ?", (committee["id"],))
    assert client.get(f"/admin/committees/{committee['id']}/delete").status_code == 409, "it has a report"


@pytest.mark.parametrize("user", ["vera", "sam"])
def test_only_admins_are_asked(client, fresh_db, user):
    login(client, user)
    for url in ("/admin/localities/4021/delete", "/admin/users/ada/disabled", "/admin/users/ada/password"):
        assert client.get(url).status_code == 403, url


def test_a_replacing_import_names_what_it_removes_and_carries_the_file(client, fresh_db):
    """"Remove localities the file does not name" asks first, naming them; the question's form carries
    the file (no upload again, no JavaScript); an import that removes nothing does not ask."""
    login(client, "ada")
    for code, name in (("4021", "Kalunguta"), ("4022", "Mabalako"), ("1101", "Beni")):
        assert post(client, "/admin/localities", {"code": code, "name": name}).status_code == 302
    before = audit_count(fresh_db)
    csv_text = "code,name\n1101,Beni\n1102,Oicha\n"
    asked = post_file(client, "/admin/localities/import", csv_text.encode(), data={"replace": "1"})
    assert asked.status_code == 200
    question = asked.text.split('id="confirm-question">')[1].split("</p>")[0]
    assert "retire 2 localité(s)" in question and "4021 Kalunguta, 4022 Mabalako" in question
    assert 'enctype="multipart/form-data"' in asked.text and 'name="replace" value="1"' in asked.text
    assert f'<textarea name="csv_text" hidden>\n{csv_text}</textarea>' in asked.text
    assert audit_count(fresh_db) == before and fresh_db.locality("1102") is None, "asking imports nothing"
    # The carried file without the confirmation: asked again. With it (as a browser sends a textarea: CRLF): done.
    again = post(client, "/admin/localities/import", {"replace": "1", "csv_text": csv_text})
    assert again.status_code == 200 and 'id="confirm-form"' in again.text and fresh_db.locality("4021")
    done = post(client, "/admin/localities/import",
                {"replace": "1", "confirm": "1", "csv_text": csv_text.replace("\n", "\r\n")})
    assert done.status_code == 302
    assert [l.code for l in fresh_db.localities()] == ["1101", "1102"]
    (entry,) = [e for e in fresh_db.audit_entries("gazetteer") if e["action"] == "import"]
    assert entry["after"] == {"added": 1, "updated": 1, "removed": 2} and entry["actor"] == "ada"
    # Nothing to remove, or no "replace": no question.
    assert post_file(client, "/admin/localities/import", csv_text.encode(), data={"replace": "1"}).status_code == 302
    assert post_file(client, "/admin/localities/import", b"code,name\n9,X\n").status_code == 302


@pytest.mark.parametrize("carried, status", [("", 400), (" \n", 400), ("code,name\n1,\n", 400),
                                             ("x" * (2 * 1024 * 1024 + 1), 413)])
def test_a_carried_file_is_checked_as_an_upload_is(client, fresh_db, carried, status):
    login(client, "ada")
    response = post(client, "/admin/localities/import", {"replace": "1", "confirm": "1", "csv_text": carried})
    assert response.status_code == status
    assert not fresh_db.localities()
