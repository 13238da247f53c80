"""Trusted time: with COUNTERPART_TSA_URL set, the checkpoint of an export is time-stamped by
an RFC 3161 authority (here a local `openssl ts` one served over HTTP), the token is in the
bundle, OpenSSL verifies it against the checkpoint, and the verifier catches a token of
something else. Without the setting, no time-stamp."""

import http.server
import shutil
import subprocess
import threading

import pytest

from messaging.records import timestamp
from messaging.verify import verify_bundle
from tests.records.conftest import rezip, unzip

pytestmark = pytest.mark.django_db

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

CONFIG = """
[ tsa ]
default_tsa = local_tsa

[ local_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603


@pytest.fixture
def tsa(tmp_path):
    """A time-stamping authority on a free local port: (its URL, its certificate's path)."""
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tsa.key", "-out", "tsa.crt", "-days", "2", "-subj", "/CN=Test TSA",
        "-addext", "extendedKeyUsage=critical,timeStamping",
        cwd=tmp_path,
    )  # fmt: skip
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(CONFIG.format(dir=tmp_path))

    class Authority(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            query = self.rfile.read(int(self.headers["Content-Length"]))
            (tmp_path / "query.tsq").write_bytes(query)
            _openssl(
                "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq",
                "-out", "reply.tsr",
                cwd=tmp_path,
            )  # fmt: skip
            reply = (tmp_path / "reply.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Authority)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "tsa.crt"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_checkpoint_is_time_stamped(tsa, export, settings, tmp_path):
    url, certificate = tsa
    settings.COUNTERPART_TSA_URL = url
    built = export()
    files = unzip(built.data)
    assert "log/timestamp.tsr" in files
    verdict = verify_bundle(built.data)
    assert verdict.ok, verdict
    assert verdict.facts["timestamp"].endswith("Z")
    (tmp_path / "checkpoint.txt").write_bytes(files["log/checkpoint.txt"])
    (tmp_path / "timestamp.tsr").write_bytes(files["log/timestamp.tsr"])
    checked = subprocess.run(  # noqa: S603
        [OPENSSL, "ts", "-verify", "-data", "checkpoint.txt", "-in", "timestamp.tsr"]
        + ["-CAfile", str(certificate)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr

    # A token of something else, even resealed into the manifest, is caught.
    other = timestamp.stamp(b"another checkpoint")
    forged = verify_bundle(rezip({**files, "log/timestamp.tsr": other}))
    assert not forged.ok
    assert (forged.problem.file, forged.problem.field) == ("log/timestamp.tsr", "imprint")


def test_no_authority_no_time_stamp(export, settings):
    settings.COUNTERPART_TSA_URL = ""
    built = export()
    assert "log/timestamp.tsr" not in unzip(built.data)
    assert "timestamp" not in verify_bundle(built.data).facts


def test_an_authority_out_of_reach_fails_the_export(export, settings):
    from tests.messaging.faults import free_port

    settings.COUNTERPART_TSA_URL = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(timestamp.TimestampError) as refused:
        export()
    assert "out of reach" in refused.value.message
