"""Demo JIT proposals (idempotent), built through the actions so that the rooms' logs,
audit entries and notices are real: one between two WACAP states (Nigeria and Ghana),
agreed as far as the routed contact points of the demo directory can answer; one between a
REDTRAM state (Argentina) and Spain, a draft under discussion. Without the demo rooms it
does nothing."""

from datetime import date

from django.core.exceptions import PermissionDenied

from directory import actions as directory_actions
from messaging.jit import actions, routing
from messaging.jit.models import Proposal, Route
from messaging.models import Room
from network.accounts.models import User

PROPOSALS = [
    {
        "room": "Gulf of Guinea fishing vessels — forced labour at sea",
        "proposer": "adaeze.okonkwo@example.net",
        "title": "JIT Gulf of Guinea — forced labour on fishing vessels",
        "states": ["NG", "GH"],
        "period": (date(2027, 1, 15), date(2028, 1, 14)),
        "team_type": "integrated_active",
        "sections": {
            "purpose": "Identify and prosecute the owners and recruiters of the vessels that "
            "hold crews in forced labour between Lagos and Takoradi.",
            "prosecution_strategy": "The owners are prosecuted in Nigeria; the recruiters in "
            "Ghana.",
            "places": "Lagos, Takoradi and the vessels at sea.",
            "victims": "Crew members are referred to shelters in each state; none is punished "
            "for offences committed as a result of being trafficked.",
            "languages": "English; interpretation into Twi and Yoruba for interviews.",
        },
        "revision": {"places": "Lagos, Takoradi, Tema and the vessels at sea."},
        "consent": True,
    },
    {
        "room": "Operation Lantern — recruitment through a fake agency",
        "proposer": "lucia.fernandez@example.org",
        "title": "ECI Lantern — agencia de reclutamiento",
        "states": ["ES", "AR"],
        "period": (date(2027, 3, 1), date(2027, 12, 31)),
        "team_type": "parallel_active",
        "sections": {
            "purpose": "Desarticular la agencia que captaba víctimas en Argentina para trabajo "
            "doméstico en Madrid.",
            "financial": "Rastreo de las 37 transferencias de la agencia y embargo de sus cuentas.",
            "languages": "Español.",
        },
        "revision": None,
        "consent": False,
    },
]


def seed(*, stdout) -> None:
    for spec in PROPOSALS:
        if Proposal.objects.filter(title=spec["title"]).exists():
            continue
        room = Room.objects.filter(kind="case", title=spec["room"]).first()
        proposer = User.objects.filter(email=spec["proposer"]).first()
        if room is None or proposer is None:
            continue
        if spec["consent"]:
            _reconfirm(spec["states"], proposer)
        proposal = actions.start_proposal(
            room=room,
            proposer=proposer,
            title=spec["title"],
            states=spec["states"],
            period_start=spec["period"][0],
            period_end=spec["period"][1],
            team_type=spec["team_type"],
            sections=spec["sections"],
        )
        if spec["revision"]:
            actions.revise_proposal(
                proposal=proposal, author=proposer, note="Tema added", sections=spec["revision"]
            )
        actions.comment(
            proposal=proposal,
            author=proposer,
            section="purpose",
            body="Please check the offences against your code.",
        )
        if spec["consent"]:
            _consent(proposal)
        stdout.write(f"jit: proposal {spec['title']!r}")


def _consent(proposal: Proposal) -> None:
    """Each party's first routed member answers the latest version."""
    version = proposal.latest_version().number
    for party in proposal.parties.all():
        route = Route.objects.filter(party=party, member__isnull=False).first()
        if route is None:
            continue
        decision = "consent" if party.state == "NG" else "conditions"
        actions.record_consent(
            proposal=proposal,
            user=route.member,
            state=party.state,
            version_number=version,
            decision=decision,
            note=""
            if decision == "consent"
            else "Ghana's team leader is named by the Attorney-General before the signature.",
        )


def _reconfirm(states, coordinator) -> None:
    """The network's coordinator re-confirms the authorizing entries linked to members, as a
    directory correspondent would before a JIT is proposed."""
    for state in states:
        for entry in routing.authorizing_contacts(state).filter(member__isnull=False):
            try:
                directory_actions.confirm_contact_point(contact_point=entry, actor=coordinator)
            except PermissionDenied:
                continue
