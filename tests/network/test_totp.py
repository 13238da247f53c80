"""Authenticator apps (TOTP): enrolment with a QR code, seeds sealed at rest, each code
accepted once even under concurrency, the window, and throttling of bad codes."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from network.accounts import twofactor
from network.accounts.models import RecoveryCode, TotpDevice
from network.accounts.sessions import is_two_factor_verified
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    enrol_totp,
    give_password,
    password_only_client,
    totp_code,
)


@pytest.fixture
def newcomer(member):
    """An account with a password and no second factor yet, signed in with the password."""
    password = give_password(member)
    return member, password_only_client(member, password)


def _seed_from_page(user) -> bytes:
    return twofactor.device_seed(TotpDevice.objects.get(user=user))


def test_enrolment_shows_a_qr_code_and_the_key(newcomer):
    user, client = newcomer

    response = client.get(reverse("accounts:enrol_totp"))

    assert response.status_code == 200
    assert b"<svg" in response.content
    device = TotpDevice.objects.get(user=user)
    assert not device.confirmed
    key = twofactor.manual_key(device)
    assert key.encode() in response.content


def test_the_provisioning_uri_names_the_issuer_and_the_account(newcomer):
    user, client = newcomer
    client.get(reverse("accounts:enrol_totp"))

    uri = twofactor.provisioning_uri(TotpDevice.objects.get(user=user))

    assert uri.startswith("otpauth://totp/Counterpart%3Amember%40example.org?secret=")
    assert "&period=30" in uri and "&digits=6" in uri


def test_enrolment_needs_a_valid_code(newcomer):
    user, client = newcomer
    client.get(reverse("accounts:enrol_totp"))
    seed = _seed_from_page(user)
    wrong = f"{(int(totp_code(seed)) + 7) % 1_000_000:06d}"

    response = client.post(reverse("accounts:enrol_totp"), {"code": wrong})

    assert response.status_code == 400
    assert b"That code is not valid" in response.content
    assert not TotpDevice.objects.get(user=user).confirmed
    assert not is_two_factor_verified(client.session)


def test_enrolment_with_a_valid_code_shows_ten_recovery_codes_once(newcomer):
    user, client = newcomer
    client.get(reverse("accounts:enrol_totp"))
    seed = _seed_from_page(user)

    response = client.post(reverse("accounts:enrol_totp"), {"code": totp_code(seed)})

    assert response.status_code == 200
    assert response.content.count(b"<li><code>") == 10
    assert TotpDevice.objects.get(user=user).confirmed
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert is_two_factor_verified(client.session)
    assert AuditEvent.objects.filter(action="two_factor.enrolled", actor=user).exists()
    # Reloading does not show them again.
    again = client.get(reverse("accounts:enrol_totp"), follow=True)
    assert b"<li><code>" not in again.content


def test_the_seed_is_sealed_at_rest(newcomer):
    user, client = newcomer
    client.get(reverse("accounts:enrol_totp"))
    device = TotpDevice.objects.get(user=user)
    seed = twofactor.device_seed(device)

    stored = bytes(device.sealed_seed)
    assert seed not in stored
    assert seed.hex().encode() not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_seed FROM accounts_totpdevice WHERE id = %s", [device.pk])
        raw = bytes(cursor.fetchone()[0])
    assert seed not in raw


def test_a_sealed_seed_copied_to_another_device_does_not_open(member, outsider):
    enrol_totp(member)
    enrol_totp(outsider)
    stolen = TotpDevice.objects.get(user=member).sealed_seed
    TotpDevice.objects.filter(user=outsider).update(sealed_seed=stolen)

    with pytest.raises(Exception, match="failed authentication"):
        twofactor.device_seed(TotpDevice.objects.get(user=outsider))


def test_a_code_is_accepted_once(member):
    seed = enrol_totp(member)
    code = totp_code(seed)

    assert twofactor.verify_totp(user=member, code=code).accepted
    second = twofactor.verify_totp(user=member, code=code)

    assert not second.accepted
    assert second.message == "That code is not valid, or it was already used."


def test_a_reused_code_is_refused_at_sign_in(member):
    password = give_password(member)
    seed = enrol_totp(member)
    code = totp_code(seed)
    first = password_only_client(member, password)
    first.post(reverse("accounts:second_factor"), {"code": code})
    second = password_only_client(member, password)

    response = second.post(reverse("accounts:second_factor"), {"code": code})

    assert response.status_code == 400
    assert b"already used" in response.content
    assert not is_two_factor_verified(second.session)


def test_the_window_is_the_current_step_and_the_one_before(member):
    seed = enrol_totp(member)
    # A fixed instant ten steps ahead: no code of it has been used by the enrolment.
    now = float((twofactor.current_step() + 10) * twofactor.STEP + 5)
    step = twofactor.current_step(now)

    def check(offset):
        code = twofactor.code_at(seed, step + offset)
        return twofactor.verify_totp(user=member, code=code, at=now).accepted

    assert not check(+1)  # a code from the future
    assert not check(-2)  # 60–90 seconds old
    assert check(-1)
    assert check(0)


def test_an_older_step_is_refused_after_a_newer_one_was_used(member):
    seed = enrol_totp(member)
    now = float((twofactor.current_step() + 10) * twofactor.STEP + 5)
    step = twofactor.current_step(now)

    assert twofactor.verify_totp(user=member, code=twofactor.code_at(seed, step), at=now).accepted
    late = twofactor.verify_totp(user=member, code=twofactor.code_at(seed, step - 1), at=now)

    assert not late.accepted


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "", "12 34 5x"])
def test_malformed_codes_are_refused(member, code):
    enrol_totp(member)

    assert not twofactor.verify_totp(user=member, code=code).accepted


def test_bad_codes_are_throttled_even_a_correct_code_waits(member):
    seed = enrol_totp(member)
    wrong = f"{(int(totp_code(seed)) + 3) % 1_000_000:06d}"
    for _ in range(3):
        assert not twofactor.verify_totp(user=member, code=wrong).accepted

    blocked = twofactor.verify_totp(user=member, code=totp_code(seed))

    assert not blocked.accepted
    assert blocked.message.startswith("Too many wrong codes. Try again in")
    assert AuditEvent.objects.filter(action="sign_in.second_factor_failed").count() == 3


def test_the_throttle_shows_on_the_page(member):
    password = give_password(member)
    seed = enrol_totp(member)
    client = password_only_client(member, password)
    wrong = f"{(int(totp_code(seed)) + 3) % 1_000_000:06d}"
    for _ in range(3):
        client.post(reverse("accounts:second_factor"), {"code": wrong})

    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})

    assert response.status_code == 400
    assert b"Too many wrong codes" in response.content


def test_an_account_with_a_confirmed_app_cannot_start_another(member, client_for):
    enrol_totp(member)

    response = client_for(member).get(reverse("accounts:enrol_totp"))

    assert response["Location"] == reverse("accounts:security")


def _race(target, args_list) -> None:
    barrier = threading.Barrier(len(args_list))

    def run(*args):
        try:
            barrier.wait(timeout=10)
            target(*args)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_verifications_of_one_code_accept_exactly_one(member):
    seed = enrol_totp(member)
    assert twofactor.verify_totp(user=member, code=totp_code(seed)).accepted  # rows exist
    for round_ in range(12):
        # Each round races on a step of its own, ahead of every step used before.
        now = float((twofactor.current_step() + 10 + round_) * twofactor.STEP + 5)
        code = twofactor.code_at(seed, twofactor.current_step(now))
        results = []

        def verify(now=now, code=code, results=results):
            results.append(twofactor.verify_totp(user=member, code=code, at=now).accepted)

        _race(verify, [(), ()])

        assert sorted(results) == [False, True], f"round {round_}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_ins_with_one_code_let_exactly_one_in(member):
    password = give_password(member)
    seed = enrol_totp(member)
    clients = [password_only_client(member, password) for _ in range(2)]
    code = totp_code(seed)
    statuses = []

    def submit(client: Client):
        response = client.post(reverse("accounts:second_factor"), {"code": code})
        statuses.append(response.status_code)

    _race(submit, [(c,) for c in clients])

    assert sorted(statuses) == [302, 400]


def test_the_member_is_told_when_an_app_is_set_up(
    newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    user, client = newcomer
    client.get(reverse("accounts:enrol_totp"))
    seed = _seed_from_page(user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:enrol_totp"), {"code": totp_code(seed)})

    assert len(mailoutbox) == 1
    assert "An authenticator app was set up for your account." in mailoutbox[0].body


def test_the_security_page_shows_the_factors(member, client_for):
    enrol_totp(member)

    response = client_for(member).get(reverse("accounts:security"))

    assert response.status_code == 200
    assert b"Authenticator app" in response.content
    assert b"10 unused codes." in response.content


def test_the_only_factor_cannot_be_removed(member, client_for):
    password = give_password(member)
    enrol_totp(member)

    response = client_for(member).post(reverse("accounts:remove_totp"), {"password": password})

    assert response["Location"] == reverse("accounts:security")
    assert TotpDevice.objects.filter(user=member, confirmed=True).exists()


def test_removing_the_app_needs_the_password(member, client_for):
    enrol_totp(member)

    client_for(member).post(reverse("accounts:remove_totp"), {"password": "pw not it"})

    assert TotpDevice.objects.filter(user=member).exists()
    assert not AuditEvent.objects.filter(action="two_factor.removed").exists()
