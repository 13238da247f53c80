"""Exports of case records: who may export, and the export itself (docs/records.md)."""

import datetime

from django.utils.translation import gettext as _

from messaging import access
from messaging.models import Room
from messaging.records import bundle
from messaging.records.errors import RecordError
from messaging.records.selection import select


def check_exporter(user, room: Room) -> None:
    """Room owners export; coordinators and others who do not take part in the room cannot
    (they do not read it: the room looks unknown to them), nor does a support or observer
    participant (who reads only the threads named to them)."""
    if not access.reads_whole_room(user, room):
        raise access.UnknownRoom(room.pk)
    if room.kind != Room.Kind.CASE:
        raise RecordError("forbidden", _("Only case rooms are exported as case records."))
    if not access.is_owner(user, room):
        raise RecordError("forbidden", _("Only an owner of the room exports it."))


def clean_basis(value) -> str:
    legal_basis = (value or "").strip() if isinstance(value, str | None) else ""
    if not legal_basis:
        raise RecordError("field_required", _("State the legal basis."), field="legal_basis")
    if len(legal_basis) > 500:
        raise RecordError("field_too_long", _("At most 500 characters."), field="legal_basis")
    return legal_basis


def check_approver(room: Room, requester, approver) -> None:
    """A room with members of more than one state needs a second participant's approval."""
    if approver is None:
        if bundle.approval_required(room):
            raise RecordError(
                "approval_required",
                _("Members of several states take part: a second participant must approve."),
                field="approved_by",
            )
        return
    if approver.pk == requester.pk or not access.reads_whole_room(approver, room):
        raise RecordError(
            "invalid_approver",
            _("The approver must be another participant of the room."),
            field="approved_by",
        )


def export_room(
    *,
    room: Room,
    exporter,
    legal_basis: str,
    case_reference: str = "",
    thread=None,
    tag=None,
    since=None,
    until=None,
    approved_by=None,
    approved_at=None,
    requested_at=None,
    export_id: str = "",
) -> bundle.Built:
    """Build the bundle now (the export workflow runs this outside the request)."""
    check_exporter(exporter, room)
    legal_basis = clean_basis(legal_basis)
    selection = select(room, thread=thread, tag=tag, since=since, until=until)
    check_approver(room, exporter, approved_by)
    custody = bundle.Custody(
        requested_by=exporter,
        requested_at=requested_at or datetime.datetime.now(datetime.UTC),
        legal_basis=legal_basis,
        case_reference=(case_reference or "").strip(),
        approved_by=approved_by,
        approved_at=approved_at,
        export_id=export_id,
    )
    return bundle.build(room, selection, custody, exporter=exporter)
