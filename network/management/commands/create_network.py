from django.core.management.base import BaseCommand, CommandError

from network.vetting.actions import VettingError
from network.vetting.networks import create_network


def codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


class Command(BaseCommand):
    help = "Create a network (operators). Appoint its first coordinator with appoint_coordinator."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", default="")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--languages", type=codes, required=True, help="ISO 639-1 codes, e.g. es,pt"
        )
        parser.add_argument(
            "--states", type=codes, required=True, help="ISO 3166-1 alpha-2 codes, e.g. AR,BR"
        )
        parser.add_argument("--endorsements", type=int, default=2)
        parser.add_argument("--revetting-days", type=int, default=365)
        parser.add_argument("--coordinators-require-webauthn", action="store_true")

    def handle(self, *args, **options):
        try:
            network = create_network(
                slug=options["slug"],
                name=options["name"],
                region=options["region"],
                description=options["description"],
                working_languages=options["languages"],
                member_states=options["states"],
                required_endorsements=options["endorsements"],
                revetting_period_days=options["revetting_days"],
                coordinators_require_webauthn=options["coordinators_require_webauthn"],
            )
        except VettingError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"created network {network.slug} ({network.name})")
