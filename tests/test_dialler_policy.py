"""The dialler's rules without Asterisk: calling hours, routes, the hourly limit, a number without a route."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from core import clock
from core.contacts import ContactCipher
from core.store.callbacks import CallbackState
from core.store.thread import StoreThread
from dialler.ami import AmiClient, AmiSettings
from dialler.callbacks import CallbackDialler, CallingHours, channel_for

POLICY = {"delay_seconds": 0, "keep_hours": 72, "per_caller_limit": 3, "window_hours": 24}


def test_calling_hours_may_wrap_midnight():
    day = CallingHours.parse("07:00-20:00")
    assert dt.time(7, 0) in day and dt.time(19, 59) in day
    assert dt.time(6, 59) not in day and dt.time(20, 1) not in day
    night = CallingHours.parse("22:00-06:00")
    assert dt.time(23, 30) in night and dt.time(5, 0) in night and dt.time(12, 0) not in night
    assert dt.time(23, 59, 59) in CallingHours.parse("00:00-24:00")
    with pytest.raises(ValueError):
        CallingHours.parse("7h-20h")


def test_routes(config):
    assert channel_for("test-phone-3", config) == "PJSIP/test-phone-3"
    assert channel_for("+243812345678", config) is None, "no trunk configured"
    trunked = dataclasses.replace(config, asterisk=dataclasses.replace(config.asterisk, trunk_ip="10.0.0.1"))
    assert channel_for("+243812345678", trunked) == "PJSIP/+243812345678@trunk"
    assert channel_for("radio-x; Dial(evil)", trunked) is None


def dialler_with(config, **policy):
    config = dataclasses.replace(config, dialler=dataclasses.replace(config.dialler, **policy))
    db = StoreThread(config.db_path)
    ami = AmiClient(AmiSettings("127.0.0.1", 1, "sauti", "x"))
    ami.connected.set()  # as if logged in: the calls fail at once, with no Asterisk listening
    return CallbackDialler(config, db, ami, ContactCipher.from_config(config)), db


def queue(db, cipher, number: str, pseudonym: str) -> int:
    def work(store):
        call_id = store.create_call("beep", caller_pseudonym=pseudonym)
        return store.request_callback(call_id, pseudonym, cipher.seal(number, pseudonym), **POLICY)[0]
    return db.run(work)


def run_tick(dialler):
    async def tick():
        await dialler.tick()
        await asyncio.gather(*dialler.calls)
    asyncio.run(tick())


def test_the_hourly_limit_and_calling_hours_hold_calls_back(config):
    dialler, db = dialler_with(config, max_per_hour=1, calling_hours="00:00-24:00")
    try:
        first = queue(db, dialler.contacts, "test-phone-3", "C-AAAA")
        second = queue(db, dialler.contacts, "test-phone-4", "C-BBBB")
        run_tick(dialler)
        states = {i: db.run(lambda s, i=i: s.get_callback(i))["attempts"] for i in (first, second)}
        assert sorted(states.values()) == [0, 1], "one call this hour, the other waits"
        run_tick(dialler)
        assert db.run(lambda s: s.attempts_since(3600)) == 1
    finally:
        db.close()


def test_no_calls_outside_calling_hours(config):
    now = dt.datetime.now(clock.zone(config.site.timezone))  # the hours are the installation's
    closed = f"{(now + dt.timedelta(hours=2)):%H}:00-{(now + dt.timedelta(hours=3)):%H}:00"
    dialler, db = dialler_with(config, calling_hours=closed)
    try:
        callback_id = queue(db, dialler.contacts, "test-phone-3", "C-AAAA")
        run_tick(dialler)
        assert db.run(lambda s: s.get_callback(callback_id))["attempts"] == 0
    finally:
        db.close()


def test_a_number_without_a_route_is_given_up_at_once(config):
    dialler, db = dialler_with(config, calling_hours="00:00-24:00")
    try:
        callback_id = queue(db, dialler.contacts, "+243812345678", "C-AAAA")
        run_tick(dialler)
        row = db.run(lambda s: s.get_callback(callback_id))
        assert row["state"] == CallbackState.GIVEN_UP and row["attempts"] == 1
        assert db.run(lambda s: s.contact_count()) == 0
    finally:
        db.close()
