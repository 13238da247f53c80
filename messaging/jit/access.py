"""Who sees a JIT proposal: the readers of its case room, and the member accounts of the
contact points it was routed to (while active members of some network). Nobody else;
unknown and forbidden proposals look the same.

Roles: `participant` (reads the room: drafts, comments, signs for any party, closes) and
`authorizer` (routed: reads the proposal, comments, answers and signs for its own party).
A party's signed scan is downloaded by the participants and by that party's routed contact."""

import uuid

from django.utils.translation import gettext as _

from messaging import access as room_access
from messaging.jit.models import Party, Proposal, Route, Signature
from network import membership
from network.errors import DomainError

PARTICIPANT = "participant"
AUTHORIZER = "authorizer"


class UnknownProposal(DomainError):
    def __init__(self):
        super().__init__("unknown_proposal", _("No such JIT proposal."))


class UnknownSignature(DomainError):
    def __init__(self):
        super().__init__("not_found", _("No such signature."))


def _parse(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def routed_parties(user, proposal: Proposal) -> list[Party]:
    """The parties of `proposal` whose routes name `user` (an active member)."""
    if not getattr(user, "is_authenticated", False) or not membership.is_active_anywhere(user):
        return []
    ids = Route.objects.filter(party__proposal=proposal, member=user).values("party_id")
    return list(Party.objects.filter(pk__in=ids))


def role_of(user, proposal: Proposal) -> str | None:
    if room_access.reads_whole_room(user, proposal.room):
        return PARTICIPANT
    if routed_parties(user, proposal):
        return AUTHORIZER
    return None


def get_proposal_for_viewer(user, proposal_id) -> tuple[Proposal, str]:
    parsed = _parse(proposal_id)
    proposal = Proposal.objects.select_related("room").filter(pk=parsed).first() if parsed else None
    role = role_of(user, proposal) if proposal is not None else None
    if role is None:
        raise UnknownProposal()
    return proposal, role


def visible_proposals(user):
    """Every proposal `user` sees: of the rooms they read, and routed to them."""
    if not getattr(user, "is_authenticated", False):
        return Proposal.objects.none()
    rooms = room_access.full_readers_rooms(user).values("pk")
    routed = Proposal.objects.none()
    if membership.is_active_anywhere(user):
        routed = Proposal.objects.filter(parties__routes__member=user)
    return (Proposal.objects.filter(room__in=rooms) | routed).distinct()


def get_signature_for_download(user, proposal_id, signature_id) -> Signature:
    """A signature whose scan `user` may download: any party's for the room's readers, their
    own party's for a routed contact. Everything else is unknown (404), as a signature that
    does not exist."""
    proposal, role = get_proposal_for_viewer(user, proposal_id)
    try:
        number = int(signature_id)
    except (TypeError, ValueError):
        raise UnknownSignature() from None
    signature = (
        Signature.objects.select_related("party__proposal__room", "version")
        .filter(pk=number, party__proposal=proposal)
        .first()
    )
    if signature is None:
        raise UnknownSignature()
    if role != PARTICIPANT and signature.party not in routed_parties(user, proposal):
        raise UnknownSignature()
    return signature
