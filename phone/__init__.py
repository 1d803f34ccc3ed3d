"""The test phone: real SIP calls into Sauti's Asterisk with pjsua2 (null audio device).

From tests (each call runs in its own process, so many can run at once):

    import phone
    result = phone.place_call(config, "901", caller="test-phone-1",
                              script="wait 1; play alert.wav; dtmf 4#; listen 10; hangup",
                              record=tmp_path / "line.wav")
    result.ok, result.answered, result.remote_hangup, result.events
    calls = [phone.start_call(config, "100", f"test-phone-{n}", script) for n in range(1, 11)]
    results = [c.result(timeout=60) for c in calls]

A phone can also wait for the line to call it (call-backs):

    waiting = phone.start_answering(config, "test-phone-2", script="listen 5")
    # ... once `pjsip show contacts` lists test-phone-2, make Asterisk call it ...
    result = waiting.result(timeout=60)

`caller` is an endpoint name (test-phone-N, radio-<station>, or any unknown name,
which Asterisk must reject) or "anonymous". Steps: see `phone.script.parse`.

In one process (`sauti call` does this), at most one `Phone` at a time:

    with phone.Phone() as p:
        result = p.call(phone.target(config, "100"), phone.parse("listen 5"), record=path)
"""

from .call import ANONYMOUS, CallResult, Target, wav_seconds
from .script import ScriptError, Step, parse
from .spawn import RunningCall, place_call, start_answering, start_call, target


def __getattr__(name):
    """`phone.Phone` loads pjsua2 on first use; test processes that only spawn calls never do."""
    if name == "Phone":
        from .sip import Phone

        return Phone
    raise AttributeError(f"module 'phone' has no attribute {name!r}")


__all__ = [
    "ANONYMOUS",
    "CallResult",
    "Phone",
    "RunningCall",
    "ScriptError",
    "Step",
    "Target",
    "parse",
    "place_call",
    "start_answering",
    "start_call",
    "target",
    "wav_seconds",
]
