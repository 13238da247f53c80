"""Introductions across networks: asking (pages and API), routing, bad input, accepting
(a direct room across networks and an expiring grant honoured by the visibility rule),
declining, escalation, notices (in-app, e-mail) and "introduced to me" invitations."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory import actions as directory_actions
from directory.introductions import actions
from directory.introductions.models import (
    IntroductionGrant,
    IntroductionNotice,
    IntroductionRequest,
)
from messaging.models import Room, RoomParticipant
from network.audit.models import AuditEvent
from network.models import Membership

pytestmark = pytest.mark.django_db

PURPOSE = "Need the channel of the focal point for a joint investigation request."
ASK = "/api/v1/directory/introductions/"


@pytest.fixture
def focal(make_user, make_membership, tipp):
    user = make_user("focal@example.org", display_name="Femi Focal", state="NG")
    make_membership(user, tipp)
    return user


@pytest.fixture
def entry(make_authority, make_contact_point, focal):
    authority = make_authority("Nigerian Central Authority", state="NG", kind="ministry")
    return make_contact_point(
        "Femi Focal",
        authority=authority,
        member=focal,
        phone="+2348031234567",
        competences=["jit.authorize"],
    )


@pytest.fixture
def requester(other_network_member):
    """An active REDTRAM member; the entry serves TIPP only."""
    return other_network_member


def ask(client, entry, **overrides):
    data = {"contact_point": entry.pk, "purpose": PURPOSE, "competence": "jit.authorize"}
    data.update(overrides)
    return client.post(ASK, data, content_type="application/json")


def test_the_card_offers_an_introduction_only_where_the_details_are_hidden(
    entry, requester, member, client_for
):
    url = f"/directory/contact-points/{entry.pk}/"
    hidden = client_for(requester).get(url).content.decode()
    assert f"/directory/contact-points/{entry.pk}/introduction/" in hidden
    assert "+2348031234567" not in hidden
    shown = client_for(member).get(url).content.decode()
    assert "/introduction/" not in shown


def test_asking_through_the_api_goes_to_the_linked_member(
    entry, requester, focal, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client_for(requester), entry, urgency="urgent")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["broker_role"], body["serving_network"]) == (
        "pending",
        "linked_member",
        "tipp",
    )
    introduction = IntroductionRequest.objects.get()
    assert introduction.broker == focal
    assert introduction.escalate_at == introduction.created_at + timedelta(hours=24)
    notice = IntroductionNotice.objects.get()
    assert (notice.recipient, notice.kind) == (focal, "introduction_requested")
    (email,) = mailoutbox
    assert email.to == ["focal@example.org"]
    assert PURPOSE not in email.body and "Olu" not in email.body
    assert f"/directory/introductions/{introduction.pk}/" in email.body
    assert AuditEvent.objects.filter(action="introduction.requested").count() == 1
    # The broker sees it to decide; the requester sees it as asked; nobody else does.
    assert client_for(focal).get(ASK).json()["to_decide"][0]["id"] == str(introduction.pk)
    assert client_for(requester).get(ASK).json()["asked"][0]["purpose"] == PURPOSE


def test_asking_through_the_page(entry, requester, focal, client_for):
    client = client_for(requester)
    form = client.get(f"/directory/contact-points/{entry.pk}/introduction/")
    assert form.status_code == 200
    assert "names of victims or suspects" in form.content.decode()
    response = client.post(
        f"/directory/contact-points/{entry.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize", "urgency": "routine"},
    )
    introduction = IntroductionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/directory/introductions/{introduction.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert PURPOSE in page and 'data-status="pending"' in page


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"purpose": "x" * 301}, 400, None, "purpose"),
        ({"purpose": ""}, 400, None, "purpose"),
        ({"competence": "no.such"}, 400, "invalid_field", "competence"),
        ({"urgency": "tomorrow"}, 400, None, "urgency"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    entry, requester, client_for, overrides, status, code, field
):
    response = ask(client_for(requester), entry, **overrides)
    assert response.status_code == status
    error = response.json()["error"]
    assert code is None or error["code"] == code
    assert error.get("field") == field or field in error.get("fields", {})
    page = client_for(requester).post(
        f"/directory/contact-points/{entry.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize", "urgency": "routine", **overrides},
    )
    assert page.status_code == 400
    assert 'class="errorlist"' in page.content.decode()
    assert not IntroductionRequest.objects.exists()


def test_no_introduction_to_an_entry_already_visible(entry, member, client_for):
    response = ask(client_for(member), entry)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_visible")
    page = client_for(member).post(
        f"/directory/contact-points/{entry.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize"},
    )
    assert page.status_code == 409 and 'data-code="already_visible"' in page.content.decode()
    assert not IntroductionRequest.objects.exists()


def test_a_second_request_while_the_first_is_pending_is_refused(entry, requester, client_for):
    """The API and the page refuse a second pending request for the same entry, naming when
    the first was asked; once the first is decided, asking again is possible."""
    client = client_for(requester)
    assert ask(client, entry).status_code == 201
    first = IntroductionRequest.objects.get()
    response = ask(client, entry, urgency="urgent")
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (409, "already_pending")
    assert error["details"]["introduction"]["id"] == str(first.pk)
    assert error["details"]["introduction"]["created_at"] == first.created_at.isoformat()
    assert str(first.created_at.year) in error["message"]
    page = client.post(
        f"/directory/contact-points/{entry.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize", "urgency": "routine"},
    )
    body = page.content.decode()
    assert page.status_code == 409 and 'data-code="already_pending"' in body
    assert "still waiting for an answer" in body
    assert f'href="/directory/introductions/{first.pk}/"' in body
    assert PURPOSE in body  # the form keeps what was typed
    assert IntroductionRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="introduction.requested").count() == 1
    IntroductionRequest.objects.update(status="declined")
    assert ask(client, entry).status_code == 201
    assert IntroductionRequest.objects.filter(status="pending").count() == 1


def test_no_introduction_to_oneself(make_contact_point, requester, redtram, client_for):
    own = make_contact_point("Olu Other", member=requester, networks=[redtram])
    response = ask(client_for(requester), own)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "own_entry")
    page = client_for(requester).post(
        f"/directory/contact-points/{own.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize"},
    )
    assert page.status_code == 409 and 'data-code="own_entry"' in page.content.decode()
    assert not IntroductionRequest.objects.exists()


def test_no_one_to_broker_it_offers_the_central_authority(
    make_authority, make_contact_point, requester, make_network, client_for
):
    lonely = make_network("lonely", name="Lonely network", member_states=["NG"])
    make_authority("Federal Ministry of Justice", state="NG", kind="mla_central_authority")
    desk = make_contact_point(
        "Desk",
        kind="desk",
        networks=[lonely],
        authority=make_authority("Lagos Desk", state="NG", kind="police_unit"),
    )
    response = ask(client_for(requester), desk)
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (409, "no_broker")
    assert "Federal Ministry of Justice" in error["message"]
    assert error["details"]["central_authority"]["name"] == "Federal Ministry of Justice"
    page = client_for(requester).post(
        f"/directory/contact-points/{desk.pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize"},
    )
    assert page.status_code == 409 and "Federal Ministry of Justice" in page.content.decode()
    assert not IntroductionRequest.objects.exists()


def test_over_the_daily_rate_is_refused(
    make_authority, make_contact_point, requester, focal, client_for
):
    client = client_for(requester)
    entries = [
        make_contact_point(f"Entry {n}", member=focal, authority=make_authority(f"Office {n}"))
        for n in range(actions.PER_DAY + 1)
    ]
    for item in entries[:-1]:
        assert ask(client, item).status_code == 201
    response = ask(client, entries[-1])
    assert (response.status_code, response.json()["error"]["code"]) == (429, "rate_limited")
    page = client.post(
        f"/directory/contact-points/{entries[-1].pk}/introduction/",
        {"purpose": PURPOSE, "competence": "jit.authorize"},
    )
    assert page.status_code == 429 and 'data-code="rate_limited"' in page.content.decode()
    assert IntroductionRequest.objects.count() == actions.PER_DAY


def test_routing_falls_back_to_the_correspondent_then_the_coordinators(
    make_contact_point, make_authority, requester, member, coordinator, tipp
):
    desk = make_contact_point(
        "Desk NG", kind="desk", authority=make_authority("NG desk", state="NG")
    )
    assert actions.route(desk)[1] == "coordinator"
    directory_actions.appoint_correspondent(
        network=tipp, state="NG", member=member, coordinator=coordinator
    )
    assert actions.route(desk)[:2] == (member, "correspondent")


def _accept(entry, requester, focal, client_for):
    assert ask(client_for(requester), entry).status_code == 201
    introduction = IntroductionRequest.objects.get()
    response = client_for(focal).post(
        f"{ASK}{introduction.pk}/accept/", {}, content_type="application/json"
    )
    assert response.status_code == 200
    return IntroductionRequest.objects.get()


def test_accepting_opens_a_room_across_networks_and_grants_the_details(
    entry, requester, focal, tipp, redtram, client_for, mailoutbox
):
    detail = f"/api/v1/directory/contact-points/{entry.pk}/"
    assert client_for(requester).get(detail).json()["details_visible"] is False
    introduction = _accept(entry, requester, focal, client_for)
    room = Room.objects.get(pk=introduction.room_id)
    assert room.kind == "direct" and room.network_id is None
    assert set(room.networks.values_list("slug", flat=True)) == {"tipp", "redtram"}
    assert set(
        RoomParticipant.objects.current().filter(room=room).values_list("user_id", flat=True)
    ) == {requester.pk, focal.pk}
    grant = IntroductionGrant.objects.get()
    assert (grant.requester, grant.granted_by, grant.granting_network) == (requester, focal, tipp)
    shown = client_for(requester).get(detail).json()
    assert shown["details_visible"] is True and shown["phone"] == "+2348031234567"
    assert client_for(requester).get(f"{detail}vcard/").status_code == 200
    assert client_for(requester).get(f"/rooms/{room.pk}/").status_code == 200
    assert IntroductionNotice.objects.filter(recipient=requester, kind="introduction_accepted")
    # The requester may now invite the focal point: "introduced to me".
    new_room = client_for(requester).get(f"/rooms/new/?contact_point={entry.pk}").content
    assert f'value="{focal.pk}"' in new_room.decode()


def test_the_grant_ends_at_once_when_either_membership_stops(entry, requester, focal, client_for):
    _accept(entry, requester, focal, client_for)
    detail = f"/api/v1/directory/contact-points/{entry.pk}/"
    Membership.objects.filter(user=focal).update(status="suspended")
    assert client_for(requester).get(detail).json()["details_visible"] is False
    assert client_for(requester).get(f"{detail}vcard/").status_code == 403
    Membership.objects.filter(user=focal).update(status="active")
    assert client_for(requester).get(detail).json()["details_visible"] is True
    Membership.objects.filter(user=requester).update(status="suspended")
    assert client_for(requester).get(detail).status_code == 403


def test_the_grant_ends_when_it_expires(entry, requester, focal, client_for):
    _accept(entry, requester, focal, client_for)
    IntroductionGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    detail = f"/api/v1/directory/contact-points/{entry.pk}/"
    assert client_for(requester).get(detail).json()["details_visible"] is False
    page = client_for(requester).get(f"/directory/contact-points/{entry.pk}/").content.decode()
    assert "+2348031234567" not in page
    found = client_for(requester).get("/api/v1/directory/contact-points/?q=femi").json()
    assert found["count"] == 0


def test_declining_with_a_reason_tells_the_requester(entry, requester, focal, client_for):
    assert ask(client_for(requester), entry).status_code == 201
    introduction = IntroductionRequest.objects.get()
    response = client_for(focal).post(
        f"/directory/introductions/{introduction.pk}/decline/", {"reason": "Wrong office."}
    )
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert (introduction.status, introduction.decline_reason) == ("declined", "Wrong office.")
    assert IntroductionNotice.objects.filter(recipient=requester, kind="introduction_declined")
    assert AuditEvent.objects.filter(action="introduction.declined").exists()
    again = client_for(focal).post(
        f"{ASK}{introduction.pk}/accept/", {}, content_type="application/json"
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_pending")
    assert not IntroductionGrant.objects.exists()


def test_only_the_broker_decides_and_others_do_not_see_it(
    entry, requester, member, focal, client_for
):
    assert ask(client_for(requester), entry).status_code == 201
    introduction = IntroductionRequest.objects.get()
    accept = f"{ASK}{introduction.pk}/accept/"
    own = client_for(requester).post(accept, {}, content_type="application/json")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "not_allowed")
    stranger = client_for(member).post(accept, {}, content_type="application/json")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (
        404,
        "unknown_introduction",
    )
    assert client_for(member).get(f"/directory/introductions/{introduction.pk}/").status_code == 404
    assert IntroductionRequest.objects.get().status == "pending"


def test_silence_escalates_to_the_coordinators_after_three_working_days(
    entry, requester, focal, coordinator, client_for
):
    assert ask(client_for(requester), entry).status_code == 201
    introduction = IntroductionRequest.objects.get()
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert actions.escalation_time(friday, "routine").weekday() == 2  # Wednesday
    assert actions.escalation_time(friday, "routine") - friday == timedelta(days=5)
    call_command("escalate_introductions")
    assert IntroductionRequest.objects.get().escalated_at is None
    IntroductionRequest.objects.update(escalate_at=timezone.now() - timedelta(minutes=1))
    call_command("escalate_introductions")
    introduction.refresh_from_db()
    assert introduction.escalated_at is not None
    assert IntroductionNotice.objects.filter(recipient=coordinator, kind="introduction_escalated")
    response = client_for(coordinator).post(
        f"{ASK}{introduction.pk}/accept/", {}, content_type="application/json"
    )
    assert response.status_code == 200
    assert IntroductionGrant.objects.get().granted_by == coordinator


def test_an_entry_reachable_by_any_network_shows_its_details(
    make_contact_point, make_authority, requester, client_for
):
    open_entry = make_contact_point(
        "Open Desk",
        kind="desk",
        reachable_by_any_network=True,
        authority=make_authority("Open office", state="NG"),
    )
    detail = client_for(requester).get(f"/api/v1/directory/contact-points/{open_entry.pk}/")
    assert detail.json()["details_visible"] is True
    assert ask(client_for(requester), open_entry).json()["error"]["code"] == "already_visible"


def test_inactive_accounts_cannot_ask(entry, applicant, client_for):
    response = ask(client_for(applicant), entry)
    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "directory_members_only",
    )
    assert not IntroductionRequest.objects.exists()
