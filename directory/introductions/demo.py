"""Demo: a REDTRAM prosecutor in Spain who is in no other network, and WACAP's focal point in
Nigeria linked to a directory entry that serves WACAP only; the first asks the second for
an introduction in one flow (docs/trust.md)."""

from directory import actions as directory_actions
from directory.models import Authority, ContactPoint
from network.accounts.models import User
from network.models import Network

REQUESTER = "elena.navarro@example.org"
FOCAL_POINT = "adaeze.okonkwo@example.net"
ENTRY_NAME = "WACAP focal point (Nigeria)"


def seed(*, stdout) -> None:
    from network import demo as network_demo
    from network.accounts import demo as accounts_demo

    redtram = Network.objects.filter(slug="redtram").first()
    wacap = Network.objects.filter(slug="wacap").first()
    focal = User.objects.filter(email=FOCAL_POINT).first()
    if redtram is None or wacap is None or focal is None:
        stdout.write("Introductions demo: the networks are not seeded")
        return
    requester = User.objects.filter(email=REQUESTER).first()
    if requester is None:
        requester = User.objects.create_user(
            REQUESTER,
            password=None,
            display_name="Elena Navarro Gil",
            institution="Fiscalía Provincial de Madrid",
            position="Fiscal de extranjería",
            state="ES",
            languages=["es", "en"],
            preferred_language="es",
            time_zone="Europe/Madrid",
        )
        requester.set_password(network_demo.demo_password())
        requester.save(update_fields=["password"])
        network_demo._join(redtram, requester, "member")
        accounts_demo.seed(stdout=stdout)
    if not ContactPoint.objects.filter(name=ENTRY_NAME).exists():
        authority = Authority.objects.filter(
            state="NG", name__startswith="NAPTIP"
        ).first() or directory_actions.create_authority(
            name="NAPTIP", kind=Authority.Kind.ANTI_TRAFFICKING_AGENCY, state="NG"
        )
        directory_actions.create_contact_point(
            authority=authority,
            kind=ContactPoint.Kind.PERSON,
            name=ENTRY_NAME,
            position="WACAP focal point",
            competences=["tip.specialized_prosecution", "mla.central_authority"],
            networks=[wacap],
            languages=[("en", "native")],
            email="focal.point.ng@example.net",
            member=focal,
            time_zone="Africa/Lagos",
        )
    stdout.write(f"Introductions demo: {REQUESTER} may ask for an introduction to {ENTRY_NAME}")
