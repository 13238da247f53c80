"""The export workflow: a room owner requests, a second participant approves when the room
has members of more than one state, a worker builds the bundle outside the request (with
progress), the requester downloads it once before it expires. Every request, approval and
export is an event of the room's log and an entry of the audit log."""

import datetime
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import access
from messaging.models import Room, RoomEvent
from messaging.records import bundle
from messaging.records.actions import check_exporter, clean_basis
from messaging.records.errors import RecordError
from messaging.records.models import OPEN_STATUSES, ExportRequest
from messaging.records.selection import select
from messaging.room_writes import append_event, finish_write, lock_room
from network import keyring
from network.audit import log as audit

logger = logging.getLogger(__name__)

DOWNLOAD_HOURS = 24
SEAL_PURPOSE = "record-bundle"


class UnknownExport(RecordError):
    """No export with that id that this person may see (unknown and forbidden look alike)."""

    def __init__(self):
        super().__init__("unknown_export", _("No such export."))


def _room_event(room: Room, actor, kind: str, details: dict) -> RoomEvent:
    event = append_event(room, kind=kind, actor=actor, details=details)
    finish_write(room, event)
    return event


def request_export(
    *,
    room: Room,
    requester,
    legal_basis,
    case_reference="",
    thread=None,
    tag=None,
    since=None,
    until=None,
) -> ExportRequest:
    check_exporter(requester, room)
    legal_basis = clean_basis(legal_basis)
    case_reference = (case_reference or "").strip()[:200]
    selection = select(room, thread=thread, tag=tag, since=since, until=until)
    if not bundle.matches_anything(room, selection):
        raise RecordError("empty_selection", _("Nothing in this room matches the selection."))
    required = bundle.approval_required(room)
    try:
        with transaction.atomic():
            locked = lock_room(room)
            if ExportRequest.objects.filter(room=locked, status__in=OPEN_STATUSES).exists():
                raise _running()
            export = ExportRequest.objects.create(
                room=locked,
                requested_by=requester,
                thread=selection.thread,
                tag=selection.tag,
                since=selection.since,
                until=selection.until,
                legal_basis=legal_basis,
                case_reference=case_reference,
                approval_required=required,
                status=ExportRequest.Status.AWAITING_APPROVAL
                if required
                else ExportRequest.Status.PENDING,
            )
            _room_event(
                locked,
                requester,
                RoomEvent.Kind.RECORD_REQUESTED,
                {"export": str(export.pk), "selection": selection.describe()},
            )
            audit.record(
                "records.export_requested",
                actor=requester,
                target=export,
                reason=legal_basis,
                details={"room": str(room.pk), "selection": selection.describe()},
            )
    except IntegrityError as exc:  # two requests at once: the unique constraint decides
        raise _running() from exc
    return export


def _running() -> RecordError:
    return RecordError("export_running", _("An export of this room is already under way."))


def get_export(user, export_id) -> ExportRequest:
    """An export of a room `user` reads now; else UnknownExport."""
    try:
        parsed = uuid.UUID(str(export_id))
    except ValueError as exc:
        raise UnknownExport() from exc
    export = ExportRequest.objects.select_related("room").filter(pk=parsed).first()
    if export is None or not access.reads_whole_room(user, export.room):
        raise UnknownExport()
    return export


def approve_export(*, export_id, approver) -> ExportRequest:
    export = get_export(approver, export_id)
    if export.requested_by_id == approver.pk:
        raise RecordError(
            "invalid_approver",
            _("The approver must be another participant of the room."),
            field="approved_by",
        )
    with transaction.atomic():
        room = lock_room(export.room)
        export = ExportRequest.objects.select_for_update().get(pk=export.pk)
        if export.status != ExportRequest.Status.AWAITING_APPROVAL:
            raise RecordError("wrong_status", _("This export is not awaiting approval."))
        export.status = ExportRequest.Status.PENDING
        export.approved_by = approver
        export.approved_at = timezone.now()
        export.save(update_fields=["status", "approved_by", "approved_at"])
        _room_event(room, approver, RoomEvent.Kind.RECORD_APPROVED, {"export": str(export.pk)})
        audit.record("records.export_approved", actor=approver, target=export)
    return export


# --- The worker -------------------------------------------------------------------------------


def run_pending(limit: int | None = None) -> int:
    """Build the bundles of pending exports (each claimed by one worker), expire bundles not
    downloaded in time; return how many exports ran."""
    expire_old()
    ran = 0
    while limit is None or ran < limit:
        with transaction.atomic():
            export = (
                ExportRequest.objects.select_for_update(skip_locked=True)
                .filter(status=ExportRequest.Status.PENDING)
                .order_by("requested_at")
                .first()
            )
            if export is None:
                break
            export.status = ExportRequest.Status.RUNNING
            export.started_at = timezone.now()
            export.save(update_fields=["status", "started_at"])
        run(export)
        ran += 1
    return ran


def run(export: ExportRequest) -> None:
    def progress(percent: int) -> None:
        ExportRequest.objects.filter(pk=export.pk).update(progress=min(percent, 99))

    try:
        room = export.room
        check_exporter(export.requested_by, room)
        built = bundle.build(
            room,
            select(
                room,
                thread=export.thread_id,
                tag=export.tag or None,
                since=export.since,
                until=export.until,
            ),
            bundle.Custody(
                requested_by=export.requested_by,
                requested_at=export.requested_at,
                legal_basis=export.legal_basis,
                case_reference=export.case_reference,
                approved_by=export.approved_by,
                approved_at=export.approved_at,
                export_id=str(export.pk),
            ),
            exporter=export.requested_by,
            progress=progress,
        )
    except Exception as exc:  # the job fails, the worker goes on with the next
        logger.exception("export %s failed", export.pk)
        message = getattr(exc, "message", "") or exc.__class__.__name__
        with transaction.atomic():
            ExportRequest.objects.filter(pk=export.pk).update(
                status=ExportRequest.Status.FAILED, finished_at=timezone.now(), failure=message
            )
            audit.record("records.export_failed", target=export, reason=message)
        return
    sealed = keyring.seal(built.data, purpose=SEAL_PURPOSE, aad=str(export.pk).encode())
    now = timezone.now()
    with transaction.atomic():
        room = lock_room(export.room)
        ExportRequest.objects.filter(pk=export.pk).update(
            status=ExportRequest.Status.DONE,
            progress=100,
            finished_at=now,
            expires_at=now + datetime.timedelta(hours=DOWNLOAD_HOURS),
            bundle_sealed=sealed,
            bundle_hash=built.bundle_hash,
            bundle_size=len(built.data),
        )
        _room_event(
            room,
            export.requested_by,
            RoomEvent.Kind.RECORD_EXPORTED,
            {"export": str(export.pk), "bundle_hash": built.bundle_hash, "size": built.size},
        )
        audit.record(
            "records.exported",
            actor=export.requested_by,
            target=export,
            details={
                "bundle_hash": built.bundle_hash,
                "events": built.size,
                "exported": built.exported,
                "withheld": built.withheld,
                "attachments": built.attachments,
            },
        )


def expire_old() -> int:
    with transaction.atomic():
        expired = ExportRequest.objects.filter(
            status=ExportRequest.Status.DONE, expires_at__lte=timezone.now()
        )
        ids = list(expired.values_list("pk", flat=True))
        ExportRequest.objects.filter(pk__in=ids).update(
            status=ExportRequest.Status.EXPIRED, bundle_sealed=None
        )
        if ids:
            audit.record("records.exports_expired", details={"count": len(ids)})
    return len(ids)


def download(*, export_id, user) -> tuple[bytes, str]:
    """The bundle, once, for its requester; (data, file name)."""
    export = get_export(user, export_id)
    if export.requested_by_id != user.pk:
        raise UnknownExport()
    ExportRequest.objects.filter(
        pk=export.pk, status=ExportRequest.Status.DONE, expires_at__lte=timezone.now()
    ).update(status=ExportRequest.Status.EXPIRED, bundle_sealed=None)
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().get(pk=export.pk)
        if export.status in (ExportRequest.Status.DOWNLOADED, ExportRequest.Status.EXPIRED):
            raise RecordError("expired", _("This export was downloaded already or expired."))
        if export.status != ExportRequest.Status.DONE:
            raise RecordError("wrong_status", _("This export is not ready yet."))
        data = keyring.unseal(
            export.bundle_sealed, purpose=SEAL_PURPOSE, aad=str(export.pk).encode()
        )
        export.status = ExportRequest.Status.DOWNLOADED
        export.downloaded_at = timezone.now()
        export.bundle_sealed = None
        export.save(update_fields=["status", "downloaded_at", "bundle_sealed"])
        audit.record(
            "records.downloaded", actor=user, target=export, details={"hash": export.bundle_hash}
        )
    return data, f"case-record-{export.bundle_hash[:16]}.zip"
