"""The alert page's weight on the wire: what a verifier on a slow link downloads to see it.

    .venv/bin/python bench/page_weight.py [--seconds 60]

Starts `sauti web` on a fresh data directory with one verified alert (a recording of
--seconds of espeak-ng Swahili), logs in with the real Chromium, and loads the alert
page with an empty cache, then again with the cache the first visit left (scripts and
styles carry a content hash, so they are cached for a year), and once without
JavaScript. Prints the bytes of every response as sent (compressed bodies plus
headers), grouped by kind. The recording itself is not counted: it is fetched only
when the verifier presses play.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.audio.wav import write_wav  # noqa: E402
from core.model import Status  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402
from tests.fixtures.web import (CHROMIUM, CHROMIUM_ARGS, add_users, browser_login, console_process,  # noqa: E402
                                make_alert)
from tests.spotting_voices import Voice, to_int16, utterance  # noqa: E402

SENTENCES = ["habari za asubuhi", "watu wenye bunduki walikuja jana usiku", "wamechoma nyumba tatu kijijini",
             "tunaomba msaada haraka"]


def kind(url: str, resource: str) -> str:
    if "/waveform/" in url:
        return "waveform JSON"
    if "/vendor/wavesurfer/" in url:
        return "wavesurfer.js"
    return {"document": "page HTML", "script": "console scripts", "stylesheet": "style"}.get(resource, resource)


def visit(context, url: str, wait_waveform: bool, empty_cache: bool) -> dict[str, int]:
    """Bytes received from the network per kind (Chromium's encodedDataLength: headers and
    compressed body; 0 for what came from the cache)."""
    sizes: dict[str, int] = defaultdict(int)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if empty_cache:
        cdp.send("Network.clearBrowserCache")
    seen: dict[str, tuple[str, str]] = {}
    cdp.on("Network.responseReceived", lambda e: seen.__setitem__(e["requestId"], (e["response"]["url"], e["type"])))

    def finished(event):
        url, resource = seen.get(event["requestId"], ("", "Other"))
        sizes[kind(url, resource.lower())] += int(event["encodedDataLength"])

    cdp.on("Network.loadingFinished", finished)
    page.goto(url)
    if wait_waveform:
        page.locator(".waveform.ready").wait_for(timeout=20000)
    page.wait_for_load_state("networkidle")
    page.close()
    return {name: size for name, size in sizes.items() if size}


def show(title: str, sizes: dict[str, int]) -> None:
    total = sum(sizes.values())
    print(f"{title}: {total / 1024:.1f} KiB on the wire")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<18} {size / 1024:7.1f} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the alert's recording")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        config = make_data_dir(Path(folder) / "data")
        segments = [SENTENCES[n % len(SENTENCES)] for n in range(int(args.seconds / 2) + 1)]
        audio = utterance(segments, Voice("sw+m3"), snr_db=25)[0][:int(args.seconds * 8000)]
        with Store.open(config.db_path) as store:
            add_users(store)
            alert = make_alert(store, config, text=None, seconds=len(audio) / 8000)
            write_wav(config.data_dir / store.recordings_for(alert["id"])[0]["path"], to_int16(audio), 8000)
            store.set_status(alert["id"], Status.VERIFIED, actor="vera")
        with console_process(config.data_dir, timeout=30) as base:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                url = f"{base}/alerts/{alert['id']}"
                print(f"alert page, recording {len(audio) / 8000:.0f} s, gzip as the console sends it")
                context = browser.new_context()
                login = context.new_page()
                browser_login(login, base, "vera")
                login.close()
                show("first visit (empty cache)", visit(context, url, True, empty_cache=True))
                show("next visit (scripts cached)", visit(context, url, True, empty_cache=False))
                plain = browser.new_context(java_script_enabled=False)
                login = plain.new_page()
                browser_login(login, base, "vera")
                login.close()
                show("without JavaScript (empty cache)", visit(plain, url, False, empty_cache=True))
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
