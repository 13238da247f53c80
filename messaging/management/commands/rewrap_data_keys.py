from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from messaging.management.progress import show_progress
from messaging.models import RoomKey
from network.keyring import (
    DecryptionError,
    current_master_key,
    unwrap_data_key,
    wrap_data_key,
)


class Command(BaseCommand):
    help = (
        "Re-wrap every room data key that is not under the current (first) master key. "
        "Each batch commits on its own: an interrupted run resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        current = current_master_key().key_id
        pending = RoomKey.objects.exclude(master_key_id=current)
        total = pending.count()
        done = 0
        show_progress(self.stderr, done, total, "room keys", hidden=no_progress)
        while True:
            with transaction.atomic():
                batch = list(pending.select_for_update().order_by("pk")[:batch_size])
                if not batch:
                    break
                for room_key in batch:
                    try:
                        data_key = unwrap_data_key(room_key.master_key_id, room_key.wrapped_key)
                    except DecryptionError as exc:
                        raise CommandError(
                            f"room key {room_key.pk} (room {room_key.room_id}, epoch "
                            f"{room_key.epoch}) cannot be unwrapped: {exc}. Put master key "
                            f"{room_key.master_key_id!r} back in COUNTERPART_MASTER_KEYS."
                        ) from exc
                    room_key.master_key_id, room_key.wrapped_key = wrap_data_key(data_key)
                    room_key.rewrapped_at = timezone.now()
                    room_key.save(update_fields=["master_key_id", "wrapped_key", "rewrapped_at"])
            done += len(batch)
            show_progress(self.stderr, done, total, "room keys", hidden=no_progress)
        if not no_progress:
            self.stderr.write("")
        self.stdout.write(f"{done} room keys re-wrapped under master key {current!r}")
