"""/api/v1/jit/: the proposals one sees, one proposal with its status board, and a party's
answer to a version, a party's signed scan — the same actions as the pages, as JSON."""

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.jit import access, actions, board, views
from messaging.jit.models import Proposal
from network.api_input import InputSerializer, Text, validated

OBJECT = OpenApiResponse(build_basic_type(OpenApiTypes.OBJECT))
OBJECT_LIST = OpenApiResponse(build_array_type(build_basic_type(OpenApiTypes.OBJECT)))


class ConsentSerializer(InputSerializer):
    state = Text(max_length=2)
    version = Text(max_length=12)
    decision = Text(max_length=16, help_text="consent, conditions or refusal")
    note = Text(required=False, allow_blank=True, max_length=None)


def summary(proposal: Proposal) -> dict:
    return {
        "id": str(proposal.pk),
        "room": str(proposal.room_id),
        "title": proposal.title,
        "status": proposal.status,
        "created_at": proposal.created_at.isoformat(),
    }


def _party(row: board.PartyRow) -> dict:
    consent = row.consent
    signature = row.signature
    return {
        "state": row.party.state,
        "language": row.party.language,
        "routing": row.party.routing,
        "routes": [
            {
                "contact_point": item.route.contact_point_id,
                "kind": item.route.kind,
                "reach": item.route.reach,
                "seen_at": item.route.seen_at.isoformat() if item.route.seen_at else None,
                "overdue": item.overdue,
            }
            for item in row.routes
        ],
        "answer": {
            "decision": consent.decision,
            "note": row.note,
            "at": consent.decided_at.isoformat(),
        }
        if consent
        else None,
        "reopened_because": row.reopened.reopened_because if row.reopened else None,
        "signature": {
            "id": signature.pk,
            "signatory": signature.signatory,
            "signed_on": signature.signed_on.isoformat(),
            "sha256": signature.sha256,
        }
        if signature
        else None,
    }


def detail_of(proposal: Proposal, role: str) -> dict:
    status = board.status_board(proposal)
    content = actions.open_version(status.latest)
    return {
        **summary(proposal),
        "role": role,
        "version": status.latest.number,
        "period_start": status.latest.period_start.isoformat(),
        "period_end": status.latest.period_end.isoformat(),
        "team_type": status.latest.team_type,
        "sections": content.sections,
        "legal_basis": content.legal_basis,
        "agreed_version": proposal.agreed_version.number if proposal.agreed_version else None,
        "in_force_version": proposal.in_force_version.number if proposal.in_force_version else None,
        "parties": [_party(row) for row in status.parties],
    }


@extend_schema(tags=["jit"], responses=OBJECT_LIST)
@api_view(["GET"])
def proposals(request):
    """The JIT proposals of your case rooms and those routed to you."""
    return Response([summary(p) for p in access.visible_proposals(request.user)])


@extend_schema(tags=["jit"], operation_id="jit_detail", responses=OBJECT)
@api_view(["GET"])
def detail(request, proposal_id):
    """A proposal: its latest version and the status board per party."""
    proposal, role = access.get_proposal_for_viewer(request.user, proposal_id)
    actions.mark_seen(proposal=proposal, user=request.user)
    return Response(detail_of(proposal, role))


@extend_schema(tags=["jit"], request=ConsentSerializer, responses={201: OBJECT})
@api_view(["POST"])
def consent(request, proposal_id):
    """A routed contact point answers for its party: consent, conditions or refusal, for
    the latest version."""
    proposal, _role = access.get_proposal_for_viewer(request.user, proposal_id)
    data = validated(ConsentSerializer, request.data)
    answer = actions.record_consent(
        proposal=proposal,
        user=request.user,
        state=data["state"],
        version_number=data["version"],
        decision=data["decision"],
        note=data.get("note", ""),
    )
    proposal.refresh_from_db()
    return Response(
        {"state": answer.party.state, "decision": answer.decision, "status": proposal.status},
        status=201,
    )


@extend_schema(
    tags=["jit"],
    operation_id="jit_signature_scan",
    responses={(200, content_type): OpenApiTypes.BINARY for content_type in actions.SCAN_TYPES},
    description="A party's signed scan, as uploaded (PDF, PNG or JPEG): for the readers of "
    "the case room, and for the contact point routed for that party.",
)
@api_view(["GET"])
def signature_scan(request, proposal_id, signature_id):
    return views.signature_scan_response(request.user, proposal_id, signature_id)
