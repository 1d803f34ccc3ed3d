"""Who may use the routes added this session: each role, each route, on a real object (id 1).

The complaints are for the complaints role alone, whatever the rank; the admin pages
for admins; reports, broadcasts and exports from supervisor up; the live calls and
incidents for every verifier; the CAP feed for an API token, never a session.
"""

from __future__ import annotations

import pytest

from tests.fixtures.web import csrf, login
from tests.test_web_hostile import AREAS, fill, fuzz_client, routes  # noqa: F401  (fuzz_client: a fixture)

EVERY_VERIFIER = ("/live/", "/incidents")
ADMIN_ONLY = ("/admin/", "/shareable", "/edit", "/questions", "/active")


def expected_refusal(user: str, method: str, path: str) -> int | None:
    """The status a user must get on a route, or None if the route is theirs."""
    if path.startswith("/feeds/"):
        return 401
    if path.startswith("/complaints"):
        return 403   # nobody here holds the complaints role
    if path.startswith(EVERY_VERIFIER):
        return None
    if user == "vera" or (user == "sam" and (any(part in path for part in ADMIN_ONLY)
                                            or (path.startswith("/surveys") and method == "POST"
                                                and (path == "/surveys" or "/runs" in path)))):
        return 403
    return None


@pytest.mark.parametrize("user", ["vera", "sam", "ada"])
def test_each_role_gets_only_its_routes(app, fuzz_client, fresh_db, user):
    fresh_db.set_complaints_role("ada", False, "test")
    fuzz_client.post("/logout", data={"csrf_token": csrf(fuzz_client)})
    login(fuzz_client, user)
    checked = 0
    for rule, method in routes(app):
        if not any(area in rule.rule for area in AREAS):
            continue
        url = fill(rule, {name: "1" for name in rule.arguments})
        if method == "GET":
            response = fuzz_client.get(url)
        else:
            response = fuzz_client.post(url, data={"csrf_token": csrf(fuzz_client)})
        response.close()
        refusal = expected_refusal(user, method, rule.rule)
        if refusal:
            assert response.status_code == refusal, (user, method, url, response.status_code)
        else:
            assert response.status_code not in (401, 403), (user, method, url, response.status_code)
        checked += 1
    assert checked > 30


def test_the_complaints_role_opens_the_complaints_whatever_the_rank(app, fuzz_client, fresh_db):
    fresh_db.set_complaints_role("vera", True, "test")
    fuzz_client.post("/logout", data={"csrf_token": csrf(fuzz_client)})
    login(fuzz_client, "vera")
    assert fuzz_client.get("/complaints").status_code == 200
    assert fuzz_client.get("/complaints/1").status_code == 200
    assert fuzz_client.get("/admin/localities").status_code == 403


def test_a_post_without_its_token_changes_nothing(app, fuzz_client, fresh_db):
    before = len(fresh_db.audit_entries())
    for rule, method in routes(app):
        if method == "POST" and any(area in rule.rule for area in AREAS):
            response = fuzz_client.post(fill(rule, {name: "1" for name in rule.arguments}), data={"name": "x"})
            assert response.status_code == 400, rule.rule
    assert len(fresh_db.audit_entries()) == before


def test_deleting_an_unknown_committee_is_a_404_not_a_conflict(fuzz_client):
    response = fuzz_client.post("/admin/committees/99/delete", data={"csrf_token": csrf(fuzz_client)})
    assert response.status_code == 404 and "Ce comité n&#39;existe pas" in response.text
