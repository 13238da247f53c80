"""Exports of a room, a thread, a case tag and a time range, verified offline."""

import datetime
import json
import uuid

import pytest

from messaging import roomlog
from messaging.records.errors import RecordError
from messaging.verify import verify_bundle
from tests.records.conftest import unzip

pytestmark = pytest.mark.django_db


def test_whole_room_round_trip(case, export, member):
    built = export()
    verdict = verify_bundle(built.data)
    assert verdict.ok, verdict.text()
    files = unzip(built.data)
    transcript = json.loads(files["transcript.json"])
    bodies = [message["body"] for message in transcript["messages"]]
    assert bodies == [
        "The agency recruits in Lagos.",
        "Confirmed by our unit.",
        "Account 12 at Banco X.",
    ]
    first = transcript["messages"][0]
    assert first["edits"][0]["body"] == "The agency recruits in Lagos, Nigeria."
    assert first["attachments"][0]["filename"] == "ledger.pdf"
    assert files[f"attachments/{first['attachments'][0]['sha256']}"].startswith(b"%PDF")
    assert first["sender"]["name"] == "Mateo Member"
    assert transcript["messages"][1]["evaluation"] == "B2"
    assert transcript["messages"][1]["reply_to"] == str(case["first"].pk)
    withheld = {item["seq"]: item["reason"] for item in transcript["withheld"]}
    assert withheld[case["secret"].seq] == "provider_permission"
    assert withheld[case["gone"].seq] == "tombstoned"
    assert b"Informant" not in built.data and b"wrong room" not in built.data
    kinds = [event["kind"] for event in transcript["events"]]
    assert "message.deleted" in kinds and "participant.added" in kinds
    # every event of the room is shown or withheld, and the checkpoint is the room's log
    assert built.size == case["room"].events.count()
    assert roomlog.check_against(case["room"], files["log/checkpoint.txt"].decode()) == ""
    assert verdict.facts["withheld"] == len(withheld)


def test_own_restricted_items_are_exported(case, counterpart, member):
    from messaging.records import actions

    # the provider of the H1 item, made an owner, exports it
    case["room"].participants.filter(user=counterpart).update(role="owner")
    now = datetime.datetime.now(datetime.UTC)
    built = actions.export_room(
        room=case["room"],
        exporter=counterpart,
        legal_basis="x",
        approved_by=member,
        requested_at=now - datetime.timedelta(minutes=1),
        approved_at=now,
    )
    transcript = json.loads(unzip(built.data)["transcript.json"])
    assert "Informant's name." in [m["body"] for m in transcript["messages"]]
    assert verify_bundle(built.data).ok


def test_thread_round_trip_reveals_nothing_else(case, export):
    built = export(thread=str(case["lantern"].pk))
    assert verify_bundle(built.data).ok
    transcript = json.loads(unzip(built.data)["transcript.json"])
    assert [m["thread"]["title"] for m in transcript["messages"]] == ["Recruitment agency"] * 2
    assert b"Banco X" not in built.data and b"Bank accounts" not in built.data
    assert all(event["kind"] != "participant.added" for event in transcript["events"])
    leaves = json.loads(unzip(built.data)["log/leaves.json"])["leaves"]
    assert len(leaves) == built.size  # unselected events are there as leaf hashes


def test_tag_round_trip(case, export):
    built = export(tag="LANTERN")
    assert verify_bundle(built.data).ok
    transcript = json.loads(unzip(built.data)["transcript.json"])
    assert transcript["selection"]["scope"] == "tag"
    assert {m["thread"]["id"] for m in transcript["messages"]} == {str(case["lantern"].pk)}


def test_time_range_round_trip(case, export):
    reply_time = case["room"].events.get(seq=case["reply"].seq).occurred_at
    bank_time = case["room"].events.get(seq=case["bank"].seq).occurred_at
    built = export(since=reply_time, until=bank_time)
    assert verify_bundle(built.data).ok
    transcript = json.loads(unzip(built.data)["transcript.json"])
    assert [m["body"] for m in transcript["messages"]] == ["Confirmed by our unit."]


def test_re_export_gives_the_same_transcript(case, export):
    first, second = unzip(export().data), unzip(export().data)
    assert first["transcript.json"] == second["transcript.json"]
    assert first["log/leaves.json"] == second["log/leaves.json"]


def test_html_transcript(case, export):
    built = export()
    html = unzip(built.data)["transcript.html"].decode()
    assert built.bundle_hash in html
    assert "counter(page)" in html and "@page" in html
    assert html.count('class="code"') == 3  # the handling code on every message shown
    assert "Withheld" in html and "provider_permission" in html


def test_selection_that_matches_nothing(case, export):
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    with pytest.raises(RecordError) as refused:
        export(since=later)
    assert refused.value.code == "empty_selection"


def test_thread_or_tag_of_another_room(case, export, member, counterpart, tipp):
    from messaging import actions

    elsewhere = actions.create_room(
        kind="case", creator=member, title="Elsewhere", network=tipp, participants=[counterpart]
    )
    foreign = actions.create_thread(
        room=elsewhere,
        creator=member,
        title="Foreign",
        tags=[{"kind": "operation", "value": "Far"}],
    )
    with pytest.raises(RecordError) as refused:
        export(thread=str(foreign.pk))
    assert (refused.value.code, refused.value.field) == ("unknown_thread", "thread")
    with pytest.raises(RecordError) as refused:
        export(tag="Far")
    assert (refused.value.code, refused.value.field) == ("unknown_tag", "tag")


def test_coordinator_and_participant_cannot_export(case, coordinator, counterpart):
    from messaging.access import UnknownRoom
    from messaging.records import actions

    with pytest.raises(UnknownRoom):
        actions.export_room(room=case["room"], exporter=coordinator, legal_basis="x")
    with pytest.raises(RecordError) as refused:
        actions.export_room(room=case["room"], exporter=counterpart, legal_basis="x")
    assert refused.value.code == "forbidden"


def test_legal_basis_required(case, export):
    with pytest.raises(RecordError) as refused:
        export(legal_basis="  ")
    assert (refused.value.code, refused.value.field) == ("field_required", "legal_basis")


def test_approval(case, export, member, outsider, counterpart):
    with pytest.raises(RecordError) as refused:
        export(approved_by=None)
    assert (refused.value.code, refused.value.field) == ("approval_required", "approved_by")
    for approver in (outsider, member):
        with pytest.raises(RecordError) as refused:
            export(approved_by=approver)
        assert (refused.value.code, refused.value.field) == ("invalid_approver", "approved_by")


def test_provider_permission_releases_an_item_for_export(case, export, member, counterpart):
    """The provider's `export` permission (messaging/disclosure) releases their H1 item; a
    refusal keeps it withheld, and both bundles verify."""
    from messaging.disclosure import actions as disclosure

    asked = disclosure.ask_permission(
        requester=member, message=case["secret"], purpose="export", outside=True
    )
    disclosure.answer_permission(permission=asked, provider=counterpart, answer="granted")
    built = export()
    transcript = json.loads(unzip(built.data)["transcript.json"])
    assert "Informant's name." in [m["body"] for m in transcript["messages"]]
    assert case["secret"].seq not in {item["seq"] for item in transcript["withheld"]}
    assert verify_bundle(built.data).ok


def test_a_refused_permission_keeps_the_item_withheld(case, export, member, counterpart):
    from messaging.disclosure import actions as disclosure

    asked = disclosure.ask_permission(
        requester=member, message=case["secret"], purpose="export", outside=True
    )
    disclosure.answer_permission(
        permission=asked, provider=counterpart, answer="refused", note="A source's safety."
    )
    built = export()
    withheld = {item["seq"]: item["reason"] for item in _transcript(built)["withheld"]}
    assert withheld[case["secret"].seq] == "provider_permission"
    assert b"Informant" not in built.data
    assert verify_bundle(built.data).ok


def test_restricted_thread_the_exporter_does_not_read_is_withheld(case, export, counterpart):
    from messaging import actions, posting

    hidden = actions.create_thread(
        room=case["room"],
        creator=counterpart,
        title="Victim's statement",
        restricted=True,
        readers=[counterpart.pk],
    )
    said = posting.post_message(
        room=case["room"],
        sender=counterpart,
        thread=hidden,
        body="Statement of A.",
        client_id=uuid.uuid4(),
    ).message
    built = export()
    withheld = {item["seq"]: item["reason"] for item in _transcript(built)["withheld"]}
    assert withheld[said.seq] == "restricted_thread"
    assert b"Statement of A." not in built.data and b"Victim's statement" not in built.data
    assert verify_bundle(built.data).ok


def _transcript(built) -> dict:
    return json.loads(unzip(built.data)["transcript.json"])
