"""`make run PORT=…` serves one origin end to end: the WebSocket origin check, the e-mailed
links and the printed sign-in address all follow the address served, unless
COUNTERPART_ORIGIN is configured."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def dry_run(*arguments: str, **environment: str) -> str:
    env = {**os.environ, **environment}
    env.pop("MAKEFLAGS", None)
    result = subprocess.run(  # noqa: S603
        ["make", "-n", "run", *arguments],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def served_settings(origin: str) -> list[str]:
    """ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS as a fresh process reads them."""
    env = {**os.environ, "COUNTERPART_ORIGIN": origin, "DJANGO_SETTINGS_MODULE": "network.settings"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from network.origin import site_origin; "
        "print(settings.ALLOWED_ORIGINS, settings.CSRF_TRUSTED_ORIGINS, site_origin())"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_make_run_on_another_port_serves_and_announces_that_origin():
    """PORT=8101: Daphne listens on 8101 and both the demo seeding (which prints the sign-in
    address) and Daphne get http://127.0.0.1:8101 as their origin."""
    commands = dry_run("PORT=8101", COUNTERPART_ORIGIN="")
    server = next(line for line in commands.splitlines() if "messaging.realtime.server" in line)
    seed = next(line for line in commands.splitlines() if "seed_demo" in line)
    assert "-p 8101" in server
    assert (
        "COUNTERPART_ORIGIN=http://127.0.0.1:8101" in commands.split("messaging.realtime.server")[0]
    )
    assert "COUNTERPART_ORIGIN=http://127.0.0.1:8101" in seed
    assert "Serving http://127.0.0.1:8101/" in commands


def test_a_configured_origin_wins_over_the_derived_one():
    """Behind a proxy the configured origin is kept, whatever port Daphne listens on."""
    commands = dry_run("PORT=8101", COUNTERPART_ORIGIN="https://counterpart.example.org")
    seed = next(line for line in commands.splitlines() if "seed_demo" in line)
    assert "COUNTERPART_ORIGIN=https://counterpart.example.org" in seed
    assert "127.0.0.1:8101" not in seed


def test_the_origin_served_is_the_only_one_accepted_and_the_one_links_use():
    """The settings take the origin of `make run` as the one WebSocket and CSRF origin and as
    the origin of e-mailed links."""
    printed = served_settings("http://127.0.0.1:8101")
    assert printed == ("['http://127.0.0.1:8101'] ['http://127.0.0.1:8101'] http://127.0.0.1:8101")
