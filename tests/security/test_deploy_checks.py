"""Production settings: `check --deploy` is clean, start-up refuses to run without its
secrets, and cookies are hardened. Each test starts Django in a subprocess with a
production environment built from scratch."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from network.keyring import new_master_keys_value

ROOT = Path(__file__).resolve().parents[2]
OWN_VARIABLES = (
    "COUNTERPART_",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_",
)


def production_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    env.update(
        COUNTERPART_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        COUNTERPART_MASTER_KEYS=new_master_keys_value(),
        ALLOWED_HOSTS="counterpart.example.org",
        COUNTERPART_ORIGIN="https://counterpart.example.org",
        REDIS_URL="rediss://redis.internal:6380/0",
        DATABASE_URL="postgres://counterpart@db.internal:5432/counterpart",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args, **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "COUNTERPART_MASTER_KEYS"])
def test_production_refuses_to_start_without_a_secret(missing):
    result = manage("check", **{missing: None})

    assert result.returncode != 0
    assert (
        f"{missing} is required in production (COUNTERPART_PRODUCTION=1) and is not set"
        in result.stderr
    )


def test_production_cookies_are_host_only_secure_and_http_only():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE,"
        " s.AXES_CLIENT_IP_CALLABLE)"
    )

    result = manage("shell", "--no-imports", "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "True",
        "True",
        "Lax",
        "__Host-csrftoken",
        "True",
        "network.accounts.session_index.client_ip",
    ]
