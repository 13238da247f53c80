"""Management commands of accounts: disable_account, and the demo-only demo_code and seed."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from network.accounts import demo, twofactor
from network.accounts.models import SessionRecord, TotpDevice
from network.accounts.signals import sessions_ended
from network.audit.models import AuditEvent
from network.signals import membership_deactivated
from tests.network.accounts_support import (
    enrol_totp,
    give_password,
    password_only_client,
    totp_code,
)

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def signals_received(db):
    received = []

    def on_deactivated(sender, membership, user, reason, **kwargs):
        received.append(("membership_deactivated", membership, user.pk, reason))

    def on_ended(sender, user, session_keys, **kwargs):
        received.append(("sessions_ended", user.pk, list(session_keys)))

    membership_deactivated.connect(on_deactivated)
    sessions_ended.connect(on_ended)
    yield received
    membership_deactivated.disconnect(on_deactivated)
    sessions_ended.disconnect(on_ended)


def test_disable_account_ends_sessions_and_notifies_after_commit(
    member, signals_received, django_capture_on_commit_callbacks
):
    password = give_password(member)
    seed = enrol_totp(member)
    client = password_only_client(member, password)
    client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})
    assert client.get(reverse("home")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        call_command("disable_account", member.email, reason="Left the prosecution service")

    member.refresh_from_db()
    assert not member.is_active
    assert client.get(reverse("home")).status_code == 302
    assert not SessionRecord.objects.filter(user=member).exists()
    assert signals_received == [
        ("membership_deactivated", None, member.pk, "Left the prosecution service"),
        ("sessions_ended", member.pk, []),
    ]
    event = AuditEvent.objects.get(action="account.disabled")
    assert event.reason == "Left the prosecution service"
    assert event.target_id == str(member.pk)
    # And the password no longer signs in.
    response = Client().post(
        reverse("accounts:sign_in"), {"email": member.email, "password": password}
    )
    assert response.status_code == 400


def test_nothing_is_sent_before_the_commit(member, signals_received):
    call_command("disable_account", member.email, reason="Left the prosecution service")

    assert signals_received == []


def test_disable_account_needs_a_reason_and_exits_1():
    result = _manage("disable_account", "someone@example.org")

    assert result.returncode == 1
    assert 'A reason is required: --reason "..."' in result.stderr


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_refused(member, reason):
    with pytest.raises(CommandError, match="A reason is required"):
        call_command("disable_account", member.email, reason=reason)

    member.refresh_from_db()
    assert member.is_active


def test_an_unknown_account_is_named(db):
    with pytest.raises(CommandError, match="No account with the email address ghost@example.org"):
        call_command("disable_account", "ghost@example.org", reason="x")


def test_an_account_is_disabled_once(member):
    call_command("disable_account", member.email, reason="Left")

    with pytest.raises(CommandError, match="already disabled"):
        call_command("disable_account", member.email, reason="Again")
    assert AuditEvent.objects.filter(action="account.disabled").count() == 1


def test_demo_code_refuses_outside_demo_mode_and_exits_1():
    result = _manage("demo_code", "someone@example.org", COUNTERPART_DEMO="0")

    assert result.returncode == 1
    assert "demo_code runs only in demo mode (COUNTERPART_DEMO=1)" in result.stderr


def test_demo_code_refuses_outside_demo_mode(member, settings):
    settings.DEMO = False

    with pytest.raises(CommandError, match="only in demo mode"):
        call_command("demo_code", member.email)


def test_the_demo_seed_refuses_outside_demo_mode(db, settings):
    settings.DEMO = False

    with pytest.raises(Exception, match="only for demo mode"):
        demo.seed(stdout=StringIO())


def test_the_demo_seed_enrols_every_account_once(member, outsider, settings):
    settings.DEMO = True
    enrol_totp(outsider)
    before = bytes(TotpDevice.objects.get(user=outsider).sealed_seed)
    out = StringIO()

    demo.seed(stdout=out)
    demo.seed(stdout=out)

    assert TotpDevice.objects.filter(user=member, confirmed=True).count() == 1
    assert bytes(TotpDevice.objects.get(user=outsider).sealed_seed) == before
    assert "enrolled for 1 demo accounts" in out.getvalue()
    assert "enrolled for 0 demo accounts" in out.getvalue()


def test_demo_code_prints_a_code_that_signs_in(member, settings):
    settings.DEMO = True
    password = give_password(member)
    demo.seed(stdout=StringIO())
    out = StringIO()

    call_command("demo_code", member.email, stdout=out)

    code = out.getvalue().strip()
    assert len(code) == twofactor.DIGITS and code.isdigit()
    client = password_only_client(member, password)
    assert client.post(reverse("accounts:second_factor"), {"code": code}).status_code == 302


def test_demo_code_names_an_account_without_a_demo_app(db, settings):
    settings.DEMO = True

    with pytest.raises(CommandError, match="ghost@example.org has no demo authenticator app"):
        call_command("demo_code", "ghost@example.org")
