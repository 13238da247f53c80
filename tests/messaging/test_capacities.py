"""Participant capacities: the network's room policy, and support and observer participants
who read only the threads they are named readers of, on every path (messaging/access.py),
and pass nothing out of the room."""

import json
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.utils import timezone

from messaging import access, actions, posting
from messaging.disclosure import rule
from messaging.errors import MessagingError
from messaging.models import RoomEvent, RoomParticipant
from messaging.translations import actions as translation_actions
from messaging.translations.actions import TranslationError
from messaging.translations.models import TranslationRequest

HIDDEN_TITLE = "Prosecution strategy"
SHARED_TITLE = "Shelter place for V-1"


@pytest.fixture
def policy(tipp):
    tipp.allowed_capacities = ["official", "support", "observer", "adviser"]
    tipp.save(update_fields=["allowed_capacities"])
    return tipp


@pytest.fixture
def ngo(make_user, make_membership, tipp, case_room, member, policy):
    """A participant of the case room in the support capacity."""
    user = make_user("ngo@example.org", display_name="Nadia NGO", state="GH")
    make_membership(user, tipp)
    actions.add_participant(room=case_room, user=user, added_by=member, capacity="support")
    return user


@pytest.fixture
def threads(case_room, member, ngo):
    hidden = actions.create_thread(room=case_room, creator=member, title=HIDDEN_TITLE)
    shared = actions.create_thread(room=case_room, creator=member, title=SHARED_TITLE)
    actions.add_thread_reader(thread=shared, user=ngo, added_by=member)
    return hidden, shared


def _post(thread, sender, body, **fields):
    return posting.post_message(
        room=thread.room, sender=sender, thread=thread, body=body, client_id=uuid.uuid4(), **fields
    ).message


@pytest.mark.django_db
class TestThePolicy:
    def test_the_default_capacity_is_official(self, case_room, counterpart):
        assert access.capacity_of(counterpart, case_room) == "official"

    @pytest.mark.parametrize("capacity", ["support", "observer"])
    def test_a_capacity_the_policy_forbids_is_refused_and_nothing_written(
        self, case_room, member, make_user, make_membership, tipp, capacity
    ):
        user = make_user("x@example.org", display_name="X", state="GH")
        make_membership(user, tipp)
        events = RoomEvent.objects.filter(room=case_room).count()
        with pytest.raises(MessagingError) as refused:
            actions.add_participant(room=case_room, user=user, added_by=member, capacity=capacity)
        assert (refused.value.code, refused.value.field) == ("capacity_not_allowed", "capacity")
        assert not RoomParticipant.objects.filter(room=case_room, user=user).exists()
        assert RoomEvent.objects.filter(room=case_room).count() == events

    def test_an_unknown_capacity_is_refused(
        self, case_room, member, make_user, make_membership, tipp, policy
    ):
        user = make_user("x@example.org", display_name="X", state="GH")
        make_membership(user, tipp)
        with pytest.raises(MessagingError) as refused:
            actions.add_participant(room=case_room, user=user, added_by=member, capacity="king")
        assert (refused.value.code, refused.value.field) == ("invalid_field", "capacity")
        with pytest.raises(MessagingError) as refused:
            actions.add_participant(
                room=case_room, user=user, added_by=member, capacity="support", role="owner"
            )
        assert refused.value.field == "capacity"
        assert not RoomParticipant.objects.filter(room=case_room, user=user).exists()

    def test_over_the_api(self, client_for, case_room, member, make_user, make_membership, tipp):
        user = make_user("x@example.org", display_name="X", state="GH")
        make_membership(user, tipp)
        url = f"/api/v1/rooms/{case_room.pk}/participants/"
        refused = client_for(member).post(
            url, {"user": user.pk, "capacity": "observer"}, content_type="application/json"
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "capacity_not_allowed"
        assert not RoomParticipant.objects.filter(room=case_room, user=user).exists()
        tipp.allowed_capacities = ["official", "observer"]
        tipp.save(update_fields=["allowed_capacities"])
        added = client_for(member).post(
            url, {"user": user.pk, "capacity": "observer"}, content_type="application/json"
        )
        assert added.status_code == 201
        listed = {p["user"]: p["capacity"] for p in added.json()["participants"]}
        assert listed[user.pk] == "observer" and listed[member.pk] == "official"
        detail = client_for(member).get(f"/api/v1/rooms/{case_room.pk}/").json()
        assert {p["user"]: p["capacity"] for p in detail["participants"]}[user.pk] == "observer"

    def test_on_the_page(self, client_for, case_room, member, ngo):
        page = client_for(member).get(f"/rooms/{case_room.pk}/").content.decode()
        assert 'data-capacity="support"' in page and 'data-capacity="official"' in page
        assert 'name="capacity"' in page

    def test_the_invite_form_refuses_a_forbidden_capacity(
        self, client_for, case_room, member, make_user, make_membership, tipp
    ):
        user = make_user("x@example.org", display_name="X", state="GH")
        make_membership(user, tipp)
        page = client_for(member).post(
            f"/rooms/{case_room.pk}/participants/", {"user": user.pk, "capacity": "support"}
        )
        assert page.status_code == 400
        assert not RoomParticipant.objects.filter(room=case_room, user=user).exists()


@pytest.mark.django_db
class TestSupportReadsOnlyItsThreads:
    def test_the_rule(self, threads, ngo, counterpart):
        hidden, shared = threads
        assert not access.can_read_thread(ngo, hidden)
        assert access.can_read_thread(ngo, shared)
        assert access.can_read_thread(counterpart, hidden)
        message = _post(hidden, counterpart, "the plan")
        assert access.message_readers(message, {ngo.pk, counterpart.pk}) == {counterpart.pk}
        assert access.readable_message(ngo, message.pk) is None

    def test_it_cannot_post_into_or_be_mentioned_in_another_thread(
        self, threads, ngo, member, counterpart
    ):
        hidden, shared = threads
        with pytest.raises(MessagingError) as refused:
            _post(hidden, ngo, "hi")
        assert refused.value.field == "thread"
        with pytest.raises(MessagingError) as refused:
            _post(hidden, member, "see", mentions=[ngo.pk])
        assert refused.value.field == "mentions"
        assert _post(shared, ngo, "we have a bed").sender_id == ngo.pk
        assert _post(shared, member, "thanks", mentions=[ngo.pk]).mentions == [ngo.pk]

    def test_the_api(self, client_for, threads, ngo, counterpart):
        hidden, shared = threads
        _post(hidden, counterpart, "the plan is secret")
        _post(shared, counterpart, "a bed in the north")
        room = hidden.room_id
        client = client_for(ngo)
        titles = [
            t["title"] for t in client.get(f"/api/v1/rooms/{room}/threads/").json()["threads"]
        ]
        assert SHARED_TITLE in titles and HIDDEN_TITLE not in titles
        text = json.dumps(client.get(f"/api/v1/rooms/{room}/events/").json())
        assert "a bed in the north" in text
        assert "the plan is secret" not in text and HIDDEN_TITLE not in text
        detail = json.dumps(client.get(f"/api/v1/rooms/{room}/").json())
        assert HIDDEN_TITLE not in detail

    def test_the_pages(self, client_for, threads, ngo, counterpart):
        hidden, shared = threads
        _post(hidden, counterpart, "the plan is secret")
        room = hidden.room_id
        page = client_for(ngo).get(f"/rooms/{room}/").content.decode()
        assert HIDDEN_TITLE not in page and SHARED_TITLE in page
        hidden_page = client_for(ngo).get(f"/rooms/{room}/?thread={hidden.pk}").content.decode()
        assert "the plan is secret" not in hidden_page

    def test_it_cannot_invite_export_or_ask_for_translations(
        self, threads, ngo, member, case_room, make_user, make_membership, tipp
    ):
        hidden, shared = threads
        own = _post(shared, ngo, "La víctima está en el refugio.")
        other = _post(shared, member, "El refugio del norte.")
        for message in (own, other):
            with pytest.raises(TranslationError) as refused:
                translation_actions.request_translation(
                    requester=ngo,
                    message=message,
                    source_language="es",
                    target_language="en",
                    purpose="information",
                    due_date=timezone.localdate() + timedelta(days=2),
                )
            assert refused.value.code == "capacity_limited"
        assert not TranslationRequest.objects.exists()
        assert not access.may_export(ngo, case_room)
        assert access.may_export(member, case_room)
        event = RoomEvent.objects.get(message=own)
        assert rule.export_permitted(event, ngo) is not True
        user = make_user("x@example.org", display_name="X", state="GH")
        make_membership(user, tipp)
        with pytest.raises(MessagingError):
            actions.add_participant(room=case_room, user=user, added_by=ngo)
        assert not RoomParticipant.objects.filter(room=case_room, user=user).exists()

    def test_typing_is_shown_to_nobody_in_its_room(self, threads, member, case_room):
        from messaging.realtime import room_calls

        assert not room_calls.typing_shown(member, case_room.pk, threads[0].pk)

    def test_an_open_thread_it_opens_names_it(self, case_room, ngo):
        thread = actions.create_thread(room=case_room, creator=ngo, title="Our shelter")
        assert access.can_read_thread(ngo, thread)

    def test_an_open_threads_reader_is_named_for_limited_participants_only(
        self, threads, counterpart, member
    ):
        hidden, _ = threads
        with pytest.raises(MessagingError) as refused:
            actions.add_thread_reader(thread=hidden, user=counterpart, added_by=member)
        assert refused.value.field == "thread"


@pytest.mark.django_db
class TestSupportNeverReadsOthersH1AndH2:
    """Even in its threads, a support participant does not read the H1 and H2 items that
    others provided; its own, and H0 and H3 items, it reads."""

    @pytest.fixture
    def items(self, threads, ngo, member):
        _, shared = threads
        return {
            "h1": _post(shared, member, "h1 from the police", handling_code="H1"),
            "h2": _post(shared, member, "h2 from the police", handling_code="H2"),
            "h0": _post(shared, member, "h0 for everyone"),
            "own": _post(shared, ngo, "h2 of the ngo", handling_code="H2"),
        }

    def test_the_rule(self, items, ngo, counterpart):
        for key in ("h1", "h2"):
            assert not access.can_read_message(ngo, items[key])
            assert access.readable_message(ngo, items[key].pk) is None
            assert access.can_read_message(counterpart, items[key])
            assert access.message_readers(items[key], {ngo.pk, counterpart.pk}) == {counterpart.pk}
        for key in ("h0", "own"):
            assert access.can_read_message(ngo, items[key])
        assert access.message_readers(items["own"], {ngo.pk, counterpart.pk}) == {
            ngo.pk,
            counterpart.pk,
        }
        from messaging.models import Message

        shown = set(access.visible_messages(ngo, Message.objects.all()))
        assert shown == {items["h0"], items["own"]}
        assert set(access.visible_messages(counterpart, Message.objects.all())) >= set(
            items.values()
        )

    def test_the_api(self, client_for, items, ngo, counterpart, case_room):
        text = json.dumps(client_for(ngo).get(f"/api/v1/rooms/{case_room.pk}/events/").json())
        assert "h0 for everyone" in text and "h2 of the ngo" in text
        assert "from the police" not in text
        seen = json.dumps(
            client_for(counterpart).get(f"/api/v1/rooms/{case_room.pk}/events/").json()
        )
        assert "h1 from the police" in seen and "h2 from the police" in seen

    def test_the_pages(self, client_for, items, ngo, counterpart, threads):
        url = f"/rooms/{threads[1].room_id}/?thread={threads[1].pk}"
        page = client_for(ngo).get(url).content.decode()
        assert "h0 for everyone" in page and "h2 of the ngo" in page
        assert "from the police" not in page
        seen = client_for(counterpart).get(url).content.decode()
        assert "h1 from the police" in seen and "h2 from the police" in seen


# --- Delivery and catch-up: two Daphne processes, PostgreSQL and Redis --------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_support_participant_gets_its_threads_events_only(
    redis_servers,
    session_cookie,
    case_room,
    member,
    counterpart,
    make_user,
    make_membership,
    tipp,
):
    from tests.messaging.test_daphne import frame_of, open_ws, send_frame, subscribe

    first, second = redis_servers

    def setting_up():
        tipp.allowed_capacities = ["official", "support"]
        tipp.save(update_fields=["allowed_capacities"])
        ngo = make_user("ngo@example.org", display_name="Nadia NGO", state="GH")
        make_membership(ngo, tipp)
        actions.add_participant(room=case_room, user=ngo, added_by=member, capacity="support")
        shared = actions.create_thread(room=case_room, creator=member, title=SHARED_TITLE)
        actions.add_thread_reader(thread=shared, user=ngo, added_by=member)
        return ngo, shared

    ngo, shared = await sync_to_async(setting_up)()
    cookies = {
        user: await sync_to_async(session_cookie)(user) for user in (member, counterpart, ngo)
    }
    async with (
        await open_ws(first, cookies[member]) as sender,
        await open_ws(second, cookies[counterpart]) as official,
        await open_ws(second, cookies[ngo]) as support,
    ):
        await subscribe(sender, case_room)
        head = (await subscribe(official, case_room))[0]["head"]
        await subscribe(support, case_room)
        hidden = await sync_to_async(actions.create_thread)(
            room=case_room, creator=member, title=HIDDEN_TITLE
        )
        await sender.send(send_frame(case_room, hidden, "the plan is secret"))
        secret_seq = (await frame_of(sender, "ack"))["seq"]
        h1 = json.loads(send_frame(case_room, shared, "h1 from the police"))
        await sender.send(json.dumps({**h1, "handling": "H1"}))
        h1_seq = (await frame_of(sender, "ack"))["seq"]
        await sender.send(send_frame(case_room, shared, "a bed in the north"))
        shared_seq = (await frame_of(sender, "ack"))["seq"]

        async def live(socket):
            frames = []
            while not frames or frames[-1]["seq"] < shared_seq:
                frames.append(await frame_of(socket, "event", timeout=10))
            return frames

        seen, limited = await live(official), await live(support)
        assert [f["seq"] for f in seen] == [f["seq"] for f in limited]
        assert [f["data"]["body"] for f in seen if f["kind"] == "message.posted"] == [
            "the plan is secret",
            "h1 from the police",
            "a bed in the north",
        ]
        assert [f["kind"] for f in limited] == [
            "restricted",
            "restricted",
            "restricted",
            "message.posted",
        ]
        assert "the plan is secret" not in json.dumps(limited)
        assert "h1 from the police" not in json.dumps(limited)
        assert HIDDEN_TITLE not in json.dumps(limited)
        assert limited[-1]["data"]["body"] == "a bed in the north"
    # Catch-up from the database: the same.
    for origin, user, shows in ((first, counterpart, True), (second, ngo, False)):
        async with await open_ws(origin, cookies[user]) as socket:
            frames = [
                f for f in await subscribe(socket, case_room, after=head) if f["type"] == "event"
            ]
            text = json.dumps(frames)
            assert ("the plan is secret" in text) is shows
            assert ("h1 from the police" in text) is shows
            h1_frame = next(f for f in frames if f["seq"] == h1_seq)
            assert h1_frame["kind"] == ("message.posted" if shows else "restricted")
            assert "a bed in the north" in text
            secret = next(f for f in frames if f["seq"] == secret_seq)
            assert secret["kind"] == ("message.posted" if shows else "restricted")
