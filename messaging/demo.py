"""Demo case rooms between the demo members, if there are any (idempotent)."""

import uuid

from messaging import actions, posting
from messaging.models import Room
from network.models import Membership, Network

DEMO_NAMESPACE = uuid.UUID("6f1c1c38-2f0e-4c55-9d0a-5b8f4f7f6a10")

ROOMS = [
    {
        "title": "Operation Lantern — recruitment through a fake agency",
        "threads": [
            {
                "title": "Recruitment agency and its accounts",
                "tags": [
                    {"kind": "case_number", "state": "ES", "value": "DP 114/2025"},
                    {"kind": "operation", "value": "Lantern"},
                ],
                "messages": [
                    "The agency advertised **domestic work** in Madrid; 14 victims identified.",
                    "We hold the transfer records for the agency's accounts. Can you confirm the "
                    "director's identity on your side?",
                    "Confirmed. Formal MLA request to follow; see `MLA-2025-0931`.",
                ],
            },
            {
                "title": "Victim support and interviews",
                "tags": [{"kind": "operation", "value": "Lantern"}],
                "messages": [
                    "Interviews are scheduled for next week with interpreters.",
                    "- two victims are minors\n- one asked to return home",
                ],
            },
        ],
    },
    {
        "title": "Joint investigation team: fishing vessels",
        "threads": [
            {
                "title": "Setting up the JIT",
                "tags": [{"kind": "case_number", "state": "PH", "value": "NPS-XV-2025-118"}],
                "messages": [
                    "Our central authority can authorize the JIT agreement this month.",
                    "Draft agreement shared with the national desk; comments by Friday please.",
                ],
            },
        ],
    },
]


def seed(*, stdout) -> None:
    for network in Network.objects.order_by("pk"):
        members = [
            membership.user
            for membership in Membership.objects.active()
            .filter(network=network)
            .select_related("user")
            .order_by("user__email")[:3]
        ]
        if len(members) >= 2:
            _seed_network(network, members, stdout)
            return
    stdout.write("messaging: no network with two active members; no demo rooms")


def _seed_network(network, members, stdout) -> None:
    owner, *others = members
    for spec in ROOMS:
        room = Room.objects.filter(kind="case", network=network, title=spec["title"]).first()
        if room is not None:
            continue
        room = actions.create_room(
            kind="case", creator=owner, title=spec["title"], network=network, participants=others
        )
        for thread_spec in spec["threads"]:
            thread = actions.create_thread(
                room=room, creator=owner, title=thread_spec["title"], tags=thread_spec["tags"]
            )
            for index, body in enumerate(thread_spec["messages"]):
                sender = members[index % len(members)]
                posting.post_message(
                    room=room,
                    sender=sender,
                    thread=thread,
                    client_id=uuid.uuid5(DEMO_NAMESPACE, f"{room.title}|{thread.title}|{index}"),
                    body=body,
                    handling_code="H1" if index == 1 else "H0",
                    evaluation="B2" if index == 0 else "",
                )
        stdout.write(f"messaging: case room {room.title!r} in {network.slug}")
