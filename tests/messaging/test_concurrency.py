"""Per-room order and gapless numbering under concurrent senders (PostgreSQL row locks)."""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from messaging import actions, posting
from messaging.models import Message, Room, RoomEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_senders_get_gapless_ordered_seqs(case_room, thread, member, counterpart):
    per_sender = 15
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    senders = [member, counterpart, member, counterpart]

    def run(sender, label):
        try:
            barrier.wait()
            for i in range(per_sender):
                posting.post_message(
                    room=case_room,
                    sender=sender,
                    thread=thread,
                    client_id=uuid.uuid4(),
                    body=f"{label}:{i}",
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(sender, f"t{n}")) for n, sender in enumerate(senders)
    ]
    for worker in threads:
        worker.start()
    for worker in threads:
        worker.join()
    assert errors == []
    seqs = list(RoomEvent.objects.filter(room=case_room).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    case_room.refresh_from_db()
    assert case_room.head_seq == seqs[-1]
    from messaging import crypto

    messages = list(Message.objects.filter(room=case_room).order_by("seq"))
    assert len(messages) == 4 * per_sender
    for label in ("t0", "t1", "t2", "t3"):
        own = [
            int(b.split(":")[1]) for m in messages if (b := crypto.open_body(m)).startswith(label)
        ]
        assert own == list(range(per_sender)), label


def test_concurrent_resends_store_one_message(case_room, thread, member):
    client_id = uuid.uuid4()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(
                posting.post_message(
                    room=case_room, sender=member, thread=thread, client_id=client_id, body="once"
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False] + [True] * 5
    assert Message.objects.filter(client_id=client_id).count() == 1


def test_concurrent_batches_sharing_a_client_id_store_it_once_and_the_rest_in_full(
    case_room, thread, member, counterpart
):
    """Two batches race on one client_id: both pass the resend look-up while a third
    transaction holds the room row, so the second to insert hits the unique constraint; its
    transaction rolls back and its sends are stored one by one, so nothing is lost, nothing
    is stored twice and seqs stay gapless."""
    shared = uuid.uuid4()
    results, errors = {}, []
    release, held = threading.Event(), threading.Event()

    def hold_the_room():
        try:
            with transaction.atomic():
                Room.objects.select_for_update().get(pk=case_room.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def run(name, sender):
        requests = [
            posting.SendRequest(sender=sender, thread=thread, client_id=uuid.uuid4(), body=name)
            for _ in range(3)
        ] + [posting.SendRequest(sender=member, thread=thread, client_id=shared, body="shared")]
        try:
            results[name] = posting.post_messages(room=case_room, requests=requests)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_room)
    holder.start()
    assert held.wait(10)
    workers = [
        threading.Thread(target=run, args=(name, sender))
        for name, sender in (("a", member), ("b", counterpart))
    ]
    for worker in workers:
        worker.start()
    _wait_for_lock_waiters(2)
    release.set()
    for worker in [holder, *workers]:
        worker.join()
    assert errors == []
    shared_results = [results[name][-1] for name in "ab"]
    assert sorted(r.duplicate for r in shared_results) == [False, True]
    assert shared_results[0].message.pk == shared_results[1].message.pk
    assert Message.objects.filter(client_id=shared).count() == 1
    assert all(not r.duplicate for name in "ab" for r in results[name][:3])
    assert Message.objects.filter(room=case_room).count() == 7
    seqs = list(RoomEvent.objects.filter(room=case_room).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def _wait_for_lock_waiters(count: int) -> None:
    """Until `count` backends of this database wait on a lock (the room row)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    raise AssertionError(f"{count} senders never waited on the room lock")


def _room_with_thread(member, counterpart, tipp, title):
    room = actions.create_room(
        kind="case", creator=member, title=title, network=tipp, participants=[counterpart]
    )
    return room, actions.create_thread(room=room, creator=member, title="Main")


def test_writers_of_the_same_rooms_in_opposite_orders_never_deadlock(member, counterpart, tipp):
    """Batches of several rooms lock the rooms in the order of their ids: two writers whose
    batches name the same rooms in opposite orders both finish, each room gapless."""
    rooms = [_room_with_thread(member, counterpart, tipp, f"Room {n}") for n in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def run(order):
        try:
            barrier.wait()
            for n in range(15):
                posting.post_to_rooms(
                    [
                        (
                            Room.objects.get(pk=room.pk),
                            [
                                posting.SendRequest(
                                    sender=member,
                                    thread=thread,
                                    client_id=uuid.uuid4(),
                                    body=f"{n}",
                                )
                            ],
                        )
                        for room, thread in order
                    ]
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(o,)) for o in (rooms, rooms[::-1])]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    for room, _ in rooms:
        assert Message.objects.filter(room=room).count() == 30
        seqs = list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
