"""Concurrent claims against PostgreSQL: exactly one translator wins."""

import threading

import pytest
from django.db import connection

from messaging.translations.models import TranslationEvent, TranslationRequest
from network.languages.actions import declare_pair

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 6


@pytest.fixture
def racers(make_user, make_membership, tipp):
    users = []
    for index in range(RACERS):
        user = make_user(f"racer{index}@example.org")
        make_membership(user, tipp)
        declare_pair(user=user, source="es", target="en")
        users.append(user)
    return users


@pytest.mark.parametrize("round_", range(3))
def test_exactly_one_of_concurrent_claims_wins(client_for, open_request, racers, round_):
    """Six translators claim the same request at once over HTTP: one 200, five 409."""
    clients = [client_for(user) for user in racers]
    barrier = threading.Barrier(len(clients))
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def claim(client):
        try:
            barrier.wait(timeout=10)
            response = client.post(
                f"/api/v1/translations/{open_request.pk}/claim/", content_type="application/json"
            )
            with lock:
                statuses.append(
                    (response.status_code, response.json().get("error", {}).get("code", ""))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [(200, "")] + [(409, "already_claimed")] * (RACERS - 1)
    request = TranslationRequest.objects.get(pk=open_request.pk)
    assert request.status == "claimed" and request.translator in racers
    claims = TranslationEvent.objects.filter(request=request, action="claimed")
    assert list(claims.values_list("translator", flat=True)) == [request.translator_id]
