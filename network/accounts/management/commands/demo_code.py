from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from network.accounts import demo


class Command(BaseCommand):
    help = "Demo mode only: print the current authenticator-app code of a demo account."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEMO:
            raise CommandError("demo_code runs only in demo mode (COUNTERPART_DEMO=1)")
        try:
            code = demo.current_code(email)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(code)
