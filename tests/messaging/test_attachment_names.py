"""The names of attached files are sealed like their contents (security goal C1), and shown
to the room's readers all the same."""

import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F

from messaging import actions, crypto, events, room_writes, roomlog
from messaging.models import Attachment, Message, Room, RoomEvent
from network.keyring import DecryptionError

NAME = "Witness statement 7 (Lantern).txt"


def _attach(message, uploader, name=NAME, content=b"what the witness said"):
    return actions.add_attachment(
        message=message, uploader=uploader, filename=name, content=content
    )


def test_a_file_name_is_stored_sealed_and_shown_to_readers(case_room, post, member):
    message = post(member, "see the file").message

    attachment = _attach(message, member)

    (sealed,) = Attachment.objects.filter(pk=attachment.pk).values_list(
        "filename_ciphertext", flat=True
    )
    assert NAME.encode() not in bytes(sealed)
    event = RoomEvent.objects.get(room=case_room, kind=RoomEvent.Kind.ATTACHMENT_ADDED)
    assert "filename" not in event.details
    assert NAME not in json.dumps(event.details)
    assert crypto.open_attachment_name(Attachment.objects.get(pk=attachment.pk)) == NAME
    (loaded,) = events.events_after(case_room.pk, event.seq - 1, 10)
    frame = json.loads(events.event_frame(loaded))
    assert frame["kind"] == "attachment.added"
    assert frame["data"]["filename"] == NAME
    assert frame["data"]["attachment"] == str(attachment.pk)
    assert roomlog.verify(case_room).intact


def test_the_api_gives_the_name_back(case_room, post, member, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    message = post(member, "see the file").message
    api = client_for(member)

    uploaded = api.post(
        f"/api/v1/rooms/{case_room.pk}/messages/{message.pk}/attachments/",
        {"file": SimpleUploadedFile(NAME, b"what the witness said")},
    )

    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["filename"] == NAME
    download = api.get(f"/api/v1/rooms/{case_room.pk}/attachments/{uploaded.json()['id']}/")
    assert download.status_code == 200
    assert "Witness statement 7" in download["Content-Disposition"]


def test_a_sealed_name_moved_to_another_attachment_does_not_open(case_room, post, member):
    message = post(member, "two files").message
    first, second = _attach(message, member, "first.txt"), _attach(message, member, "second.txt")
    Attachment.objects.filter(pk=second.pk).update(filename_ciphertext=first.filename_ciphertext)

    with pytest.raises(DecryptionError):
        crypto.open_attachment_name(Attachment.objects.get(pk=second.pk))


def test_an_event_of_the_earlier_form_still_verifies_and_shows_its_name(case_room, post, member):
    """Events stored before names were sealed carry the name in their details, and their
    secret is the content's digest alone: the log still verifies them."""
    message = post(member, "an older file").message
    content = b"an older file's words"
    attachment = _attach(message, member, "older.txt", content)
    RoomEvent.objects.filter(room=case_room, kind=RoomEvent.Kind.ATTACHMENT_ADDED).delete()
    Room.objects.filter(pk=case_room.pk).update(head_seq=F("head_seq") - 1)
    room = room_writes.lock_room(case_room)
    event = room_writes.append_event(
        room,
        kind=RoomEvent.Kind.ATTACHMENT_ADDED,
        actor=member,
        details={
            "attachment": str(attachment.pk),
            "message": str(message.pk),
            "filename": "older.txt",
            "content_type": "text/plain",
            "size": len(content),
        },
        secret=hashlib.sha256(content).hexdigest(),
        message=Message.objects.get(pk=message.pk),
    )
    room.save(update_fields=["head_seq"])

    assert roomlog.verify(case_room).intact
    (loaded,) = events.events_after(case_room.pk, event.seq - 1, 10)
    assert json.loads(events.event_frame(loaded))["data"]["filename"] == "older.txt"


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_names_already_stored(case_room, post, member):
    message = post(member, "before the migration").message
    attachment = _attach(message, member, "kept.txt")
    executor = MigrationExecutor(connection)
    before = [("messaging", "0003_room_indexes_by_their_unique_constraints")]
    # Every app's latest migration: going back unapplies the migrations of other apps that
    # depend on messaging's later ones, and going forward must apply them again.
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)  # back: the name is opened into its plain column
        earlier = executor.loader.project_state(before).apps.get_model("messaging", "Attachment")
        stored = earlier.objects.filter(pk=attachment.pk)
        assert list(stored.values_list("filename", flat=True)) == ["kept.txt"]
        stored.update(filename="renamed before.txt")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    stored = Attachment.objects.get(pk=attachment.pk)
    assert crypto.open_attachment_name(stored) == "renamed before.txt"
    assert b"renamed before" not in bytes(stored.filename_ciphertext)
