"""Remind everyone on a JIT in force whose period ends soon (run daily)."""

from django.core.management.base import BaseCommand

from messaging.jit.actions import send_expiry_reminders


class Command(BaseCommand):
    help = "Notify the participants and routed contacts of JITs in force that end soon."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="ending within this many days")

    def handle(self, *args, days: int, **options):
        count = send_expiry_reminders(days=days)
        self.stdout.write(f"{count} JIT(s) reminded of their end")
