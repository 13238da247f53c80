import io

import pytest
from django.core.management import call_command

from messaging import crypto
from messaging.models import Message, RoomKey
from network import keyring
from network.keyring import DecryptionError

pytestmark = pytest.mark.django_db


def test_a_body_is_stored_encrypted_and_opens(post, member):
    message = post(member, "meet at the border post").message
    stored = Message.objects.get(pk=message.pk)
    assert b"border" not in bytes(stored.body_ciphertext)
    assert crypto.open_body(stored) == "meet at the border post"


def test_a_ciphertext_moved_to_another_row_fails(post, member, counterpart):
    """Swapping ciphertexts between rows in the database breaks both (associated data)."""
    first = post(member, "first").message
    second = post(member, "second").message
    a, b = bytes(first.body_ciphertext), bytes(second.body_ciphertext)
    Message.objects.filter(pk=first.pk).update(body_ciphertext=b)
    Message.objects.filter(pk=second.pk).update(body_ciphertext=a)
    for message in Message.objects.filter(pk__in=[first.pk, second.pk]):
        with pytest.raises(DecryptionError):
            crypto.open_body(message)


def test_a_ciphertext_moved_to_another_room_fails(post, member, counterpart, tipp, thread):
    from messaging import actions, posting

    other_room = actions.create_room(
        kind="case", creator=member, title="Other", network=tipp, participants=[counterpart]
    )
    other_thread = actions.create_thread(room=other_room, creator=member, title="t")
    here = post(member, "here").message
    there = posting.post_message(
        room=other_room, sender=member, thread=other_thread, client_id=here.client_id, body="x"
    ).message
    Message.objects.filter(pk=there.pk).update(body_ciphertext=bytes(here.body_ciphertext))
    with pytest.raises(DecryptionError):
        crypto.open_body(Message.objects.get(pk=there.pk))


def test_a_ciphertext_moved_to_another_field_fails(post, member):
    message = post(member, "body text").message
    with pytest.raises(DecryptionError):
        crypto.decrypt(
            message.body_ciphertext,
            room_id=message.room_id,
            epoch=message.key_epoch,
            record_id=message.pk,
            sender_id=message.sender_id,
            field="revision",
        )


def test_rewrap_moves_every_room_key_to_the_current_master_key(settings, post, member):
    """After rotation the command re-wraps old keys; messages still open; a rerun does nothing."""
    message = post(member, "before rotation").message
    old = settings.COUNTERPART_MASTER_KEYS
    settings.COUNTERPART_MASTER_KEYS = keyring.new_master_keys_value("k2") + "," + old
    crypto.forget_cached_keys()
    assert RoomKey.objects.exclude(master_key_id="k2").exists()
    out, err = io.StringIO(), io.StringIO()
    call_command("rewrap_data_keys", "--batch-size", "1", stdout=out, stderr=err)
    assert "1 room keys re-wrapped" in out.getvalue()
    assert "1/1 room keys" in err.getvalue()
    assert set(RoomKey.objects.values_list("master_key_id", flat=True)) == {"k2"}
    # The old key can leave the ring now.
    settings.COUNTERPART_MASTER_KEYS = settings.COUNTERPART_MASTER_KEYS.split(",")[0]
    crypto.forget_cached_keys()
    assert crypto.open_body(Message.objects.get(pk=message.pk)) == "before rotation"
    out = io.StringIO()
    call_command("rewrap_data_keys", "--no-progress", stdout=out)
    assert "0 room keys re-wrapped" in out.getvalue()


def test_rewrap_fails_clearly_when_an_old_master_key_is_gone(settings, case_room):
    settings.COUNTERPART_MASTER_KEYS = keyring.new_master_keys_value("k9")
    crypto.forget_cached_keys()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot be unwrapped"):
        call_command("rewrap_data_keys", "--no-progress", stdout=io.StringIO())
