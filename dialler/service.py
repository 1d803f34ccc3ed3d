"""Run the dialler: keep the AMI connection, place due calls, stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal

from core.config import Config

from .ami import AmiClient, AmiSettings

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


async def run(config: Config, ready=None) -> None:
    client = AmiClient(AmiSettings.from_config(config))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await client.start()
    log.info("dialler started; AMI at %s:%d", client.settings.host, client.settings.port)
    if ready:
        ready(client)
    try:
        await stop.wait()
    finally:
        await client.close()
        log.info("dialler stopped")
