"""Reading configuration from the environment, failing loudly where a value is required.

Outside production every secret has an embedded default: it is generated on first use and
kept under the var/ directory with mode 0600, so the service runs on a laptop with nothing
installed but Python. In production a missing secret stops start-up with a clear message.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


RATE_PERIODS = ("s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day")


def envrate(name: str, default: str) -> str:
    """A request rate such as 600/min: a positive count, a slash and a period."""
    value = (os.environ.get(name) or default).strip()
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 600/min (periods: s, min, h, day), not {value!r}"
        )
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str, *, production: bool, var_dir: Path, generate) -> str:
    """Return the secret from the environment, or (outside production) from var/.

    `generate` makes a new value the first time; the file is created atomically with mode
    0600 so that parallel processes starting together agree on one value.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if production:
        raise ImproperlyConfigured(
            f"{name} is required in production (COUNTERPART_PRODUCTION=1) and is not set. "
            "See deploy/.env.example."
        )
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / name.lower()
    if not path.exists():
        # Write a private temporary file, then link it into place: link() fails when another
        # process won the race, and then both use the winner's value.
        temporary = var_dir / f".{name.lower()}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)
