"""What the pages and the API show of a proposal: the status board per party, and the
document in a party's language."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone, translation

from messaging.jit import actions
from messaging.jit.models import Consent, Party, Proposal, ProposalVersion, Route, Signature
from messaging.jit.sections import LEGAL_BASES, SECTIONS, TEAM_TYPES
from network.iso import state_name


@dataclass
class RouteRow:
    route: Route
    overdue: bool


@dataclass
class PartyRow:
    party: Party
    routes: list[RouteRow]
    consent: Consent | None
    note: str
    reopened: Consent | None
    signature: Signature | None
    overdue: bool = False
    state_name: str = ""


@dataclass
class Board:
    proposal: Proposal
    latest: ProposalVersion
    parties: list[PartyRow] = field(default_factory=list)


def status_board(proposal: Proposal, *, now=None) -> Board:
    """Per party: routed to whom, seen, its answer to the latest version (and why an earlier
    one was reopened), its signature of the agreed version; unanswered routes older than
    RESPONSE_DAYS are overdue."""
    now = now or timezone.now()
    latest = proposal.latest_version()
    board = Board(proposal, latest)
    late = now - timedelta(days=actions.RESPONSE_DAYS)
    for party in proposal.parties.prefetch_related("routes__contact_point__authority"):
        consents = list(party.consents.select_related("version").order_by("-decided_at"))
        current = next((c for c in consents if c.version_id == latest.pk), None)
        reopened = next((c for c in consents if c.reopened_at), None)
        signed_version = proposal.agreed_version_id or proposal.in_force_version_id
        signature = party.signatures.filter(version_id=signed_version).first()
        routes = [
            RouteRow(route, current is None and route.routed_at < late)
            for route in party.routes.all()
        ]
        board.parties.append(
            PartyRow(
                party=party,
                routes=routes,
                consent=current,
                note=actions.open_consent_note(current) if current else "",
                reopened=reopened if current is None else None,
                signature=signature,
                overdue=any(r.overdue for r in routes),
                state_name=state_name(party.state),
            )
        )
    return board


def document_context(proposal: Proposal, version: ProposalVersion) -> dict:
    content = actions.open_version(version)
    bases = dict(LEGAL_BASES)
    return {
        "proposal": proposal,
        "version": version,
        "sections": [
            (key, title, content.sections.get(key, ""))
            for key, title in SECTIONS
            if key not in ("legal_basis", "team_type")
        ],
        "team_type": dict(TEAM_TYPES).get(version.team_type, version.team_type),
        "legal_basis": [
            (state_name(state), bases.get(code, code))
            for state, code in content.legal_basis.items()
        ],
        "parties": [state_name(p.state) for p in proposal.parties.all()],
    }


def render_document(proposal: Proposal, version: ProposalVersion, language: str) -> str:
    """The draft as an HTML document: fixed texts in `language`, filled-in texts as written."""
    with translation.override(language):
        context = document_context(proposal, version)
        context["language"] = language
        return render_to_string("jit/document.html", context)
