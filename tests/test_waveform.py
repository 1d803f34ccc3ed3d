"""The alert page's waveform: peaks and voiced regions from the server (no audio fetched to
draw, so no listen counted), the vendored library served compressed by the console itself,
and the one style nonce its shadow root needs."""

from __future__ import annotations

import gzip
import re

from core.audio.wav import write_wav
from tests.fixtures.web import login, make_alert
from tests.spotting_voices import Voice, to_int16, utterance


def _spoken_alert(store, config):
    audio, spans = utterance(["habari", "bunduki", "walikuja jana"], Voice("sw+m3"), snr_db=25)
    alert = make_alert(store, config, text=None, seconds=len(audio) / 8000)
    write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
    return alert, spans, len(audio) / 8000


def test_the_waveform_is_the_recordings_peaks_and_voiced_regions(config, fresh_db, client):
    alert, spans, seconds = _spoken_alert(fresh_db, config)
    recording = fresh_db.recordings_for(alert["id"])[0]["id"]
    url = f"/alerts/{alert['id']}/waveform/{recording}"
    assert client.get(url).status_code == 302   # login first
    login(client, "vera")
    drawn = client.get(url).get_json()
    assert abs(drawn["duration"] - seconds) < 0.01
    assert len(drawn["peaks"]) == round(seconds * 25) and max(drawn["peaks"]) == 1.0 and min(drawn["peaks"]) >= 0
    assert drawn["peaks"][0] < 0.05   # the leading silence is drawn flat
    voiced = drawn["voiced"]
    assert voiced and voiced[0][0] >= 0.3 and voiced[-1][1] <= seconds
    _, start, end = spans[1]
    covered = sum(min(b, end) - max(a, start) for a, b in voiced if b > start and a < end)
    assert covered > 0.6 * (end - start)   # the term is voiced
    assert not any(e["action"] == "listen" for e in fresh_db.audit_entries("alert", alert["id"]))

    other = make_alert(fresh_db, config, text=None)
    assert client.get(f"/alerts/{other['id']}/waveform/{recording}").status_code == 404
    (config.data_dir / fresh_db.recordings_for(other["id"])[0]["path"]).unlink()
    other_recording = fresh_db.recordings_for(other["id"])[0]["id"]
    assert client.get(f"/alerts/{other['id']}/waveform/{other_recording}").status_code == 404


def test_the_alert_page_loads_the_vendored_library_with_a_style_nonce(config, fresh_db, client):
    alert, _, _ = _spoken_alert(fresh_db, config)
    login(client, "vera")
    page = client.get(f"/alerts/{alert['id']}")
    body = page.get_data(as_text=True)
    nonce = re.search(r'data-style-nonce="([^"]+)"', body).group(1)
    assert f"style-src 'self' 'nonce-{nonce}';" in page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]   # scripts stay the console's own
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    scripts = re.findall(r'<script src="([^"]+)"', body)
    assert any("vendor/wavesurfer/wavesurfer.min.js" in s for s in scripts)
    assert any("vendor/wavesurfer/regions.min.js" in s for s in scripts)
    assert "https://" not in "".join(scripts)   # offline installations: nothing from a CDN
    # Another page has no nonce at all.
    assert "nonce" not in client.get("/").headers["Content-Security-Policy"]

    library = next(s for s in scripts if "wavesurfer.min.js" in s)
    packed = client.get(library, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    plain = client.get(library)
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 3
    assert b"WaveSurfer" in plain.data
    packed.close()
    plain.close()


def test_static_files_neither_refresh_the_session_nor_vary_on_it(config, fresh_db, client):
    """Else every page revalidates the year-cached scripts: a round trip each on a slow link."""
    login(client, "vera")
    static = client.get("/static/console.js?v=1")
    assert static.status_code == 200 and "Set-Cookie" not in static.headers
    assert "Cookie" not in static.headers.get("Vary", "")
    static.close()
    page = client.get("/")
    assert page.status_code == 200 and "Set-Cookie" in page.headers   # pages still refresh it
    assert client.get("/").status_code == 200   # still logged in
