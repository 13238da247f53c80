"""Routing a party to who can authorize a JIT in its state."""

import pytest

from messaging.jit import access, actions
from messaging.jit.models import Party, Route
from tests.jit.conftest import start


def test_verified_authorizing_contacts_are_routed(proposal, authorizer_ar, authorizer_ng):
    """Each party is offered to its verified `jit.authorize` contact point."""
    ar = proposal.parties.get(state="AR")
    assert ar.routing == Party.Routing.VERIFIED
    (route,) = ar.routes.all()
    assert (route.kind, route.member, route.reach) == ("authorizing", authorizer_ar, "member")
    assert access.role_of(authorizer_ng, proposal) == access.AUTHORIZER


def test_stale_only_falls_back_to_the_central_authority(
    case_room, member, authorizer_ar, make_contact, make_user
):
    """A state whose authorizing contact is stale is routed to its MLA central authority,
    flagged as such."""
    make_contact("Stale Authorizer", state="NG", days_ago=900)
    central = make_contact(
        "Central Desk",
        state="NG",
        competences=("mla.central_authority",),
        kind="mla_central_authority",
        authority="Ministry of Justice",
    )
    proposal = start(case_room, member)
    ng = proposal.parties.get(state="NG")
    assert ng.routing == Party.Routing.CENTRAL_AUTHORITY
    (route,) = ng.routes.all()
    assert (route.contact_point, route.kind) == (central, Route.Kind.CENTRAL_AUTHORITY)
    # No account behind the desk: it is reached by invitation.
    assert route.reach == "invitation"


def test_a_state_with_no_contact_point_is_said_so(case_room, member, authorizer_ar):
    proposal = start(case_room, member)
    ng = proposal.parties.get(state="NG")
    assert ng.routing == Party.Routing.MISSING
    assert not ng.routes.exists()


def test_routing_again_picks_up_a_new_entry(case_room, member, authorizer_ar, authorizer_ng):
    """Routing again after the directory changed adds the new routes only."""
    proposal = start(case_room, member)
    assert actions.route_again(proposal=proposal, actor=member, state="NG") == []
    assert proposal.parties.get(state="NG").routes.count() == 1


def test_a_contact_in_another_network_is_reached_through_an_introduction(
    case_room, member, authorizer_ar, make_user, make_membership, redtram, make_contact
):
    """A routed member serving no network of the proposer sees the proposal; the route is
    marked for an introduction, and the introduction is asked (directory/introductions)."""
    from directory.introductions.models import IntroductionRequest

    user = make_user("ng.redtram@example.org", state="NG")
    make_membership(user, redtram)
    make_contact("Other Net", state="NG", member=user, networks=[redtram])
    proposal = start(case_room, member)
    route = proposal.parties.get(state="NG").routes.get()
    assert route.reach == "introduction"
    assert access.role_of(user, proposal) == access.AUTHORIZER
    asked = IntroductionRequest.objects.get(requester=member, contact_point=route.contact_point)
    assert asked.competence == "jit.authorize"
    assert "joint investigation team" in asked.purpose


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"states": ["AR"]}, "invalid_field", "states"),
        ({"states": ["AR", "XX"]}, "invalid_field", "states"),
        ({"period_end": "2026-06-01"}, "period_end_before_start", "period_end"),
        ({"team_type": "loose"}, "invalid_field", "team_type"),
        ({"sections": {"gossip": "x"}}, "invalid_field", "sections"),
        ({"title": ""}, "missing_field", "title"),
    ],
)
def test_bad_input_writes_nothing(case_room, member, overrides, code, field):
    from messaging.jit.models import Proposal
    from messaging.models import RoomEvent

    events = RoomEvent.objects.count()
    with pytest.raises(actions.JitError) as refused:
        start(case_room, member, **overrides)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not Proposal.objects.exists()
    assert RoomEvent.objects.count() == events


def test_only_a_participant_starts_one(case_room, outsider, counterpart):
    with pytest.raises(actions.JitError) as refused:
        start(case_room, outsider)
    assert refused.value.code == "not_allowed"
    assert start(case_room, counterpart).created_by == counterpart
