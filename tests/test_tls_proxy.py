"""`sauti tls-proxy`: the Caddyfile validates with Debian's caddy, and a real HTTPS request
through it on loopback reaches the console with HSTS, a Secure cookie and the caller's
address as the console sees it."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import sys

from tests.fixtures.core import free_port, make_data_dir, wait_for
from tests.fixtures.prompts import require_tools


def test_console_over_https_through_the_proxy(tmp_path):
    require_tools("caddy")
    binary = shutil.which("caddy")
    config = make_data_dir(tmp_path / "data", {"web": {"port": free_port(), "secure_cookies": True,
                                                      "behind_proxy": True}})
    https_port, http_port = free_port(), free_port()
    caddyfile, state = tmp_path / "Caddyfile", tmp_path / "caddy"
    sauti = [sys.executable, "-m", "sauti", "--data", str(config.data_dir)]
    written = subprocess.run([*sauti, "tls-proxy", "--site", "127.0.0.1", "--https-port", str(https_port),
                              "--http-port", str(http_port), "--state-dir", str(state), "--out", str(caddyfile)],
                             capture_output=True, text=True, timeout=60)
    assert written.returncode == 0 and "secure_cookies" not in written.stderr, written.stdout + written.stderr
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    valid = subprocess.run([binary, "validate", "--config", str(caddyfile), "--adapter", "caddyfile"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert valid.returncode == 0, valid.stderr
    broken = tmp_path / "Broken"
    broken.write_text(caddyfile.read_text().replace("reverse_proxy", "reverse_proxi"))
    assert subprocess.run([binary, "validate", "--config", str(broken), "--adapter", "caddyfile"],
                          capture_output=True, text=True, timeout=120, env=env).returncode != 0

    web = subprocess.Popen([*sauti, "web"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([binary, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    root_cert = state / "pki/authorities/local/root.crt"
    context = ssl.create_default_context()
    try:
        wait_for(root_cert.exists, 60, "Caddy's local authority")
        context.load_verify_locations(root_cert)

        def login_page():
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=5)
            try:
                conn.request("GET", "/login")
                response = conn.getresponse()
                response.read()
                return response if response.status == 200 else None
            except OSError:
                return None
            finally:
                conn.close()

        response = wait_for(login_page, 60, "the console through the proxy")
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
        assert "; Secure" in response.getheader("Set-Cookie"), response.getheader("Set-Cookie")
        # Plain HTTP only redirects.
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        plain.request("GET", "/login")
        redirect = plain.getresponse()
        plain.close()
        assert redirect.status in (301, 308) and redirect.getheader("Location").startswith("https://")
    finally:
        for process in (proxy, web):
            process.terminate()
            process.wait(timeout=30)
