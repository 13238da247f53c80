"""Demo mode only: an NGO caseworker, a member of no network, is a guest of the WACAP case room
on the fishing vessels, reading its survivors' thread only: proposed by the room's owner and
approved by another WACAP coordinator, as the workflow asks."""

from datetime import timedelta

from django.utils import timezone

from messaging.guests import actions
from messaging.guests.models import RoomGuest
from messaging.models import Room, Thread
from network.accounts import twofactor
from network.accounts.models import User
from network.demo import demo_password
from network.models import Membership

GUEST = {
    "email": "efua.mensah@example.org",
    "display_name": "Efua Mensah",
    "institution": "Coastal Survivors' Support (NGO), Takoradi",
    "position": "Caseworker",
    "state": "GH",
    "languages": ["en"],
    "time_zone": "Africa/Accra",
}
ROOM = "Gulf of Guinea fishing vessels — forced labour at sea"
THREAD = "Survivors' shelter and statements"


def seed(*, stdout) -> None:
    room = Room.objects.filter(kind="case", network__slug="wacap", title=ROOM).first()
    if room is None or RoomGuest.objects.filter(room=room).exists():
        return
    network = room.network
    network.guests_allowed = True
    if "support" not in network.allowed_capacities:
        network.allowed_capacities = [*network.allowed_capacities, "support"]
    network.save(update_fields=["guests_allowed", "allowed_capacities"])
    owner = room.created_by
    decider = (
        Membership.objects.active()
        .filter(network=network, role=Membership.Role.COORDINATOR)
        .exclude(user=owner)
        .order_by("pk")
        .first()
    )
    if decider is None:
        return
    user = User.objects.filter(email=GUEST["email"]).first()
    if user is None:
        fields = {key: value for key, value in GUEST.items() if key != "email"}
        user = User.objects.create_user(GUEST["email"], password=demo_password(), **fields)
        device = twofactor.start_enrolment(user)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    proposal = actions.propose(
        room=room,
        sponsor=owner,
        email=user.email,
        name=user.display_name,
        organisation=GUEST["institution"],
        purpose="Shelter, medical care and statements of the survivors landed in Takoradi.",
        ends_on=timezone.localdate() + timedelta(days=90),
        threads=list(Thread.objects.filter(room=room, title=THREAD)),
    )
    actions.decide(
        guest=proposal, coordinator=decider.user, approve=True, reason="The survivors need it."
    )
    stdout.write(
        f"messaging: room guest {user.email} (an NGO caseworker, no network) in {room.title!r}"
    )
