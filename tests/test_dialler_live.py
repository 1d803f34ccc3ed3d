"""Live calls from Asterisk's events: what is kept (source, step, since when) and what is not."""

from __future__ import annotations

import asyncio

from core.store.thread import StoreThread
from dialler.ami import AmiClient, AmiSettings
from dialler.live import LiveCalls, step_of


def test_the_step_comes_from_the_prompt_being_played():
    assert step_of('STREAM FILE /srv/prompts/fr/language_menu "123" 0') == "menu"
    assert step_of('GET DATA /srv/prompts/sw/enter_locality 6000 6') == "locality"
    assert step_of('RECORD FILE /data/recordings/x wav "#" 180000 BEEP s=5') == "recording"
    assert step_of('RECORD FILE "/data/spool/menu-windows/x" wav "0123456789*#" 3000') == "menu"  # listening for a language
    assert step_of('STREAM FILE /srv/prompts/ln/digit_4 "" 0') is None  # still reading the same number
    assert step_of('STREAM FILE /srv/prompts/fr/prompt_pin "" 0') == "prompt_recording"
    assert step_of("WAIT FOR DIGIT 5000") is None
    assert step_of('EXEC MixMonitor "/data/recordings/x.wav"') == "recording"  # a radio patch plays nothing
    assert step_of('EXEC WaitForNoise "250,1,10"') == "recording"


def test_events_become_live_calls_without_numbers(config):
    db = StoreThread(config.db_path)
    client = AmiClient(AmiSettings("127.0.0.1", 1, "sauti", "x"))
    LiveCalls(db, client)
    events = [
        {"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "17.1",
         "CallerIDNum": "+243812345678"},
        {"Event": "Newchannel", "Channel": "Local/100@x-00000001;1", "Uniqueid": "17.2"},
        {"Event": "VarSet", "Uniqueid": "17.1", "Variable": "SAUTI_SOURCE", "Value": "radio"},
        {"Event": "Newexten", "Uniqueid": "17.1", "Application": "AGI", "AppData": "agi://127.0.0.1:4573/radio"},
        {"Event": "AGIExecStart", "Uniqueid": "17.1", "Command": 'STREAM FILE /p/sw/radio_instructions "" 0'},
    ]

    async def feed(batch):
        for event in batch:
            client.dispatch(event)
        await asyncio.sleep(0)
        while asyncio.all_tasks() - {asyncio.current_task()}:
            await asyncio.sleep(0.01)

    try:
        asyncio.run(feed(events))
        (call,) = db.run(lambda s: s.live_calls())
        assert call["source"] == "radio" and call["step"] == "recording"
        dump = "\n".join(db.run(lambda s: list(s.conn.iterdump())))
        assert "812345678" not in dump and "trunk" not in dump
        asyncio.run(feed([{"Event": "Hangup", "Uniqueid": "17.1", "CallerIDNum": "+243812345678"}]))
        assert db.run(lambda s: s.live_calls()) == []
    finally:
        db.close()
