"""REST endpoints for networks, applications, endorsements and coordinators' decisions.

Thin: a permission-checked getter, validated input, one action, a serializer. A refused
action raises a DomainError, which network/api_errors.py answers.
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import APIView

from network.api_input import validated, validated_query
from network.models import Membership, MembershipDecision, Network
from network.serializers import (
    ApplicationSerializer,
    ApplyInputSerializer,
    ApplyUploadSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    EndorseInputSerializer,
    EndorsementSerializer,
    MemberSerializer,
    MembershipSerializer,
    MembersQuerySerializer,
    NetworkSerializer,
    RoleInputSerializer,
)
from network.vetting import access, actions, admission
from network.vetting.decisions import DECISIONS


def _validated(serializer_class, request) -> dict:
    return validated(serializer_class, request.data)


@extend_schema(tags=["networks"], summary="All networks")
class NetworkList(generics.ListAPIView):
    serializer_class = NetworkSerializer
    queryset = Network.objects.all()


@extend_schema(tags=["networks"], summary="One network")
class NetworkDetail(generics.RetrieveAPIView):
    serializer_class = NetworkSerializer
    queryset = Network.objects.all()
    lookup_field = "slug"


@extend_schema(tags=["memberships"], summary="My memberships, in every state")
class MyMemberships(generics.ListAPIView):
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return (
            Membership.objects.filter(user=self.request.user)
            .select_related("network")
            .order_by("network__name")
        )


class Apply(APIView):
    @extend_schema(
        tags=["memberships"],
        summary="Apply to a network (or apply again after a rejection or an expiry)",
        description="JSON (a designation letter in base64 with its type), or multipart/form-"
        "data (the letter as a file part, as the application page sends it).",
        request={
            "application/json": ApplyInputSerializer,
            "multipart/form-data": ApplyUploadSerializer,
        },
        responses={201: MembershipSerializer},
    )
    def post(self, request, slug: str):
        network = access.get_network(slug)
        if request.content_type.startswith("multipart/form-data"):
            values = _validated(ApplyUploadSerializer, request)
            letter, letter_type = admission.read_letter(values.pop("designation_letter", None))
        else:
            values = _validated(ApplyInputSerializer, request)
            letter = admission.decode_letter(values.pop("designation_letter"))
            letter_type = values.pop("designation_letter_type")
        membership = actions.apply_to_network(
            user=request.user,
            network=network,
            letter=letter,
            letter_content_type=letter_type,
            **values,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["vetting"],
    summary="Pending applications, for active members of the network to endorse",
    responses={200: ApplicationSerializer(many=True)},
)
class Applications(generics.ListAPIView):
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        network = access.get_network_for_member(self.request, self.kwargs["slug"])
        return access.pending_applications(network)


class Endorse(APIView):
    @extend_schema(
        tags=["vetting"],
        summary="Endorse a pending application (active members of the network, once each)",
        request=EndorseInputSerializer,
        responses={201: EndorsementSerializer},
    )
    def post(self, request, slug: str, pk: int):
        network = access.get_network_for_member(request, slug)
        membership = access.get_membership_in(network, pk)
        endorsement = actions.endorse(
            membership=membership,
            endorser=request.user,
            statement=_validated(EndorseInputSerializer, request)["statement"],
        )
        return Response(EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["vetting"],
    summary="The coordinator's queue: pending applications with their endorsements",
    responses={200: ApplicationSerializer(many=True)},
)
class Queue(Applications):
    def get_queryset(self):
        network = access.get_network_for_coordinator(self.request, self.kwargs["slug"])
        return access.pending_applications(network)


@extend_schema(
    tags=["vetting"],
    summary="Members of the network, for its coordinators (filter with ?status=)",
    parameters=[MembersQuerySerializer],
    responses={200: MemberSerializer(many=True)},
)
class Members(generics.ListAPIView):
    serializer_class = MemberSerializer

    def get_queryset(self):
        network = access.get_network_for_coordinator(self.request, self.kwargs["slug"])
        memberships = (
            Membership.objects.filter(network=network)
            .select_related("user", "network")
            .order_by("user__display_name", "pk")
        )
        wanted = validated_query(MembersQuerySerializer, self.request).get("status")
        return memberships.filter(status=wanted) if wanted else memberships


class Decide(APIView):
    """One coordinator decision on a membership, with a reason."""

    decision = ""

    @extend_schema(
        tags=["vetting"],
        summary="Decide on a membership with a reason (approve, reject, renew, suspend, "
        "reinstate, revoke, allow-readmission; coordinators)",
        request=DecisionInputSerializer,
        responses={200: MemberSerializer},
    )
    def post(self, request, slug: str, pk: int):
        network = access.get_network_for_coordinator(request, slug)
        membership = access.get_membership_in(network, pk)
        reason = _validated(DecisionInputSerializer, request)["reason"]
        decided = DECISIONS[self.decision].take(
            membership=membership, coordinator=request.user, reason=reason
        )
        return Response(MemberSerializer(decided).data)


class ChangeRole(APIView):
    @extend_schema(
        tags=["vetting"],
        summary="Change an active member's role, with a reason",
        request=RoleInputSerializer,
        responses={200: MemberSerializer},
    )
    def post(self, request, slug: str, pk: int):
        network = access.get_network_for_coordinator(request, slug)
        membership = access.get_membership_in(network, pk)
        changed = actions.change_role(
            membership=membership,
            coordinator=request.user,
            **_validated(RoleInputSerializer, request),
        )
        return Response(MemberSerializer(changed).data)


@extend_schema(
    tags=["vetting"],
    summary="Download an application's designation letter (the network's coordinators)",
    description="The letter in clear, with the content type it was uploaded with, as an "
    "attachment; each reading is in the audit log. 404 for everyone but the network's "
    "coordinators, and when the membership has no letter.",
    responses={(200, "*/*"): OpenApiTypes.BINARY},
)
@api_view(["GET"])
def designation_letter(request, slug: str, pk: int):
    membership = access.get_membership_for_letter(request, slug, pk)
    letter, content_type = admission.letter_for_coordinator(membership, request.user)
    response = HttpResponse(letter, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, admission.letter_filename(membership)
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@extend_schema(
    tags=["vetting"],
    summary="Decisions on one membership (its member and the network's coordinators)",
    responses={200: DecisionSerializer(many=True)},
)
class MembershipDecisions(generics.ListAPIView):
    serializer_class = DecisionSerializer

    def get_queryset(self):
        membership = access.get_membership_for_history(
            self.request, self.kwargs["slug"], self.kwargs["pk"]
        )
        return membership.decisions.select_related("actor", "membership__user")


@extend_schema(
    tags=["vetting"],
    summary="Every decision in the network, newest first (coordinators)",
    responses={200: DecisionSerializer(many=True)},
)
class NetworkDecisions(generics.ListAPIView):
    serializer_class = DecisionSerializer

    def get_queryset(self):
        network = access.get_network_for_coordinator(self.request, self.kwargs["slug"])
        return (
            MembershipDecision.objects.filter(membership__network=network)
            .select_related("actor", "membership__user")
            .order_by("-decided_at", "-pk")
        )
