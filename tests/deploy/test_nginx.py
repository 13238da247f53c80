"""The nginx site passes `nginx -t` on the nginx of this machine (Debian's 1.22 in CI: no
`http2 on;`), and a running nginx with it puts HSTS on the answer of every location: nginx
drops a server's add_header in a location that has its own."""

import datetime
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.messaging.faults import free_port
from tests.operations.services import wait_until

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "counterpart.conf"
HEADERS = ROOT / "deploy" / "nginx" / "counterpart-headers.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture
def nginx():
    if NGINX is None:
        message = "needs nginx (apt-get install nginx-light; .ci/run installs it)"
        if os.environ.get("COUNTERPART_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return NGINX


def _certificate(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "counterpart.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _prefix(*, https_port: int = 443, http_port: int = 80) -> Path:
    """A prefix with the site as shipped, only its machine paths (and, to run it, its ports)
    moved into the prefix."""
    prefix = Path(tempfile.mkdtemp(prefix="counterpart-nginx-"))
    prefix.chmod(0o755)
    _certificate(prefix)
    static = prefix / "static"
    static.mkdir()
    (static / "app.0123456789ab.css").write_text("body{}\n")
    site = (
        SITE.read_text()
        .replace("/etc/nginx/snippets/counterpart-headers.conf", str(prefix / "headers.conf"))
        .replace("/etc/ssl/counterpart/", f"{prefix}/")
        .replace("/srv/counterpart/static/", f"{static}/")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen [::]:80;", "")
    )
    (prefix / "site.conf").write_text(site)
    (prefix / "headers.conf").write_text(HEADERS.read_text())
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {prefix}/site.conf; }}\n"
    )
    return prefix


def _nginx(binary: str, prefix: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [binary, "-p", f"{prefix}/", "-c", f"{prefix}/nginx.conf", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_site_passes_nginx_t(nginx):
    """The site as shipped: the listen lines, TLS, the include and every directive as they
    are, only the paths of this machine moved."""
    prefix = _prefix(https_port=free_port(), http_port=free_port())

    result = _nginx(nginx, prefix, "-t")

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "[emerg]" not in result.stderr


def test_the_site_does_not_use_directives_newer_than_debian_12s_nginx():
    site = "\n".join(line.split("#")[0] for line in SITE.read_text().splitlines())
    assert "http2 on" not in site
    assert "listen 443 ssl http2;" in site


def _get(url: str) -> tuple[int, dict]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, context=context, timeout=5) as answer:  # noqa: S310
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_every_location_answers_with_hsts(nginx):
    """nginx running the site (its upstream unreachable: its locations answer 502, with the
    headers `always` adds): static files, pages, the WebSocket path, and the probes and
    metrics that are not for the public (404)."""
    https_port = free_port()
    prefix = _prefix(https_port=https_port, http_port=free_port())
    started = _nginx(nginx, prefix)
    assert started.returncode == 0, started.stderr
    try:
        wait_until(lambda: _listening(https_port), timeout=10)
        base = f"https://127.0.0.1:{https_port}"
        answers = {
            path: _get(base + path)
            for path in ("/static/app.0123456789ab.css", "/", "/ws/v1/", "/readyz", "/metrics")
        }
    finally:
        _nginx(nginx, prefix, "-s", "stop")

    statuses = {path: status for path, (status, _) in answers.items()}
    assert statuses == {
        "/static/app.0123456789ab.css": 200,
        "/": 502,
        "/ws/v1/": 502,
        "/readyz": 404,
        "/metrics": 404,
    }
    for path, (_, headers) in answers.items():
        assert headers.get("Strict-Transport-Security") == HSTS, path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
    static_headers = answers["/static/app.0123456789ab.css"][1]
    assert static_headers["Cache-Control"] == "public, max-age=31536000, immutable"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
