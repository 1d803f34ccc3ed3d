"""Render the Asterisk configuration in `dialplans/` into `<data>/asterisk/`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from core import dialplan, secrets
from core.config import Config
from core.net import connect_host

from . import logfilter, trunks
from .runtime import PbxError

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "dialplans"
TEMPLATES = [
    "asterisk.conf",
    "modules.conf",
    "logger.conf",
    "rtp.conf",
    "manager.conf",
    "indications.conf",
    "cdr.conf",
    "cel.conf",
    "ccss.conf",
    "features.conf",
    "acl.conf",
    "udptl.conf",
    "pjproject.conf",
    "pjsip.conf",
    "extensions.conf",
]
SECRET_FILES = ("manager.conf", "pjsip.conf", "logger.conf")  # the AMI secret, SIP passwords, the log tag
AMI_USER = "sauti"
ECHO_TEST_DIR = "echo-test"
ECHO_SILENCE_SECONDS = 3
ECHO_MAX_SECONDS = 60

# Loaded in this order (autoload is off). chan_pjsip needs res_pjsip_pubsub; the
# anonymous endpoint identifier is deliberately absent so unknown callers are rejected.
MODULES = [
    "res_timing_timerfd.so",
    "res_sorcery_config.so",
    "res_sorcery_memory.so",
    "res_sorcery_astdb.so",
    "res_pjproject.so",
    "res_rtp_asterisk.so",
    "res_pjsip.so",
    "res_pjsip_session.so",
    "res_pjsip_pubsub.so",
    "res_pjsip_authenticator_digest.so",
    "res_pjsip_outbound_authenticator_digest.so",  # a registering operator trunk asks for auth
    "res_pjsip_endpoint_identifier_ip.so",
    "res_pjsip_endpoint_identifier_user.so",
    "res_pjsip_registrar.so",
    "res_pjsip_outbound_registration.so",  # the line registers to an operator's trunk
    "res_pjsip_sdp_rtp.so",
    "res_pjsip_caller_id.so",
    "res_pjsip_nat.so",
    "res_pjsip_rfc3326.so",
    "res_pjsip_logger.so",
    "chan_pjsip.so",
    "codec_ulaw.so",
    "codec_alaw.so",
    "codec_gsm.so",
    "codec_resample.so",
    "format_wav.so",
    "format_pcm.so",
    "format_gsm.so",
    "format_sln.so",
    "res_speech.so",
    "res_agi.so",
    "res_security_log.so",
    "pbx_config.so",
    "res_clioriginate.so",
    "app_playback.so",
    "app_record.so",
    "app_mixmonitor.so",      # the IVR keeps every frame from the beep (or a patch's answer) on
    "app_waitforsilence.so",  # WaitForNoise / WaitForSilence: the caller's first and last word
    "app_exec.so",
    "func_env.so",
    "func_logic.so",
    "func_strings.so",
    "func_channel.so",
    "func_callerid.so",
    "func_timeout.so",        # TIMEOUT(absolute): the longest call
]


@dataclass(frozen=True)
class Paths:
    """Everything pbx keeps in the data directory, as absolute paths."""

    etc: Path       # rendered configuration
    run: Path       # control socket and pid file
    log: Path
    lib: Path       # astdb
    spool: Path     # Asterisk's own spool (not Sauti's)
    failed: Path    # <data>/spool/failed: agi_fail recordings
    beeps: Path     # <data>/spool/beeps: beeps noted while the IVR was down
    echo: Path      # <data>/recordings/echo-test

    @property
    def config_file(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def pid_file(self) -> Path:
        return self.run / "asterisk.pid"

    @property
    def socket(self) -> Path:
        return self.run / "asterisk.ctl"


def paths(config: Config) -> Paths:
    base = config.data_dir / "asterisk"
    return Paths(
        etc=base,
        run=base / "run",
        log=base / "log",
        lib=base / "lib",
        spool=base / "spool",
        failed=config.spool_dir / dialplan.SPOOL_FAILED,
        beeps=config.spool_dir / dialplan.SPOOL_BEEPS,
        echo=config.recordings_dir / ECHO_TEST_DIR,
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    context: str
    password: str
    variables: tuple[tuple[str, str], ...] = ()


_STATION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def endpoints(config: Config) -> list[Endpoint]:
    """Local SIP endpoints with digest auth: test phones, then radio stations."""
    found = []
    for n in range(1, config.asterisk.test_phones + 1):
        name = f"{dialplan.TEST_PHONE_PREFIX}{n}"
        found.append(Endpoint(name, dialplan.CONTEXT_PHONES, secrets.endpoint_password(config, name)))
    for station in config.asterisk.radio_stations:
        if not _STATION_NAME.match(station):
            raise PbxError(
                f"radio station name {station!r} in [asterisk] radio_stations: "
                "use letters, digits, '-' or '_' only"
            )
        name = f"{dialplan.RADIO_PREFIX}{station}"
        found.append(
            Endpoint(
                name,
                dialplan.CONTEXT_RADIO,
                secrets.endpoint_password(config, name),
                ((dialplan.VAR_STATION, station),),
            )
        )
    return found


def _connect_host(bind: str) -> str:
    """The address to connect to a service listening on `bind`, as a URL wants it."""
    host = connect_host(bind)
    return f"[{host}]" if ":" in host else host


def _bind_uri(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def agi_url(config: Config) -> str:
    return f"agi://{_connect_host(config.ivr.agi_bind)}:{config.ivr.agi_port}"


def context(config: Config, modules_dir: str, log_tag: str) -> dict:
    p = paths(config)
    constants = {name: getattr(dialplan, name) for name in dir(dialplan) if name.isupper()}
    return {
        "d": constants,
        "v": {name: "${" + value + "}" for name, value in constants.items() if name.startswith("VAR_")},
        "asterisk": config.asterisk,
        "ivr": config.ivr,
        "etc_dir": p.etc,
        "run_dir": p.run,
        "log_dir": p.log,
        "lib_dir": p.lib,
        "spool_dir": p.spool,
        "failed_dir": p.failed,
        "beeps_dir": p.beeps,
        "echo_dir": p.echo,
        "modules_dir": modules_dir,
        "modules": MODULES,
        "prompts_dir": config.prompts_dir,
        "agi_url": agi_url(config),
        "sip_bind_uri": _bind_uri(config.asterisk.sip_bind, config.asterisk.sip_port),
        "trunk_ip": config.asterisk.trunk_ip,
        "trunks_dir": trunks.trunks_dir(config),
        "endpoints": endpoints(config),
        "ami_user": AMI_USER,
        "ami_secret": secrets.text_secret(config, secrets.AMI_SECRET),
        "ami_secret_name": secrets.AMI_SECRET,
        "echo_language": config.ivr.default_language,
        "echo_silence": ECHO_SILENCE_SECONDS,
        "echo_max": ECHO_MAX_SECONDS,
        "log_fifo": logfilter.fifo_path(p.run),
        "log_dateformat": logfilter.date_format(log_tag),
        "high_priority": os.geteuid() == 0,  # SCHED_RR needs root; otherwise a warning at boot
    }


def render(config: Config, modules_dir: str) -> Paths:
    """Write every template into `<data>/asterisk/` and create the folders Asterisk writes to.

    Asterisk logs only into the FIFO that Sauti's filter reads (pbx/logfilter.py), each
    message starting with a tag that is new at every render.
    The data directory and Asterisk's folders are made private (0700) and its logs
    0600, also for files an older version left readable.
    """
    p = paths(config)
    for folder in (p.etc, p.run, p.log, p.lib, p.spool, p.failed, p.beeps, p.echo):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in (config.data_dir, p.etc, p.run, p.log, p.lib, p.spool):
        folder.chmod(0o700)
    for log_file in p.log.iterdir():
        if log_file.is_file():
            log_file.chmod(0o600)
    # The control socket path must fit in a sockaddr_un (108 bytes).
    if len(str(p.socket).encode()) > 100:
        raise PbxError(f"data directory path too long for Asterisk's control socket: {p.socket}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    values = context(config, modules_dir, logfilter.new_tag())
    for name in TEMPLATES:
        text = env.get_template(name).render(values)
        target = p.etc / name
        target.write_text(text)
        if name in SECRET_FILES:
            target.chmod(0o600)
    return p
