"""Verifiers' areas: set by an admin (console, CLI), audited, and the queue's "my areas" by default."""

from __future__ import annotations

import pytest

from core.store.queue import MY_AREAS, QueueFilter
from tests.fixtures.web import login, make_alert, post


@pytest.fixture
def beni(fresh_db):
    fresh_db.add_locality("4021", "Kalunguta", "Beni")
    fresh_db.add_locality("4022", "Mabalako", "Beni")
    fresh_db.add_locality("5001", "Bunia", "Irumu")
    fresh_db.add_locality("5002", "Komanda", "Irumu")
    return fresh_db


def alerts_in(store, config, *localities) -> dict:
    return {locality: make_alert(store, config, locality=locality, write_audio=False)["id"] for locality in localities}


def mine(store, viewer: str) -> set[int]:
    return {row["id"] for row in store.queue(QueueFilter(areas=MY_AREAS, viewer=viewer))}


def test_a_territory_covers_its_localities_and_an_alert_without_locality_is_everyones(beni, config, app):
    ids = alerts_in(beni, config, "4021", "4022", "5001", "5002", None, "beni", "Walikale")
    assert beni.set_user_areas("vera", [("territory", "Beni"), ("locality", "5001")], "ada")
    assert mine(beni, "vera") == {ids["4021"], ids["4022"], ids["5001"], ids[None], ids["beni"]}
    # An account without areas sees only what is everyone's under "my areas"; the filter is off by default.
    assert mine(beni, "sam") == {ids[None]}
    assert len(beni.queue(QueueFilter(viewer="vera"))) == len(ids)


def test_areas_are_audited_with_what_they_were_and_unchanged_areas_write_nothing(beni, app):
    user_id = beni.get_user("vera")["id"]
    beni.set_user_areas("vera", [("locality", "4021")], "ada")
    assert not beni.set_user_areas("vera", [("locality", "4021")], "ada")
    beni.set_user_areas("vera", [("territory", "Irumu")], "ada")
    entries = [e for e in beni.audit_entries("user", user_id) if e["action"] == "areas"]
    assert [(e["actor"], e["before"], e["after"]) for e in entries] == [
        ("ada", {"localities": ["4021"]}, {"localities": ["Irumu"]}), ("ada", {"localities": []}, {"localities": ["4021"]})]
    with pytest.raises(KeyError):
        beni.set_user_areas("nobody", [], "ada")


def test_what_an_admin_types_is_a_code_or_a_territory(beni):
    assert beni.find_areas(["4021", " irumu ", "", "Goma"]) == ([("locality", "4021"), ("territory", "Irumu")],
                                                                ["Goma"])


def test_the_accounts_page_sets_areas_and_refuses_unknown_ones(beni, client):
    login(client, "ada")
    response = post(client, "/admin/users/vera/areas", {"areas": "4021, Irumu"})
    assert response.status_code == 302
    assert [(r["kind"], r["area"]) for r in beni.user_areas("vera")] == [("locality", "4021"), ("territory", "Irumu")]
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'value="4021, Irumu"' in page
    response = post(client, "/admin/users/vera/areas", {"areas": "4021, Goma"})
    assert response.status_code == 400 and "Goma" in response.get_data(as_text=True)
    assert len(beni.user_areas("vera")) == 2, "nothing changed"
    assert post(client, "/admin/users/vera/areas", {"areas": ""}).status_code == 302
    assert beni.user_areas("vera") == []


def test_only_admins_set_areas(beni, client):
    login(client, "sam")
    assert post(client, "/admin/users/vera/areas", {"areas": "4021"}).status_code == 403
    assert beni.user_areas("vera") == []


def test_a_verifiers_queue_opens_on_their_areas(beni, config, client):
    ids = alerts_in(beni, config, "4021", "5001", None)
    refs = {locality: beni.get_alert(alert_id)["reference"] for locality, alert_id in ids.items()}
    beni.set_user_areas("vera", [("territory", "Beni")], "ada")
    login(client, "vera")
    page = client.get("/").get_data(as_text=True)
    assert refs["4021"] in page and refs[None] in page and refs["5001"] not in page
    assert '<option value="mine" selected>' in page
    page = client.get("/?areas=all").get_data(as_text=True)
    assert all(ref in page for ref in refs.values())


def test_the_cli_shows_and_sets_areas(beni, runner, app):
    result = runner.invoke("user", "areas", "vera", "4021", "Irumu")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["locality\t4021\tKalunguta", "territory\tIrumu"]
    result = runner.invoke("user", "areas", "vera", "Goma")
    assert result.exit_code == 1 and "Goma" in result.output
    assert runner.invoke("user", "areas", "vera").output.splitlines()[1] == "territory\tIrumu"
    assert runner.invoke("user", "areas", "vera", "--clear").output == ""
    assert runner.invoke("user", "areas", "nobody").exit_code == 1
    assert [e["actor"] for e in beni.audit_entries("user") if e["action"] == "areas"] == ["cli", "cli"]
