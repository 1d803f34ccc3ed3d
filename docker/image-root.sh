#!/bin/sh
# The image's recipe, in one place: the Dockerfile runs `install`, and the suite runs
# `build` to prove it without a Docker engine (tests/test_image_root.py).
#
#   docker/image-root.sh build ROOT   on a Debian host, as root: mmdebstrap a Debian
#                                     unstable root with PACKAGES, copy Sauti into
#                                     ROOT/opt/sauti, then run `install` inside it (chroot)
#   docker/image-root.sh dependencies inside the target system: the packages and a venv with
#                                     pyproject.toml's dependencies (needs only pyproject.toml)
#   docker/image-root.sh install      inside the target system (Docker's RUN, or the chroot):
#                                     the dependencies, Sauti in the venv, the user `sauti`
#
# Debian unstable because its archive carries Asterisk 22: the line uses the system's
# Asterisk there, no chroot of its own. MIRROR overrides the Debian mirror.
set -eu

PACKAGES="asterisk kannel python3 python3-venv espeak-ng ffmpeg sox caddy ca-certificates"
SOURCES="pyproject.toml README.md core ivr asr web pbx phone dialler smsgw sms sauti prompts dialplans kannel deploy docker"
MIRROR=${MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")/.." && pwd)

dependencies_inside() {
    missing=""
    for pkg in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
        rm -rf /var/lib/apt/lists/*
    fi
    # The pjsua2 test phone (the [phone] extra) is not part of the image.
    [ -x /opt/venv/bin/python ] || python3 -m venv /opt/venv
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/opt/sauti/pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt
    rm /tmp/requirements.txt
}

install_inside() {
    dependencies_inside
    # Editable: prompts/, dialplans/ and deploy/ are found beside the code in /opt/sauti.
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -e /opt/sauti
    # The line never runs as root: Asterisk 22 is the system's, so no chroot or mounts.
    id sauti >/dev/null 2>&1 || useradd --system --home-dir /data --shell /usr/sbin/nologin sauti
    mkdir -p /data /models /caddy
    chown sauti:sauti /data /models /caddy
    chmod 0700 /data
}

build_root() {
    root=$1
    partial="$root.partial"
    rm -rf "$partial"
    # shellcheck disable=SC2086
    mmdebstrap --variant=apt --include="$(echo $PACKAGES | tr ' ' ',')" \
        '--aptopt=Acquire::Check-Valid-Until "false"' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        unstable "$partial" "$MIRROR"
    copy_sources "$partial"
    cp /etc/resolv.conf "$partial/etc/resolv.conf"
    # pip inside trusts what the host trusts (a local proxy's authority, say) only while it
    # runs: the host's bundle is mounted over the root's. The host's pip settings name host
    # paths and stay outside.
    bundle=/etc/ssl/certs/ca-certificates.crt
    # pip needs /dev and /proc; the mounts live and die with this private namespace.
    env -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u PIP_CERT unshare --mount --fork sh -c "
        mount --rbind /dev '$partial/dev' && mount -t proc proc '$partial/proc' &&
        mount --bind '$bundle' '$partial$bundle' &&
        chroot '$partial' /bin/sh /opt/sauti/docker/image-root.sh install"
    rm -rf "$root"
    mv "$partial" "$root"
}

copy_sources() {
    mkdir -p "$1/opt/sauti"
    for item in $SOURCES; do
        rm -rf "$1/opt/sauti/$item"
        cp -a "$here/$item" "$1/opt/sauti/$item"
    done
    find "$1/opt/sauti" -name __pycache__ -prune -exec rm -rf {} +
}

case "${1:-}" in
    dependencies) dependencies_inside ;;
    install) install_inside ;;
    build) build_root "${2:?usage: image-root.sh build ROOT}" ;;
    sources) copy_sources "${2:?usage: image-root.sh sources ROOT}" ;;
    *) echo "usage: $0 build ROOT | dependencies | install | sources ROOT" >&2; exit 2 ;;
esac
