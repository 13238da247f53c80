"""A support or observer participant reads an H1 or H2 item that someone else provided only
with that provider's permission (messaging/disclosure): asked with the purpose `read` and
granted, or given by the provider directly; on every path (rule, pages, API, delivery)."""

import uuid

import pytest

from messaging import access, actions, posting
from messaging.disclosure import actions as disclosure
from messaging.disclosure.actions import DisclosureError
from messaging.disclosure.models import ItemReadGrant
from messaging.models import RoomEvent

SECRET = "The survivor lives at 4 Harbour Road."


@pytest.fixture
def setting(tipp, case_room, member, counterpart, make_user, make_membership):
    tipp.allowed_capacities = ["official", "support", "observer"]
    tipp.save(update_fields=["allowed_capacities"])
    ngo = make_user("ngo@example.org", display_name="Nadia NGO", state="GH")
    make_membership(ngo, tipp)
    actions.add_participant(room=case_room, user=ngo, added_by=member, capacity="support")
    thread = actions.create_thread(room=case_room, creator=member, title="Shelter")
    actions.add_thread_reader(thread=thread, user=ngo, added_by=member)
    item = posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        body=SECRET,
        client_id=uuid.uuid4(),
        handling_code="H2",
    ).message
    return ngo, thread, item


@pytest.mark.django_db
class TestAskedAndGranted:
    def test_the_provider_grants_and_the_support_participant_reads(
        self, setting, member, counterpart
    ):
        ngo, thread, item = setting
        assert not access.can_read_message(ngo, item)
        asked = disclosure.ask_permission(
            requester=counterpart, message=item, purpose="read", recipients=[ngo.pk]
        )
        assert asked.pending and asked.provider == member
        assert not access.can_read_message(ngo, item)
        disclosure.answer_permission(permission=asked, provider=member, answer="granted")
        assert access.can_read_message(ngo, item)
        assert ngo.pk in access.message_readers(item, {ngo.pk})
        shown = access.visible_messages(ngo, thread.messages.all())
        assert item in shown
        assert ItemReadGrant.objects.get(message=item, user=ngo).permission == asked

    def test_a_refusal_keeps_it_unreadable(self, setting, member, counterpart):
        ngo, _, item = setting
        asked = disclosure.ask_permission(
            requester=counterpart, message=item, purpose="read", recipients=[ngo.pk]
        )
        disclosure.answer_permission(
            permission=asked, provider=member, answer="refused", note="Too sensitive"
        )
        assert not access.can_read_message(ngo, item)

    def test_the_room_events_reach_it_once_granted(self, setting, member, case_room):
        ngo, _, item = setting
        event = RoomEvent.objects.get(room=case_room, message=item)
        hidden = access.restricted_readers([event])
        assert ngo.pk not in hidden[event.seq]
        disclosure.share_item(provider=member, message=item, recipients=[ngo.pk])
        shown = access.restricted_readers([event])
        assert event.seq not in shown or ngo.pk in shown[event.seq]


@pytest.mark.django_db
class TestSharedByTheProvider:
    def test_the_provider_lets_it_read(self, setting, member, case_room):
        ngo, _, item = setting
        before = case_room.head_seq
        assert disclosure.share_item(provider=member, message=item, recipients=[ngo.pk]) == [ngo.pk]
        assert access.can_read_message(ngo, item)
        case_room.refresh_from_db()
        logged = RoomEvent.objects.get(room=case_room, seq=before + 1)
        assert logged.details["purpose"] == "read" and logged.details["recipients"] == [ngo.pk]

    @pytest.mark.parametrize(
        ("who", "code"),
        [("counterpart", "not_provider"), ("ngo", "not_provider")],
    )
    def test_only_the_provider(self, setting, counterpart, who, code):
        ngo, _, item = setting
        actor = {"counterpart": counterpart, "ngo": ngo}[who]
        with pytest.raises(DisclosureError) as refused:
            disclosure.share_item(provider=actor, message=item, recipients=[ngo.pk])
        assert refused.value.code == code
        assert not ItemReadGrant.objects.exists()

    def test_bad_recipients_and_items(self, setting, member, counterpart, case_room):
        ngo, thread, item = setting
        for recipients, code in (
            ([counterpart.pk], "invalid_field"),  # an official participant reads it already
            ([], "missing_field"),
            (["x"], "invalid_field"),
        ):
            with pytest.raises(DisclosureError) as refused:
                disclosure.share_item(provider=member, message=item, recipients=recipients)
            assert refused.value.code == code, recipients
        other = actions.create_thread(room=case_room, creator=member, title="Other")
        elsewhere = posting.post_message(
            room=case_room,
            sender=member,
            thread=other,
            body="Not in the shelter thread.",
            client_id=uuid.uuid4(),
            handling_code="H2",
        ).message
        with pytest.raises(DisclosureError) as not_reader:
            disclosure.share_item(provider=member, message=elsewhere, recipients=[ngo.pk])
        assert (not_reader.value.code, not_reader.value.field) == ("invalid_field", "recipients")
        plain = posting.post_message(
            room=case_room, sender=member, thread=thread, body="H0", client_id=uuid.uuid4()
        ).message
        with pytest.raises(DisclosureError) as needless:
            disclosure.share_item(provider=member, message=plain, recipients=[ngo.pk])
        assert needless.value.code == "permission_not_needed"
        disclosure.share_item(provider=member, message=item, recipients=[ngo.pk])
        with pytest.raises(DisclosureError) as again:
            disclosure.share_item(provider=member, message=item, recipients=[ngo.pk])
        assert again.value.code == "permission_not_needed"
        assert ItemReadGrant.objects.count() == 1


@pytest.mark.django_db
class TestTheSurfaces:
    def test_the_api(self, client_for, setting, member, case_room):
        ngo, thread, item = setting
        url = f"/api/v1/rooms/{case_room.pk}/events/"
        assert SECRET not in client_for(ngo).get(url).content.decode()
        shared = client_for(member).post(
            "/api/v1/permissions/share/",
            {"message": str(item.pk), "recipients": [ngo.pk]},
            content_type="application/json",
        )
        assert shared.status_code == 201 and shared.json()["readers"] == [ngo.pk]
        assert SECRET in client_for(ngo).get(url).content.decode()
        again = client_for(member).post(
            "/api/v1/permissions/share/",
            {"message": str(item.pk), "recipients": [ngo.pk]},
            content_type="application/json",
        )
        assert again.status_code == 409

    def test_the_pages(self, client_for, setting, member, case_room):
        ngo, thread, item = setting
        page = f"/rooms/{case_room.pk}/?thread={thread.pk}"
        assert SECRET not in client_for(ngo).get(page).content.decode()
        owner_page = client_for(member).get(page).content.decode()
        assert "Let support participants read it" in owner_page and "Nadia NGO" in owner_page
        done = client_for(member).post(
            "/permissions/share/", {"message": str(item.pk), "recipients": [str(ngo.pk)]}
        )
        assert done.status_code == 302 and f"thread={thread.pk}" in done["Location"]
        assert SECRET in client_for(ngo).get(page).content.decode()

    def test_asking_over_the_api(self, client_for, setting, counterpart, member):
        ngo, _, item = setting
        asked = client_for(counterpart).post(
            "/api/v1/permissions/",
            {"message": str(item.pk), "purpose": "read", "recipients": [ngo.pk]},
            content_type="application/json",
        )
        assert asked.status_code == 201, asked.content
        answered = client_for(member).post(
            f"/api/v1/permissions/{asked.json()['id']}/answer/",
            {"answer": "granted"},
            content_type="application/json",
        )
        assert answered.status_code == 200
        assert access.can_read_message(ngo, item)
