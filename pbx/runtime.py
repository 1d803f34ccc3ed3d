"""Where Asterisk 22 comes from: the system's own, or a cached Debian unstable root.

A `Runtime` knows how to run the `asterisk` binary: directly when the system has
Asterisk 22, otherwise with `chroot` into a root filesystem built once with
mmdebstrap and cached outside the checkout (`[asterisk] root`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.config import Config

REQUIRED_MAJOR = 22
DEBIAN_MIRROR = "http://deb.debian.org/debian"
STAMP = ".sauti-root"
# A small Debian root: apt and nothing else, without documentation nobody reads there
# (also the suite's base image for Docker, tests/fixtures/docker.py).
MMDEBSTRAP_SLIM = [
    "--variant=apt",
    '--aptopt=Acquire::Check-Valid-Until "false"',
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
]
MMDEBSTRAP_OPTIONS = [*MMDEBSTRAP_SLIM, "--include=asterisk"]


class PbxError(Exception):
    """Asterisk cannot be installed, started or reached; the message says why and what to do."""


@dataclass(frozen=True)
class Runtime:
    """How to run Asterisk: `root` is None for the system's Asterisk, else the chroot."""

    root: Path | None
    version: str

    @property
    def description(self) -> str:
        where = "system" if self.root is None else f"chroot {self.root}"
        return f"Asterisk {self.version} ({where})"

    def host_path(self, path: str) -> Path:
        """A path as seen inside the runtime, translated to the host."""
        if self.root is None:
            return Path(path)
        return self.root / path.lstrip("/")

    def modules_dir(self) -> str:
        """Asterisk's module folder, as Asterisk sees it (multiarch path differs by machine)."""
        for candidate in sorted(self.host_path("/usr/lib").glob("*/asterisk/modules")):
            if (candidate / "chan_pjsip.so").exists():
                return "/" + str(candidate.relative_to(self.host_path("/")))
        for candidate in ("/usr/lib/asterisk/modules",):
            if (self.host_path(candidate) / "chan_pjsip.so").exists():
                return candidate
        raise PbxError(f"no Asterisk modules with chan_pjsip.so under {self.host_path('/usr/lib')}")

    def command(self, *args: str) -> list[str]:
        """The argument list that runs `asterisk ARGS` (without the mount namespace)."""
        if self.root is None:
            return [shutil.which("asterisk") or "asterisk", *args]
        return ["chroot", str(self.root), "/usr/sbin/asterisk", *args]


def parse_version(text: str) -> str:
    match = re.search(r"Asterisk\s+(\S+)", text)
    if not match:
        raise PbxError(f"cannot read the Asterisk version from {text.strip()!r}")
    return match.group(1)


def major(version: str) -> int:
    return int(re.match(r"\d+", version).group(0)) if re.match(r"\d+", version) else 0


def _version_of(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    try:
        return parse_version(out.stdout)
    except PbxError:
        return None


def system_runtime() -> Runtime | None:
    """The system's Asterisk if it is version 22, else None."""
    # Debian installs it in /usr/sbin, which a service user's PATH may leave out.
    binary = shutil.which("asterisk") or shutil.which("asterisk", path="/usr/sbin:/sbin")
    if binary is None:
        return None
    version = _version_of([binary, "-V"])
    if version is None or major(version) != REQUIRED_MAJOR:
        return None
    return Runtime(root=None, version=version)


def root_path(config: Config) -> Path:
    return Path(config.asterisk.root).expanduser().absolute()


def cached_runtime(config: Config) -> Runtime | None:
    """The cached chroot if it was built completely and holds Asterisk 22."""
    root = root_path(config)
    stamp = root / STAMP
    if not stamp.is_file():
        return None
    version = stamp.read_text().strip()
    if major(version) != REQUIRED_MAJOR or not (root / "usr/sbin/asterisk").exists():
        return None
    return Runtime(root=root, version=version)


def find(config: Config) -> Runtime:
    """The runtime `start` uses; raises with the command to run when none is installed."""
    runtime = system_runtime() or cached_runtime(config)
    if runtime is None:
        raise PbxError("Asterisk 22 is not installed: run `sauti asterisk install` first")
    return runtime


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise PbxError(f"{what} needs root (mmdebstrap, mount and chroot): run it with sudo")


def install(
    config: Config,
    echo: Callable[[str], None] = print,
    rebuild: bool = False,
    mirror: str = DEBIAN_MIRROR,
) -> Runtime:
    """Make Asterisk 22 available: the system's, the cached root, or a new root (about 20 s)."""
    if not rebuild:
        runtime = system_runtime()
        if runtime is not None:
            echo(f"using the system's Asterisk {runtime.version}")
            return runtime
        runtime = cached_runtime(config)
        if runtime is not None:
            echo(f"using the cached root {runtime.root} (Asterisk {runtime.version})")
            return runtime
    require_root("building the Asterisk root")
    if shutil.which("mmdebstrap") is None:
        raise PbxError("mmdebstrap is missing: run scripts/bootstrap (or apt-get install mmdebstrap)")
    root = root_path(config)
    if root.exists():
        ensure_unused(root)
    partial = root.with_name(root.name + ".partial")
    if partial.exists():
        ensure_unused(partial)
        shutil.rmtree(partial)
    partial.parent.mkdir(parents=True, exist_ok=True)
    echo(f"building a Debian unstable root with Asterisk in {root} (about 20 s, needs the Debian mirror)")
    started = time.monotonic()
    argv = ["mmdebstrap", *MMDEBSTRAP_OPTIONS, "unstable", str(partial), mirror]
    log_lines = _run_with_progress(argv, echo, started)
    if not (partial / "usr/sbin/asterisk").exists():
        shutil.rmtree(partial, ignore_errors=True)
        tail = "\n".join(log_lines[-15:])
        raise PbxError(f"mmdebstrap did not produce an Asterisk root:\n{tail}")
    version = _version_of(["chroot", str(partial), "/usr/sbin/asterisk", "-V"])
    if version is None or major(version) != REQUIRED_MAJOR:
        shutil.rmtree(partial, ignore_errors=True)
        raise PbxError(f"Debian unstable has Asterisk {version}, Sauti needs {REQUIRED_MAJOR}")
    (partial / "run/asterisk").mkdir(parents=True, exist_ok=True)
    (partial / STAMP).write_text(version + "\n")
    if root.exists():
        shutil.rmtree(root)
    partial.rename(root)
    echo(f"built {root} with Asterisk {version} in {time.monotonic() - started:.1f} s")
    return Runtime(root=root, version=version)


def _run_with_progress(argv: list[str], echo: Callable[[str], None], started: float) -> list[str]:
    lines: list[str] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            lines.append(line)
            if line.startswith(("I: ", "E: ", "W: ")):
                echo(f"  [{time.monotonic() - started:5.1f} s] {line[3:]}")
        proc.wait()
    if proc.returncode != 0:
        tail = "\n".join(lines[-15:])
        raise PbxError(f"mmdebstrap failed (exit {proc.returncode}):\n{tail}")
    return lines


def processes_using(root: Path) -> list[int]:
    """Processes whose root directory is inside `root` (e.g. a chrooted Asterisk)."""
    root = root.resolve()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            proc_root = Path(os.readlink(entry / "root"))
        except OSError:
            continue
        if proc_root == root or root in proc_root.parents:
            found.append(int(entry.name))
    return found


def mounts_under(path: Path) -> list[str]:
    """Mount points in this mount namespace at or below `path`."""
    path = path.resolve()
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = Path(line.split()[4].replace("\\040", " "))
        if point == path or path in point.parents:
            found.append(str(point))
    return found


def ensure_unused(root: Path) -> None:
    """Refuse to touch a root that a process runs in or that has something mounted."""
    users = processes_using(root)
    if users:
        raise PbxError(f"{root} is in use by process(es) {users}: run `sauti asterisk stop` first")
    mounts = mounts_under(root)
    if mounts:
        raise PbxError(f"{root} still has mounts ({', '.join(mounts)}): unmount them first")
