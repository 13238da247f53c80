from django.core.management.base import BaseCommand

from messaging.translations.actions import flag_overdue


class Command(BaseCommand):
    help = "Flag live translation requests past their due date and notify once (run daily)."

    def handle(self, *args, **options):
        flagged = flag_overdue()
        self.stdout.write(f"{flagged} translation request(s) flagged overdue")
