"""Request, approval, the worker, download once; each step on the room's log and audited."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from messaging.models import RoomEvent
from messaging.records import workflow
from messaging.records.errors import RecordError
from messaging.records.models import ExportRequest
from messaging.verify import verify_bundle
from network.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def request(case, member, **fields):
    fields.setdefault("legal_basis", "Order 4/2026 of the investigating judge")
    return workflow.request_export(room=case["room"], requester=member, **fields)


def test_request_approve_run_download(case, member, counterpart):
    export = request(case, member, thread=str(case["lantern"].pk), case_reference="DP 123")
    assert export.status == ExportRequest.Status.AWAITING_APPROVAL  # AR and NG members
    assert workflow.run_pending() == 0
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    out = io.StringIO()
    call_command("run_record_exports", "--once", stdout=out)
    assert "1 export(s) built" in out.getvalue()
    export.refresh_from_db()
    assert (export.status, export.progress) == (ExportRequest.Status.DONE, 100)
    assert export.bundle_sealed and b"PK" not in bytes(export.bundle_sealed)[:40]
    data, name = workflow.download(export_id=export.pk, user=member)
    assert name.endswith(".zip")
    verdict = verify_bundle(data)
    assert verdict.ok, verdict.text()
    kinds = list(
        case["room"].events.filter(kind__startswith="record.").values_list("kind", flat=True)
    )
    assert kinds == ["record.requested", "record.approved", "record.exported"]
    actions = set(
        AuditEvent.objects.filter(target_id=str(export.pk)).values_list("action", flat=True)
    )
    assert actions == {
        "records.export_requested",
        "records.export_approved",
        "records.exported",
        "records.downloaded",
    }
    # once only
    with pytest.raises(RecordError) as refused:
        workflow.download(export_id=export.pk, user=member)
    assert refused.value.code == "expired"
    export.refresh_from_db()
    assert export.bundle_sealed is None


def test_the_custody_record_names_the_approver(case, member, counterpart):
    import json
    import zipfile

    export = request(case, member)
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    workflow.run_pending()
    data, _ = workflow.download(export_id=export.pk, user=member)
    custody = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("custody.json"))
    assert custody["approved_by"]["name"] == "Chidi Counterpart"
    assert custody["export"] == str(export.pk)
    assert custody["legal_basis"] == "Order 4/2026 of the investigating judge"
    # the request and approval are in the exported log, before the checkpoint
    transcript = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("transcript.json"))
    assert {"record.requested", "record.approved"} <= {e["kind"] for e in transcript["events"]}


def test_second_export_while_one_runs(case, member, counterpart):
    request(case, member)
    with pytest.raises(RecordError) as refused:
        request(case, member, tag="Lantern")
    assert refused.value.code == "export_running"
    assert ExportRequest.objects.count() == 1


def test_approver_rules(case, member, counterpart, outsider, coordinator):
    export = request(case, member)
    with pytest.raises(RecordError) as refused:
        workflow.approve_export(export_id=export.pk, approver=member)
    assert refused.value.code == "invalid_approver"
    for stranger in (outsider, coordinator):
        with pytest.raises(RecordError) as refused:
            workflow.approve_export(export_id=export.pk, approver=stranger)
        assert refused.value.code == "unknown_export"
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    with pytest.raises(RecordError) as refused:
        workflow.approve_export(export_id=export.pk, approver=counterpart)
    assert refused.value.code == "wrong_status"


def test_single_state_room_needs_no_approval(case, member, counterpart):
    counterpart.state = "AR"
    counterpart.save(update_fields=["state"])
    export = request(case, member)
    assert export.status == ExportRequest.Status.PENDING
    assert workflow.run_pending() == 1


def test_bad_requests_write_nothing(case, member, counterpart, coordinator):
    before = case["room"].events.count()
    later = timezone.now() + datetime.timedelta(days=1)
    cases = [
        ({"since": later}, "empty_selection"),
        ({"thread": "not-a-thread"}, "unknown_thread"),
        ({"tag": "Nowhere"}, "unknown_tag"),
        ({"legal_basis": ""}, "field_required"),
    ]
    for fields, code in cases:
        with pytest.raises(RecordError) as refused:
            request(case, member, **fields)
        assert refused.value.code == code
    with pytest.raises(RecordError) as refused:
        request(case, counterpart)
    assert refused.value.code == "forbidden"
    assert ExportRequest.objects.count() == 0
    assert case["room"].events.count() == before
    assert not RoomEvent.objects.filter(kind__startswith="record.").exists()


def test_only_the_requester_downloads_and_not_after_expiry(case, member, counterpart):
    export = request(case, member)
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    with pytest.raises(RecordError) as refused:
        workflow.download(export_id=export.pk, user=member)
    assert refused.value.code == "wrong_status"
    workflow.run_pending()
    with pytest.raises(RecordError) as refused:
        workflow.download(export_id=export.pk, user=counterpart)
    assert refused.value.code == "unknown_export"
    ExportRequest.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    with pytest.raises(RecordError) as refused:
        workflow.download(export_id=export.pk, user=member)
    assert refused.value.code == "expired"
    export.refresh_from_db()
    assert export.status == ExportRequest.Status.EXPIRED and export.bundle_sealed is None


def test_a_failed_export_frees_the_room(case, member, counterpart):
    export = request(case, member)
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    # the requester is no longer an owner when the worker runs
    case["room"].participants.filter(user=member).update(role="participant")
    workflow.run_pending()
    export.refresh_from_db()
    assert export.status == ExportRequest.Status.FAILED and export.failure
    case["room"].participants.filter(user=member).update(role="owner")
    assert request(case, member).status == ExportRequest.Status.AWAITING_APPROVAL
