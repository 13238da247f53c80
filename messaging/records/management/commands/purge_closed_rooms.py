"""The scheduled purge of closed case rooms whose retention has run out (docs/records.md)."""

from django.core.management.base import BaseCommand

from messaging.records import closure


class Command(BaseCommand):
    help = "Crypto-shred closed case rooms past their retention; held rooms stay."

    def add_arguments(self, parser):
        parser.add_argument("--report", action="store_true", help="only list what would go")

    def handle(self, *args, report=False, **options):
        for line in closure.retention_report():
            holds = ", ".join(hold.reason for hold in line["holds"])
            self.stdout.write(
                f"{line['room'].pk} {line['state']:5} closed {line['closed_at']:%Y-%m-%d} "
                f"due {line['due_at']:%Y-%m-%d}" + (f" held: {holds}" if holds else "")
            )
        if report:
            return
        purged = closure.purge_due()
        self.stdout.write(f"{len(purged)} room(s) purged")
