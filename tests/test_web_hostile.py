"""The console under hostile and careless input: never a 500, always a 4xx in the user's language.

The probes of the reliability issue first (numbers beyond 64 bits, NUL and control
characters, digits that are not ASCII), then hypothesis fuzzing every route and
form: whatever is sent, the answer is never a server error. TESTING makes Flask
raise instead of answering 500, so an unhandled exception fails the test with its
traceback.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.gazetteer import Locality
from tests.fixtures.web import csrf, login, make_alert, post, post_file

BIG = "9" * 25  # beyond SQLite's 64-bit integers
HOSTILE = ["//[x", "http://[", "/\\evil.example", BIG, "-" + BIG, "18446744073709551616", "9223372036854775808",
           "²", "١٢٣", "𝟙𝟚", "#" + BIG, "#²", "a\x00b", "\x00", "\x1b[31m", "\u202e", "-1", "0", "", " ", "1e9",
           "0x10", "%00", "../etc", "'", '"']


@pytest.mark.parametrize("url", [
    f"/?page={BIG}", f"/?page=-{BIG}", "/?page=%C2%B2", "/?page=%D9%A1", "/?page=0", "/?page=abc",
    "/?date_from=9999-12-31", "/?date_to=2026-02-30", "/?date_from=%D9%A1%D9%A1%D9%A1%D9%A1-01-01",
    "/?q=a%00b", "/?q=%1B", "/?locality=%00", "/?date_from=%00", "/?status=%00",
    f"/alerts/{BIG}", "/alerts/%C2%B2", "/alerts/1/audio/" + BIG, f"/admin/audit?before={BIG}",
    "/admin/audit?before=%C2%B2", "/admin/audit?actor=a%00", "/admin/users/a%00b/role", "/login?next=%00",
    "/" + "x" * 3000, "/?q=" + "a" * 5000,
])
def test_hostile_urls_get_a_clear_4xx(client, fresh_db, config, url):
    make_alert(fresh_db, config)
    login(client, "ada")
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    if response.status_code in (400, 422):
        assert any(words in response.text for words in ("caractères de contrôle", "nombre entier", "trop long",
                                                         "date du calendrier")), response.text


@pytest.mark.parametrize("q", ["²²²²²²²", "#" + BIG, BIG, "#²", "١٢٣٤٥٦٧", '"', "NEAR(", "*"])
def test_searching_for_numbers_of_any_kind_is_just_a_search(client, fresh_db, config, q):
    """'²²²²²²²' looks like a reference to str.isdigit(), but it is none."""
    make_alert(fresh_db, config)
    login(client)
    assert client.get("/", query_string={"q": q}).status_code == 200


@pytest.mark.parametrize("typed", ["#" + BIG, BIG, "#²", "²²²²²²²", "１２３４５６７", "#-1", "#", "x" * 100])
def test_duplicate_of_anything_typed_is_refused_in_french(client, fresh_db, config, typed):
    alert = make_alert(fresh_db, config)
    login(client, "sam")
    response = post(client, f"/alerts/{alert['id']}/decision", {"status": "duplicate", "duplicate_of": typed})
    assert response.status_code in (400, 422)
    assert 'id="form-error"' in response.text
    assert f'value="{typed}"' in response.text or len(typed) > 20  # what was typed is still there
    assert fresh_db.get_alert(alert["id"])["status"] == "new"


@pytest.mark.parametrize("path, field", [("transcript", "text"), ("notes", "text"), ("details", "locality"),
                                         ("details", "language")])
def test_control_characters_in_forms(client, fresh_db, config, path, field):
    alert = make_alert(fresh_db, config)
    login(client)
    response = post(client, f"/alerts/{alert['id']}/{path}", {field: "Djugu\x00\x07"})
    assert response.status_code < 500
    if path != "details":  # free text: the invisible characters are dropped, the words kept
        assert response.status_code == 302
    else:
        assert response.status_code == 400 and "caractères de contrôle" in response.text


def test_the_store_finds_no_alert_for_odd_numbers(fresh_db, config):
    alert = make_alert(fresh_db, config)
    assert fresh_db.find_alert_id(alert["reference"]) == fresh_db.find_alert_id(f"#{alert['id']}") == alert["id"]
    for text in ("#²", "²²²²²²²", "#" + BIG, "#١", "١٢٣٤٥٦٧", "#", "", "#-1"):
        assert fresh_db.find_alert_id(text) is None, text


@pytest.mark.parametrize("target", ["//[x", "http://[", "/\\evil.example", "\\\\evil.example", "/ok?x=["])
def test_odd_next_urls_after_login(client, fresh_db, target):
    response = client.post("/login", data={"username": "vera", "password": "vera-password", "next": target,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 302 and response.location in ("/", "/ok?x=%5B")
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": csrf(client)})
    assert response.status_code == 302


def test_json_errors_are_in_the_user_s_language(client, fresh_db, config):
    login(client)
    response = client.get(f"/alerts/{BIG}", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json == {"ok": False, "error": "Introuvable"}
    response = client.get("/?page=%C2%B2", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "nombre entier" in response.json["error"]
    client.post("/language", data={"lang": "en", "csrf_token": csrf(client)})
    response = client.get(f"/alerts/{BIG}", headers={"Accept": "application/json"})
    assert response.json["error"] == "Not found"


# -- fuzzing every route -------------------------------------------------------------

texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Cc", "Zs"]), max_size=12),
    st.dates().map(str),
)
ids = st.one_of(st.sampled_from(["1", "2"]), st.integers(min_value=0, max_value=2**70).map(str), texts)
FORM_FIELDS = ["text", "status", "duplicate_of", "tag", "language", "locality", "seen_status", "username",
               "password", "role", "disabled", "lang", "next", "current", "new", "confirm",
               # the forms added with incidents, the gazetteer, the directory, responses, broadcasts,
               # complaints, committees and surveys
               "alerts", "alert", "shareable", "code", "name", "territory", "province", "latitude", "longitude",
               "kind", "localities", "number", "order", "action", "outcome", "message", "pin", "active",
               "position", "answers", "replace", "complaints", "note", "other"]
FILE_FIELDS = ["file", "message", "recording"]  # the upload forms' file inputs
QUERY_FIELDS = ["page", "q", "status", "language", "locality", "source", "date_from", "date_to", "category",
                "before", "actor", "entity", "action", "next", "since", "recordings", "by", "period", "week"]
# The areas added by issues 13-18: each must have routes, and every one of them is probed below.
AREAS = ["/admin/localities", "/incidents", "/exports", "/feeds", "/live", "/admin/directory", "/admin/committees",
         "/complaints", "/surveys", "/responses", "/reopen", "/shareable", "/broadcasts", "/reports"]


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def fill(rule, values: dict) -> str:
    """The rule's path with each <converter:name> replaced by its value, percent-encoded."""
    path = rule.rule
    for name in rule.arguments:
        start = path.index("<")
        path = path[:start] + quote(values[name], safe="") + path[path.index(">", start) + 1:]
    return path


@pytest.fixture
def fuzz_client(app, fresh_db, config):
    """ada, an admin who also holds the complaints role, over one thing of each kind (id 1)."""
    make_alert(fresh_db, config)
    make_alert(fresh_db, config)
    fresh_db.set_complaints_role("ada", True, "test")
    fresh_db.file_complaint("31415926", "fr", None, None)
    fresh_db.save_locality(Locality("1", "Beni"), "test")
    fresh_db.create_survey("Sécurité", "test")
    client = app.test_client()
    login(client, "ada")
    return client


def ensure_logged_in(client):
    if client.get("/queue/stats", headers={"Accept": "application/json"}).status_code == 401:
        login(client, "ada")


FUZZ = settings(max_examples=250, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_no_route_answers_500(app, fuzz_client, data):
    """Any route, any method it takes, any path values, query and form: never a server error."""
    rule, method = data.draw(st.sampled_from(sorted(routes(app), key=lambda r: (r[0].rule, r[1]))), label="route")
    values = {name: data.draw(ids, label=name) for name in sorted(rule.arguments)}
    url = fill(rule, values)
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_FIELDS), texts, max_size=3), label="query")
    ensure_logged_in(fuzz_client)
    if method == "GET":
        response = fuzz_client.get(url, query_string=query)
    else:
        form = data.draw(st.dictionaries(st.sampled_from(FORM_FIELDS), texts, max_size=4), label="form")
        for field in data.draw(st.lists(st.sampled_from(FILE_FIELDS), max_size=1, unique=True), label="files"):
            content = data.draw(st.binary(max_size=64), label="content")
            form[field] = (io.BytesIO(content), data.draw(st.text(max_size=300), label="filename") or "x")
        response = fuzz_client.post(url, query_string=query, data={**form, "csrf_token": csrf(fuzz_client)})
    response.close()   # a file the route sends (audio) stays open until the response is closed
    assert response.status_code < 500, (method, url, response.status_code)


PROBES = [BIG, "²", "a\x00b", "", "-1", "1", "x" * 300, "\u202e", "../etc"]


def test_every_area_added_this_session_has_routes(app):
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    for area in AREAS:
        assert any(area in rule for rule in rules), f"no route under {area}: rename AREAS with the blueprint"


@pytest.mark.parametrize("probe", PROBES)
def test_session_routes_take_every_probe(app, fuzz_client, probe):
    """Deterministic, unlike the fuzzing above: each route of the new areas, each method, the probe in
    every path value, query field and form field at once."""
    probed = 0
    for rule, method in routes(app):
        if not any(area in rule.rule for area in AREAS):
            continue
        url = fill(rule, {name: probe for name in rule.arguments})
        query = {field: probe for field in QUERY_FIELDS}
        ensure_logged_in(fuzz_client)
        if method == "GET":
            response = fuzz_client.get(url, query_string=query)
        else:
            form = {field: probe for field in FORM_FIELDS}
            response = fuzz_client.post(url, query_string=query, data={**form, "csrf_token": csrf(fuzz_client)})
        response.close()
        assert response.status_code < 500, (method, url, probe, response.status_code)
        probed += 1
    assert probed > 30


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer " + "x" * 5000}, {"Authorization": "Bearer \x00"},
                                     {"Authorization": "Bearer"}, {"Authorization": "Basic Zm9vOmJhcg=="},
                                     {"X-Sauti-Token": "é²"}, {"X-Sauti-Token": ""}])
def test_the_feed_refuses_odd_tokens_with_a_401(app, headers):
    response = app.test_client().get("/feeds/cap.atom", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")



def test_audio_whose_file_is_gone_or_damaged_is_a_404(fuzz_client, fresh_db, config):
    """A broadcast's message removed from disk, a complaint's sealed recording cut short or missing."""
    broadcast_id = fresh_db.create_broadcast("broadcasts/gone.wav", ["1"], "ada")
    assert fuzz_client.get(f"/broadcasts/{broadcast_id}/message.wav").status_code == 404
    (config.data_dir / "complaints").mkdir(exist_ok=True)
    (config.data_dir / "complaints" / "short.sealed").write_bytes(b"x" * 10)
    short = fresh_db.file_complaint("27182818", "fr", "complaints/short.sealed", 3.0)
    gone = fresh_db.file_complaint("16180339", "fr", "complaints/gone.sealed", 3.0)
    for complaint in (short, gone):
        assert fuzz_client.get(f"/complaints/{complaint['id']}/audio").status_code == 404



@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31", "2026-02-30", "²", "2026-11-26\x00"])
def test_exports_since_any_day_is_an_answer_or_a_clear_400(fuzz_client, since):
    """Day one of year 1 in the site's zone (UTC+2) begins before datetime's first instant."""
    response = fuzz_client.get("/exports/hxl", query_string={"since": since})
    assert response.status_code == 400, (since, response.status_code)
    assert "date" in response.text.lower() or "caractères de contrôle" in response.text


@pytest.mark.parametrize("filename", ["a." + "x" * 300, "a.w\x00av", "\x00", "a/../../b.wav", "é.ogg²"])
def test_any_uploaded_file_name_is_a_4xx(fuzz_client, fresh_db, filename):
    """The browser names the file: a 300-character extension or a NUL in it never reaches the file system."""
    question = fresh_db.save_survey_question(1, 1, 2, {"fr": "q", "sw": "q", "ln": "q"}, "test")
    not_audio = b"RIFF" + b"x" * 100
    for url, field, form in (("/complaints/1", "message", {"status": "in_progress"}),
                             (f"/surveys/1/questions/{question}/fr", "file", {}), ("/broadcasts", "file", {"localities": "1"}),
                             ("/admin/localities/import", "file", {}), ("/admin/directory/import", "file", {})):
        response = post_file(fuzz_client, url, not_audio, filename=filename, field=field, data=form)
        assert response.status_code < 500, (url, response.status_code)
