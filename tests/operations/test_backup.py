"""The backup and restore drill of docs/operations.md, for real: pg_dump of the database with
messages in it, a new database restored from the dump with pg_restore, the messages read back
through the application's decryption with the backed-up key ring; with any other key ring
the same dump reads as nothing, and the dump itself holds no plaintext."""

import json
import os
import subprocess
import sys
import tempfile
import uuid

import pytest
from django.conf import settings
from django.db import connection

from messaging import actions, posting
from network.keyring import new_master_keys_value
from tests.operations.services import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BODIES = ["CANARY-BACKUP first report from the port", "CANARY-BACKUP second, with the names"]
READ_BACK = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
django.setup()
from messaging import crypto
from messaging.models import Message
bodies = []
for message in Message.objects.order_by("seq"):
    try:
        bodies.append(crypto.open_body(message))
    except Exception as error:
        bodies.append("unreadable: " + type(error).__name__)
print(json.dumps(bodies))
"""


def _pg(*args: str) -> list[str]:
    db = connection.settings_dict
    return [
        *args,
        "-h",
        db["HOST"] or "127.0.0.1",
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        db["USER"],
    ]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=120, check=False, env=env, **kwargs
    )
    assert result.returncode == 0, result.stderr
    return result


def _read_back(database: str, master_keys: str) -> list[str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COUNTERPART_", "REDIS_URL", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=f"{url}/{database}",
        COUNTERPART_MASTER_KEYS=master_keys,
        SECRET_KEY=settings.SECRET_KEY,
        COUNTERPART_VAR_DIR=tempfile.mkdtemp(prefix="counterpart-drill-"),
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_BACK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_dump_restores_and_reads_back_only_with_its_key_ring(case_room, member, tmp_path):
    thread = actions.create_thread(room=case_room, creator=member, title="Port")
    client_ids = [uuid.uuid4() for _ in BODIES]
    for body, client_id in zip(BODIES, client_ids, strict=True):
        posting.post_message(
            room=case_room, sender=member, thread=thread, body=body, client_id=client_id
        )
    dump = tmp_path / "counterpart.dump"
    source = connection.settings_dict["NAME"]
    restored = f"{source}_drill_{uuid.uuid4().hex[:8]}"

    # Uncompressed, so that the search for plaintext below reads the rows as they are.
    _run(
        _pg(
            "pg_dump",
            "--format=custom",
            "--compress=0",
            "--no-owner",
            "--file",
            str(dump),
            "--dbname",
            source,
        )
    )
    _run(_pg("createdb", restored))
    try:
        _run(_pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)))

        with_keys = _read_back(restored, settings.COUNTERPART_MASTER_KEYS)
        key_id = settings.COUNTERPART_MASTER_KEYS.split(",")[0].split(":")[0]
        other_keys = _read_back(restored, new_master_keys_value(key_id))
    finally:
        _run(_pg("dropdb", "--force", restored))

    assert with_keys == BODIES
    assert other_keys == ["unreadable: DecryptionError"] * len(BODIES)
    content = dump.read_bytes()
    assert all(str(client_id).encode() in content for client_id in client_ids)  # the rows
    assert b"CANARY-BACKUP" not in content  # but not their bodies
