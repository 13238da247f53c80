"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every
operation of /api/v1/schema/ through the application in-process, signed in as an active
member with an API token, and every answer must be described by the schema (status, content
type, headers, body) and none may be a server error.

Bounded and reproducible: EXAMPLES generated requests per operation, derandomised, no
example database; the rates are lifted so that the run measures the contract, not the
throttle (tests/network/test_api_contract.py tests the 429).
"""

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from directory import actions as directory_actions
from messaging import actions as messaging_actions
from messaging import posting
from network.accounts import tokens
from network.models import Membership

pytestmark = pytest.mark.postgres

EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
LIFTED_RATES = dict.fromkeys(
    [
        "user",
        "anon",
        "address",
        "search",
        "message_post",
        "token_create",
        "translation_request",
        "introduction_request",
    ],
    "100000/min",
)


@pytest.fixture
def wsgi_app(settings):
    """The WSGI application inside the test's transaction: as Django's test client does, the
    connection is not closed at the end of each request."""
    settings.COUNTERPART_THROTTLE_RATES = LIFTED_RATES
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def bearer(member):
    issued = tokens.create_token(user=member, name="schemathesis", lifetime_days=1)
    return {"Authorization": f"Bearer {issued.plaintext}"}


@pytest.fixture
def known_ids(member, counterpart, applicant, tipp, case_room):
    """Ids of real objects the member may reach, so that generated requests get past the
    look-up too: half of the examples of an operation use them for its path."""
    thread = messaging_actions.create_thread(room=case_room, creator=member, title="Lantern")
    message = posting.post_message(
        room=case_room, sender=member, thread=thread, body="hola", client_id=uuid.uuid4()
    ).message
    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="note.txt", content=b"nota"
    )
    authority = directory_actions.create_authority(
        name="Fiscalia General", kind="prosecution_service", state="CO"
    )
    entry = directory_actions.create_contact_point(
        authority=authority,
        kind="person",
        name="Mateo Member",
        competences=["jit.authorize"],
        networks=[tipp],
        member=member,
    )
    membership = Membership.objects.get(user=applicant, network=tipp)
    common = {
        "slug": tipp.slug,
        "room_id": str(case_room.pk),
        "message_id": str(message.pk),
        "attachment_id": str(attachment.pk),
        "seq": 1,
        "user_id": counterpart.pk,
    }
    return [
        ("/api/v1/directory/authorities/", {**common, "id": authority.pk}),
        ("/api/v1/directory/", {**common, "id": entry.pk}),
        ("/api/v1/", {**common, "id": membership.pk}),
    ]


def _with_known_ids(strategy, known_ids):
    def use(case, known: bool):
        if not known or not case.path_parameters:
            return case
        ids = next(ids for prefix, ids in known_ids if case.path.startswith(prefix))
        for name in case.path_parameters:
            if name in ids:
                case.path_parameters[name] = ids[name]
        return case

    return st.tuples(strategy, st.booleans()).map(lambda pair: use(*pair))


def _failure_of(operation, headers: dict, known_ids) -> str | None:
    """The first failure of a few generated requests to `operation`, or None."""

    @given(case=_with_known_ids(operation.as_strategy(), known_ids))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case):
        # The answers are read as sent: uncompressed (GZipMiddleware compresses only for a
        # client that accepts it; tests/browser/test_page_weight.py measures that side).
        case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"}, checks=CHECKS)

    try:
        exercise()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as failure:  # noqa: BLE001 - each operation's failure is reported
        return f"{operation.label}: {failure}"
    return None


def test_every_operation_answers_as_its_schema_says(wsgi_app, bearer, known_ids):
    """No generated request gets a 5xx, and every answer matches the schema."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60

    failures = [
        failure
        for operation in operations
        if (failure := _failure_of(operation, bearer, known_ids))
    ]

    assert not failures, "\n\n".join(failures[:20])
