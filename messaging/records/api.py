"""The case-record API: request an export, follow its progress, approve it, download it once
(docs/records.md). Thin over messaging/records/workflow.py."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging import access
from messaging.records import closure, workflow
from messaging.records.api_serializers import (
    ClosedOut,
    CloseInputSerializer,
    ExportInputSerializer,
    ExportOut,
    HoldInputSerializer,
    HoldOut,
    RetentionInputSerializer,
    RetentionOut,
)
from messaging.records.errors import RecordError
from messaging.records.models import ExportRequest
from network import membership
from network.api_input import validated
from network.models import Network


def _iso(moment):
    return moment.isoformat() if moment else None


def export_dict(export: ExportRequest) -> dict:
    return {
        "id": str(export.pk),
        "room": str(export.room_id),
        "status": export.status,
        "progress": export.progress,
        "approval_required": export.approval_required,
        "requested_by": export.requested_by_id,
        "requested_at": _iso(export.requested_at),
        "approved_by": export.approved_by_id,
        "approved_at": _iso(export.approved_at),
        "thread": str(export.thread_id) if export.thread_id else None,
        "tag": export.tag or None,
        "since": _iso(export.since),
        "until": _iso(export.until),
        "finished_at": _iso(export.finished_at),
        "expires_at": _iso(export.expires_at),
        "bundle_hash": export.bundle_hash or None,
        "bundle_size": export.bundle_size or None,
    }


@extend_schema(request=ExportInputSerializer, responses={201: ExportOut})
@api_view(["POST"])
def request_export(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = validated(ExportInputSerializer, request.data)
    export = workflow.request_export(
        room=room,
        requester=request.user,
        legal_basis=data["legal_basis"],
        case_reference=data.get("case_reference") or "",
        thread=data.get("thread"),
        tag=data.get("tag"),
        since=data.get("since"),
        until=data.get("until"),
    )
    return Response(export_dict(export), status=201)


@extend_schema(responses=ExportOut)
@api_view(["GET"])
def export_detail(request, export_id):
    return Response(export_dict(workflow.get_export(request.user, export_id)))


@extend_schema(request=None, responses=ExportOut)
@api_view(["POST"])
def approve(request, export_id):
    export = workflow.approve_export(export_id=export_id, approver=request.user)
    return Response(export_dict(export))


@extend_schema(
    responses={(200, "application/zip"): OpenApiTypes.BINARY},
    description="The bundle, once, for the person who requested the export.",
)
@api_view(["GET"])
def download(request, export_id):
    data, name = workflow.download(export_id=export_id, user=request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Closing, holds, retention ------------------------------------------------------------


def hold_dict(hold) -> dict:
    return {
        "id": str(hold.pk),
        "room": str(hold.room_id),
        "reason": hold.reason,
        "placed_by": hold.placed_by_id,
        "placed_at": _iso(hold.placed_at),
        "ends_at": _iso(hold.ends_at),
    }


@extend_schema(request=CloseInputSerializer, responses=ClosedOut)
@api_view(["POST"])
def close(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = validated(CloseInputSerializer, request.data)
    room = closure.close_room(room=room, owner=request.user, reason=data.get("reason") or "")
    return Response({"room": str(room.pk), "closed_at": _iso(room.closed_at)})


@extend_schema(request=HoldInputSerializer, responses={201: HoldOut})
@api_view(["POST"])
def holds(request, room_id):
    closure.get_room_for_hold(request.user, room_id)
    data = validated(HoldInputSerializer, request.data)
    hold = closure.place_hold(
        room_id=room_id, user=request.user, reason=data["reason"], ends_at=data.get("ends_at")
    )
    return Response(hold_dict(hold), status=201)


@extend_schema(responses={204: None})
@api_view(["DELETE"])
def hold(request, hold_id):
    closure.lift_hold(hold_id=hold_id, user=request.user)
    return Response(status=204)


@extend_schema(methods=["GET"], responses=RetentionOut)
@extend_schema(methods=["PUT"], request=RetentionInputSerializer, responses=RetentionOut)
@api_view(["GET", "PUT"])
def retention(request, slug):
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise RecordError("not_found", _("No such network."))
    if not membership.is_coordinator(request.user, network):
        raise RecordError("not_coordinator", _("Only a coordinator of the network sees this."))
    if request.method == "PUT":
        data = validated(RetentionInputSerializer, request.data)
        closure.set_retention(
            network=network, coordinator=request.user, days=data["closed_room_days"]
        )
    rooms = [
        {
            "room": str(line["room"].pk),
            "closed_at": _iso(line["closed_at"]),
            "due_at": _iso(line["due_at"]),
            "state": line["state"],
            "holds": [hold_dict(hold) for hold in line["holds"]],
        }
        for line in closure.retention_report(networks=[network])
    ]
    return Response(
        {
            "network": network.slug,
            "closed_room_days": closure.retention_days(network.pk),
            "rooms": rooms,
        }
    )
