"""Restricted threads: read by their named readers only, on every path (messaging/access.py),
and the hub and catch-up across two Daphne processes on PostgreSQL and Redis."""

import json
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.utils import timezone

from messaging import access, actions, posting
from messaging.disclosure import rule
from messaging.errors import MessagingError
from messaging.models import Room, RoomEvent, ThreadReader
from messaging.translations import actions as translation_actions
from messaging.translations.models import TranslationRequest

SECRET_TITLE = "Witness W-7 shelter"


@pytest.fixture
def third(make_user, make_membership, tipp, case_room, member):
    """A participant of the case room who is not a reader of the restricted thread."""
    user = make_user("third@example.org", display_name="Thea Third", state="GH")
    make_membership(user, tipp)
    actions.add_participant(room=case_room, user=user, added_by=member)
    return user


@pytest.fixture
def restricted(case_room, member, counterpart, third):
    return actions.create_thread(
        room=case_room,
        creator=member,
        title=SECRET_TITLE,
        tags=[{"kind": "operation", "value": "Nightjar"}],
        restricted=True,
        readers=[counterpart.pk],
    )


def _post(thread, sender, body, **fields):
    return posting.post_message(
        room=thread.room, sender=sender, thread=thread, body=body, client_id=uuid.uuid4(), **fields
    ).message


@pytest.mark.django_db
class TestTheRule:
    def test_readers_are_the_named_ones_and_the_creator(
        self, restricted, member, counterpart, third
    ):
        assert access.can_read_thread(member, restricted)
        assert access.can_read_thread(counterpart, restricted)
        assert not access.can_read_thread(third, restricted)
        message = _post(restricted, counterpart, "the shelter is in the north")
        assert access.message_readers(message, {member.pk, counterpart.pk, third.pk}) == {
            member.pk,
            counterpart.pk,
        }

    def test_a_victim_sensitive_thread_is_restricted(self, case_room, member, counterpart):
        thread = actions.create_thread(
            room=case_room,
            creator=member,
            title="Victim V-1",
            victim_sensitive=True,
            readers=[counterpart.pk],
        )
        assert thread.restricted and thread.victim_sensitive

    @pytest.mark.parametrize(
        "readers, code",
        [((), "missing_field"), (None, "missing_field"), (["x"], "invalid_field")],
    )
    def test_a_restricted_thread_needs_readers(self, case_room, member, readers, code):
        events = RoomEvent.objects.filter(room=case_room).count()
        with pytest.raises(MessagingError) as refused:
            actions.create_thread(
                room=case_room, creator=member, title="T", restricted=True, readers=readers
            )
        assert (refused.value.code, refused.value.field) == (code, "readers")
        assert RoomEvent.objects.filter(room=case_room).count() == events

    def test_a_reader_must_be_a_participant(self, case_room, member, other_network_member):
        with pytest.raises(MessagingError) as refused:
            actions.create_thread(
                room=case_room,
                creator=member,
                title="T",
                restricted=True,
                readers=[other_network_member.pk],
            )
        assert (refused.value.code, refused.value.field) == ("invalid_field", "readers")
        assert not ThreadReader.objects.exists()

    def test_a_non_reader_cannot_post_into_it(self, restricted, third):
        with pytest.raises(MessagingError) as refused:
            posting.post_message(
                room=restricted.room,
                sender=third,
                thread=str(restricted.pk),
                body="hi",
                client_id=uuid.uuid4(),
            )
        assert refused.value.field == "thread"

    def test_removing_a_reader_starts_a_new_key_epoch(self, restricted, member, counterpart):
        room = Room.objects.get(pk=restricted.room_id)
        epoch = actions.remove_thread_reader(thread=restricted, user=counterpart, removed_by=member)
        assert epoch == room.key_epoch + 1
        assert Room.objects.get(pk=room.pk).key_epoch == epoch
        assert not access.can_read_thread(counterpart, restricted)
        last = RoomEvent.objects.filter(room=room).order_by("-seq").first()
        assert last.kind == "thread.reader_removed"
        assert last.details["restricted"] == str(restricted.pk)

    def test_only_its_creator_or_an_owner_names_readers(self, restricted, counterpart, third):
        with pytest.raises(MessagingError) as refused:
            actions.add_thread_reader(thread=restricted, user=third, added_by=counterpart)
        assert refused.value.code == "forbidden"

    def test_an_item_of_it_goes_to_a_non_reader_only_with_its_providers_permission(
        self, restricted, member, counterpart, third
    ):
        message = _post(restricted, member, "an H0 line of the restricted thread")
        decision = rule.may_pass(counterpart, message, purpose="quote", recipients={third.pk})
        assert decision.code == "provider_permission_required"
        assert rule.may_pass(counterpart, message, purpose="quote", recipients={member.pk})

    def test_translation_requests_of_it_wait_for_the_provider(
        self, restricted, member, counterpart
    ):
        message = _post(restricted, member, "La víctima está en el refugio del norte.")
        request = translation_actions.request_translation(
            requester=counterpart,
            message=message,
            source_language="es",
            target_language="en",
            purpose="information",
            due_date=timezone.localdate() + timedelta(days=2),
        )
        assert request.status == TranslationRequest.Status.AWAITING_PERMISSION


@pytest.mark.django_db
class TestEveryPathHidesIt:
    def test_the_api(self, client_for, restricted, member, counterpart, third):
        message = _post(restricted, counterpart, "the shelter is in the north")
        room = restricted.room_id
        outsider, reader = client_for(third), client_for(counterpart)
        for client, sees in ((outsider, False), (reader, True)):
            listed = client.get(f"/api/v1/rooms/{room}/threads/").json()["threads"]
            assert (SECRET_TITLE in [t["title"] for t in listed]) is sees
            detail = json.dumps(client.get(f"/api/v1/rooms/{room}/").json())
            assert (SECRET_TITLE in detail) is sees
            found = client.get("/api/v1/threads/?tag=Nightjar").json()["threads"]
            assert bool(found) is sees
            history = client.get(f"/api/v1/rooms/{room}/events/").json()["events"]
            text = json.dumps(history)
            assert (SECRET_TITLE in text) is sees
            assert ("the shelter is in the north" in text) is sees
            assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
        hidden = [
            e
            for e in outsider.get(f"/api/v1/rooms/{room}/events/").json()["events"]
            if e["kind"] == "restricted"
        ]
        assert len(hidden) == 2 and all(e["data"] == {} and e["actor"] is None for e in hidden)
        edit = outsider.patch(
            f"/api/v1/rooms/{room}/messages/{message.pk}/",
            {"body": "x"},
            content_type="application/json",
        )
        assert edit.status_code == 404

    def test_readers_over_the_api(self, client_for, restricted, member, counterpart, third):
        url = f"/api/v1/rooms/{restricted.room_id}/threads/{restricted.pk}/readers/"
        refused = client_for(counterpart).post(
            url, {"user": third.pk}, content_type="application/json"
        )
        assert refused.status_code == 403
        hidden = client_for(third).post(url, {"user": third.pk}, content_type="application/json")
        assert hidden.status_code == 404
        added = client_for(member).post(url, {"user": third.pk}, content_type="application/json")
        assert added.status_code == 201
        assert access.can_read_thread(third, restricted)
        epoch = Room.objects.get(pk=restricted.room_id).key_epoch
        removed = client_for(member).delete(f"{url}{third.pk}/")
        assert removed.status_code == 200 and removed.json()["epoch"] == epoch + 1
        assert not access.can_read_thread(third, restricted)
        again = client_for(member).delete(f"{url}{third.pk}/")
        assert again.status_code == 400 and again.json()["error"]["field"] == "user"

    def test_a_restricted_thread_over_the_api_needs_participant_readers(
        self, client_for, case_room, member, other_network_member
    ):
        url = f"/api/v1/rooms/{case_room.pk}/threads/"
        for readers, code in (([], "missing_field"), ([other_network_member.pk], "invalid_field")):
            answer = client_for(member).post(
                url,
                {"title": "T", "restricted": True, "readers": readers},
                content_type="application/json",
            )
            assert answer.status_code == 400
            assert answer.json()["error"]["code"] == code
        made = client_for(member).post(
            url,
            {"title": "Victim V-2", "victim_sensitive": True, "readers": []},
            content_type="application/json",
        )
        assert made.status_code == 400
        assert not ThreadReader.objects.exists()

    def test_the_pages(self, client_for, restricted, counterpart, third):
        _post(restricted, counterpart, "the shelter is in the north")
        room = restricted.room_id
        page = client_for(third).get(f"/rooms/{room}/").content.decode()
        assert SECRET_TITLE not in page
        assert client_for(third).get(f"/rooms/{room}/?thread={restricted.pk}").status_code in (
            200,
            404,
        )
        assert (
            SECRET_TITLE
            not in client_for(third).get(f"/rooms/{room}/?thread={restricted.pk}").content.decode()
        )
        assert (
            "the shelter"
            not in client_for(third).get(f"/rooms/{room}/?thread={restricted.pk}").content.decode()
        )
        assert SECRET_TITLE not in client_for(third).get("/rooms/tags/?q=Nightjar").content.decode()
        assert (
            SECRET_TITLE
            in client_for(counterpart)
            .get(f"/rooms/{room}/?thread={restricted.pk}")
            .content.decode()
        )
        assert (
            SECRET_TITLE in client_for(counterpart).get("/rooms/tags/?q=Nightjar").content.decode()
        )

    def test_translation_requests(self, client_for, restricted, member, counterpart, third):
        message = _post(restricted, member, "La víctima está en el refugio del norte.")
        request = translation_actions.request_translation(
            requester=member,
            message=message,
            source_language="es",
            target_language="en",
            purpose="information",
            due_date=timezone.localdate() + timedelta(days=2),
        )
        assert client_for(third).get(f"/api/v1/translations/{request.pk}/").status_code == 404
        assert client_for(counterpart).get(f"/api/v1/translations/{request.pk}/").status_code == 200
        asked = client_for(third).post(
            "/api/v1/translations/",
            {
                "message": str(message.pk),
                "source_language": "es",
                "target_language": "en",
                "purpose": "information",
                "due_date": str(timezone.localdate()),
            },
            content_type="application/json",
        )
        assert asked.status_code == 404


# --- Delivery and catch-up: two Daphne processes, PostgreSQL and Redis --------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_restricted_threads_events_reach_its_readers_only(
    redis_servers, session_cookie, case_room, member, counterpart, make_user, make_membership, tipp
):
    from tests.messaging.test_daphne import frame_of, open_ws, send_frame, subscribe

    first, second = redis_servers

    def setting_up():
        outsider = make_user("third@example.org", display_name="Thea Third", state="GH")
        make_membership(outsider, tipp)
        actions.add_participant(room=case_room, user=outsider, added_by=member)
        open_thread = actions.create_thread(room=case_room, creator=member, title="Open")
        return outsider, open_thread

    third, open_thread = await sync_to_async(setting_up)()
    cookies = {
        user: await sync_to_async(session_cookie)(user) for user in (member, counterpart, third)
    }
    async with (
        await open_ws(first, cookies[member]) as sender,
        await open_ws(second, cookies[counterpart]) as reader,
        await open_ws(second, cookies[third]) as other,
    ):
        await subscribe(sender, case_room)
        head = (await subscribe(reader, case_room))[0]["head"]
        await subscribe(other, case_room)
        restricted = await sync_to_async(actions.create_thread)(
            room=case_room,
            creator=member,
            title=SECRET_TITLE,
            restricted=True,
            readers=[counterpart.pk],
        )
        await sender.send(send_frame(case_room, restricted, "the shelter is in the north"))
        secret_seq = (await frame_of(sender, "ack"))["seq"]
        await sender.send(send_frame(case_room, open_thread, "open news"))
        open_seq = (await frame_of(sender, "ack"))["seq"]

        async def live(socket):
            frames = []
            while not frames or frames[-1]["seq"] < open_seq:
                frames.append(await frame_of(socket, "event", timeout=10))
            return frames

        seen, hidden = await live(reader), await live(other)
        assert [f["seq"] for f in seen] == [f["seq"] for f in hidden]
        assert {f["kind"] for f in seen} == {"thread.created", "message.posted"}
        assert SECRET_TITLE in json.dumps(seen)
        assert [f["data"]["body"] for f in seen if f["kind"] == "message.posted"] == [
            "the shelter is in the north",
            "open news",
        ]
        assert [f["kind"] for f in hidden] == ["restricted", "restricted", "message.posted"]
        assert SECRET_TITLE not in json.dumps(hidden)
        assert "shelter" not in json.dumps(hidden)
        assert hidden[-1]["data"]["body"] == "open news"
        # Typing in the restricted thread is shown to nobody.
        await sender.send(
            json.dumps({"type": "typing", "room": str(case_room.pk), "thread": str(restricted.pk)})
        )
    # Catch-up after the room's head before the thread: the same, from the database.
    for origin, user, shows in ((first, counterpart, True), (second, third, False)):
        async with await open_ws(origin, cookies[user]) as socket:
            frames = [
                f for f in await subscribe(socket, case_room, after=head) if f["type"] == "event"
            ]
            text = json.dumps(frames)
            assert (SECRET_TITLE in text) is shows
            assert ("the shelter is in the north" in text) is shows
            assert frames[-1]["seq"] == open_seq
            secret = next(f for f in frames if f["seq"] == secret_seq)
            assert secret["kind"] == ("message.posted" if shows else "restricted")


@pytest.mark.django_db
def test_the_new_thread_form_makes_a_victim_sensitive_thread(
    client_for, case_room, member, counterpart
):
    page = client_for(member).post(
        f"/rooms/{case_room.pk}/threads/",
        {"title": "Victim V-3", "victim_sensitive": "on", "readers": [str(counterpart.pk)]},
    )
    assert page.status_code == 302
    thread = case_room.threads.get(title="Victim V-3")
    assert thread.restricted and thread.victim_sensitive
    assert set(thread.readers.values_list("user_id", flat=True)) == {member.pk, counterpart.pk}
    composer = client_for(member).get(f"/rooms/{case_room.pk}/?thread={thread.pk}").content.decode()
    assert 'value="H2" checked' in composer or 'value="H2" selected' in composer


@pytest.mark.django_db
def test_the_new_thread_form_refuses_a_restricted_thread_without_readers(
    client_for, case_room, member
):
    page = client_for(member).post(
        f"/rooms/{case_room.pk}/threads/", {"title": "Alone", "restricted": "on"}
    )
    assert page.status_code == 400
    assert not case_room.threads.filter(title="Alone").exists()


@pytest.mark.django_db
def test_a_mention_in_it_names_its_readers_only(restricted, member, counterpart, third):
    with pytest.raises(MessagingError) as refused:
        posting.post_message(
            room=restricted.room,
            sender=member,
            thread=restricted,
            body="see this",
            client_id=uuid.uuid4(),
            mentions=[third.pk],
        )
    assert refused.value.field == "mentions"
    assert _post(restricted, member, "see this", mentions=[counterpart.pk]).mentions == [
        counterpart.pk
    ]
