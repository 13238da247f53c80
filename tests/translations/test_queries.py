"""The board, the queue and the translations beside messages cost the same number of queries
whatever the number of requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.translations import actions
from messaging.translations.display import translations_for_messages

pytestmark = pytest.mark.django_db


def queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_the_board_does_not_grow_with_requests(client_for, translator, member, make_request):
    worker, requester = client_for(translator), client_for(member)
    make_request()
    claimed = make_request()
    actions.claim_request(request=claimed, translator=translator)
    few = (
        queries(lambda: worker.get("/api/v1/translations/board/")),
        queries(lambda: requester.get("/api/v1/translations/board/")),
    )
    for _ in range(5):
        actions.claim_request(request=make_request(), translator=translator)
        make_request()
    many = (
        queries(lambda: worker.get("/api/v1/translations/board/")),
        queries(lambda: requester.get("/api/v1/translations/board/")),
    )
    assert many == few


# Counted as in production, where the room's data key is cached once the transaction that
# created it has committed (messaging/crypto.py).
@pytest.mark.django_db(transaction=True)
def test_translations_beside_messages_do_not_grow_with_messages(
    post, member, translator, make_request
):
    def translate(count):
        messages = []
        for _ in range(count):
            message = post(member)
            request = make_request(message=message)
            actions.claim_request(request=request, translator=translator)
            actions.submit_translation(request=request, translator=translator, text="done")
            messages.append(message)
        return messages

    few, many = translate(1), translate(6)
    assert queries(lambda: translations_for_messages(few, member)) == queries(
        lambda: translations_for_messages(many, member)
    )
