"""The case-record pages: the room's record page, an export's page (approve, download once),
closing a case, legal holds, and a network's retention report; each with bad input that
writes nothing."""

import datetime
import zoneinfo

import pytest

from messaging.models import Room
from messaging.records import workflow
from messaging.records.models import ExportRequest, LegalHold, RetentionPolicy
from messaging.verify import verify_bundle

pytestmark = pytest.mark.django_db


def record_url(room):
    return f"/records/rooms/{room.pk}/"


def test_the_room_page_links_the_record_for_its_owner(case, member, counterpart, client_for):
    room = case["room"]
    page = client_for(member).get(f"/rooms/{room.pk}/").content.decode()
    assert record_url(room) in page
    other = client_for(counterpart)
    assert record_url(room) not in other.get(f"/rooms/{room.pk}/").content.decode()
    export = workflow.request_export(room=room, requester=member, legal_basis="Order 4/2026")
    # The other participant is shown the way to approve.
    assert record_url(room) in other.get(f"/rooms/{room.pk}/").content.decode()
    assert f"/records/exports/{export.pk}/" in other.get(record_url(room)).content.decode()


def test_request_approve_build_download(case, member, counterpart, client_for):
    owner, other = client_for(member), client_for(counterpart)
    room = case["room"]
    answer = owner.post(
        f"{record_url(room)}export/",
        {"scope": "tag", "tag": "Lantern", "legal_basis": "Order 4/2026", "case_reference": "DP 1"},
    )
    export = ExportRequest.objects.get(room=room)
    assert answer.status_code == 302 and answer["Location"] == f"/records/exports/{export.pk}/"
    assert (export.tag, export.status) == ("Lantern", "awaiting_approval")
    page = owner.get(answer["Location"]).content.decode()
    assert "awaiting another participant" in page and "/approve/" not in page
    page = other.get(answer["Location"]).content.decode()
    assert f"/records/exports/{export.pk}/approve/" in page
    approved = other.post(f"/records/exports/{export.pk}/approve/")
    assert approved.status_code == 302
    export.refresh_from_db()
    assert (export.status, export.approved_by) == ("pending", counterpart)
    page = owner.get(f"/records/exports/{export.pk}/").content.decode()
    assert '<progress id="export-progress" max="100" value="0"' in page
    assert f'data-poll="/api/v1/records/{export.pk}/"' in page
    workflow.run_pending()
    page = owner.get(f"/records/exports/{export.pk}/").content.decode()
    assert 'value="100"' in page and f"/records/exports/{export.pk}/download/" in page
    assert "/download/" not in other.get(f"/records/exports/{export.pk}/").content.decode()
    assert other.get(f"/records/exports/{export.pk}/download/").status_code == 404
    download = owner.get(f"/records/exports/{export.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert verify_bundle(download.content).ok
    again = owner.get(f"/records/exports/{export.pk}/download/")
    assert again.status_code == 410
    assert "downloaded already or expired" in again.content.decode()


def test_bad_export_requests_write_nothing(case, member, client_for):
    owner = client_for(member)
    url = f"{record_url(case['room'])}export/"
    cases = [
        ({"scope": "room"}, 400, "This field is required."),
        ({"scope": "thread", "legal_basis": "x"}, 400, "Choose the thread."),
        ({"scope": "tag", "legal_basis": "x"}, 400, "Give the case tag."),
        ({"scope": "tag", "tag": "Nowhere", "legal_basis": "x"}, 404, "No thread"),
        (
            {"scope": "room", "legal_basis": "x", "since": "2999-01-01T00:00"},
            400,
            "Nothing in this room matches the selection.",
        ),
        (
            {
                "scope": "room",
                "legal_basis": "x",
                "since": "2026-02-01T00:00",
                "until": "2026-01-01T00:00",
            },
            400,
            "",
        ),
    ]
    for data, status, text in cases:
        answer = owner.post(url, data)
        assert answer.status_code == status, (data, answer.status_code)
        assert text in answer.content.decode(), data
    assert not ExportRequest.objects.exists()


def test_a_second_export_while_one_runs(case, member, client_for):
    owner = client_for(member)
    url = f"{record_url(case['room'])}export/"
    assert owner.post(url, {"scope": "room", "legal_basis": "Order 4/2026"}).status_code == 302
    second = owner.post(url, {"scope": "room", "legal_basis": "Order 5/2026"})
    assert second.status_code == 409
    assert "already under way" in second.content.decode()
    assert ExportRequest.objects.count() == 1


def test_only_an_owner_requests_and_only_another_participant_approves(
    case, member, counterpart, coordinator, client_for
):
    room = case["room"]
    refused = client_for(counterpart).post(
        f"{record_url(room)}export/", {"scope": "room", "legal_basis": "x"}
    )
    assert refused.status_code == 403
    export = workflow.request_export(room=room, requester=member, legal_basis="Order 4/2026")
    own = client_for(member).post(f"/records/exports/{export.pk}/approve/")
    assert own.status_code == 400 and "another participant" in own.content.decode()
    # A coordinator who does not take part in the room does not see the export at all.
    stranger = client_for(coordinator)
    assert stranger.get(f"/records/exports/{export.pk}/").status_code == 404
    assert stranger.post(f"/records/exports/{export.pk}/approve/").status_code == 404
    export.refresh_from_db()
    assert (export.status, export.approved_by) == ("awaiting_approval", None)


def test_times_in_the_members_zone(case, member, client_for):
    member.time_zone = "America/Argentina/Buenos_Aires"
    member.save(update_fields=["time_zone"])
    owner = client_for(member)
    answer = owner.post(
        f"{record_url(case['room'])}export/",
        {"scope": "room", "legal_basis": "x", "since": "2020-01-01T09:00"},
    )
    assert answer.status_code == 302
    since = ExportRequest.objects.get().since
    zone = zoneinfo.ZoneInfo("America/Argentina/Buenos_Aires")
    assert since == datetime.datetime(2020, 1, 1, 9, 0, tzinfo=zone)


def test_close_the_case_with_confirmation(case, member, counterpart, client_for):
    room = case["room"]
    owner = client_for(member)
    unconfirmed = owner.post(f"{record_url(room)}close/", {"reason": "Done"})
    assert unconfirmed.status_code == 400
    assert "Confirm that the case is to be closed." in unconfirmed.content.decode()
    assert Room.objects.get(pk=room.pk).closed_at is None
    refused = client_for(counterpart).post(f"{record_url(room)}close/", {"confirm": "on"})
    assert refused.status_code == 403
    closed = owner.post(f"{record_url(room)}close/", {"confirm": "on", "reason": "Done"})
    assert closed.status_code == 302
    assert Room.objects.get(pk=room.pk).closed_at is not None
    page = owner.get(record_url(room)).content.decode()
    assert "read-only" in page and f"{record_url(room)}close/" not in page
    again = owner.post(f"{record_url(room)}close/", {"confirm": "on"})
    assert again.status_code == 409


def test_holds_by_owner_and_coordinator(case, member, counterpart, coordinator, client_for):
    room = case["room"]
    owner, coord = client_for(member), client_for(coordinator)
    bad = [
        ({"reason": ""}, "This field is required."),
        ({"reason": "Trial", "ends_at": "2001-01-01T00:00"}, "The end must be in the future."),
        ({"reason": "Trial", "ends_at": "someday"}, "Enter a valid date/time."),
    ]
    for data, text in bad:
        answer = owner.post(f"{record_url(room)}holds/", data)
        assert answer.status_code == 400 and text in answer.content.decode(), data
    assert not LegalHold.objects.exists()
    participant = client_for(counterpart).post(f"{record_url(room)}holds/", {"reason": "x"})
    assert participant.status_code == 404
    assert not LegalHold.objects.exists()
    placed = owner.post(f"{record_url(room)}holds/", {"reason": "Trial pending"})
    assert placed.status_code == 302 and placed["Location"] == record_url(room)
    by_coordinator = coord.post(
        f"{record_url(room)}holds/", {"reason": "Appeal", "ends_at": "2999-01-01T00:00"}
    )
    assert by_coordinator.status_code == 302
    assert by_coordinator["Location"] == "/records/networks/tipp/retention/"
    assert LegalHold.objects.count() == 2
    hold = LegalHold.objects.get(reason="Trial pending")
    assert "Trial pending" in owner.get(record_url(room)).content.decode()
    lifted = coord.post(f"/records/holds/{hold.pk}/lift/")
    assert lifted.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == coordinator


def test_the_retention_report(case, member, coordinator, client_for):
    from messaging.records import closure

    closure.close_room(room=case["room"], owner=member)
    coord = client_for(coordinator)
    page = coord.get("/records/networks/tipp/retention/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Operation Lantern" in text and 'value="1825"' in text
    assert client_for(member).get("/records/networks/tipp/retention/").status_code == 403
    for bad in ("0", "36501", "many", ""):
        answer = coord.post("/records/networks/tipp/retention/", {"closed_room_days": bad})
        assert answer.status_code == 400, bad
    assert not RetentionPolicy.objects.exists()
    saved = coord.post("/records/networks/tipp/retention/", {"closed_room_days": "30"})
    assert saved.status_code == 302
    assert RetentionPolicy.objects.get().closed_room_days == 30
    assert 'value="30"' in coord.get("/records/networks/tipp/retention/").content.decode()


def test_closing_tells_the_other_participants(
    case, member, counterpart, client_for, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from messaging.realtime.broadcast import member_group_name
    from messaging.records.models import CaseNotice

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group_name(counterpart.pk), channel)
    room = case["room"]
    with django_capture_on_commit_callbacks(execute=True):
        closed = client_for(member).post(f"{record_url(room)}close/", {"confirm": "on"})
    assert closed.status_code == 302
    notice = CaseNotice.objects.get()
    assert (notice.recipient, notice.room, notice.kind) == (counterpart, room, "case_closed")
    frame = async_to_sync(layer.receive)(channel)
    assert frame == {
        "type": "member.notification",
        "notification": notice.pk,
        "kind": "case_closed",
    }
    # Shown once on the room list, then seen.
    other = client_for(counterpart)
    listed = other.get("/rooms/").content.decode()
    assert "The case Operation Lantern was closed" in listed
    assert "was closed" not in other.get("/rooms/").content.decode()
    assert "was closed" not in client_for(member).get("/rooms/").content.decode()
