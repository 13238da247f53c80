from django.core.management.base import BaseCommand, CommandError

from network.accounts.invitations import InvitationError, create_invitation
from network.models import Network


class Command(BaseCommand):
    help = (
        "Invite someone by email to create an account and apply to a network (for example "
        "a new network's first coordinator, appointed afterwards with appoint_coordinator). "
        "The invitation is recorded with no actor and is valid for 7 days."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--network", required=True, help="slug of the network")
        parser.add_argument("--note", default="", help="a personal note for the email")

    def handle(self, *args, email, network, note, **options):
        target = Network.objects.filter(slug=network).first()
        if target is None:
            raise CommandError(f"No network with the slug {network!r}")
        try:
            issued = create_invitation(network=target, email=email, note=note, inviter=None)
        except InvitationError as exc:
            raise CommandError(exc.message) from exc
        invitation = issued.invitation
        self.stdout.write(
            f"Invited {invitation.email} to apply to {target.slug}; the invitation "
            f"(#{invitation.pk}) expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )
