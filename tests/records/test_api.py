"""The case-record API end to end: request, approve, progress, download once, verify."""

import uuid

import pytest

from messaging.records import workflow
from messaging.verify import verify_bundle

pytestmark = pytest.mark.django_db


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_request_approve_download(case, member, counterpart, client_for):
    owner, other = client_for(member), client_for(counterpart)
    room = case["room"]
    answer = post(
        owner,
        f"/api/v1/rooms/{room.pk}/records/",
        {"legal_basis": "Order 4/2026", "tag": "Lantern", "case_reference": "DP 123"},
    )
    assert answer.status_code == 201, answer.content
    export = answer.json()
    assert (export["status"], export["approval_required"]) == ("awaiting_approval", True)
    second = post(owner, f"/api/v1/rooms/{room.pk}/records/", {"legal_basis": "again"})
    assert (second.status_code, second.json()["error"]["code"]) == (409, "export_running")
    approved = post(other, f"/api/v1/records/{export['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "pending"
    workflow.run_pending()
    progress = other.get(f"/api/v1/records/{export['id']}/").json()
    assert (progress["status"], progress["progress"]) == ("done", 100)
    assert other.get(f"/api/v1/records/{export['id']}/download/").status_code == 404
    download = owner.get(f"/api/v1/records/{export['id']}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert verify_bundle(download.content).ok
    again = owner.get(f"/api/v1/records/{export['id']}/download/")
    assert (again.status_code, again.json()["error"]["code"]) == (410, "expired")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 400, "missing_field", "legal_basis"),
        ({"legal_basis": "x", "extra": 1}, 400, "unknown_field", "extra"),
        ({"legal_basis": "x", "since": "yesterday"}, 400, "invalid_field", "since"),
        (
            {"legal_basis": "x", "thread": "00000000-0000-0000-0000-000000000000"},
            404,
            "unknown_thread",
            "thread",
        ),
        ({"legal_basis": "x", "tag": "Nowhere"}, 404, "unknown_tag", "tag"),
        ({"legal_basis": "x", "since": "2999-01-01T00:00:00Z"}, 400, "empty_selection", None),
    ],
)
def test_bad_requests(case, member, client_for, body, status, code, field):
    answer = post(client_for(member), f"/api/v1/rooms/{case['room'].pk}/records/", body)
    error = answer.json()["error"]
    assert (answer.status_code, error["code"]) == (status, code), error
    if field:
        assert error.get("field") == field
    assert not case["room"].record_exports.exists()


def test_close_hold_and_retention(case, member, coordinator, counterpart, client_for, tipp):
    owner, coordinating = client_for(member), client_for(coordinator)
    room = case["room"]
    hold = post(coordinating, f"/api/v1/rooms/{room.pk}/holds/", {"reason": "Trial pending"})
    assert hold.status_code == 201, hold.content
    bad = post(owner, f"/api/v1/rooms/{room.pk}/holds/", {"reason": "x", "ends_at": "soon"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "ends_at")
    closed = post(owner, f"/api/v1/rooms/{room.pk}/close/", {"reason": "Team period ended"})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    again = post(owner, f"/api/v1/rooms/{room.pk}/close/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "wrong_status")
    sent = post(
        client_for(counterpart),
        f"/api/v1/rooms/{room.pk}/messages/",
        {"thread": str(case["lantern"].pk), "body": "late", "client_id": str(uuid.uuid4())},
    )
    assert (sent.status_code, sent.json()["error"]["code"]) == (409, "room_closed")
    changed = coordinating.put(
        "/api/v1/networks/tipp/retention/",
        {"closed_room_days": 90},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    report = changed.json()
    assert report["closed_room_days"] == 90
    (line,) = report["rooms"]
    assert (line["room"], line["state"]) == (str(room.pk), "held")
    assert owner.get("/api/v1/networks/tipp/retention/").status_code == 403
    lifted = coordinating.delete(f"/api/v1/holds/{hold.json()['id']}/")
    assert lifted.status_code == 204
    assert coordinating.get("/api/v1/networks/tipp/retention/").json()["rooms"][0]["state"] == (
        "kept"
    )
