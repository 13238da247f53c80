"""Rooms for the messaging tests: a case room of TIPP with the member and a counterpart."""

import uuid

import pytest

from messaging import actions


@pytest.fixture
def counterpart(make_user, make_membership, tipp):
    user = make_user("counterpart@example.org", display_name="Chidi Counterpart", state="NG")
    make_membership(user, tipp)
    return user


@pytest.fixture
def case_room(member, counterpart, tipp):
    return actions.create_room(
        kind="case",
        creator=member,
        title="Operation Lantern",
        network=tipp,
        participants=[counterpart],
    )


@pytest.fixture
def thread(case_room, member):
    return actions.create_thread(
        room=case_room,
        creator=member,
        title="Recruitment agency",
        tags=[
            {"kind": "case_number", "state": "ES", "value": "DP 123/2025"},
            {"kind": "operation", "value": "Lantern"},
        ],
    )


@pytest.fixture
def post(thread):
    def send(sender, body="hello", **fields):
        fields.setdefault("client_id", uuid.uuid4())
        return actions.post_message(
            room=thread.room, sender=sender, thread=thread, body=body, **fields
        )

    return send
