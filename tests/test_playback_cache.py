"""The console's audio cache: bounded by [web] audio_cache_mb, least recently played removed first,
a copy being played survives its removal, a removed copy is made again, purged alerts lose theirs."""

from __future__ import annotations

import os
import time

from core import retention
from core.model import Status
from core.playback_cache import PlaybackCache
from tests.fixtures.web import login, make_alert


def copies(cache: PlaybackCache) -> set[str]:
    return {name.split("-")[0] for name in os.listdir(cache.folder) if not name.startswith(".")}


def size(cache: PlaybackCache) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(cache.folder))


def test_eviction_while_a_page_plays(app, client, fresh_db, config):
    cache = PlaybackCache(config.audio_cache_dir, max_bytes=1, in_use_seconds=0)
    app.config["AUDIO_CACHE"] = cache
    alerts = [make_alert(fresh_db, config, seconds=4.0) for _ in range(4)]
    urls = {}
    for alert in alerts:
        recording = fresh_db.recordings_for(alert["id"])[0]
        urls[str(recording["id"])] = f"/alerts/{alert['id']}/audio/{recording['id']}"
    a, b, c, d = urls
    login(client)

    def play(key: str) -> bytes:
        with client.get(urls[key]) as response:
            assert response.status_code == 200
            return response.data

    whole_a = play(a)
    cache.max_bytes = int(size(cache) * 2.5)  # room for two copies, not three

    # A page starts playing a: the response streams from the open copy.
    playing = client.get(urls[a], buffered=False)
    chunks = iter(playing.response)
    first = next(chunks)
    play(b)
    play(c)  # three copies: the least recently played, a, is removed while it plays
    assert copies(cache) == {b, c} and size(cache) <= cache.max_bytes
    rest = b"".join(chunks)
    playing.close()
    assert first + rest == whole_a, "the page that was playing a hears it to the end"

    play(b)  # b is now the most recently played: d's copy pushes c out, not b
    play(d)
    assert copies(cache) == {b, d}
    # A seek in a page still open on a (a Range request) makes the copy again.
    with client.get(urls[a], headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 206 and response.data == whole_a[:100]
    assert a in copies(cache) and size(cache) <= cache.max_bytes


def test_a_copy_just_handed_out_is_not_removed(tmp_path):
    cache = PlaybackCache(tmp_path, max_bytes=10, in_use_seconds=60)
    for name in ("1-aa.mp3", "2-bb.mp3"):
        (tmp_path / name).write_bytes(b"x" * 8)
    old = time.time_ns() - 120 * 10**9
    os.utime(tmp_path / "1-aa.mp3", ns=(old, old))
    assert cache.lookup("2-bb", ["mp3"]) == tmp_path / "2-bb.mp3"
    (tmp_path / "3-cc.mp3").write_bytes(b"x" * 8)
    (tmp_path / ".3-cc.123.tmp").write_bytes(b"x" * 100)  # a conversion in progress is not counted
    assert cache.admit(tmp_path / "3-cc.mp3") == [tmp_path / "1-aa.mp3"]
    assert sorted(os.listdir(tmp_path)) == [".3-cc.123.tmp", "2-bb.mp3", "3-cc.mp3"], "over the limit, but in use"
    assert cache.lookup("1-aa", ["mp3", "wav"]) is None


def test_the_purge_of_closed_alerts_removes_their_copies(client, fresh_db, config):
    kept, closed = make_alert(fresh_db, config), make_alert(fresh_db, config)
    login(client)
    for alert in (kept, closed):
        recording = fresh_db.recordings_for(alert["id"])[0]
        client.get(f"/alerts/{alert['id']}/audio/{recording['id']}").close()
    closed_recording = str(fresh_db.recordings_for(closed["id"])[0]["id"])
    cache = PlaybackCache(config.audio_cache_dir, 10**9)
    assert closed_recording in copies(cache)
    fresh_db.set_status(closed["id"], Status.FALSE, actor="sam")
    summary = retention.purge(config, fresh_db, days=1, now=_days_later(2))
    assert summary["alerts"] == [closed["id"]]
    assert copies(cache) == {str(fresh_db.recordings_for(kept["id"])[0]["id"])}
    assert PlaybackCache.forget(config.audio_cache_dir, [int(next(iter(copies(cache))))]) == 1
    assert copies(cache) == set()


def _days_later(days: int):
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
