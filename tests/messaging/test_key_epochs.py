"""Data-key epochs: a room's new data key on request, on schedule and when a participant
leaves; what was sealed before still opens, and the log still verifies."""

import io
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from messaging import actions, crypto, posting, roomlog
from messaging.models import Message, Room, RoomKey
from network import keyring
from network.audit.models import AuditEvent


def _rotate(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_room_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_new_epoch_seals_what_comes_after_and_what_came_before_still_opens(
    case_room, post, member, counterpart
):
    before = post(member, "under the first key").message
    epoch = actions.rotate_room_key(room=case_room, reason="yearly policy")

    after = post(counterpart, "under the second key").message

    assert epoch == 2
    assert Room.objects.get(pk=case_room.pk).key_epoch == 2
    assert (before.key_epoch, after.key_epoch) == (1, 2)
    assert set(RoomKey.objects.filter(room=case_room).values_list("epoch", flat=True)) == {1, 2}
    crypto.forget_cached_keys()
    assert crypto.open_body(Message.objects.get(pk=before.pk)) == "under the first key"
    assert crypto.open_body(Message.objects.get(pk=after.pk)) == "under the second key"
    assert roomlog.verify(case_room).intact
    rotated = AuditEvent.objects.get(action="messaging.room_key_rotated")
    assert (rotated.reason, rotated.details) == ("yearly policy", {"epoch": 2})


def test_an_edit_after_a_rotation_is_sealed_with_the_new_key(case_room, post, member):
    message = post(member, "first words").message
    actions.rotate_room_key(room=case_room, reason="policy")

    edited = actions.edit_message(message=message, editor=member, body="second words")

    assert edited.key_epoch == 2
    crypto.forget_cached_keys()
    assert crypto.open_body(Message.objects.get(pk=message.pk)) == "second words"
    assert roomlog.verify(case_room).intact


def test_removing_a_participant_starts_a_new_epoch(case_room, post, member, counterpart):
    before = post(counterpart, "while they were in").message

    actions.remove_participant(room=case_room, user=counterpart, removed_by=member)

    later = post(member, "after they left").message
    assert (before.key_epoch, later.key_epoch) == (1, 2)
    assert Room.objects.get(pk=case_room.pk).key_epoch == 2
    removed = AuditEvent.objects.get(action="messaging.participant_removed")
    assert removed.details["key_epoch"] == 2
    assert roomlog.verify(case_room).intact


def test_a_rotation_rolled_back_leaves_no_key_behind(case_room, post, member):
    """The key of an epoch that never committed must not stay in the process's cache: the
    epoch's number is given again, with another key, by the next rotation (here, as by
    another server process)."""
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.rotate_room_key(room=case_room, reason="policy")
        raise RuntimeError("the transaction fails after the key was made")
    assert Room.objects.get(pk=case_room.pk).key_epoch == 1
    assert not RoomKey.objects.filter(room=case_room, epoch=2).exists()
    elsewhere = AESGCM.generate_key(bit_length=256)
    master_key_id, wrapped = keyring.wrap_data_key(elsewhere)
    RoomKey.objects.create(
        room=case_room, epoch=2, master_key_id=master_key_id, wrapped_key=wrapped
    )
    Room.objects.filter(pk=case_room.pk).update(key_epoch=2)

    message = post(member, "sealed with the committed key").message

    assert crypto.data_key(case_room.pk, 2) == elsewhere
    crypto.forget_cached_keys()
    assert crypto.open_body(Message.objects.get(pk=message.pk)) == "sealed with the committed key"


def test_a_rotation_needs_a_reason(case_room):
    with pytest.raises(actions.MessagingError) as refused:
        actions.rotate_room_key(room=case_room, reason="  ")
    assert refused.value.field == "reason"
    assert Room.objects.get(pk=case_room.pk).key_epoch == 1


def test_the_command_rotates_the_rooms_whose_key_is_older_than_the_cut_off(
    case_room, member, counterpart, tipp
):
    fresh = actions.create_room(
        kind="case", creator=member, title="Fresh", network=tipp, participants=[counterpart]
    )
    RoomKey.objects.filter(room=case_room).update(created_at=timezone.now() - timedelta(days=31))

    out, err = _rotate()

    assert "1 room keys rotated" in out
    assert "1/1 rooms" in err
    assert Room.objects.get(pk=case_room.pk).key_epoch == 2
    assert Room.objects.get(pk=fresh.pk).key_epoch == 1
    # A second run (or an interrupted one, started again) finds nothing left to do.
    assert "0 room keys rotated" in _rotate("--no-progress")[0]
    assert "1 room keys rotated" in _rotate("--older-than", "0", "--room", str(fresh.pk))[0]


def test_the_command_names_what_it_cannot_rotate(case_room):
    with pytest.raises(CommandError, match="is not a room id"):
        _rotate("--room", "not-a-uuid")
    unknown = uuid.uuid4()
    with pytest.raises(CommandError, match=f"no such room: {unknown}"):
        _rotate("--room", str(case_room.pk), "--room", str(unknown))
    with pytest.raises(CommandError, match="0 or more days"):
        _rotate("--older-than", "-1")
    with pytest.raises(CommandError, match="reason"):
        _rotate("--room", str(case_room.pk), "--reason", "x" * 501)
    assert Room.objects.get(pk=case_room.pk).key_epoch == 1


def test_a_send_that_read_the_room_before_a_rotation_is_sealed_with_the_new_key(
    case_room, thread, member
):
    """A server process remembers a room's fields between batches; the epoch it seals with
    is the one it reads under the room's lock."""
    remembered = Room.objects.get(pk=case_room.pk)  # epoch 1, as the send queue holds it
    actions.rotate_room_key(room=case_room, reason="policy")

    ((result,),) = posting.post_to_rooms(
        [
            (
                remembered,
                [
                    posting.SendRequest(
                        sender=member, thread=thread, client_id=uuid.uuid4(), body="late news"
                    )
                ],
            )
        ]
    )

    stored = Message.objects.get(pk=result.message.pk)
    assert stored.key_epoch == 2
    crypto.forget_cached_keys()
    assert crypto.open_body(stored) == "late news"
    assert roomlog.verify(case_room).intact


@pytest.mark.django_db(transaction=True)
def test_a_new_key_is_cached_once_committed(case_room, django_assert_num_queries):
    epoch = actions.rotate_room_key(room=case_room, reason="policy")

    with django_assert_num_queries(0):
        key = crypto.data_key(case_room.pk, epoch)
    stored = RoomKey.objects.get(room=case_room, epoch=epoch)
    assert key == keyring.unwrap_data_key(stored.master_key_id, stored.wrapped_key)


def test_a_key_is_renewed_once_it_has_sealed_its_most_events(
    settings, case_room, thread, post, member, counterpart
):
    """COUNTERPART_KEY_EPOCH_MAX_EVENTS bounds what one data key seals (security goal C3):
    the event that reaches it is the last under the key, by a send, a batch or any other
    event of the room."""
    start = Room.objects.get(pk=case_room.pk).head_seq  # under epoch 1 since seq 0
    settings.COUNTERPART_KEY_EPOCH_MAX_EVENTS = start + 2

    first = post(member, "one").message
    assert Room.objects.get(pk=case_room.pk).key_epoch == 1
    second = post(member, "two").message
    renewed = Room.objects.get(pk=case_room.pk)
    third = post(counterpart, "three").message

    assert (first.key_epoch, second.key_epoch, third.key_epoch) == (1, 1, 2)
    assert (renewed.key_epoch, renewed.key_epoch_from) == (2, start + 2)

    settings.COUNTERPART_KEY_EPOCH_MAX_EVENTS = 3
    batch = posting.post_messages(
        room=case_room,
        requests=[
            posting.SendRequest(sender=member, thread=thread, client_id=uuid.uuid4(), body=f"b{i}")
            for i in range(4)
        ],
    )
    assert {result.message.key_epoch for result in batch} == {2}  # renewed after the batch
    assert Room.objects.get(pk=case_room.pk).key_epoch == 3

    settings.COUNTERPART_KEY_EPOCH_MAX_EVENTS = 1
    actions.edit_message(message=third, editor=counterpart, body="three, edited")
    assert Room.objects.get(pk=case_room.pk).key_epoch == 4

    crypto.forget_cached_keys()
    bodies = [crypto.open_body(m) for m in Message.objects.filter(room=case_room).order_by("seq")]
    assert bodies == ["one", "two", "three, edited", "b0", "b1", "b2", "b3"]
    assert roomlog.verify(case_room).intact


@pytest.mark.parametrize("value", ["0", "16777217"])
def test_a_key_epoch_bound_outside_its_range_stops_the_start(value):
    script = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'network.settings'; "
        "from django.conf import settings; print(settings.COUNTERPART_KEY_EPOCH_MAX_EVENTS)"
    )
    environ = {**os.environ, "COUNTERPART_KEY_EPOCH_MAX_EVENTS": value}
    refused = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True
    )
    environ["COUNTERPART_KEY_EPOCH_MAX_EVENTS"] = "1024"
    accepted = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True
    )

    assert refused.returncode != 0
    assert "COUNTERPART_KEY_EPOCH_MAX_EVENTS must be between 1 and 2^24" in refused.stderr
    assert (accepted.returncode, accepted.stdout.strip()) == (0, "1024")
