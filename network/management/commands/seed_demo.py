import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each module has `seed(*, stdout)`, idempotent; they run in this order.
DEMO_SEEDERS = (
    "network.demo",
    "network.accounts.demo",
    "directory.demo",
    "directory.introductions.demo",
    "messaging.demo",
    "messaging.translations.demo",
    "messaging.jit.demo",
    "messaging.guests.demo",
)


class Command(BaseCommand):
    help = "Load the fictional demo data once (demo mode only); running it again changes nothing."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("seed_demo runs only in demo mode (COUNTERPART_DEMO=1)")
        for name in DEMO_SEEDERS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            with transaction.atomic():
                module.seed(stdout=self.stdout)
