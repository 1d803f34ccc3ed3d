"""Run the IVR: import the spool, serve FastAGI, keep importing, stop cleanly on a signal.

The spool holds what the dialplan's failure paths noted while the IVR could not take a
call: recordings (ivr/spool.py) and beeps, whose call-backs are queued then (ivr/beeps.py).

Each spool round also seals the confidential complaint takes that could not be sealed
during their call (ivr/complaint_takes.py) and files the committee items the store
refused during theirs (ivr/committee_items.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from core import disk
from core.config import Config

from .beeps import import_missed_beeps
from .committee_items import kept_items
from .complaint_takes import leftover_complaints
from .flows import default_registry
from .flows.common import forget_menu_windows
from .spoken import forget_spoken_texts
from .line import Line
from .server import AgiServer
from .spool import import_failed_calls, import_orphan_recordings

log = logging.getLogger(__name__)

SPOOL_INTERVAL_SECONDS = 10


async def run(config: Config, ready=None, asterisk_started: float | None = None) -> None:
    """`asterisk_started`: when the running Asterisk started (see import_orphan_recordings)."""
    line = Line.open(config)
    server = AgiServer(default_registry(), line)
    stop = asyncio.Event()
    disk_watch = disk.Watch(config, log)
    complaint_takes = leftover_complaints(line)
    committee_items = kept_items(line)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        disk_watch.check()
        if forgotten := forget_menu_windows(config.spool_dir):
            log.warning("deleted %d language-menu listening window(s) a stopped IVR left", forgotten)
        if forgotten := forget_spoken_texts(config.spool_dir):
            log.warning("deleted %d SMS text(s) a stopped IVR left unplayed", forgotten)
        await import_spool(line)
        await committee_items.run()  # before the orphan import, which would file them unlinked
        await import_orphans(line, asterisk_started)
        await complaint_takes.run()
        await server.start(config.ivr.agi_bind, config.ivr.agi_port)
        log.info("IVR listening on agi://%s:%d (flows: %s)", config.ivr.agi_bind, server.port,
                 ", ".join(server.registry.names()))
        if ready:
            ready(server)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), SPOOL_INTERVAL_SECONDS)
            except asyncio.TimeoutError:
                disk_watch.check()
                await import_spool(line)
                await committee_items.run()
                await complaint_takes.run()
    finally:
        await server.close()
        line.close()
        log.info("IVR stopped")


async def import_spool(line: Line) -> None:
    filed = await line.db(lambda store: import_failed_calls(line.config, store, line.pseudonym_key))
    if filed:
        log.info("imported %d alert(s) recorded while the IVR was down", len(filed))
    beeps = await line.db(lambda store: import_missed_beeps(line, store))
    if beeps:
        log.info("noted %d beep(s) made while the IVR was down; their call-backs are queued", beeps)


async def import_orphans(line: Line, asterisk_started: float | None) -> None:
    """At start only: recordings a dead IVR, a stopped line or a power cut left unfiled."""
    filed = await line.db(lambda store: import_orphan_recordings(line.config, store, asterisk_started))
    if filed:
        log.warning("filed %d recording(s) left unfiled by a crash, a stop or a power cut", len(filed))
