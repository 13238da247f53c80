import base64

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from messaging import roomlog
from messaging.models import Room


class Command(BaseCommand):
    help = (
        "Recompute a room's Merkle log from the stored events and records; name the first "
        "event that does not hold. Exit code 1 when the log is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("room", help="the room id (UUID)")
        parser.add_argument(
            "--checkpoint",
            help="a signed checkpoint saved earlier (file): the log must still extend it",
        )

    def handle(self, *args, room, checkpoint=None, **options):
        try:
            found = Room.objects.get(pk=room)
        except (Room.DoesNotExist, ValueError, ValidationError) as exc:
            raise CommandError(f"no room {room!r}") from exc
        report = roomlog.verify(found)
        if not report.intact:
            self.stderr.write(
                f"room {found.pk}: leaf {report.bad_seq - 1} (seq {report.bad_seq}) is bad: "
                f"{report.problem}; {report.checked} events before it hold"
            )
            raise SystemExit(1)
        if checkpoint:
            try:
                with open(checkpoint, encoding="utf-8") as handle:
                    text = handle.read()
            except OSError as exc:
                raise CommandError(f"cannot read the checkpoint: {exc}") from exc
            problem = roomlog.check_against(found, text)
            if problem:
                self.stderr.write(f"room {found.pk}: {problem}")
                raise SystemExit(1)
        root = base64.b64encode(report.root).decode()
        self.stdout.write(f"room {found.pk}: {report.checked} events hold; root {root}")
