from django.core.management.base import BaseCommand

from directory.introductions.actions import escalate_due


class Command(BaseCommand):
    help = (
        "Send introduction requests unanswered for 3 working days (24 hours when urgent) to "
        "the serving network's coordinators. Run on a schedule, e.g. every 15 minutes."
    )

    def handle(self, *args, **options):
        count = escalate_due()
        self.stdout.write(f"{count} introduction request(s) escalated.")
