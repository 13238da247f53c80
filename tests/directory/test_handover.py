"""The directory's part of a handover: links and pending introductions move to the
successor, recorded, the outgoing member told; a successor outside the network is refused
and nothing moves."""

import pytest

from directory.handover import hand_over
from directory.introductions.actions import request_introduction
from directory.introductions.models import IntroductionRequest
from directory.models import ContactPointChange
from network.audit.models import AuditEvent
from network.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(make_contact_point, counterpart):
    return make_contact_point("Chidi Counterpart", member=counterpart)


def test_links_and_pending_introductions_move_to_the_successor(
    linked,
    counterpart,
    member,
    coordinator,
    other_network_member,
    tipp,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    pending = request_introduction(
        requester=other_network_member,
        contact_point=linked,
        purpose="A request for assistance.",
        competence="jit.authorize",
    )
    with django_capture_on_commit_callbacks(execute=True):
        moved = hand_over(network=tipp, outgoing=counterpart, successor=member, actor=coordinator)
    assert moved == {"entries": 1, "introductions": 1}
    linked.refresh_from_db()
    assert linked.member == member
    assert IntroductionRequest.objects.get(pk=pending.pk).broker == member
    change = ContactPointChange.objects.filter(contact_point=linked, reason="handover").get()
    assert change.changes == {"member": [counterpart.pk, member.pk]}
    assert AuditEvent.objects.filter(action="directory.handed_over").exists()
    assert [m.to for m in mailoutbox][-1] == [counterpart.email]


@pytest.mark.parametrize("who", ["other_network_member", "suspended_member", "outsider"])
def test_a_successor_outside_the_network_is_refused(
    linked, counterpart, coordinator, tipp, request, who
):
    with pytest.raises(DomainError) as refused:
        hand_over(
            network=tipp,
            outgoing=counterpart,
            successor=request.getfixturevalue(who),
            actor=coordinator,
        )
    assert (refused.value.code, refused.value.field) == ("not_active_member", "successor")
    linked.refresh_from_db()
    assert linked.member == counterpart


def test_only_a_coordinator_hands_over(linked, counterpart, member, tipp):
    with pytest.raises(DomainError) as refused:
        hand_over(network=tipp, outgoing=counterpart, successor=member, actor=member)
    assert refused.value.code == "not_coordinator"
