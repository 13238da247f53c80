import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from messaging import actions
from messaging.management.progress import show_progress
from messaging.models import Room, RoomKey


class Command(BaseCommand):
    help = (
        "Start a new data-key epoch for every room whose current data key is older than "
        "--older-than days (30 by default), or for the rooms named with --room. Each room "
        "commits on its own: an interrupted run resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, metavar="DAYS")
        parser.add_argument("--room", action="append", default=[], metavar="ROOM_ID")
        parser.add_argument("--reason", default="")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, older_than, room, reason, no_progress, **options):
        if room:
            rooms = self._named(room)
            reason = reason or "rotation requested by an operator"
        else:
            if older_than < 0:
                raise CommandError("--older-than must be 0 or more days")
            rooms = self._due(older_than)
            reason = reason or f"scheduled rotation: data key older than {older_than} days"
        total, done = len(rooms), 0
        show_progress(self.stderr, done, total, "rooms", hidden=no_progress)
        for room_id in rooms:
            room_obj = Room.objects.filter(pk=room_id).first()
            if room_obj is not None:
                try:
                    actions.rotate_room_key(room=room_obj, reason=reason)
                except actions.MessagingError as exc:
                    raise CommandError(f"{exc.field or exc.code}: {exc.message}") from exc
            done += 1
            show_progress(self.stderr, done, total, "rooms", hidden=no_progress)
        if not no_progress:
            self.stderr.write("")
        self.stdout.write(f"{done} room keys rotated")

    def _named(self, values: list[str]) -> list[uuid.UUID]:
        ids = []
        for value in values:
            try:
                ids.append(uuid.UUID(value))
            except ValueError as exc:
                raise CommandError(f"{value!r} is not a room id") from exc
        missing = set(ids) - set(Room.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing:
            raise CommandError(f"no such room: {', '.join(sorted(map(str, missing)))}")
        return list(dict.fromkeys(ids))

    def _due(self, older_than: int) -> list[uuid.UUID]:
        """Rooms whose current epoch's key was created before the cut-off."""
        cutoff = timezone.now() - timedelta(days=older_than)
        fresh = RoomKey.objects.filter(
            room_id=OuterRef("pk"), epoch=OuterRef("key_epoch"), created_at__gte=cutoff
        )
        return list(Room.objects.filter(~Exists(fresh)).order_by("pk").values_list("pk", flat=True))
