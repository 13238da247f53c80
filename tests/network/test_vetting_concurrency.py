"""Concurrent decisions on one application: the membership row lock lets exactly one win."""

import threading

import pytest
from django.db import connection

from network.models import Endorsement, Membership, MembershipDecision
from network.vetting import actions
from network.vetting.actions import VettingError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_at_once_exactly_one_wins(make_user, make_membership, tipp):
    first, second = make_user(), make_user()
    make_membership(first, tipp, role="coordinator")
    make_membership(second, tipp, role="coordinator")
    membership = make_membership(make_user(), tipp, status="endorsed")
    for endorser in (first, second):
        Endorsement.objects.create(membership=membership, endorser=endorser, statement="Known.")

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(coordinator, decide_function):
        try:
            barrier.wait(timeout=10)
            decide_function(membership=membership, coordinator=coordinator, reason="Decided.")
            outcomes.append("won")
        except VettingError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, actions.approve_membership)),
        threading.Thread(target=decide, args=(second, actions.reject_membership)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["won", "wrong_status"]
    decisions = MembershipDecision.objects.filter(
        membership=membership, kind__in=["approved", "rejected"]
    )
    assert decisions.count() == 1
    membership.refresh_from_db()
    assert membership.status == {"approved": "active", "rejected": "rejected"}[decisions.get().kind]
    assert Membership.objects.filter(pk=membership.pk).count() == 1
