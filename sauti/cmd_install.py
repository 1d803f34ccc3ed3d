"""`sauti install-service`: systemd units and log rotation for a plain Debian host."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .context import Context, pass_context
from .templates import render, sauti_command

UNITS = ("sauti.service", "sauti-maintenance.service", "sauti-maintenance.timer")


def service_files(data_dir: Path, user: str, backup_dir: Path, keep_days: int, at: str,
                  keep_weeks: int = 8) -> dict[str, str]:
    """Relative path under the root → content, for the line's units and logrotate."""
    group = "root" if user == "root" else user
    values = dict(user=user, group=group, data_dir=data_dir, sauti=sauti_command(), backup_dir=backup_dir,
                  keep_days=keep_days, maintenance_time=at, keep_weeks=keep_weeks,
                  log_dir=data_dir / "asterisk" / "log")
    files = {f"etc/systemd/system/{unit}": render(f"systemd/{unit}", **values) for unit in UNITS}
    files["etc/logrotate.d/sauti"] = render("logrotate/sauti", **values)
    return files


def default_user() -> str:
    """`sauti`, unless Asterisk can only run from the cached root, which needs root (chroot, mounts)."""
    import pbx

    return "sauti" if pbx.runtime.system_runtime() else "root"


@click.command("install-service")
@click.option("--root", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("/"),
              show_default=True, help="Write under this directory instead of / (to look before installing).")
@click.option("--user", default=None,
              help="Account the line runs as. Default: sauti with a system Asterisk 22, else root (the chroot needs it).")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("/var/backups/sauti"),
              show_default=True, help="Where the daily backup writes one folder per day.")
@click.option("--keep-days", type=click.IntRange(1), default=7, show_default=True,
              help="Backups older than this many days are deleted.")
@click.option("--at", "at", default="02:30", show_default=True, help="Time of day (HH:MM, the machine's clock) of the purge and backup.")
@pass_context
def install_service(ctx: Context, target: Path, user: str | None, backup_dir: Path, keep_days: int, at: str) -> None:
    """Write systemd units for the line and its daily purge and backup, and log rotation.

    sauti.service runs `sauti up` and restarts it on failure; sauti-maintenance.timer
    runs the purge and a backup once a day; /etc/logrotate.d/sauti rotates Asterisk's
    logs (Sauti's own logs rotate themselves). Then: `systemctl daemon-reload &&
    systemctl enable --now sauti.service sauti-maintenance.timer`.
    """
    user = user or default_user()
    files = service_files(ctx.data_dir, user, backup_dir.absolute(), keep_days, at)
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, 0o644)
        click.echo(f"wrote {path}")
    click.echo(f"the line runs as {user!r} with data in {ctx.data_dir}; backups go to {backup_dir}")
    if target == Path("/"):
        click.echo("now: systemctl daemon-reload && systemctl enable --now sauti.service sauti-maintenance.timer")


def proxy_config(config, site: str, https_port: int, http_port: int, state_dir: Path) -> str:
    """The Caddyfile that serves the console over HTTPS with a local certificate."""
    from core.net import connect_host

    host = connect_host(config.web.bind)
    upstream = f"[{host}]:{config.web.port}" if ":" in host else f"{host}:{config.web.port}"
    return render("caddy/Caddyfile", site=site, https_port=https_port, http_port=http_port,
                  state_dir=state_dir, upstream=upstream)


@click.command("tls-proxy")
@click.option("--site", required=True, help="Name or address verifiers type to reach the console (e.g. sauti.lan or 192.168.1.10).")
@click.option("--https-port", type=click.IntRange(1, 65535), default=443, show_default=True, help="HTTPS port the proxy listens on.")
@click.option("--http-port", type=click.IntRange(1, 65535), default=80, show_default=True,
              help="Plain HTTP port, which only redirects to HTTPS.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("/var/lib/caddy"),
              show_default=True, help="Where Caddy keeps its local certificate authority and certificates.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("/etc/caddy/Caddyfile"),
              show_default=True, help="Where to write the Caddyfile.")
@pass_context
def tls_proxy(ctx: Context, site: str, https_port: int, http_port: int, state_dir: Path, out: Path) -> None:
    """Write a Caddy configuration that puts the console behind HTTPS, with HSTS.

    The certificate comes from Caddy's own local authority, for a LAN without
    internet. The console must then send its cookies over HTTPS only and trust the
    proxy's headers: set `[web] secure_cookies = true` and `[web] behind_proxy = true`
    (this command says so when they are not). Then `systemctl reload caddy`.
    """
    config = ctx.config
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(proxy_config(config, site, https_port, http_port, state_dir.absolute()))
    click.echo(f"wrote {out}: https://{site}:{https_port}/ -> the console on port {config.web.port}")
    missing = [name for name in ("secure_cookies", "behind_proxy") if not getattr(config.web, name)]
    if missing:
        click.echo(f"now set in {config.config_path} under [web]: " + ", ".join(f"{name} = true" for name in missing)
                   + "; then restart the line", err=True)


commands = [install_service, tls_proxy]
