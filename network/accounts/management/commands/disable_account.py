from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from network.accounts.actions import disable_account
from network.accounts.models import User


class Command(BaseCommand):
    help = (
        "Disable an account at once: its sessions end, its API tokens stop working, its "
        "memberships stop counting; the decision and its reason are recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", default="", help="why (required; goes on record)")

    def handle(self, *args, email, reason, **options):
        if not reason.strip():
            raise CommandError('A reason is required: --reason "..."')
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}")
        try:
            disable_account(user=user, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Disabled {user.email}: sessions ended, API tokens revoked.")
