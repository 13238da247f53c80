from django.core.management.base import BaseCommand, CommandError

from network.accounts.models import User
from network.models import Network
from network.vetting.actions import VettingError, appoint_coordinator


class Command(BaseCommand):
    help = (
        "Make an account an active coordinator of a network (operators; e.g. the first "
        "coordinator of a new network). Recorded with no actor and your reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("network", help="the network's slug")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--institution", default="")
        parser.add_argument("--position", default="")

    def handle(self, *args, email, network, reason, institution, position, **options):
        user = User.objects.filter(email=email.lower()).first()
        if user is None:
            raise CommandError(f"no account with the email {email}")
        target = Network.objects.filter(slug=network).first()
        if target is None:
            raise CommandError(f"no network with the slug {network}")
        try:
            appoint_coordinator(
                network=target,
                user=user,
                reason=reason,
                institution=institution,
                position=position,
            )
        except VettingError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{user.email} is now a coordinator of {target.slug}")
