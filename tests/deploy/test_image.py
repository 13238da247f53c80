"""The image's recipe and what it relies on: a multi-stage Dockerfile that installs the locked
dependencies by hash, copies and compiles the catalogues, collects the static files, runs as
a numeric user with a health check; a lock file that pins every dependency with hashes; and
production static files (hashed names, gzip copies) served by the process with a year's
immutable caching. (No Docker daemon is assumed: the recipe is read, the steps it runs are
run here.)"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tests.security.test_deploy_checks import production_env

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
LOCK = (ROOT / "deploy" / "requirements.lock").read_text()


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line and not line.startswith("#")
    ]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def test_the_image_is_built_in_stages_and_runs_as_a_numeric_non_root_user():
    assert sum(op == "FROM" for op, _ in instructions()) >= 2
    (user,) = [arg for op, arg in final_stage() if op == "USER"]
    assert re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user), user
    assert any(op == "HEALTHCHECK" and "/healthz" in arg for op, arg in final_stage())
    assert any(op == "CMD" and "messaging.realtime.server" in arg for op, arg in final_stage())


def test_the_image_installs_by_hash_and_ships_compiled_catalogues_and_static_files():
    runs = " ".join(arg for op, arg in instructions() if op == "RUN")
    copies = [arg for op, arg in instructions() if op == "COPY"]
    assert "--require-hashes -r /tmp/requirements.lock" in runs
    assert "locale ./locale" in copies
    assert "compilemessages" in runs
    assert "collectstatic" in runs
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not {"locale", "network", "directory", "messaging", "deploy"} & set(ignored)


def test_the_lock_pins_every_dependency_with_hashes():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", LOCK, re.M))
    pinned = {name.lower().replace("_", "-"): version for name, version in pins.items()}
    for dependency in map(Requirement, dependencies):
        name = dependency.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in deploy/requirements.lock"
        assert dependency.specifier.contains(pinned[name]), (name, pinned[name])
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 2)[2])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)


def test_production_static_files_are_hashed_compressed_and_served_immutable(tmp_path):
    """collectstatic with the production settings, then the ASGI application serving one of
    its files, warnings as errors."""
    env = production_env(COUNTERPART_STATIC_ROOT=str(tmp_path), COUNTERPART_SERVE_STATIC="1")
    collected = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    original, hashed = next((k, v) for k, v in manifest.items() if k.endswith(".js"))
    assert hashed != original
    assert (tmp_path / (hashed + ".gz")).exists()

    script = f"""
import asyncio, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
from asgiref.testing import ApplicationCommunicator
from network.asgi import application
async def main():
    scope = {{"type": "http", "method": "GET", "path": "/static/{hashed}", "query_string": b"",
             "headers": [(b"host", b"counterpart.example.org"), (b"x-forwarded-proto", b"https"),
                         (b"accept-encoding", b"gzip")]}}
    server = ApplicationCommunicator(application, scope)
    await server.send_input({{"type": "http.request", "body": b""}})
    start = await server.receive_output(10)
    body = b""
    while True:
        chunk = await server.receive_output(10)
        body += chunk.get("body", b"")
        if not chunk.get("more_body"):
            break
    headers = {{k.decode(): v.decode() for k, v in start["headers"]}}
    print(json.dumps({{"status": start["status"], "headers": headers, "size": len(body)}}))
asyncio.run(main())
"""
    served = subprocess.run(  # noqa: S603
        [sys.executable, "-W", "error", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert served.returncode == 0, served.stderr
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["headers"]["Cache-Control"] == "max-age=315360000, public, immutable"
    assert answer["headers"]["Content-Encoding"] == "gzip"
    assert answer["size"] == (tmp_path / (hashed + ".gz")).stat().st_size
