"""Run the dialler: keep the AMI connection, place due calls, stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from core.config import Config
from core.contacts import ContactCipher
from core.directory import NumberSeal
from core.store.thread import StoreThread

from .ami import AmiClient, AmiSettings
from .broadcasts import BroadcastDialler
from .callbacks import CallbackDialler
from .duty import DutyDialler
from .live import LiveCalls
from .responders import ResponderDialler

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


async def run(config: Config, ready=None, sms: bool = False) -> None:
    """`ready(client)` is called once, when the loop runs and AMI first logged in: calls can be placed.
    `sms`: the SMS gateway has a connection, so escalations text responders first."""
    client = AmiClient(AmiSettings.from_config(config))
    db = StoreThread(config.db_path, "dialler-store")
    callbacks = CallbackDialler(config, db, client, ContactCipher.from_config(config))
    seal = NumberSeal.from_config(config)
    responders = ResponderDialler(config, db, client, seal, sms=sms)
    broadcasts = BroadcastDialler(config, db, client, seal)
    duty = DutyDialler(config, db, client, seal)
    LiveCalls(db, client)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    requeued = await db(lambda s: s.requeue_interrupted_callbacks())
    if requeued:
        log.info("%d call-back(s) interrupted by the last stop are queued again", requeued)
    await db(lambda s: s.requeue_interrupted_responder_calls())
    await db(lambda s: s.requeue_interrupted_deliveries())
    await db(lambda s: s.requeue_interrupted_duty_calls())
    await client.start()
    log.info("dialler started; AMI at %s:%d", client.settings.host, client.settings.port)
    try:
        while not stop.is_set():
            if ready and client.connected.is_set():
                ready(client)
                ready = None
            for round_ in (callbacks, responders, duty, broadcasts):
                try:
                    await round_.tick()
                except Exception:
                    log.exception("%s round failed; trying again", type(round_).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
    finally:
        await callbacks.stop()
        await responders.stop()
        await broadcasts.stop()
        await duty.stop()
        await client.close()
        await db(lambda s: s.clear_live_calls())  # nobody watches the line any more
        db.close()
        log.info("dialler stopped")
