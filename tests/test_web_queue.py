"""The queue: order, filters, full-text search, live count."""

from __future__ import annotations

from core import clock
from core.model import FLAG_PARTIAL, FLAG_SILENT, Source
from core.store import RecordingFacts
from core.store.queue import QueueFilter, fts_query
from tests.fixtures.web import login, make_alert


def refs(response) -> list[str]:
    import re

    return re.findall(r'class="ref">(\d{7})<', response.text)


def test_queue_orders_by_priority_then_newest(client, fresh_db, config):
    low = make_alert(fresh_db, config, priority=1)
    high = make_alert(fresh_db, config, priority=9)
    low_newer = make_alert(fresh_db, config, priority=1)
    login(client)
    assert refs(client.get("/")) == [high["reference"], low_newer["reference"], low["reference"]]


def test_queue_shows_only_waiting_by_default(client, fresh_db, config):
    done = make_alert(fresh_db, config)
    waiting = make_alert(fresh_db, config)
    fresh_db.set_status(done["id"], "verified", actor="test")
    login(client)
    assert refs(client.get("/")) == [waiting["reference"]]
    assert set(refs(client.get("/?status=all"))) == {done["reference"], waiting["reference"]}
    assert refs(client.get("/?status=verified")) == [done["reference"]]


def test_queue_filters(client, fresh_db, config):
    phone = make_alert(fresh_db, config, language="sw", locality="Djugu")
    radio = make_alert(fresh_db, config, language="fr", locality="Bunia", source=Source.RADIO, station="test",
                       keywords=[{"term": "enlevé", "category": "abduction"}])
    login(client)
    assert refs(client.get("/?language=fr")) == [radio["reference"]]
    assert refs(client.get("/?source=radio")) == [radio["reference"]]
    assert refs(client.get("/?source=phone")) == [phone["reference"]]
    assert refs(client.get("/?locality=dju")) == [phone["reference"]]
    assert refs(client.get("/?locality=%25")) == []  # LIKE wildcards are literal
    assert refs(client.get("/?category=abduction")) == [radio["reference"]]
    assert refs(client.get("/?category=armed_movement")) == [phone["reference"]]
    fresh_db.set_tags(phone["id"], {"abduction"}, actor="test")  # a verifier's tag counts too
    assert set(refs(client.get("/?category=abduction"))) == {radio["reference"], phone["reference"]}
    today = clock.local(phone["created_at"], config.site.timezone).date().isoformat()  # a local day
    assert len(refs(client.get(f"/?date_from={today}&date_to={today}"))) == 2
    assert refs(client.get("/?date_to=2000-01-01")) == []
    response = client.get("/?date_from=garbage")  # a browser's date field never sends this: say so
    assert response.status_code == 400 and "date du calendrier" in response.text


def test_full_text_search(client, fresh_db, config):
    a = make_alert(fresh_db, config, text="watu wenye bunduki wamechoma nyumba")
    b = make_alert(fresh_db, config, text="Les miliciens ont brûlé le marché")
    login(client)
    assert refs(client.get("/?q=bunduki")) == [a["reference"]]
    assert refs(client.get("/?q=brule")) == [b["reference"]]  # diacritics folded
    assert refs(client.get("/?q=march*")) == [b["reference"]]
    assert refs(client.get("/?q=watu+brule")) == []           # every word must match
    # FTS syntax typed by a person is searched literally, never an error.
    for text in ('"', "NEAR(", "text:watu", "AND", "*", "a OR"):
        assert client.get("/", query_string={"q": text}).status_code == 200


def test_search_finds_corrections(client, fresh_db, config):
    a = make_alert(fresh_db, config, text="watu wenye")
    fresh_db.add_transcript(a["id"], "watu wenye mapanga", origin="verifier", author="vera")
    login(client)
    assert refs(client.get("/?q=mapanga")) == [a["reference"]]


def test_reference_search_opens_the_alert(client, fresh_db, config):
    a = make_alert(fresh_db, config)
    login(client)
    response = client.get(f"/?q={a['reference']}")
    assert response.status_code == 302 and response.location == f"/alerts/{a['id']}"


def test_pagination(app, client, fresh_db, config):
    app.config["QUEUE_PAGE_SIZE"] = 2
    for _ in range(5):
        make_alert(fresh_db, config, write_audio=False)
    login(client)
    first, second, third = (refs(client.get(f"/?page={n}")) for n in (1, 2, 3))
    assert len(first) == 2 and len(second) == 2 and len(third) == 1
    assert not set(first) & set(second)
    assert "page=2" in client.get("/").text


def test_stats_count_waiting(client, fresh_db, config):
    login(client)
    assert client.get("/queue/stats").json == {"waiting": 0, "latest_id": 0}
    a = make_alert(fresh_db, config, write_audio=False)
    make_alert(fresh_db, config, write_audio=False)
    fresh_db.set_status(a["id"], "false", actor="test")
    assert client.get("/queue/stats").json == {"waiting": 1, "latest_id": 2}
    assert 'id="waiting"' in client.get("/").text


def test_untrusted_text_is_escaped_in_the_queue(client, fresh_db, config):
    make_alert(fresh_db, config, text='<script>alert("x")</script><img src=x onerror=alert(1)>', locality="<b>bold</b>")
    login(client)
    text = client.get("/").text
    assert "<script>alert" not in text and "<img src=x" not in text and "<b>bold" not in text
    assert "&lt;script&gt;" in text


def test_fts_query_quotes_every_word():
    assert fts_query('watu "bunduki') == '"watu" """bunduki"'
    assert fts_query("march*") == '"march"*'
    assert fts_query("  ") == ""


def test_queue_filter_from_mapping_ignores_unknown_and_empty():
    f = QueueFilter.from_mapping({"status": "all", "q": "  ", "nope": "x", "language": "sw"})
    assert f == QueueFilter(status="all", language="sw")
    assert f.active() == {"status": "all", "language": "sw"}


def test_search_gives_the_same_rows_either_way(monkeypatch, fresh_db, config):
    """Common words walk the queue in order; rare ones are looked up and sorted: same result."""
    from core.store import queue as queue_module

    for n in range(6):
        make_alert(fresh_db, config, text=f"watu {'bunduki' if n % 2 else 'mapanga'}", priority=n % 3,
                   write_audio=False)
    f = QueueFilter(status="all", q="watu")
    looked_up = [row["id"] for row in fresh_db.queue(f)]
    monkeypatch.setattr(queue_module, "SEARCH_WALK_THRESHOLD", 0)
    walked = [row["id"] for row in fresh_db.queue(f)]
    assert looked_up == walked and len(walked) == 6
    assert [row["id"] for row in fresh_db.queue(QueueFilter(status="all", q="bunduki"))] == [
        row["id"] for row in fresh_db.queue(QueueFilter(status="all")) if row["transcript"].endswith("bunduki")]


def test_queue_rows_show_flags_reports_and_language_names(client, fresh_db, config):
    """A silent alert says so (listen), not "transcribed" with nothing; a radio session's
    reports say which of how many they are; languages by name."""
    silent = make_alert(fresh_db, config, text=None, language="ln")
    fresh_db.set_flags(silent["id"], "ivr", add=[FLAG_SILENT])
    fresh_db.add_transcript(silent["id"], "", words=[], model="vosk-test", language="ln", confidence=None)
    radio = make_alert(fresh_db, config, source=Source.RADIO, station="beni", language="fr")
    facts = fresh_db.recordings_for(radio["id"])[0]
    for segment in (2, 3):
        fresh_db.file_alert(radio["call_id"], RecordingFacts(**{
            **{k: facts[k] for k in ("format", "duration", "sample_rate", "bytes", "sha256")},
            "path": f"recordings/report-{segment}.wav"}), segment=segment, language="fr", flags=[FLAG_PARTIAL])
    login(client)
    page = client.get("/").text
    row = page[page.index(silent["reference"]):].split("</tr>")[0]
    assert "Silencieux : à écouter" in row and "Transcrite" not in row and "silencieux" in row
    assert "Lingala" in row
    reports = [page[page.index(r["reference"]):].split("</tr>")[0]
               for r in fresh_db.alerts_for_call(radio["call_id"])]
    assert ["rapport radio 1 sur 3" in reports[0], "rapport radio 3 sur 3" in reports[2]] == [True, True]
    assert "interrompu" in reports[2] and "Français" in reports[0]
    phone = make_alert(fresh_db, config)
    phone_row = client.get("/").text.split(phone["reference"])[1].split("</tr>")[0]
    assert "rapport radio" not in phone_row and "Kiswahili" in phone_row
