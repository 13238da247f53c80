"""Password reset by email: the same answer whatever the address, a one-hour single-use
link, every session ended afterwards, and the second factor still required."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from network.accounts import password_reset, tokens
from network.accounts.models import ApiToken, TotpDevice
from network.accounts.sessions import is_two_factor_verified
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    enrol_totp,
    give_password,
    new_password,
    sign_in_password,
    totp_code,
)

# Emails go out after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/accounts/password-reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def enrolled(member):
    password = give_password(member)
    seed = enrol_totp(member)
    mail.outbox.clear()  # the enrolment notice
    return member, password, seed


def _ask(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def _link(email) -> str:
    [message] = [m for m in mail.outbox if m.to == [email] and "reset" in m.subject]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _new_password_form(password=None):
    password = password or new_password()
    return {"new_password1": password, "new_password2": password}


def _comparable(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


def _fully_signed_in(user, password, seed) -> Client:
    client = Client()
    assert sign_in_password(client, user.email, password).status_code == 302
    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})
    assert response.status_code == 302
    return client


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("accounts:sign_in"))

    assert b"Forgot your password?" in page.content
    assert reverse("accounts:password_reset").encode() in page.content
    assert client.get(reverse("accounts:password_reset")).status_code == 200


def test_it_answers_every_address_the_same_way(enrolled, outsider):
    known = _ask(Client(), enrolled[0].email)
    unknown = _ask(Client(), "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    assert _comparable(known.content) == _comparable(unknown.content)
    assert [m.to for m in mail.outbox] == [[enrolled[0].email]]
    assert AuditEvent.objects.filter(action="password_reset.requested").count() == 1


def test_the_email_has_a_link_and_no_password(enrolled):
    _ask(Client(), "  MEMBER@example.org ")

    [message] = mail.outbox
    assert "within an hour" in message.body
    assert enrolled[1] not in message.body
    assert Client().get(_link(enrolled[0].email)).status_code == 200


def test_a_malformed_address_is_refused(db):
    response = _ask(Client(), "not-an-address")

    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert mail.outbox == []


def test_a_disabled_account_gets_no_email(enrolled):
    member = enrolled[0]
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert _ask(Client(), member.email).status_code == 200
    assert mail.outbox == []


def test_at_most_five_emails_an_hour_go_to_one_account(enrolled):
    responses = [_ask(Client(), enrolled[0].email) for _ in range(7)]

    assert {r.status_code for r in responses} == {200}
    assert len(mail.outbox) == password_reset.HOURLY_LIMIT_PER_ACCOUNT


def test_a_reset_ends_every_session_and_keeps_the_second_factor(enrolled):
    member, old_password, seed = enrolled
    signed_in = _fully_signed_in(member, old_password, seed)
    old_key = signed_in.session.session_key
    assert signed_in.get(reverse("accounts:sessions")).status_code == 200
    _ask(Client(), member.email)
    new = new_password()

    response = Client().post(_link(member.email), _new_password_form(new))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert not Session.objects.filter(session_key=old_key).exists()
    assert signed_in.get(reverse("accounts:sessions"))["Location"].startswith(
        reverse("accounts:sign_in")
    )
    assert AuditEvent.objects.filter(action="password.reset", actor=member).exists()
    ended = AuditEvent.objects.get(action="sessions.ended", reason="password reset")
    assert ended.details["count"] == 1
    notice = [m for m in mail.outbox if "change to how you sign in" in m.subject]
    assert len(notice) == 1 and "reset" in notice[0].body
    assert TotpDevice.objects.filter(user=member, confirmed=True).exists()

    fresh = Client()
    assert sign_in_password(fresh, member.email, old_password).status_code == 400
    assert sign_in_password(fresh, member.email, new)["Location"] == reverse(
        "accounts:second_factor"
    )
    assert not is_two_factor_verified(fresh.session)
    assert fresh.get(reverse("accounts:sessions"))["Location"] == reverse("accounts:second_factor")


def test_a_reset_revokes_every_api_token_of_the_account(enrolled, outsider):
    member = enrolled[0]
    issued = [
        tokens.create_token(user=member, name=f"script {i}", lifetime_days=30) for i in (1, 2)
    ]
    other = tokens.create_token(user=outsider, name="theirs", lifetime_days=30)
    me = Client(HTTP_AUTHORIZATION=f"Bearer {issued[0].plaintext}")
    assert me.get("/api/v1/me/").status_code == 200
    _ask(Client(), member.email)

    assert Client().post(_link(member.email), _new_password_form()).status_code == 302

    assert me.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    reset = AuditEvent.objects.get(action="password.reset", actor=member)
    assert reset.details["tokens_revoked"] == 2
    theirs = Client(HTTP_AUTHORIZATION=f"Bearer {other.plaintext}")
    assert theirs.get("/api/v1/me/").status_code == 200


def test_a_link_works_once(enrolled):
    member = enrolled[0]
    _ask(Client(), member.email)
    link = _link(member.email)
    assert Client().post(link, _new_password_form()).status_code == 302
    member.refresh_from_db()
    hash_after_reset = member.password

    again = Client().post(link, _new_password_form())

    assert again.status_code == 410
    assert b"cannot be used" in again.content
    assert Client().get(link).status_code == 410
    member.refresh_from_db()
    assert member.password == hash_after_reset


def test_a_link_older_than_an_hour_is_refused(enrolled):
    member = enrolled[0]
    generator = password_reset.token_generator
    issued = generator._num_seconds(generator._now()) - 3601
    token = generator._make_token_with_timestamp(member, issued, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    link = reverse("accounts:password_reset_confirm", args=[uid, token])

    response = Client().post(link, _new_password_form())

    assert response.status_code == 410
    assert member.check_password(enrolled[1])


def test_a_link_of_django_s_default_generator_is_refused(enrolled):
    from django.contrib.auth.tokens import default_token_generator

    member = enrolled[0]
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    token = default_token_generator.make_token(member)

    response = Client().get(reverse("accounts:password_reset_confirm", args=[uid, token]))

    assert response.status_code == 410


@pytest.mark.parametrize(
    ("uid", "token"), [("MQ", "bad-token"), ("!!!", "x-y"), ("OTk5OTk", "abc-def")]
)
def test_a_malformed_or_forged_link_is_refused(enrolled, uid, token):
    response = Client().post(
        reverse("accounts:password_reset_confirm", args=[uid, token]), _new_password_form()
    )

    assert response.status_code == 410
    assert enrolled[0].check_password(enrolled[1])


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"new_password1": "one long password", "new_password2": "another"}, "new_password2"),
        ({"new_password1": "password123", "new_password2": "password123"}, "new_password1"),
        ({"new_password1": "", "new_password2": ""}, "new_password1"),
    ],
)
def test_a_refused_password_changes_nothing_and_the_link_stays_usable(enrolled, form, field):
    member = enrolled[0]
    _ask(Client(), member.email)
    link = _link(member.email)

    response = Client().post(link, form)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    member.refresh_from_db()
    assert member.check_password(enrolled[1])
    assert not AuditEvent.objects.filter(action="password.reset").exists()
    assert Client().post(link, _new_password_form()).status_code == 302
