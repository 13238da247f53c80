"""Two sends with one client_id and different bodies, at the same time, on PostgreSQL: one is
stored, the other is `client_id_conflict`; never a duplicate `ack` for a message that was
not the one sent."""

import asyncio
import threading
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction

from messaging import crypto, posting
from messaging.errors import MessagingError
from messaging.models import Message, Room
from messaging.realtime.send_queue import get_send_queue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


async def until(condition, *, in_db: bool = True, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (await database_sync_to_async(condition)() if in_db else condition()):
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


class RoomHeld:
    """Holds the room's row lock in a transaction of its own until released, so that the
    writers that come meanwhile all pass their look-ups and then wait on the lock."""

    def __init__(self, room_id):
        self.room_id, self.held, self.release = room_id, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                Room.objects.select_for_update().get(pk=self.room_id)
                self.held.set()
                self.release.wait(10)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join()


def test_racing_transactions_with_one_client_id_and_different_bodies(case_room, thread, member):
    """Both transactions find no message with the client_id, both wait on the room; the
    first stores, the second hits the unique constraint, rolls back and, retried alone,
    finds the other body: `client_id_conflict`."""
    client_id = uuid.uuid4()
    outcomes, errors = {}, []

    def send(body):
        try:
            outcomes[body] = posting.post_message(
                room=case_room, sender=member, thread=thread, client_id=client_id, body=body
            )
        except MessagingError as refused:
            outcomes[body] = refused
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    senders = [threading.Thread(target=send, args=(body,)) for body in ("first", "second")]
    with RoomHeld(case_room.pk):
        for sender in senders:
            sender.start()
        wait_for(lambda: lock_waiters() >= 2)
    for sender in senders:
        sender.join()
    assert errors == []
    stored = [o for o in outcomes.values() if isinstance(o, posting.PostResult)]
    refused = [o for o in outcomes.values() if isinstance(o, MessagingError)]
    assert len(stored) == 1 and stored[0].duplicate is False
    assert [error.code for error in refused] == ["client_id_conflict"]
    (message,) = Message.objects.filter(client_id=client_id)
    winner = next(body for body, o in outcomes.items() if o is stored[0])
    assert crypto.open_body(message) == winner


async def test_sockets_racing_with_one_client_id_get_one_ack_and_one_conflict(
    open_socket, case_room, thread, member, settings
):
    """The same race through two sockets of one member: their sends are written by the
    same batch of the process's send queue; one `ack`, one `client_id_conflict`."""
    settings.COUNTERPART_MAX_PENDING_SENDS = 8
    client_id = str(uuid.uuid4())
    sockets = [await open_socket(member), await open_socket(member)]
    first = {
        "type": "send",
        "room": str(case_room.pk),
        "thread": str(thread.pk),
        "client_id": str(uuid.uuid4()),
        "body": "holds the writer",
    }
    holder = RoomHeld(case_room.pk)
    await asyncio.to_thread(holder.__enter__)
    try:
        extra = await open_socket(member)
        await extra.send_json_to(first)  # the writer's current batch, waiting on the lock
        await until(lambda: lock_waiters() >= 1)
        for socket, body in zip(sockets, ("one body", "another body"), strict=True):
            await socket.send_json_to({**first, "client_id": client_id, "body": body})
        await until(lambda: len(get_send_queue().waiting) == 2, in_db=False)
    finally:
        await asyncio.to_thread(holder.__exit__)
    assert (await extra.receive_json_from(timeout=10))["type"] == "ack"
    answers = [await socket.receive_json_from(timeout=10) for socket in sockets]
    kinds = sorted(answer.get("code", answer["type"]) for answer in answers)
    assert kinds == ["ack", "client_id_conflict"]
    ack = next(answer for answer in answers if answer["type"] == "ack")
    assert ack["duplicate"] is False
    conflict = next(answer for answer in answers if answer["type"] == "error")
    assert conflict["ref"] == client_id
    stored = await database_sync_to_async(Message.objects.get)(client_id=client_id)
    assert str(stored.pk) == ack["message"]
