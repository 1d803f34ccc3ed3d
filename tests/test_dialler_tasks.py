"""The dialler's call tasks: a call whose placing fails is logged, not silently dropped."""

from __future__ import annotations

import asyncio
import logging

from dialler.callbacks import start_call


def test_a_failed_call_task_is_logged_and_forgotten(caplog):
    calls: set[asyncio.Task] = set()

    async def failing():
        raise RuntimeError("store unreachable")

    async def main():
        task = start_call(calls, failing(), "callback-7")
        assert task in calls
        await asyncio.gather(task, return_exceptions=True)

    with caplog.at_level(logging.ERROR, logger="dialler.callbacks"):
        asyncio.run(main())
    assert not calls
    failed = [r for r in caplog.records if r.getMessage() == "callback-7 failed"]
    assert failed and "store unreachable" in str(failed[0].exc_info[1])
