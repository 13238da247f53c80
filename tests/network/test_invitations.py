"""Invitations: an active member (or an operator, with `manage.py invite`) invites a
colleague by email; the link creates the account once, the new account enrols a second
factor and lands on the network's apply form."""

import hashlib
import re
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.accounts import invitations, twofactor
from network.accounts.invitations import InvitationError
from network.accounts.models import Invitation, TotpDevice, User
from network.accounts.sessions import is_two_factor_verified
from network.audit.models import AuditEvent
from network.models import Membership
from tests.network.accounts_support import new_password

# Emails go out after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

COLLEAGUE = "colleague@example.org"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/([^/\s]+)/)")


def _invite(client, network="tipp", email=COLLEAGUE, note=""):
    return client.post(reverse("accounts:invite", args=[network]), {"email": email, "note": note})


def _link_in(message) -> tuple[str, str]:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def _account_form(**overrides) -> dict:
    password = new_password()
    form = {
        "display_name": "Clara Colleague",
        "institution": "Procuraduría General",
        "position": "Fiscal especializada",
        "state": "MX",
        "languages": ["es", "en"],
        "time_zone": "America/Mexico_City",
        "password1": password,
        "password2": password,
    }
    form.update(overrides)
    return form


@pytest.fixture
def invitation_link(member, client_for, tipp):
    """The path of a fresh invitation of COLLEAGUE to TIPP, sent by the member."""
    assert _invite(client_for(member), note="We met in Madrid.").status_code == 302
    return _link_in(mail.outbox[-1])[0]


# --- Inviting -----------------------------------------------------------------------------


def test_an_active_member_invites_a_colleague_by_email(member, client_for, tipp):
    response = _invite(client_for(member), email=" Colleague@Example.org ", note="Hola Clara.")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:invitations")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.network, invitation.invited_by) == (
        COLLEAGUE,
        tipp,
        member,
    )
    assert invitation.state == "pending"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [message] = mail.outbox
    assert message.to == [COLLEAGUE]
    assert "Mateo Member" in message.body and "TIPP network" in message.body
    assert "Hola Clara." in message.body
    assert member.email not in message.body
    path, token = _link_in(message)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    event = AuditEvent.objects.get(action="invitation.created")
    assert event.actor == member and event.target_id == str(invitation.pk)


def test_the_network_page_offers_members_to_invite_a_colleague(member, client_for, tipp):
    page = client_for(member).get(reverse("vetting:network", args=["tipp"]))

    assert reverse("accounts:invite", args=["tipp"]).encode() in page.content


@pytest.mark.parametrize(
    "persona", ["applicant", "suspended_member", "other_network_member", "outsider"]
)
def test_it_requires_an_active_membership_of_the_network(request, client_for, tipp, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("accounts:invite", args=["tipp"])).status_code == 403
    response = _invite(client)

    assert response.status_code == 403
    assert b"Only active members of TIPP network may invite" in response.content
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_unknown_network_is_404(member, client_for):
    assert _invite(client_for(member), network="nowhere").status_code == 404


@pytest.mark.parametrize(
    ("email", "note"), [("not-an-address", ""), ("", ""), (COLLEAGUE, "x" * 1001)]
)
def test_bad_input_is_refused_and_nothing_is_sent(member, client_for, tipp, email, note):
    response = _invite(client_for(member), email=email, note=note)

    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_existing_account_is_invited_without_telling_the_inviter(
    member, outsider, client_for, tipp
):
    client = client_for(member)
    to_new = _invite(client, email="newcomer@example.org")
    to_existing = _invite(client, email=outsider.email)

    assert (to_new.status_code, to_new["Location"]) == (
        to_existing.status_code,
        to_existing["Location"],
    )
    page = client.get(reverse("accounts:invitations")).content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td>.*?</tr>", page, re.S)
    assert sorted(rows) == ["newcomer@example.org", outsider.email]
    assert page.count(">pending<") == 2
    existing_mail = next(m for m in mail.outbox if m.to == [outsider.email])
    assert "You already have an account: sign in." in existing_mail.body
    assert "TIPP network" in existing_mail.body
    assert not LINK.search(existing_mail.body)
    assert AuditEvent.objects.filter(action="invitation.created").count() == 2


def test_an_inviter_is_limited_to_twenty_invitations_a_day(member, client_for, tipp):
    client = client_for(member)
    for number in range(invitations.DAILY_LIMIT_PER_INVITER):
        assert _invite(client, email=f"c{number}@example.org").status_code == 302

    response = _invite(client, email="one-too-many@example.org")

    assert response.status_code == 429
    assert b"try again later" in response.content
    assert Invitation.objects.count() == invitations.DAILY_LIMIT_PER_INVITER
    assert len(mail.outbox) == invitations.DAILY_LIMIT_PER_INVITER


def test_invitations_older_than_a_day_do_not_count_towards_the_limit(member, client_for, tipp):
    client = client_for(member)
    for number in range(invitations.DAILY_LIMIT_PER_INVITER):
        assert _invite(client, email=f"c{number}@example.org").status_code == 302
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    Invitation.objects.update(created_at=day_ago, expires_at=day_ago + timedelta(days=7))

    assert _invite(client, email="next-day@example.org").status_code == 302


# --- Following the link -------------------------------------------------------------------


def test_the_link_shows_who_invited_and_the_account_form(invitation_link):
    page = Client().get(invitation_link)

    assert page.status_code == 200
    assert b"Mateo Member invited you to apply to TIPP network" in page.content
    assert b"We met in Madrid." in page.content
    assert COLLEAGUE.encode() in page.content
    assert b'name="password1"' in page.content


def test_accepting_creates_the_account_and_sends_it_to_enrolment(invitation_link):
    client = Client()
    response = client.post(invitation_link, _account_form())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol")
    user = User.objects.get(email=COLLEAGUE)
    assert (user.display_name, user.state, user.languages, user.time_zone) == (
        "Clara Colleague",
        "MX",
        ["es", "en"],
        "America/Mexico_City",
    )
    assert user.password.startswith(("argon2", "md5"))
    invitation = Invitation.objects.get()
    assert invitation.state == "accepted" and invitation.accepted_by == user
    assert AuditEvent.objects.filter(action="invitation.accepted", actor=user).exists()
    assert AuditEvent.objects.filter(action="account.created", actor=user).exists()
    assert not is_two_factor_verified(client.session)
    assert user.session_records.filter(session_key=client.session.session_key).exists()


@pytest.mark.parametrize(
    "path", ["/", "/networks/", "/networks/tipp/apply/", "/accounts/sessions/", "/rooms/"]
)
def test_the_new_account_reaches_nothing_before_its_second_factor(invitation_link, path):
    client = Client()
    client.post(invitation_link, _account_form())

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor")
    assert client.get(response["Location"])["Location"] == reverse("accounts:enrol")
    assert client.get("/api/v1/me/").status_code == 401


def test_after_enrolment_the_apply_form_comes_prefilled(invitation_link, tipp):
    client = Client()
    client.post(invitation_link, _account_form())
    assert client.get(reverse("accounts:enrol_totp")).status_code == 200
    user = User.objects.get(email=COLLEAGUE)
    seed = twofactor.device_seed(TotpDevice.objects.get(user=user))

    enrolled = client.post(
        reverse("accounts:enrol_totp"),
        {"code": twofactor.code_at(seed, twofactor.current_step())},
    )

    apply_path = reverse("vetting:apply", args=["tipp"])
    assert enrolled.status_code == 200
    assert enrolled.context["continue_url"] == apply_path
    assert is_two_factor_verified(client.session)
    form = client.get(apply_path)
    assert form.status_code == 200
    assert form.context["values"]["institution"] == "Procuraduría General"
    assert form.context["values"]["position"] == "Fiscal especializada"
    applied = client.post(
        apply_path,
        {
            "institution": "Procuraduría General",
            "position": "Fiscal especializada",
            "statement": "Trafficking cases along the northern border.",
        },
    )
    assert applied.status_code == 302
    assert Membership.objects.get(user=user, network=tipp).status == "applicant"


def test_a_link_works_once(invitation_link):
    assert Client().post(invitation_link, _account_form()).status_code == 302

    again = Client().post(invitation_link, _account_form(display_name="Somebody Else"))

    assert again.status_code == 410
    assert b"already used" in again.content
    assert Client().get(invitation_link).status_code == 410
    assert User.objects.filter(email=COLLEAGUE).count() == 1


def test_an_expired_link_is_410_and_creates_nothing(invitation_link):
    past = timezone.now() - timedelta(days=8)
    Invitation.objects.update(created_at=past, expires_at=past + invitations.LIFETIME)

    response = Client().post(invitation_link, _account_form())

    assert response.status_code == 410
    assert b"has expired" in response.content
    assert not User.objects.filter(email=COLLEAGUE).exists()


def test_an_unknown_link_is_404(db):
    response = Client().get(reverse("accounts:accept_invitation", args=["no-such-token"]))

    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content


def test_a_tampered_link_is_404_and_creates_nothing(invitation_link):
    response = Client().post(invitation_link[:-3] + "xx/", _account_form())

    assert response.status_code == 404
    assert not User.objects.filter(email=COLLEAGUE).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password2": "something else entirely"}, "password2"),
        ({"password1": "password123", "password2": "password123"}, "password1"),
        ({"state": "XX"}, "state"),
        ({"languages": ["klingon"]}, "languages"),
        ({"display_name": ""}, "display_name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_bad_account_input_is_refused_and_the_link_stays_usable(invitation_link, change, field):
    response = Client().post(invitation_link, _account_form(**change))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not User.objects.filter(email=COLLEAGUE).exists()
    assert Invitation.objects.get().state == "pending"
    assert Client().post(invitation_link, _account_form()).status_code == 302


def test_a_signed_in_visitor_cannot_accept(invitation_link, outsider, client_for):
    response = client_for(outsider).post(invitation_link, _account_form())

    assert response.status_code == 409
    assert not User.objects.filter(email=COLLEAGUE).exists()


def test_an_address_that_got_an_account_meanwhile_is_refused(invitation_link, make_user):
    make_user(COLLEAGUE)

    response = Client().post(invitation_link, _account_form())

    assert response.status_code == 409
    assert b"An account already uses this address" in response.content
    assert Invitation.objects.get().state == "pending"


# --- Listing and withdrawing --------------------------------------------------------------


def test_the_inviter_and_the_coordinators_see_the_invitation(
    invitation_link,
    member,
    coordinator,
    other_network_member,
    make_user,
    make_membership,
    tipp,
    client_for,
):
    fellow = make_user("fellow@example.org")
    make_membership(fellow, tipp)

    def listed(user):
        return COLLEAGUE.encode() in client_for(user).get(reverse("accounts:invitations")).content

    assert listed(member) and listed(coordinator)
    assert not listed(fellow) and not listed(other_network_member)


@pytest.mark.parametrize("withdrawer", ["member", "coordinator"])
def test_the_inviter_or_a_coordinator_withdraws_an_invitation(
    request, invitation_link, withdrawer, client_for
):
    actor = request.getfixturevalue(withdrawer)
    invitation = Invitation.objects.get()

    response = client_for(actor).post(reverse("accounts:revoke_invitation", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked" and invitation.revoked_by == actor
    assert AuditEvent.objects.filter(action="invitation.revoked", actor=actor).exists()
    gone = Client().post(invitation_link, _account_form())
    assert gone.status_code == 410
    assert b"withdrawn" in gone.content
    assert not User.objects.filter(email=COLLEAGUE).exists()


def test_others_cannot_withdraw_an_invitation(
    invitation_link, other_network_member, make_user, make_membership, tipp, client_for
):
    fellow = make_user("fellow@example.org")
    make_membership(fellow, tipp)
    invitation = Invitation.objects.get()

    for user in (fellow, other_network_member):
        response = client_for(user).post(
            reverse("accounts:revoke_invitation", args=[invitation.pk])
        )
        assert response.status_code == 404
    assert Invitation.objects.get().state == "pending"


def test_only_a_pending_invitation_can_be_withdrawn(invitation_link, member, client_for):
    invitation = Invitation.objects.get()
    client = client_for(member)
    url = reverse("accounts:revoke_invitation", args=[invitation.pk])
    assert client.post(url).status_code == 302

    again = client.post(url)

    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1


def test_anonymous_visitors_cannot_list_or_send_invitations(db, tipp):
    client = Client()

    assert client.get(reverse("accounts:invitations"))["Location"].startswith(
        reverse("accounts:sign_in")
    )
    assert _invite(client).status_code == 302
    assert not Invitation.objects.exists()


# --- The operators' command ---------------------------------------------------------------


def test_an_operator_invites_a_networks_first_coordinator(tipp):
    out = StringIO()

    call_command("invite", "First@Example.org", network="tipp", note="Welcome.", stdout=out)

    invitation = Invitation.objects.get()
    assert invitation.email == "first@example.org"
    assert invitation.invited_by is None
    assert invitation.inviter_name == invitations.OPERATOR_NAME
    assert "Invited first@example.org to apply to tipp" in out.getvalue()
    [message] = mail.outbox
    assert "Welcome." in message.body
    path, _ = _link_in(message)
    assert Client().get(path).status_code == 200
    event = AuditEvent.objects.get(action="invitation.created")
    assert event.actor is None


def test_the_command_sends_any_number_of_invitations(tipp):
    for number in range(invitations.DAILY_LIMIT_PER_INVITER + 1):
        call_command("invite", f"c{number}@example.org", network="tipp", stdout=StringIO())

    assert Invitation.objects.count() == invitations.DAILY_LIMIT_PER_INVITER + 1


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["someone@example.org"], {"network": "nowhere"}, "No network with the slug 'nowhere'"),
        (["not-an-address"], {"network": "tipp"}, "Enter a valid email address."),
        (["a@example.org"], {"network": "tipp", "note": "x" * 1001}, "longer than 1000"),
    ],
)
def test_the_command_refuses_bad_input(tipp, args, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("invite", *args, stdout=StringIO(), **options)

    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_command_requires_the_network(tipp):
    with pytest.raises(CommandError, match="--network"):
        call_command("invite", "someone@example.org", stdout=StringIO())


# --- Concurrency --------------------------------------------------------------------------


def _race(*calls) -> list[str]:
    """Run the calls in threads released at once; each outcome is "won" or an error code."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("won")
        except InvitationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
def test_one_link_submitted_twice_at_once_creates_one_account(member, tipp):
    token = invitations.create_invitation(network=tipp, email=COLLEAGUE, inviter=member).token
    account = {
        "display_name": "Clara Colleague",
        "institution": "Procuraduría General",
        "position": "Fiscal",
        "state": "MX",
        "languages": ["es"],
        "time_zone": "UTC",
    }

    def accept():
        invitations.accept_invitation(token=token, account=account, password=new_password())

    outcomes = _race(accept, accept)

    assert sorted(outcomes) == ["accepted", "won"]
    assert User.objects.filter(email=COLLEAGUE).count() == 1
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1


@pytest.mark.postgres
def test_the_daily_limit_holds_under_concurrent_invitations(member, tipp):
    for number in range(invitations.DAILY_LIMIT_PER_INVITER - 1):
        invitations.create_invitation(network=tipp, email=f"c{number}@example.org", inviter=member)

    def invite(email):
        return lambda: invitations.create_invitation(network=tipp, email=email, inviter=member)

    outcomes = _race(invite("last-a@example.org"), invite("last-b@example.org"))

    assert sorted(outcomes) == ["rate_limited", "won"]
    assert Invitation.objects.count() == invitations.DAILY_LIMIT_PER_INVITER
