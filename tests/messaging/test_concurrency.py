"""Per-room order and gapless numbering under concurrent senders (PostgreSQL row locks)."""

import threading
import uuid

import pytest
from django.db import connection

from messaging import actions
from messaging.models import Message, RoomEvent

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
                actions.post_message(
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
                actions.post_message(
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
