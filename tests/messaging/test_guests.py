"""Room guests (messaging/guests): proposed by an owner, decided by a coordinator of the
room's network, invited with a link, signed in with a second factor, reading only their
threads of their rooms until the end date, on pages, API, search and WebSocket."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.core import mail
from django.test import Client
from django.utils import timezone

from messaging import access, actions, posting
from messaging.guests import actions as guests
from messaging.guests.models import RoomGuest
from messaging.models import RoomEvent, RoomParticipant, ThreadReader
from network.accounts.models import Invitation, User
from network.audit.models import AuditEvent

HIDDEN_TITLE = "Prosecution strategy"
SHARED_TITLE = "Shelter place for V-1"
GUEST_EMAIL = "caseworker@ngo.example"


@pytest.fixture
def policy(tipp):
    tipp.guests_allowed = True
    tipp.allowed_capacities = ["official", "support", "adviser"]
    tipp.save(update_fields=["guests_allowed", "allowed_capacities"])
    return tipp


@pytest.fixture
def threads(case_room, member):
    hidden = actions.create_thread(room=case_room, creator=member, title=HIDDEN_TITLE)
    shared = actions.create_thread(room=case_room, creator=member, title=SHARED_TITLE)
    return hidden, shared


def _propose(room, sponsor, threads, **fields):
    values = {
        "email": GUEST_EMAIL,
        "name": "Grace Guest",
        "organisation": "Shelter Network Accra",
        "purpose": "Victim support and shelter in Ghana.",
        "ends_on": timezone.localdate() + timedelta(days=30),
        "threads": threads,
    }
    values.update(fields)
    return guests.propose(room=room, sponsor=sponsor, **values)


def _post(thread, sender, body, **fields):
    return posting.post_message(
        room=thread.room, sender=sender, thread=thread, body=body, client_id=uuid.uuid4(), **fields
    ).message


def _accept(token: str) -> tuple[Client, User]:
    """Follow the invitation link as a new person: the account, then second-factor enrolment."""
    browser = Client()
    answer = browser.post(
        f"/accounts/invitation/{token}/",
        {
            "display_name": "Grace Guest",
            "institution": "Shelter Network Accra",
            "position": "Caseworker",
            "state": "GH",
            "languages": ["en"],
            "time_zone": "Africa/Accra",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert answer["Location"].startswith("/accounts/")
    return browser, User.objects.get(email=GUEST_EMAIL)


def _token_from_mail() -> str:
    body = next(m.body for m in mail.outbox if m.to == [GUEST_EMAIL])
    return re.search(r"/accounts/invitation/([\w-]+)/", body).group(1)


@pytest.fixture
def guest(policy, case_room, member, coordinator, threads, django_capture_on_commit_callbacks):
    """Grace, admitted through the whole workflow, reading the shared thread only."""
    proposal = _propose(case_room, member, [threads[1]])
    with django_capture_on_commit_callbacks(execute=True):
        guests.decide(guest=proposal, coordinator=coordinator, approve=True)
    _, user = _accept(_token_from_mail())
    return user


@pytest.mark.django_db
class TestTheWorkflow:
    def test_propose_approve_invite_admit(
        self, policy, case_room, member, coordinator, threads, django_capture_on_commit_callbacks
    ):
        proposal = _propose(case_room, member, [threads[1]])
        assert proposal.status == "pending"
        assert not RoomParticipant.objects.filter(room=case_room, guest_until__isnull=False)
        with django_capture_on_commit_callbacks(execute=True):
            guests.decide(guest=proposal, coordinator=coordinator, approve=True, reason="Needed")
        proposal.refresh_from_db()
        assert proposal.status == "approved" and proposal.invitation.guest
        body = next(m.body for m in mail.outbox if m.to == [GUEST_EMAIL])
        assert "guest" in body and "Operation Lantern" not in body and SHARED_TITLE not in body
        browser, user = _accept(_token_from_mail())
        proposal.refresh_from_db()
        assert proposal.status == "admitted" and proposal.user == user
        participation = RoomParticipant.objects.current().get(room=case_room, user=user)
        assert participation.capacity == "support"
        assert participation.guest_until == proposal.ends_on
        assert set(
            ThreadReader.objects.current().filter(user=user).values_list("thread", flat=True)
        ) == {threads[1].pk}
        added = RoomEvent.objects.filter(room=case_room, kind="participant.added").last()
        assert added.details["guest_until"] == proposal.ends_on.isoformat()
        assert added.details["approved_by"] == coordinator.pk
        # The link leads to the second factor, then to the rooms.
        assert browser.session["cp_next"] == "/rooms/"
        assert {
            e.action for e in AuditEvent.objects.filter(action__startswith="messaging.guest")
        } >= {
            "messaging.guest_proposed",
            "messaging.guest_approved",
            "messaging.guest_admitted",
        }

    def test_an_existing_account_is_admitted_at_once(
        self, policy, case_room, member, coordinator, threads, make_user
    ):
        existing = make_user(GUEST_EMAIL, display_name="Grace Guest", state="GH")
        proposal = _propose(case_room, member, [threads[1]])
        guests.decide(guest=proposal, coordinator=coordinator, approve=True)
        proposal.refresh_from_db()
        assert proposal.status == "admitted" and proposal.invitation is None
        assert access.can_read(existing, case_room)

    def test_a_refusal_says_why_and_admits_nobody(
        self, policy, case_room, member, coordinator, threads
    ):
        proposal = _propose(case_room, member, [threads[1]])
        with pytest.raises(guests.GuestError) as refused:
            guests.decide(guest=proposal, coordinator=coordinator, approve=False)
        assert (refused.value.code, refused.value.field) == ("missing_field", "reason")
        guests.decide(guest=proposal, coordinator=coordinator, approve=False, reason="No NGO yet")
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decision_reason) == ("refused", "No NGO yet")
        assert not Invitation.objects.filter(email=GUEST_EMAIL).exists()
        with pytest.raises(guests.GuestError) as again:
            guests.decide(guest=proposal, coordinator=coordinator, approve=True)
        assert again.value.code == "not_pending"


@pytest.mark.django_db
class TestBadInput:
    def test_a_network_that_takes_no_guests(self, case_room, member, threads):
        with pytest.raises(guests.GuestError) as refused:
            _propose(case_room, member, [threads[1]])
        assert refused.value.code == "guests_not_allowed"
        assert refused.value.http_status == 403
        assert not RoomGuest.objects.exists()

    def test_only_an_owner_proposes(self, policy, case_room, counterpart, threads):
        with pytest.raises(guests.GuestError) as refused:
            _propose(case_room, counterpart, [threads[1]])
        assert refused.value.code == "forbidden"

    @pytest.mark.parametrize(
        ("fields", "code", "field"),
        [
            ({"ends_on": "2020-01-01"}, "invalid_field", "ends_on"),
            ({"ends_on": "soon"}, "missing_field", "ends_on"),
            ({"ends_on": None}, "missing_field", "ends_on"),
            ({"threads": []}, "missing_field", "threads"),
            ({"threads": ["not-a-thread"]}, "invalid_field", "threads"),
            ({"threads": [str(uuid.uuid4())]}, "invalid_field", "threads"),
            ({"email": "not an address"}, "invalid_email", "email"),
            ({"organisation": ""}, "missing_field", "organisation"),
            ({"purpose": "x" * 301}, "field_too_long", "purpose"),
        ],
    )
    def test_each_refusal_names_its_field_and_writes_nothing(
        self, policy, case_room, member, threads, fields, code, field
    ):
        with pytest.raises(guests.GuestError) as refused:
            fields = dict(fields)
            _propose(case_room, member, fields.pop("threads", [threads[1]]), **fields)
        assert (refused.value.code, refused.value.field) == (code, field)
        assert not RoomGuest.objects.exists()

    def test_a_stay_longer_than_the_limit(self, policy, case_room, member, threads):
        too_far = timezone.localdate() + timedelta(days=guests.MAX_STAY_DAYS + 1)
        with pytest.raises(guests.GuestError) as refused:
            _propose(case_room, member, [threads[1]], ends_on=too_far)
        assert (refused.value.code, refused.value.field) == ("invalid_field", "ends_on")

    def test_a_second_open_proposal_for_one_address(self, policy, case_room, member, threads):
        _propose(case_room, member, [threads[1]])
        with pytest.raises(guests.GuestError) as refused:
            _propose(case_room, member, [threads[1]])
        assert refused.value.code == "already_pending"
        assert RoomGuest.objects.count() == 1

    def test_a_thread_the_owner_does_not_read(
        self, policy, case_room, member, counterpart, threads
    ):
        secret = actions.create_thread(
            room=case_room,
            creator=counterpart,
            title="Only ours",
            restricted=True,
            readers=[counterpart.pk],
        )
        with pytest.raises(guests.GuestError) as refused:
            _propose(case_room, member, [secret])
        assert (refused.value.code, refused.value.field) == ("invalid_field", "threads")

    def test_no_coordinator_decides_their_own_proposal_nor_a_member(
        self, policy, make_user, make_membership, tipp, case_room, member, counterpart, threads
    ):
        owner_coordinator = make_user("oc@example.org", display_name="Olga Owner-Coordinator")
        make_membership(owner_coordinator, tipp, role="coordinator")
        actions.add_participant(
            room=case_room, user=owner_coordinator, added_by=member, role="owner"
        )
        proposal = _propose(case_room, owner_coordinator, [threads[1]])
        with pytest.raises(guests.GuestError) as own:
            guests.decide(guest=proposal, coordinator=owner_coordinator, approve=True)
        assert own.value.code == "own_proposal"
        with pytest.raises(guests.GuestError) as not_coordinator:
            guests.decide(guest=proposal, coordinator=counterpart, approve=True)
        assert not_coordinator.value.code == "not_coordinator"
        proposal.refresh_from_db()
        assert proposal.status == "pending"

    def test_a_coordinator_of_another_network(
        self, policy, make_user, make_membership, redtram, case_room, member, threads
    ):
        stranger = make_user("rc@example.org", display_name="Rita Redtram")
        make_membership(stranger, redtram, role="coordinator")
        proposal = _propose(case_room, member, [threads[1]])
        with pytest.raises(guests.GuestError) as refused:
            guests.decide(guest=proposal, coordinator=stranger, approve=True)
        assert refused.value.code == "not_coordinator"

    def test_guests_forbidden_after_the_proposal(
        self, policy, case_room, member, coordinator, threads
    ):
        proposal = _propose(case_room, member, [threads[1]])
        policy.guests_allowed = False
        policy.save(update_fields=["guests_allowed"])
        with pytest.raises(guests.GuestError) as refused:
            guests.decide(guest=proposal, coordinator=coordinator, approve=True)
        assert refused.value.code == "guests_not_allowed"
        proposal.refresh_from_db()
        assert proposal.status == "pending"
        assert not Invitation.objects.exists()

    def test_a_proposal_past_its_end_date_is_not_approved(
        self, policy, case_room, member, coordinator, threads
    ):
        proposal = _propose(case_room, member, [threads[1]])
        RoomGuest.objects.filter(pk=proposal.pk).update(
            ends_on=timezone.localdate() - timedelta(days=1)
        )
        with pytest.raises(guests.GuestError) as refused:
            guests.decide(guest=proposal, coordinator=coordinator, approve=True)
        assert refused.value.code == "expired"
        proposal.refresh_from_db()
        assert proposal.status == "pending"


@pytest.mark.django_db
class TestWhatAGuestReaches:
    def test_only_its_threads_of_its_room(self, guest, case_room, threads, counterpart):
        hidden, shared = threads
        assert access.can_read(guest, case_room)
        assert access.is_limited(guest, case_room)
        assert not access.can_read_thread(guest, hidden)
        assert access.can_read_thread(guest, shared)
        assert list(access.readable_rooms(guest)) == [case_room]
        assert access.may_use_rooms(guest)
        h2 = _post(shared, counterpart, "the victim's address", handling_code="H2")
        plain = _post(shared, counterpart, "a bed in the north")
        assert not access.can_read_message(guest, h2)
        assert access.can_read_message(guest, plain)
        assert guest.pk in access.users_with_access(case_room, {guest.pk})

    def test_it_passes_nothing_on_and_opens_no_room(self, guest, case_room, counterpart):
        assert not access.may_export(guest, case_room)
        assert not access.may_pass_on(guest, case_room)
        with pytest.raises(Exception) as refused:
            actions.create_room(kind="case", creator=guest, title="Mine", network=case_room.network)
        assert getattr(refused.value, "code", None) == "forbidden"
        with pytest.raises(Exception) as invite:
            actions.add_participant(room=case_room, user=counterpart, added_by=guest)
        assert getattr(invite.value, "code", None) == "forbidden"

    def test_past_the_end_date_it_reads_nothing(self, guest, case_room):
        RoomParticipant.objects.filter(user=guest).update(
            guest_until=timezone.localdate() - timedelta(days=1)
        )
        assert not access.can_read(guest, case_room)
        assert not access.readable_rooms(guest).exists()
        assert not access.may_use_rooms(guest)
        assert guest.pk not in access.users_with_access(case_room, {guest.pk})

    def test_ending_the_stay_cuts_access_and_starts_a_key_epoch(self, guest, case_room, member):
        epoch = case_room.key_epoch
        proposal = RoomGuest.objects.get(user=guest)
        guests.end(guest=proposal, actor=member, reason="Case handed to the shelter")
        case_room.refresh_from_db()
        assert case_room.key_epoch == epoch + 1
        assert not access.can_read(guest, case_room)
        proposal.refresh_from_db()
        assert (proposal.status, proposal.end_reason) == ("ended", "Case handed to the shelter")
        with pytest.raises(guests.GuestError) as again:
            guests.end(guest=proposal, actor=member)
        assert again.value.code == "not_open"

    def test_removing_the_guest_from_the_room_ends_the_stay(self, guest, case_room, member):
        actions.remove_participant(room=case_room, user=guest, removed_by=member)
        assert RoomGuest.objects.get(user=guest).status == "ended"

    def test_the_pages(self, client_for, guest, case_room, threads):
        hidden, shared = threads
        browser = client_for(guest)
        rooms = browser.get("/rooms/")
        assert rooms.status_code == 200 and "Operation Lantern" in rooms.content.decode()
        page = browser.get(f"/rooms/{case_room.pk}/?thread={shared.pk}")
        assert page.status_code == 200
        text = page.content.decode()
        assert SHARED_TITLE in text and HIDDEN_TITLE not in text
        assert browser.get(f"/rooms/{case_room.pk}/?thread={hidden.pk}").status_code == 404
        assert browser.get("/rooms/new/").status_code == 403
        assert browser.get("/directory/").status_code == 403
        assert browser.get(f"/rooms/{case_room.pk}/guests/").status_code == 403
        search = browser.get("/rooms/tags/", {"q": "lantern"})
        assert HIDDEN_TITLE not in search.content.decode()

    def test_the_participant_list_shows_the_guest_and_its_end(
        self, client_for, guest, case_room, counterpart
    ):
        text = client_for(counterpart).get(f"/rooms/{case_room.pk}/").content.decode()
        ends = RoomParticipant.objects.get(user=guest).guest_until.isoformat()
        assert f"guest until {ends}" in text

    def test_the_api(self, client_for, guest, case_room, threads):
        hidden, shared = threads
        api = client_for(guest)
        rooms = api.get("/api/v1/rooms/").json()
        assert [room["id"] for room in rooms["rooms"]] == [str(case_room.pk)]
        listed = api.get(f"/api/v1/rooms/{case_room.pk}/threads/").json()
        titles = json.dumps(listed)
        assert SHARED_TITLE in titles and HIDDEN_TITLE not in titles
        assert api.get("/api/v1/directory/contact-points/").status_code == 403
        assert api.get(f"/api/v1/rooms/{case_room.pk}/guests/").status_code == 403


@pytest.mark.django_db
class TestTheSurfaces:
    def test_propose_over_the_api_and_decide(
        self, client_for, policy, case_room, member, coordinator, threads
    ):
        proposed = client_for(member).post(
            f"/api/v1/rooms/{case_room.pk}/guests/",
            {
                "email": GUEST_EMAIL,
                "name": "Grace Guest",
                "organisation": "Shelter Network Accra",
                "purpose": "Victim support.",
                "ends_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
                "threads": [str(threads[1].pk)],
            },
            content_type="application/json",
        )
        assert proposed.status_code == 201, proposed.content
        guest_id = proposed.json()["id"]
        assert proposed.json()["status"] == "pending"
        queue = client_for(coordinator).get("/api/v1/guests/").json()
        assert [g["id"] for g in queue] == [guest_id]
        assert "Operation Lantern" not in json.dumps(queue)
        refused = client_for(coordinator).post(
            f"/api/v1/guests/{guest_id}/decision/",
            {"decision": "refuse"},
            content_type="application/json",
        )
        assert refused.status_code == 400 and refused.json()["error"]["field"] == "reason"
        approved = client_for(coordinator).post(
            f"/api/v1/guests/{guest_id}/decision/",
            {"decision": "approve"},
            content_type="application/json",
        )
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        again = client_for(coordinator).post(
            f"/api/v1/guests/{guest_id}/decision/",
            {"decision": "approve"},
            content_type="application/json",
        )
        assert again.status_code == 409
        assert (
            client_for(member)
            .post(
                f"/api/v1/guests/{guest_id}/decision/",
                {"decision": "approve"},
                content_type="application/json",
            )
            .status_code
            == 404
        )
        ended = client_for(member).post(
            f"/api/v1/guests/{guest_id}/end/", {}, content_type="application/json"
        )
        assert ended.status_code == 200 and ended.json()["status"] == "ended"
        assert Invitation.objects.get(email=GUEST_EMAIL).revoked_at is not None

    def test_a_bad_proposal_over_the_api(self, client_for, case_room, member, threads):
        answer = client_for(member).post(
            f"/api/v1/rooms/{case_room.pk}/guests/",
            {"email": GUEST_EMAIL, "threads": [str(threads[1].pk)]},
            content_type="application/json",
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "guests_not_allowed"

    def test_the_pages(self, client_for, policy, case_room, member, coordinator, threads):
        owner = client_for(member)
        page = owner.get(f"/rooms/{case_room.pk}/guests/")
        assert page.status_code == 200 and SHARED_TITLE in page.content.decode()
        ends = (timezone.localdate() + timedelta(days=10)).isoformat()
        bad = owner.post(
            f"/rooms/{case_room.pk}/guests/",
            {
                "name": "Grace Guest",
                "email": GUEST_EMAIL,
                "organisation": "Shelter",
                "purpose": "Support",
                "ends_on": "2020-01-01",
                "threads": [str(threads[1].pk)],
            },
        )
        assert bad.status_code == 400 and "The end date is in the past." in bad.content.decode()
        assert not RoomGuest.objects.exists()
        good = owner.post(
            f"/rooms/{case_room.pk}/guests/",
            {
                "name": "Grace Guest",
                "email": GUEST_EMAIL,
                "organisation": "Shelter",
                "purpose": "Support",
                "ends_on": ends,
                "threads": [str(threads[1].pk)],
            },
        )
        assert good.status_code == 302
        proposal = RoomGuest.objects.get()
        queue = client_for(coordinator).get("/rooms/guests/")
        assert queue.status_code == 200 and "Grace Guest" in queue.content.decode()
        assert "Operation Lantern" not in queue.content.decode()
        decided = client_for(coordinator).post(
            f"/rooms/guests/{proposal.pk}/decision/", {"decision": "approve"}
        )
        assert decided.status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == "approved"


# --- Delivery and catch-up: two Daphne processes, PostgreSQL and Redis --------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_guest_gets_its_threads_events_only_and_nothing_after_its_end(
    redis_servers, session_cookie, case_room, member, counterpart, coordinator, tipp
):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from tests.messaging.test_daphne import frame_of, open_ws, send_frame, subscribe, ws_url

    first, second = redis_servers

    def setting_up():
        tipp.guests_allowed = True
        tipp.save(update_fields=["guests_allowed"])
        shared = actions.create_thread(room=case_room, creator=member, title=SHARED_TITLE)
        proposal = _propose(case_room, member, [shared])
        guests.decide(guest=proposal, coordinator=coordinator, approve=True)
        _, user = _accept(_token_from_mail())
        return user, shared

    guest, shared = await sync_to_async(setting_up)()
    cookies = {user: await sync_to_async(session_cookie)(user) for user in (member, guest)}
    async with (
        await open_ws(first, cookies[member]) as sender,
        await open_ws(second, cookies[guest]) as visitor,
    ):
        head = (await subscribe(sender, case_room))[0]["head"]
        await subscribe(visitor, case_room)
        hidden = await sync_to_async(actions.create_thread)(
            room=case_room, creator=member, title=HIDDEN_TITLE
        )
        await sender.send(send_frame(case_room, hidden, "the plan is secret"))
        await frame_of(sender, "ack")
        await sender.send(send_frame(case_room, shared, "a bed in the north"))
        shared_seq = (await frame_of(sender, "ack"))["seq"]
        frames = []
        while not frames or frames[-1]["seq"] < shared_seq:
            frames.append(await frame_of(visitor, "event", timeout=10))
        text = json.dumps(frames)
        assert "the plan is secret" not in text and HIDDEN_TITLE not in text
        assert frames[-1]["data"]["body"] == "a bed in the north"
    async with await open_ws(second, cookies[guest]) as socket:
        caught_up = json.dumps(await subscribe(socket, case_room, after=head))
        assert "a bed in the north" in caught_up and "the plan is secret" not in caught_up
    # Past the end date: the socket is refused.
    await sync_to_async(RoomParticipant.objects.filter(user=guest).update)(
        guest_until=timezone.localdate() - timedelta(days=1)
    )
    socket = await connect(
        ws_url(first), origin=first, additional_headers={"Cookie": cookies[guest]}, open_timeout=20
    )
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd.code == 4403
