"""Sauti's configuration: one TOML file in the data directory, read once.

Every setting is declared here once, with its default and its documentation;
the commented `config.toml` that `sauti init` writes is generated from these
declarations, and environment variables `SAUTI_<SECTION>_<KEY>` override the
file (e.g. `SAUTI_WEB_PORT=8081`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import clock
from .config_sms import SmsConfig
from .config_pin_lines import CommitteesConfig, VerifiersConfig
from .config_values import coerce, setting, toml_value

CONFIG_NAME = "config.toml"


class ConfigError(Exception):
    """The configuration is missing or invalid; the message says what to do."""


@dataclass(frozen=True)
class AsteriskConfig:
    sip_bind: str = setting("127.0.0.1", "Address Asterisk's SIP (UDP) transport listens on.")
    sip_port: int = setting(5060, "SIP UDP port.")
    rtp_start: int = setting(16000, "First RTP (audio) port.")
    rtp_end: int = setting(16999, "Last RTP (audio) port.")
    ami_bind: str = setting("127.0.0.1", "Address the Asterisk Manager Interface listens on.")
    ami_port: int = setting(5038, "AMI TCP port.")
    root: str = setting(
        "~/.cache/sauti/asterisk-root",
        "Root filesystem with Asterisk 22 from Debian unstable, used when the system has no Asterisk.",
    )
    trunk_ip: str = setting(
        "",
        "IP address of the operator's toll-free trunk (matched by IP, no password). Empty: no trunk.",
    )
    radio_stations: list = setting(
        ["test"], "Radio stations that relay by radio patch; each gets the SIP endpoint radio-<name>."
    )
    test_phones: int = setting(
        20, "Number of local test phone accounts (test-phone-1 .. N), for drills and the test suite."
    )
    rtp_timeout_seconds: int = setting(
        30, "Asterisk hangs up a call that sends no audio for this long (lost signal, frozen phone)."
    )


@dataclass(frozen=True)
class IvrConfig:
    agi_bind: str = setting("127.0.0.1", "Address the FastAGI server listens on.")
    agi_port: int = setting(4573, "FastAGI TCP port.")
    max_record_seconds: int = setting(180, "Longest alert a phone caller can record.")
    first_word_seconds: int = setting(10, "Time a phone caller has after the beep to start speaking.")
    silence_seconds: int = setting(5, "Silence after the caller's last word that ends the recording.")
    max_call_seconds: int = setting(
        1200, "Asterisk hangs up any call longer than this; what was recorded is filed as a partial alert."
    )
    radio_max_record_seconds: int = setting(600, "Longest radio relay session recording.")
    radio_silence_seconds: int = setting(30, "Silence that ends a radio relay session.")
    radio_split_pause_seconds: float = setting(
        5.0, "A pause at least this long splits a radio session into separate reports."
    )
    radio_relays: list = setting(
        [], "Radio stations whose operator relays by voice (instructions, then a beep). Every other "
        "station is a radio patch: recorded from the moment of answer, nothing spoken over the air."
    )
    radio_languages: dict = setting(
        {}, "Language of each radio station's alerts, e.g. beni = \"ln\"; others use default_language."
    )
    menu_attempts: int = setting(
        2, "Rounds of the language menu before the default language is chosen for a caller who neither "
        "keys nor speaks (each option already invites both and listens after itself)."
    )
    menu_voice_seconds: float = setting(
        3.0, "Listening window after each language option: speech in it (the line's own speech check, "
        "no speech model) chooses that language; keys work in it too. 0 turns voice choice off (keys only)."
    )
    default_language: str = setting("sw", "Language used when the caller makes no choice.")
    hold_seconds: int = setting(
        8, "While the IVR does not answer (starting, restarting), Asterisk leaves an incoming call ringing "
        "(unanswered, so free) this long, asking the IVR again every half second, before the failure path "
        "takes it (an alert recorded into the spool, a beep noted for its call-back)."
    )
    reference_digits: int = setting(
        6, "Fewest random digits of a new alert reference (a check digit follows). References grow by one "
        "digit each time alerts fill a tenth of the space, so they never run out; every reference given "
        "stays valid. Keep 6; a test makes it small to fill the space quickly."
    )


@dataclass(frozen=True)
class AsrConfig:
    threads: int = setting(0, "Decoding threads; 0 means one per CPU core.")
    lease_seconds: int = setting(300, "A claimed job returns to the queue after this long without finishing.")
    max_attempts: int = setting(3, "Failures after which a job is parked as failed.")
    models: dict = setting({}, "Vosk or Whisper model directory per language code, e.g. sw = \"/srv/models/whisper-base\"; one Whisper folder may serve several.")
    whisper_hotwords: bool = setting(False, "Pass the lexicon's terms and names to Whisper as hot words. Off: with Whisper base on this project's test speech they spelled no name better and made decoding 6 to 10 times slower (docs/whisper.md); try it with a larger model.")
    spot_threshold: float = setting(0.33, "Keyword spotting by example: a match at or under this mean DTW distance is a hit, until a term's own decisions set its threshold (docs/spotting.md).")
    spot_decisions: int = setting(50, "Keyword spotting by example: each term's threshold is the one that best separated its last this many confirmed and rejected hits.")


@dataclass(frozen=True)
class WebConfig:
    bind: str = setting("127.0.0.1", "Address the verification console listens on.")
    port: int = setting(8080, "Console HTTP port.")
    session_minutes: int = setting(480, "A console login expires after this many minutes.")
    claim_minutes: int = setting(15, "A verifier's claim on an alert expires after this many minutes.")
    secure_cookies: bool = setting(
        False, "Send cookies only over HTTPS; set true when the console is served behind TLS."
    )
    behind_proxy: bool = setting(
        False, "The console is reached only through the TLS reverse proxy (`sauti tls-proxy`): take the"
        " client's address and scheme from that one proxy's X-Forwarded-For and X-Forwarded-Proto."
    )
    audio_cache_mb: int = setting(
        500, "Largest size of the console's MP3 copies of recordings (data/cache/audio); "
        "the least recently played are removed first and made again when played."
    )


@dataclass(frozen=True)
class PromptsConfig:
    dir: str = setting("", "Folder of prompt audio (<lang>/<id>.wav); empty means the prompts/ folder shipped with Sauti.")
    pin: str = setting("", "PIN for the prompt-recording extension; empty disables it.")


@dataclass(frozen=True)
class RetentionConfig:
    days: int = setting(
        90,
        "Days after an alert is closed (verified, false, duplicate or escalated) before its recordings"
        " and transcripts are purged; 0 keeps them forever.",
    )


@dataclass(frozen=True)
class ComplaintsConfig:
    retention_days: int = setting(
        365,
        "Days after a confidential complaint was last touched before its sealed recording and its status"
        " message are deleted (the reference and the audit stay); 0 keeps them forever.",
    )


@dataclass(frozen=True)
class DiallerConfig:
    callback_delay_seconds: int = setting(
        20, "Seconds between a beep and its call-back, so the caller's phone is free again.")
    ring_seconds: int = setting(30, "How long a call-back rings before it counts as not answered.")
    max_attempts: int = setting(3, "Attempts at one call-back (first call and retries) before giving up.")
    retry_spacing_seconds: int = setting(300, "Seconds between two attempts at the same call-back.")
    calling_hours: str = setting(
        "07:00-20:00", "Hours, in [site] timezone, when the line may call people back and put surveys to focal points"
        " (HH:MM-HH:MM; may wrap midnight). Voice alerts and responders are called at any hour.")
    per_caller_limit: int = setting(
        3, "Call-backs one caller (one number) can get within per_caller_window_hours; more beeps are ignored.")
    per_caller_window_hours: int = setting(24, "The window of per_caller_limit, in hours.")
    max_per_hour: int = setting(30, "Outgoing calls the line places in any hour, all callers together.")
    contact_keep_hours: int = setting(
        72, "A caller's encrypted number is deleted this long after their last beep, or sooner, once"
        " their last call-back is done.")
    trunk_channel: str = setting(
        "PJSIP/{number}@trunk",
        "How to dial a caller who is not a local SIP endpoint; {number} is replaced. Needs [asterisk] trunk_ip"
        " or a trunk added with `sauti trunk` (then PJSIP/{number}@<its name>, a GSM gateway's <name>-<port>).")


@dataclass(frozen=True)
class SiteConfig:
    timezone: str = setting(
        clock.DEFAULT_ZONE,
        "Time zone every time is shown in (console, CLI, logs), an IANA name such as Africa/Kinshasa. "
        "Times are stored in UTC whatever this says.",
    )
    min_free_mb: int = setting(
        200,
        "Free space in the data directory below which the console and the logs raise a disk alarm "
        "(a full disk means callers hear an apology and nothing is recorded).",
    )


@dataclass(frozen=True)
class LogsConfig:
    max_mb: int = setting(10, "Size at which a service's log file in data/logs/ is rotated.")
    keep: int = setting(5, "Rotated log files kept per service.")


@dataclass(frozen=True)
class IncidentsConfig:
    window_hours: float = setting(6.0, "Alerts received at most this many hours apart can describe one incident.")
    radius_km: float = setting(
        15.0, "Alerts from localities at most this far apart (gazetteer coordinates) can describe one incident."
    )
    lookback_days: int = setting(7, "The console suggests incidents among alerts received in the last this many days.")
    gap_days: int = setting(
        14, "A locality that reported before and has sent nothing for this many days is listed as a coverage gap."
    )


@dataclass(frozen=True)
class ExportsConfig:
    sender: str = setting(
        "sauti@localhost", "The CAP <sender> of exported alerts: a name other systems know this line by (no spaces)."
    )
    feed_days: int = setting(30, "The CAP feed served to API tokens holds verified and escalated alerts of this many days.")
    area_radius_km: float = setting(
        5.0, "Radius of the circle around a locality's coordinates in CAP areas (a village, not a point)."
    )


@dataclass(frozen=True)
class ResponsesConfig:
    stuck_hours: float = setting(24.0, "Hours at one step after which an alert is listed as stuck (report page).")
    report_weeks: int = setting(12, "The response-times report covers alerts received in the last this many weeks.")
    responder_ring_seconds: int = setting(30, "Ring time of a call to a responder before the next (at any hour).")
    confirm_wait_seconds: int = setting(6, "Wait for a responder's key 1 after each of the two asks.")


@dataclass(frozen=True)
class BroadcastsConfig:
    max_attempts: int = setting(
        3, "Calls to one focal point (first and retries) while busy, unanswered or failed: voice alerts and survey runs.")
    retry_seconds: int = setting(120, "Seconds between two calls to the same focal point (voice alerts and survey runs).")
    concurrency: int = setting(
        4, "Calls to focal points in progress at once, voice alerts and survey runs together: the outbound trunk's share.")
    ring_seconds: int = setting(30, "How long a call to a focal point rings before it counts as not answered.")
    pin: str = setting("", "PIN for the voice-alert recording extension (510); empty disables it.")


@dataclass(frozen=True)
class Config:
    data_dir: Path
    asterisk: AsteriskConfig = field(default_factory=AsteriskConfig)
    ivr: IvrConfig = field(default_factory=IvrConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    web: WebConfig = field(default_factory=WebConfig)
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    complaints: ComplaintsConfig = field(default_factory=ComplaintsConfig)
    dialler: DiallerConfig = field(default_factory=DiallerConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    incidents: IncidentsConfig = field(default_factory=IncidentsConfig)
    exports: ExportsConfig = field(default_factory=ExportsConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    responses: ResponsesConfig = field(default_factory=ResponsesConfig)
    broadcasts: BroadcastsConfig = field(default_factory=BroadcastsConfig)
    committees: CommitteesConfig = field(default_factory=CommitteesConfig)
    verifiers: VerifiersConfig = field(default_factory=VerifiersConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sauti.db"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    @property
    def prompts_dir(self) -> Path:
        if self.prompts.dir:
            return Path(self.prompts.dir).expanduser().resolve()
        return Path(__file__).resolve().parent.parent / "prompts"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def audio_cache_dir(self) -> Path:
        return self.data_dir / "cache" / "audio"

    @property
    def config_path(self) -> Path:
        return self.data_dir / CONFIG_NAME


SECTIONS = {
    "asterisk": AsteriskConfig,
    "ivr": IvrConfig,
    "asr": AsrConfig,
    "web": WebConfig,
    "prompts": PromptsConfig,
    "retention": RetentionConfig,
    "complaints": ComplaintsConfig,
    "dialler": DiallerConfig,
    "site": SiteConfig,
    "incidents": IncidentsConfig,
    "exports": ExportsConfig,
    "logs": LogsConfig,
    "responses": ResponsesConfig,
    "broadcasts": BroadcastsConfig,
    "committees": CommitteesConfig,
    "verifiers": VerifiersConfig,
    "sms": SmsConfig,
}


def _section(cls, values: dict, env: dict, name: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"[{name}] has unknown setting(s): {', '.join(sorted(unknown))}")
    kwargs = {}
    for fname, f in known.items():
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        value = values.get(fname, default)
        env_key = f"SAUTI_{name.upper()}_{fname.upper()}"
        if env_key in env and not isinstance(default, dict):
            value = env[env_key]
        try:
            kwargs[fname] = coerce(value, default)
        except ValueError as exc:
            raise ConfigError(f"{name}.{fname}: {exc}") from None
    return cls(**kwargs)


def load(data_dir: Path | str, env: dict | None = None, require_file: bool = True) -> Config:
    """Read `config.toml` from the data directory, then apply environment overrides."""
    env = os.environ if env is None else env
    data_dir = Path(data_dir).resolve()
    path = data_dir / CONFIG_NAME
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    elif require_file:
        raise ConfigError(f"no configuration at {path}: run `sauti init --data {data_dir}` first")
    unknown = set(raw) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    sections = {name: _section(cls, raw.get(name, {}), env, name) for name, cls in SECTIONS.items()}
    try:
        clock.zone(sections["site"].timezone)
    except ValueError as exc:
        raise ConfigError(f"[site] timezone: {exc}") from None
    return Config(data_dir=data_dir, **sections)


def default_toml(overrides: dict | None = None) -> str:
    """The commented configuration file `sauti init` writes.

    `overrides` maps section -> {key: value} for values chosen at init time.
    """
    overrides = overrides or {}
    lines = [
        "# Sauti configuration. Every setting is shown with its default.",
        "# Environment variables SAUTI_<SECTION>_<KEY> override this file.",
        "",
    ]
    for name, cls in SECTIONS.items():
        chosen = overrides.get(name, {})
        tables = []
        lines.append(f"[{name}]")
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            value = chosen.get(f.name, default)
            if isinstance(default, dict):
                tables.append((f, value))
                continue
            lines.append(f"# {f.metadata['doc']}")
            prefix = "" if f.name in chosen else "# "
            lines.append(f"{prefix}{f.name} = {toml_value(value)}")
        for f, value in tables:
            lines.append("")
            lines.append(f"# {f.metadata['doc']}")
            lines.append(f"[{name}.{f.name}]")
            for key, path in value.items():
                lines.append(f"{key} = {toml_value(path)}")
        lines.append("")
    return "\n".join(lines)
