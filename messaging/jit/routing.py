"""Routing a party's proposal to who can authorize a JIT in its state, from the directory.

1. The verified (not stale) contact points of the state with competence `jit.authorize`.
2. Where none is verified: the state's central authority for MLA (competence
   `mla.central_authority`, or a contact point of an authority of that kind), flagged as such.
3. Where there is neither: no route; the party says so, and the proposer is offered the
   state's MLA central authority through the formal channel or an invitation.

A routed contact point linked to a member account sees the proposal (messaging/jit/access.py)
without joining the room. One not linked to an account is reached by invitation; one serving
no network of the proposer, through a cross-network introduction
(`reach_through_introduction`).
"""

from django.db import transaction
from django.db.models import Q

from directory.models import Authority, ContactPoint
from messaging.jit.models import Party, Route
from network import membership

JIT_AUTHORIZE = "jit.authorize"
MLA_CENTRAL_AUTHORITY = "mla.central_authority"


def authorizing_contacts(state: str):
    return ContactPoint.objects.filter(state=state, competences__competence=JIT_AUTHORIZE)


def central_authority_contacts(state: str):
    return ContactPoint.objects.filter(
        Q(competences__competence=MLA_CENTRAL_AUTHORITY)
        | Q(authority__kind=Authority.Kind.MLA_CENTRAL_AUTHORITY),
        state=state,
    ).distinct()


def candidates(state: str) -> tuple[str, list[ContactPoint]]:
    """How a party in `state` is routed, and to whom."""
    verified = list(authorizing_contacts(state).exclude(pk__in=_stale_ids(state)))
    if verified:
        return Party.Routing.VERIFIED, verified
    central = list(central_authority_contacts(state))
    if central:
        return Party.Routing.CENTRAL_AUTHORITY, central
    return Party.Routing.MISSING, []


def _stale_ids(state: str):
    return ContactPoint.objects.filter(state=state).stale().values("pk")


def route_party(party: Party, contacts: list[ContactPoint], *, proposer) -> list[Route]:
    kind = Route.Kind.AUTHORIZING
    if party.routing == Party.Routing.CENTRAL_AUTHORITY:
        kind = Route.Kind.CENTRAL_AUTHORITY
    routes = []
    for contact_point in contacts:
        route = Route.objects.create(
            party=party,
            contact_point=contact_point,
            kind=kind,
            member=contact_point.member,
            reach=_reach(contact_point, proposer),
        )
        if route.reach == "introduction":
            reach_through_introduction(route=route, proposer=proposer)
        routes.append(route)
    return routes


def _reach(contact_point: ContactPoint, proposer) -> str:
    if contact_point.member_id is None:
        return "invitation"
    shared = contact_point.networks.filter(pk__in=membership.active_network_ids(proposer))
    return "member" if shared.exists() else "introduction"


# No case detail: the introduction's purpose is read by whoever brokers it.
INTRODUCTION_PURPOSE = (
    "A proposal for a joint investigation team was routed to you as your state's authorizing "
    "contact; this introduction lets us talk about it."
)


def reach_through_introduction(*, route: Route, proposer) -> None:
    """Ask for a cross-network introduction (directory/introductions) between `proposer` and
    the member behind `route` (a contact point serving no network of the proposer), so that
    the two can also talk in the app. The route already gives that member access to the
    proposal, so a refusal of the introduction (the entry is visible already, the daily rate
    is reached) changes nothing here and writes nothing."""
    from directory.introductions import actions as introductions
    from directory.introductions.models import IntroductionRequest
    from network.errors import DomainError

    try:
        with transaction.atomic():
            introductions.request_introduction(
                requester=proposer,
                contact_point=route.contact_point,
                purpose=INTRODUCTION_PURPOSE,
                competence="jit.authorize",
                urgency=IntroductionRequest.Urgency.ROUTINE,
            )
    except DomainError:
        return
