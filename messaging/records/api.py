"""The case-record API: request an export, follow its progress, approve it, download it once
(docs/records.md). Thin over messaging/records/workflow.py."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging import access
from messaging.records import workflow
from messaging.records.api_serializers import ExportInputSerializer, ExportOut
from messaging.records.models import ExportRequest
from network.api_input import validated


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
