"""Concurrent requests for the same introduction against PostgreSQL: one pending request
per requester and entry, held by the database."""

import threading

import pytest
from django.db import connection

from directory.introductions.models import IntroductionRequest
from network.audit.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 5
PURPOSE = "Need the channel of the focal point for a joint investigation request."


@pytest.fixture
def entry(make_user, make_membership, tipp, make_authority, make_contact_point):
    focal = make_user("focal@example.org", display_name="Femi Focal", state="NG")
    make_membership(focal, tipp)
    return make_contact_point(
        "Femi Focal",
        authority=make_authority("Nigerian Central Authority", state="NG", kind="ministry"),
        member=focal,
        competences=["jit.authorize"],
    )


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_requests_for_the_same_entry_leave_one_pending(
    client_for, entry, other_network_member, round_
):
    """Five identical requests sent at once by one member: one 201, four 409
    `already_pending`, one row and one audit entry."""
    clients = [client_for(other_network_member) for _ in range(RACERS)]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def ask(client):
        try:
            barrier.wait(timeout=10)
            response = client.post(
                "/api/v1/directory/introductions/",
                {"contact_point": entry.pk, "purpose": PURPOSE, "competence": "jit.authorize"},
                content_type="application/json",
            )
            with lock:
                answers.append(
                    (response.status_code, response.json().get("error", {}).get("code", ""))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers) == [(201, "")] + [(409, "already_pending")] * (RACERS - 1)
    assert IntroductionRequest.objects.filter(status="pending").count() == 1
    assert AuditEvent.objects.filter(action="introduction.requested").count() == 1


def test_the_database_refuses_a_second_pending_request(entry, other_network_member, client_for):
    """The constraint itself: a second pending row for the same requester and entry cannot
    be written, whatever writes it; a decided one can."""
    from django.db import IntegrityError, transaction

    assert (
        client_for(other_network_member)
        .post(
            "/api/v1/directory/introductions/",
            {"contact_point": entry.pk, "purpose": PURPOSE, "competence": "jit.authorize"},
            content_type="application/json",
        )
        .status_code
        == 201
    )
    first = IntroductionRequest.objects.get()
    copy = {
        field.attname: getattr(first, field.attname)
        for field in IntroductionRequest._meta.concrete_fields
        if field.attname != "id"
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        IntroductionRequest.objects.create(**copy)
    IntroductionRequest.objects.create(**{**copy, "status": "declined"})
    assert IntroductionRequest.objects.count() == 2
