"""Asterisk 22 for Sauti: install it, render `dialplans/`, run it, talk to it.

    import pbx
    pbx.install(config, echo=print)      # system Asterisk 22, the cached root, or build it (~20 s)
    pbx.start(config, echo=print)        # render into <data>/asterisk/, start, wait fully booted
    pbx.cli(config, "pjsip show endpoints")  # one CLI command, returns its output
    pbx.status(config)                   # Status(running, pid, runtime, uptime); str() for humans
    pbx.stop(config, echo=print)         # stop; False if it was not running

Every call takes the `Config` read once by the caller. All of them raise
`PbxError` with a message meant for the user (e.g. "... needs root").

Without an Asterisk 22 on the system, `install` builds a Debian unstable root
with mmdebstrap at `[asterisk] root` (default ~/.cache/sauti/asterisk-root) and
later runs reuse it. Asterisk then runs as root in that chroot, in a private
mount namespace holding bind mounts of the data directory and the prompts folder
at their host paths; the mounts disappear with Asterisk. See `service.py`.

Logs keep no caller's number (issue 19): Asterisk logs only into a FIFO read by a
filter (`logfilter.py` says why, and what keeps it safe), started before Asterisk on
either path, which writes `messages.log` (errors and warnings, numbers masked) and
`security.log` (rejected requests without the claimed number);
`pbx.revive_log_filter(config)` starts a new one if it died; `debuglog` turns
verbose logging on for a limited time.

Where things are: `pbx.paths(config)` (rendered config, logs, control socket,
`failed` = <data>/spool/failed, `echo` = <data>/recordings/echo-test).
"""

from . import debuglog, trunks
from .render import AMI_USER, agi_url, endpoints, paths, render
from .runtime import PbxError, Runtime, find
from .runtime import install as install
from .service import Status, cli, console_argv, revive_log_filter, running_pid, start, status, stop

__all__ = [
    "AMI_USER",
    "PbxError",
    "Runtime",
    "Status",
    "agi_url",
    "cli",
    "console_argv",
    "debuglog",
    "endpoints",
    "find",
    "install",
    "paths",
    "render",
    "revive_log_filter",
    "running_pid",
    "start",
    "status",
    "stop",
    "trunks",
]
