"""Demo case rooms (idempotent): one or more per network, each with named participants, so
every account the README advertises (lucia.fernandez@example.org, kwame.asante@example.net)
is in a lively room: threads with case tags, messages in the network's languages, an
attachment, and in the WACAP room a victim-sensitive thread that one participant does not
read, and a participant in the `support` capacity (an NGO's caseworker) who reads that thread
only; messaging/translations/demo.py then adds translations to them."""

import uuid

from messaging import actions, posting
from messaging.models import Room
from network.models import Membership, Network

DEMO_NAMESPACE = uuid.UUID("6f1c1c38-2f0e-4c55-9d0a-5b8f4f7f6a10")

# network slug -> rooms; a room's first participant opens it; messages are (sender index, body,
# handling code, evaluation) and an optional attachment (file name, text) on the first.
ROOMS = {
    "redtram": [
        {
            "title": "Operation Lantern — recruitment through a fake agency",
            "participants": [
                "lucia.fernandez@example.org",
                "mariana.quiroga@example.org",
                "ines.carvalho@example.org",
            ],
            "threads": [
                {
                    "title": "Recruitment agency and its accounts",
                    "tags": [
                        {"kind": "case_number", "state": "ES", "value": "DP 114/2025"},
                        {"kind": "operation", "value": "Lantern"},
                    ],
                    "attachment": (
                        "transferencias-agencia.txt",
                        "Transferencias de la agencia, enero a junio: 37 operaciones.\n",
                    ),
                    "messages": [
                        (0, "La agencia anunciaba **trabajo doméstico** en Madrid; hemos "
                            "identificado a 14 víctimas. Adjunto el resumen de las "
                            "transferencias.", "H0", "B2"),
                        (1, "Tenemos los registros de las transferencias de las cuentas de la "
                            "agencia. ¿Podéis confirmar la identidad del director?", "H1", ""),
                        (2, "Confirmado pelo nosso lado: o diretor tem residência em Lisboa. O "
                            "pedido formal de auxílio judiciário segue; ver `MLA-2025-0931`.",
                            "H0", ""),
                    ],
                },
                {
                    "title": "Victim support and interviews",
                    "tags": [{"kind": "operation", "value": "Lantern"}],
                    "messages": [
                        (1, "Las entrevistas están previstas para la semana próxima, con "
                            "intérpretes.", "H0", ""),
                        (0, "- dos víctimas son menores\n- una pidió volver a su país", "H2",
                            ""),
                    ],
                },
            ],
        },
    ],
    "wacap": [
        {
            "title": "Gulf of Guinea fishing vessels — forced labour at sea",
            "participants": [
                "adaeze.okonkwo@example.net",
                "kwame.asante@example.net",
                "yao.kouassi@example.net",
            ],
            # Participants in the support capacity (WACAP's room policy allows it), and the
            # threads they are named readers of.
            "support": ["isatou.jallow@example.net"],
            "threads": [
                {
                    "title": "Crew lists and the vessels' owners",
                    "tags": [
                        {"kind": "case_number", "state": "GH", "value": "ACC/CR/2025/0442"},
                        {"kind": "operation", "value": "Driftnet"},
                    ],
                    "attachment": (
                        "crew-list-extract.txt",
                        "Vessel: MV Sea Harvest. Crew members recruited in Takoradi: 23.\n",
                    ),
                    "messages": [
                        (1, "The crew list of the MV Sea Harvest is attached; 23 men were "
                            "recruited in Takoradi with false contracts.", "H0", "B2"),
                        (2, "Nous avons identifié le propriétaire du navire à Abidjan. Une "
                            "demande d'entraide judiciaire formelle suivra cette semaine.",
                            "H1", ""),
                        (0, "Our central authority can receive the request; send it to the "
                            "central authority unit with a certified translation.", "H0", ""),
                    ],
                },
                {
                    # Victim-sensitive: restricted to its named readers (by index).
                    "title": "Survivors' shelter and statements",
                    "tags": [{"kind": "operation", "value": "Driftnet"}],
                    "victim_sensitive": True,
                    "readers": [1],
                    "support_readers": ["isatou.jallow@example.net"],
                    "messages": [
                        (1, "Four of the fishermen are in a shelter in Takoradi; two are "
                            "ready to give statements next week.", "H2", ""),
                        (0, "Thank you. Their names stay in this thread; the joint team "
                            "sees only the case numbers.", "H2", ""),
                    ],
                },
                {
                    "title": "Joint investigation team",
                    "tags": [{"kind": "operation", "value": "Driftnet"}],
                    "messages": [
                        (0, "Shall we propose a joint investigation team to Ghana and Côte "
                            "d'Ivoire? Draft terms by Friday.", "H0", ""),
                        (2, "D'accord pour une équipe commune d'enquête ; le parquet "
                            "d'Abidjan peut l'autoriser.", "H0", ""),
                    ],
                },
            ],
        },
    ],
    "tipp": [
        {
            "title": "Cross-regional recruitment routes",
            "participants": [
                "margaret.osullivan@example.org",
                "lucia.fernandez@example.org",
                "layla.haddad@example.org",
                "adaeze.okonkwo@example.net",
            ],
            "threads": [
                {
                    "title": "Routes through Amman and Madrid",
                    "tags": [{"kind": "operation", "value": "Crossroads"}],
                    "messages": [
                        (2, "حددنا مكتب توظيف في عمّان يرسل عاملات إلى مدريد بعقود مزيفة.",
                            "H0", "B3"),
                        (1, "Podemos cruzar los nombres con nuestro caso DP 114/2025.", "H0",
                            ""),
                        (0, "Good: please share what you can under H2 until the formal "
                            "requests are in.", "H0", ""),
                    ],
                },
            ],
        },
    ],
}  # fmt: skip


def seed(*, stdout) -> None:
    networks = {network.slug: network for network in Network.objects.all()}
    for slug, rooms in ROOMS.items():
        network = networks.get(slug)
        if network is None:
            continue
        for spec in rooms:
            members = _active_members(network, spec["participants"])
            if len(members) < 2:
                stdout.write(f"messaging: too few active demo members for {spec['title']!r}")
                continue
            if Room.objects.filter(kind="case", network=network, title=spec["title"]).exists():
                continue
            _seed_room(network, spec, members)
            stdout.write(f"messaging: case room {spec['title']!r} in {network.slug}")


def _active_members(network: Network, emails: list[str]) -> list:
    active = {
        membership.user.email: membership.user
        for membership in Membership.objects.active()
        .filter(network=network, user__email__in=emails)
        .select_related("user")
    }
    return [active[email] for email in emails if email in active]


def _seed_room(network: Network, spec: dict, members: list) -> None:
    owner, *others = members
    room = actions.create_room(
        kind="case", creator=owner, title=spec["title"], network=network, participants=others
    )
    support = {user.email: user for user in _active_members(network, spec.get("support", []))}
    if support and "support" not in network.allowed_capacities:
        network.allowed_capacities = [*network.allowed_capacities, "support"]
        network.save(update_fields=["allowed_capacities"])
    for user in support.values():
        actions.add_participant(room=room, user=user, added_by=owner, capacity="support")
    for thread_spec in spec["threads"]:
        thread = actions.create_thread(
            room=room,
            creator=owner,
            title=thread_spec["title"],
            tags=thread_spec["tags"],
            victim_sensitive=thread_spec.get("victim_sensitive", False),
            readers=[members[i].pk for i in thread_spec.get("readers", ()) if i < len(members)]
            + [support[e].pk for e in thread_spec.get("support_readers", ()) if e in support],
        )
        for index, (sender_index, body, handling_code, evaluation) in enumerate(
            thread_spec["messages"]
        ):
            sender = members[sender_index % len(members)]
            result = posting.post_message(
                room=room,
                sender=sender,
                thread=thread,
                client_id=uuid.uuid5(DEMO_NAMESPACE, f"{room.title}|{thread.title}|{index}"),
                body=body,
                handling_code=handling_code,
                handling_note="",
                evaluation=evaluation,
            )
            if index == 0 and "attachment" in thread_spec:
                filename, text = thread_spec["attachment"]
                actions.add_attachment(
                    message=result.message,
                    uploader=sender,
                    filename=filename,
                    content=text.encode(),
                )
