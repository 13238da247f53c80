"""Personas and service markers shared by the whole suite.

Personas (after hc/test.py): a coordinator, an active member, an applicant, a member of
another network, a suspended member and an outsider; and a counterpart abroad with whom the
member shares a case room. `client_for(user)` returns a test
client signed in with both factors; the sign-in flow itself is tested in tests/network/.
"""

import os
import shutil
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from network.accounts.sessions import mark_two_factor_verified

REQUIRE_SERVICES = os.environ.get("COUNTERPART_REQUIRE_SERVICES") == "1"
# The fault tests start PostgreSQL and Redis servers of their own (tests/messaging/faults.py).
FAULT_TOOLS = ("initdb", "pg_ctl", "redis-server")
FAULT_PATH = os.pathsep.join(
    [os.environ.get("COUNTERPART_PG_BIN", "/usr/lib/postgresql/15/bin"), os.environ["PATH"]]
)


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL"
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Chromium (apt-get install chromium)"
    if marker == "faults":
        missing = [tool for tool in FAULT_TOOLS if not shutil.which(tool, path=FAULT_PATH)]
        if missing:
            return f"needs {', '.join(missing)} (PostgreSQL 15 and Redis server binaries)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser", "faults"):
        if item.get_closest_marker(marker) is None:
            continue
        missing = _service_missing(marker)
        if missing and REQUIRE_SERVICES:
            pytest.fail(f"{missing} (COUNTERPART_REQUIRE_SERVICES=1)")
        elif missing:
            pytest.skip(missing)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file (one per xdist worker), so that a server in a
    subprocess (tests/browser) opens the same database as the test."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / f"test-{worker}.sqlite3")


@pytest.fixture(autouse=True, scope="session")
def _test_database_can_be_dropped(django_db_setup, django_db_blocker):
    """Servers that tests start (Daphne subprocesses, live-server threads, browser contexts)
    can leave sessions on the PostgreSQL test database; end them before it is dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    # Dropping a database checkpoints, which on a loaded machine outlasts the statement
    # timeout the settings give every connection; the connection that drops it has none.
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["options"] = "-c statement_timeout=0"


@pytest.fixture(autouse=True, scope="session")
def _isolated_channel_layer():
    """Each test process gets its own channel-layer prefix so parallel runs never cross."""
    if settings.REDIS_URL:
        prefix = f"cptest-{uuid.uuid4().hex[:8]}"
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = prefix
        if "room-events" in settings.CHANNEL_LAYERS:
            settings.CHANNEL_LAYERS["room-events"]["CONFIG"]["prefix"] = prefix + "-events"
        settings.CACHES["default"]["KEY_PREFIX"] = prefix


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets a new channel-layer object. Layers keep state bound to the event loop
    that used them (the in-memory layer its queues, channels_redis its receive lock), and
    every async test runs in a loop of its own."""
    yield
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers

    for layer in list(channel_layers.backends.values()):
        if hasattr(layer, "flush") and not settings.REDIS_URL:
            async_to_sync(layer.flush)()
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is configured for real use (tests/network/test_passwords.py checks it);
    # other tests need hashing only as a side effect.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _fresh_request_rates(settings):
    """Each test starts with no request history: the API's rates stay as configured, and no
    test is throttled by the requests of another."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-{uuid.uuid4().hex}",
        },
    }


@pytest.fixture
def make_user(db):
    from network.accounts.models import User

    def make(email: str | None = None, **fields):
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.org"
        fields.setdefault("display_name", email.split("@")[0].replace(".", " ").title())
        fields.setdefault("state", "ES")
        fields.setdefault("languages", ["en", "es"])
        return User.objects.create_user(email, password=None, **fields)

    return make


@pytest.fixture
def make_network(db):
    from network.models import Network

    def make(slug: str | None = None, **fields):
        slug = slug or f"net-{uuid.uuid4().hex[:8]}"
        fields.setdefault("name", slug.upper())
        fields.setdefault("working_languages", ["en", "es"])
        fields.setdefault("member_states", ["ES", "PT", "AR", "BR", "MX", "NG", "GH"])
        fields.setdefault("required_endorsements", 2)
        return Network.objects.create(slug=slug, **fields)

    return make


@pytest.fixture
def make_membership(db):
    from network.models import Membership

    def make(user, network, *, status="active", role="member", **fields):
        fields.setdefault("institution", "Fiscalía General")
        fields.setdefault("position", "Prosecutor")
        fields.setdefault("statement", "Specialised in trafficking cases.")
        if status == "active":
            fields.setdefault("activated_at", timezone.now())
            fields.setdefault("renew_by", timezone.localdate() + timedelta(days=365))
        return Membership.objects.create(
            user=user, network=network, status=status, role=role, **fields
        )

    return make


@pytest.fixture
def tipp(make_network):
    return make_network("tipp", name="TIPP network", member_states=["ES", "NG", "BR", "PH"])


@pytest.fixture
def redtram(make_network):
    return make_network("redtram", name="REDTRAM", member_states=["ES", "AR", "MX", "BR"])


@pytest.fixture
def coordinator(make_user, make_membership, tipp):
    user = make_user("coordinator@example.org", display_name="Carla Coordinator")
    make_membership(user, tipp, role="coordinator")
    return user


@pytest.fixture
def member(make_user, make_membership, tipp):
    user = make_user("member@example.org", display_name="Mateo Member", state="AR")
    make_membership(user, tipp)
    return user


@pytest.fixture
def applicant(make_user, make_membership, tipp):
    user = make_user("applicant@example.org", display_name="Ana Applicant", state="BR")
    make_membership(user, tipp, status="applicant")
    return user


@pytest.fixture
def other_network_member(make_user, make_membership, redtram):
    user = make_user("other@example.org", display_name="Olu Other", state="NG")
    make_membership(user, redtram)
    return user


@pytest.fixture
def suspended_member(make_user, make_membership, tipp):
    user = make_user("suspended@example.org", display_name="Sam Suspended", state="MX")
    make_membership(user, tipp, status="suspended")
    return user


@pytest.fixture
def counterpart(make_user, make_membership, tipp):
    """An active TIPP member abroad: the member's counterpart in a case."""
    user = make_user("counterpart@example.org", display_name="Chidi Counterpart", state="NG")
    make_membership(user, tipp)
    return user


@pytest.fixture
def case_room(member, counterpart, tipp):
    """A TIPP case room owned by `member`, with `counterpart` invited."""
    from messaging import actions

    return actions.create_room(
        kind="case",
        creator=member,
        title="Operation Lantern",
        network=tipp,
        participants=[counterpart],
    )


@pytest.fixture
def outsider(make_user):
    return make_user("outsider@example.org", display_name="Otto Outsider", state="FR")


def sign_in(client: Client, user, *, method: str = "totp") -> Client:
    """Sign `user` in on `client` with both factors passed."""
    client.force_login(user)
    session = client.session
    mark_two_factor_verified(session, method=method)
    session.save()
    return client


@pytest.fixture
def client_for(db):
    def make(user, *, method: str = "totp") -> Client:
        return sign_in(Client(), user, method=method)

    return make
