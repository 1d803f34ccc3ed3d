"""`python -m phone` (see __main__.py): one call in its own process, for tests placing calls side by side.

The password comes from the environment variable named by --password-env so it
never shows in a process list. With --json the last line on stdout is the
`CallResult` as JSON; the timestamped log goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .script import ScriptError, parse
from .call import PASSWORD_ENV, Target
from .sip import Phone


REALTIME_PRIORITY = 5  # below Asterisk's (10, `highpriority` in asterisk.conf)


def realtime() -> None:
    """SCHED_RR for this process and the media threads it starts; quietly skipped when not allowed.

    Without it, ten test phones on a loaded two-core machine record garbled audio:
    their media clocks run late and the jitter buffers drop and conceal frames.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(REALTIME_PRIORITY))
    except (AttributeError, OSError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phone", description=__doc__)
    parser.add_argument("number", nargs="?", default="", help="number to call (not with --answer)")
    parser.add_argument("--answer", action="store_true",
                        help="register as --user and answer the first call instead of calling")
    parser.add_argument("--server", required=True, help="HOST:PORT of Asterisk's SIP transport")
    parser.add_argument("--user", default=None, help="SIP user; omit for an anonymous call")
    parser.add_argument("--password-env", default=PASSWORD_ENV)
    parser.add_argument("--source", default=None, help="local address to call from (default: the route's)")
    parser.add_argument("--display", default=None, help="display name in the From header")
    parser.add_argument("--record", type=Path, default=None)
    parser.add_argument("--script", default="")
    parser.add_argument("--answer-timeout", type=float, default=30.0)
    parser.add_argument("--ignore-calls", type=int, default=0,
                        help="with --answer: let this many calls ring unanswered before answering one")
    parser.add_argument("--busy-calls", type=int, default=0,
                        help="with --answer: reject this many calls busy (486) first")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log-level", type=int, default=0, help="pjsua2 log level (0-6), to stderr")
    parser.add_argument("--realtime", action="store_true",
                        help="ask for real-time scheduling, so audio stays clean on a busy machine")
    args = parser.parse_args(argv)
    if args.realtime:
        realtime()
    host, _, port = args.server.rpartition(":")
    try:
        steps = parse(args.script)
    except ScriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = Target(host.strip("[]"), int(port), args.number, args.user,
                    os.environ.get(args.password_env) if args.user else None, args.source, args.display)
    out = sys.stderr if args.json else sys.stdout

    def echo(line: str) -> None:
        print(line, file=out, flush=True)

    with Phone(log_level=args.log_level) as phone:
        if args.answer:
            result = phone.answer(target, steps, record=args.record, echo=echo, wait_timeout=args.answer_timeout,
                                  ignore_calls=args.ignore_calls, busy_calls=args.busy_calls)
        else:
            result = phone.call(target, steps, record=args.record, echo=echo, answer_timeout=args.answer_timeout)
        # Before pjsua2's libDestroy: it has aborted there ("free(): invalid pointer", seen once in
        # a CI run, after the call and its recording were done), which must not lose the call's result.
        if args.json:
            print(json.dumps(result.to_dict()), flush=True)
    return 0 if result.ok else 1

