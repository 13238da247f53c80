"""Whether a translation request can be served: who could take it (a declared pair, certified
for court; an active membership shared with the requester, in the room's network when the
room has one), and the coordinators to tell when nobody can.

The requester sees the answer before submitting (the request form and
`GET /api/v1/translations/availability/`); a request nobody can take notifies the network's
coordinators when it is made.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from network.accounts.models import User
from network.iso import language_names
from network.languages.models import LanguagePair
from network.membership import active_network_ids
from network.models import Membership

FOR_COURT = "for_court"


class State:
    AVAILABLE = "available"
    NO_TRANSLATOR = "no_translator"
    NO_CERTIFIED_TRANSLATOR = "no_certified_translator"


def _networks(requester, room) -> set[int]:
    """The networks in which a translator must be active beside the requester."""
    networks = set(active_network_ids(requester))
    if room.network_id is not None:
        networks &= {room.network_id}
    return networks


def translators_for(
    *, requester, room, source: str, target: str, certified: bool = False
) -> QuerySet[User]:
    """Active members, not the requester, who could take a request of `requester` in `room`
    for source→target (certified ones only if `certified`)."""
    active = Membership.objects.active().filter(network_id__in=_networks(requester, room))
    return (
        User.objects.filter(
            is_active=True,
            language_pairs__in=LanguagePair.objects.matching(source, target, certified=certified),
            pk__in=active.values("user_id"),
        )
        .exclude(pk=requester.pk)
        .distinct()
        .order_by("display_name", "pk")
    )


@dataclass(frozen=True)
class Availability:
    source_language: str
    target_language: str
    purpose: str
    eligible: int
    certified: int

    @property
    def needs_certified(self) -> bool:
        return self.purpose == FOR_COURT

    @property
    def state(self) -> str:
        if self.needs_certified and not self.certified:
            return State.NO_CERTIFIED_TRANSLATOR if self.eligible else State.NO_TRANSLATOR
        return State.AVAILABLE if self.eligible else State.NO_TRANSLATOR

    @property
    def serviceable(self) -> bool:
        return self.state == State.AVAILABLE

    def explanation(self) -> str:
        names = language_names()
        pair = {
            "source": names.get(self.source_language, self.source_language),
            "target": names.get(self.target_language, self.target_language),
        }
        if self.state == State.NO_CERTIFIED_TRANSLATOR:
            return (
                _(
                    "No certified translator for %(source)s → %(target)s shares a network "
                    "with you, and a request for court needs one. If you submit it, the "
                    "network's coordinators are told; it stays open until someone can take it."
                )
                % pair
            )
        if self.state == State.NO_TRANSLATOR:
            return (
                _(
                    "No member who shares a network with you translates %(source)s → "
                    "%(target)s. If you submit it, the network's coordinators are told; it "
                    "stays open until someone can take it."
                )
                % pair
            )
        return _("Members who translate %(source)s → %(target)s will see it in their queue.") % pair

    def as_dict(self) -> dict:
        return {
            "source_language": self.source_language,
            "target_language": self.target_language,
            "purpose": self.purpose,
            "eligible_translators": self.eligible,
            "certified_translators": self.certified,
            "state": self.state,
            "serviceable": self.serviceable,
            "explanation": self.explanation(),
        }


def availability(*, requester, room, source: str, target: str, purpose: str) -> Availability:
    pair = {"requester": requester, "room": room, "source": source, "target": target}
    return Availability(
        source_language=source,
        target_language=target,
        purpose=purpose,
        eligible=translators_for(**pair).count(),
        certified=translators_for(**pair, certified=True).count(),
    )


def of_request(request) -> Availability:
    return availability(
        requester=request.requester,
        room=request.room,
        source=request.source_language,
        target=request.target_language,
        purpose=request.purpose,
    )


def coordinators_to_tell(request) -> list:
    """The active coordinators of the room's network, or, for a room without one, of the
    requester's networks."""
    networks = _networks(request.requester, request.room)
    coordinators = Membership.objects.active().filter(
        network_id__in=networks, role=Membership.Role.COORDINATOR
    )
    return list(
        User.objects.filter(is_active=True, pk__in=coordinators.values("user_id"))
        .exclude(pk=request.requester_id)
        .order_by("pk")
    )
